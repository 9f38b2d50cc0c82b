/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * The code ptimerctl copies into the target (see lib/arch/x86_64/blob.S,
 * which this follows entry by entry), in aarch64: the system call number
 * in x8, the arguments in x0-x5, the result in x0, every other register
 * kept by svc.  Position independent, no stack use, no libc.  Every entry
 * ends in brk #0, followed by its _trap_end label (see ARCH_TRAP_END);
 * the tracer restores all registers afterwards, so the blob may clobber
 * any general register.
 *
 * The structure offsets come from lib/blob_abi.h, which checks them
 * against the C structures; the system call numbers from the kernel's
 * uapi header.
 */
#include <asm/unistd.h>

#include "blob_abi.h"
#include "kabi.h"

	.section .rodata
	.balign 16
	.globl arch_blob_start, arch_blob_end, arch_blob_batch, arch_blob_walk
	.globl arch_blob_batch_trap_end, arch_blob_walk_trap_end, arch_blob_batch_call_end

arch_blob_start:

/*
 * arch_blob_batch(struct blob_batch *b)			(x0)
 *   b->count entries of { nr, args[6], ret } follow the header.
 *   Stops early when BLOB_BATCH_STOP_ON_ERROR is set and a call fails.
 *   b->done counts the entries executed.
 */
arch_blob_batch:
	mov	x19, x0				/* header */
	add	x20, x0, #BLOB_BATCH_CALLS	/* first entry */
	mov	x21, #0				/* done */
1:	ldr	x9, [x19, #BLOB_BATCH_COUNT]
	cmp	x21, x9
	b.hs	3f
	ldr	x8, [x20, #BLOB_CALL_NR]
	ldp	x0, x1, [x20, #BLOB_CALL_ARGS]
	ldp	x2, x3, [x20, #BLOB_CALL_ARGS + 16]
	ldp	x4, x5, [x20, #BLOB_CALL_ARGS + 32]
	svc	#0
arch_blob_batch_call_end:		/* a stop here has the result in x0 */
	str	x0, [x20, #BLOB_CALL_RET]
	add	x21, x21, #1
	add	x20, x20, #BLOB_CALL_SIZE
	cmn	x0, #KMAX_ERRNO			/* -MAX_ERRNO..-1 is a failure */
	b.lo	1b
	ldr	x9, [x19, #BLOB_BATCH_FLAGS]
	tst	x9, #BLOB_BATCH_STOP_ON_ERROR
	b.eq	1b
3:	str	x21, [x19, #BLOB_BATCH_DONE]
	brk	#0
arch_blob_batch_trap_end:

/*
 * arch_blob_walk(struct blob_walk *w)				(x0)
 *   Creates and deletes timers with w's clock and sigevent until the
 *   kernel hands out w->want, which is kept, or w->max_steps creations
 *   have been made.  w->steps, w->last_id and w->error report back.
 */
arch_blob_walk:
	mov	x19, x0
	mov	x20, #0				/* steps */
1:	ldr	x9, [x19, #BLOB_WALK_MAX_STEPS]
	cmp	x20, x9
	b.hs	4f
	mov	x8, #__NR_timer_create
	ldr	x0, [x19, #BLOB_WALK_CLOCKID]
	ldr	x1, [x19, #BLOB_WALK_SIGEVENT]
	ldr	x2, [x19, #BLOB_WALK_ID_SLOT]	/* int *id */
	svc	#0
	cbnz	x0, 3f
	add	x20, x20, #1
	ldrsw	x0, [x2]			/* the id the kernel chose */
	str	x0, [x19, #BLOB_WALK_LAST_ID]
	ldr	x9, [x19, #BLOB_WALK_WANT]
	cmp	x0, x9
	b.eq	4f				/* the wanted id: keep it */
	mov	x8, #__NR_timer_delete
	svc	#0
	cbz	x0, 1b
3:	str	x0, [x19, #BLOB_WALK_ERROR]
4:	str	x20, [x19, #BLOB_WALK_STEPS]
	brk	#0
arch_blob_walk_trap_end:

arch_blob_end:
	.section .note.GNU-stack,"",@progbits
