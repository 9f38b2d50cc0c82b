/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * For tests/helpers/shared_code.c, aarch64: VP_SPIN_INSN, an instruction
 * that branches to itself (b .), to fill a page of code with, and
 * vp_spin_at(), which moves the stack pointer and jumps into such code.
 */
#ifndef PTIMER_TEST_SPIN_AT_H
#define PTIMER_TEST_SPIN_AT_H

#define VP_SPIN_INSN	{ 0x00, 0x00, 0x00, 0x14 }

static inline __attribute__((noreturn)) void vp_spin_at(void *code, void *stack_top)
{
	__asm__ __volatile__("mov sp, %1\n\t"
			     "br %0" : : "r" (code), "r" (stack_top) : "memory");
	__builtin_unreachable();
}

#endif
