/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * For tests/helpers/shared_code.c, x86_64: VP_SPIN_INSN, an instruction
 * that branches to itself (jmp .), to fill a page of code with, and
 * vp_spin_at(), which moves the stack pointer and jumps into such code.
 */
#ifndef PTIMER_TEST_SPIN_AT_H
#define PTIMER_TEST_SPIN_AT_H

#define VP_SPIN_INSN	{ 0xeb, 0xfe }

static inline __attribute__((noreturn)) void vp_spin_at(void *code, void *stack_top)
{
	__asm__ __volatile__("mov %1, %%rsp\n\t"
			     "jmp *%0" : : "r" (code), "r" (stack_top) : "memory");
	__builtin_unreachable();
}

#endif
