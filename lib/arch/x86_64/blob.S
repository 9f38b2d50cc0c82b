/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * The code ptimerctl copies into the target, so that a batch of system
 * calls, or the whole timer-ID walk, costs one ptrace round trip instead
 * of one per call.  Position independent, no stack use, no libc.  Every
 * entry ends in int3, whose stop leaves the ip at the entry's _trap_end
 * label, then a jump back onto the int3 (see ARCH_TRAP_END).  The tracer
 * restores all registers afterwards, so the blob may clobber any general
 * register.
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
 * arch_blob_batch(struct blob_batch *b)			(%rdi)
 *   b->count entries of { nr, args[6], ret } follow the header.
 *   Stops early when BLOB_BATCH_STOP_ON_ERROR is set and a call fails.
 *   b->done counts the entries executed.
 */
arch_blob_batch:
	movq	%rdi, %r12		/* header */
	leaq	BLOB_BATCH_CALLS(%rdi), %r13	/* first entry */
	xorq	%r14, %r14		/* done */
1:	cmpq	BLOB_BATCH_COUNT(%r12), %r14
	jae	3f
	movq	BLOB_CALL_NR(%r13), %rax
	movq	BLOB_CALL_ARGS+0(%r13), %rdi
	movq	BLOB_CALL_ARGS+8(%r13), %rsi
	movq	BLOB_CALL_ARGS+16(%r13), %rdx
	movq	BLOB_CALL_ARGS+24(%r13), %r10
	movq	BLOB_CALL_ARGS+32(%r13), %r8
	movq	BLOB_CALL_ARGS+40(%r13), %r9
	syscall
arch_blob_batch_call_end:		/* a stop here has the result in %rax */
	movq	%rax, BLOB_CALL_RET(%r13)
	incq	%r14
	addq	$BLOB_CALL_SIZE, %r13
	cmpq	$-KMAX_ERRNO, %rax	/* -MAX_ERRNO..-1 is a failure */
	jb	1b
	testq	$BLOB_BATCH_STOP_ON_ERROR, BLOB_BATCH_FLAGS(%r12)
	jz	1b
3:	movq	%r14, BLOB_BATCH_DONE(%r12)
	int3
arch_blob_batch_trap_end:
	jmp	.-1

/*
 * arch_blob_walk(struct blob_walk *w)				(%rdi)
 *   Creates and deletes timers with w's clock and sigevent until the
 *   kernel hands out w->want, which is kept, or w->max_steps creations
 *   have been made.  w->steps, w->last_id and w->error report back.
 */
arch_blob_walk:
	movq	%rdi, %r12
	xorq	%r13, %r13		/* steps */
1:	cmpq	BLOB_WALK_MAX_STEPS(%r12), %r13
	jae	4f
	movl	$__NR_timer_create, %eax
	movq	BLOB_WALK_CLOCKID(%r12), %rdi
	movq	BLOB_WALK_SIGEVENT(%r12), %rsi
	movq	BLOB_WALK_ID_SLOT(%r12), %rdx	/* int *id */
	syscall
	testq	%rax, %rax
	jnz	3f
	incq	%r13
	movq	BLOB_WALK_ID_SLOT(%r12), %rdx
	movslq	0(%rdx), %rax		/* the id the kernel chose */
	movq	%rax, BLOB_WALK_LAST_ID(%r12)
	cmpq	BLOB_WALK_WANT(%r12), %rax
	je	4f			/* the wanted id: keep it */
	movq	%rax, %rdi
	movl	$__NR_timer_delete, %eax
	syscall
	testq	%rax, %rax
	jz	1b
3:	movq	%rax, BLOB_WALK_ERROR(%r12)
4:	movq	%r13, BLOB_WALK_STEPS(%r12)
	int3
arch_blob_walk_trap_end:
	jmp	.-1

arch_blob_end:
	.section .note.GNU-stack,"",@progbits
