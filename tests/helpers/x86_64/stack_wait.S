/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * long stack_wait(unsigned long span, unsigned long pattern, void *buf)
 *
 * Fill the @span bytes below the stack pointer (the red zone and what a
 * signal frame would take) with @pattern, block in read(0, @buf, 1) with
 * nothing of ours touching them, and return how many of their 8-byte words
 * changed meanwhile.  No stack use: the words below %rsp are the data.
 * The kernel keeps every register but %rax, %rcx and %r11 across syscall.
 */
#include <asm/unistd.h>

	.text
	.globl	stack_wait
	.type	stack_wait, @function
stack_wait:
	movq	%rsp, %r9
	subq	%rdi, %r9		/* the first word, kept across the call */
	movq	%r9, %rax
1:	movq	%rsi, (%rax)
	addq	$8, %rax
	cmpq	%rsp, %rax
	jb	1b
	movq	%rsi, %r8		/* the pattern, kept across the call */
	movq	%rdx, %rsi
	xorl	%edi, %edi
	movl	$1, %edx
	movl	$__NR_read, %eax
	syscall
	xorl	%eax, %eax
2:	cmpq	%r8, (%r9)
	je	3f
	incq	%rax
3:	addq	$8, %r9
	cmpq	%rsp, %r9
	jb	2b
	ret
	.size	stack_wait, . - stack_wait
	.section .note.GNU-stack,"",@progbits
