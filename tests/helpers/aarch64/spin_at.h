/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * For tests/helpers/shared_code.c, aarch64: VP_SPIN_INSN, an instruction
 * that branches to itself (b .), to fill a page of code with, and
 * vp_spin_at(), which moves the stack pointer and jumps into such code;
 * vp_wait_code, position-independent code that sleeps in ppoll() with
 * nothing to poll and no timeout, again each time the call returns, to
 * copy to the start of such a page.
 */
#ifndef PTIMER_TEST_SPIN_AT_H
#define PTIMER_TEST_SPIN_AT_H

#define VP_SPIN_INSN	{ 0x00, 0x00, 0x00, 0x14 }

#include <asm/unistd.h>

#define VP_STR(x)	#x
#define VP_XSTR(x)	VP_STR(x)

__asm__(".pushsection .rodata\n"
	".globl vp_wait_code\n"
	".balign 4\n"
	"vp_wait_code:\n"
	"1:\t"
	"mov x0, #0\n\t"
	"mov x1, #0\n\t"
	"mov x2, #0\n\t"
	"mov x3, #0\n\t"
	"mov x4, #0\n\t"
	"mov x8, #" VP_XSTR(__NR_ppoll) "\n\t"
	"svc #0\n\t"
	"b 1b\n"
	".globl vp_wait_code_end\n"
	"vp_wait_code_end:\n"
	".popsection");
extern const unsigned char vp_wait_code[], vp_wait_code_end[];

static inline __attribute__((noreturn)) void vp_spin_at(void *code, void *stack_top)
{
	__asm__ __volatile__("mov sp, %1\n\t"
			     "br %0" : : "r" (code), "r" (stack_top) : "memory");
	__builtin_unreachable();
}

#endif
