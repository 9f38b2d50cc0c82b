/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * The code ptimerctl copies into the target, so that a batch of system
 * calls, or the whole timer-ID walk, costs one ptrace round trip instead
 * of one per call.  Position independent, no stack use, no libc.  Every
 * entry ends in int3; the tracer restores all registers afterwards, so
 * the blob may clobber any general register.
 *
 * The structure layouts are mirrored in lib/blob_abi.h.
 */
	.section .rodata
	.balign 16
	.globl arch_blob_start, arch_blob_end, arch_blob_batch, arch_blob_walk

arch_blob_start:

/*
 * arch_blob_batch(struct blob_batch *b)			(%rdi)
 *   b->count entries of { nr, args[6], ret } follow the 32-byte header.
 *   Stops early when BLOB_BATCH_STOP_ON_ERROR is set and a call fails.
 *   b->done counts the entries executed.
 */
arch_blob_batch:
	movq	%rdi, %r12		/* header */
	leaq	32(%rdi), %r13		/* first entry */
	xorq	%r14, %r14		/* done */
1:	cmpq	0(%r12), %r14
	jae	3f
	movq	0(%r13), %rax
	movq	8(%r13), %rdi
	movq	16(%r13), %rsi
	movq	24(%r13), %rdx
	movq	32(%r13), %r10
	movq	40(%r13), %r8
	movq	48(%r13), %r9
	syscall
	movq	%rax, 56(%r13)
	incq	%r14
	addq	$64, %r13
	cmpq	$-4095, %rax		/* -MAX_ERRNO..-1 is a failure */
	jb	1b
	testq	$1, 8(%r12)		/* BLOB_BATCH_STOP_ON_ERROR */
	jz	1b
3:	movq	%r14, 16(%r12)
	int3

/*
 * arch_blob_walk(struct blob_walk *w)				(%rdi)
 *   Creates and deletes timers with w's clock and sigevent until the
 *   kernel hands out w->want, which is kept, or w->max_steps creations
 *   have been made.  w->steps, w->last_id and w->error report back.
 */
arch_blob_walk:
	movq	%rdi, %r12
	xorq	%r13, %r13		/* steps */
1:	cmpq	32(%r12), %r13
	jae	4f
	movl	$222, %eax		/* timer_create */
	movq	0(%r12), %rdi		/* clockid */
	movq	8(%r12), %rsi		/* sigevent */
	movq	16(%r12), %rdx		/* int *id */
	syscall
	testq	%rax, %rax
	jnz	3f
	incq	%r13
	movq	16(%r12), %rdx
	movslq	0(%rdx), %rax		/* the id the kernel chose */
	movq	%rax, 48(%r12)
	cmpq	24(%r12), %rax
	je	4f			/* the wanted id: keep it */
	movq	%rax, %rdi
	movl	$226, %eax		/* timer_delete */
	syscall
	testq	%rax, %rax
	jz	1b
3:	movq	%rax, 56(%r12)
4:	movq	%r13, 40(%r12)
	int3

arch_blob_end:
	.section .note.GNU-stack,"",@progbits
