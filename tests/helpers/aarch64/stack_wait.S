/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * long stack_wait(unsigned long span, unsigned long pattern, void *buf)
 *
 * Fill the @span bytes below the stack pointer (what a signal frame would
 * take; AAPCS64 has no red zone) with @pattern, block in read(0, @buf, 1)
 * with nothing of ours touching them, and return how many of their 8-byte
 * words changed meanwhile.  No stack use: the words below sp are the
 * data.  The kernel keeps every register but x0 across svc.
 */
#include <asm/unistd.h>

	.text
	.globl	stack_wait
	.type	stack_wait, %function
stack_wait:
	mov	x11, sp
	sub	x9, x11, x0		/* the first word, kept across the call */
	mov	x10, x9
1:	str	x1, [x10], #8
	cmp	x10, x11
	b.lo	1b
	mov	x12, x1			/* the pattern, kept across the call */
	mov	x0, #0
	mov	x1, x2
	mov	x2, #1
	mov	x8, #__NR_read
	svc	#0
	mov	x0, #0
2:	ldr	x10, [x9], #8
	cmp	x10, x12
	cinc	x0, x0, ne
	cmp	x9, x11
	b.lo	2b
	ret
	.size	stack_wait, . - stack_wait
	.section .note.GNU-stack,"",%progbits
