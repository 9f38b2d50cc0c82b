/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * rseq_spin(): for tests/helpers/rseq_spinner.c, x86_64.  Enters a
 * restartable sequence whose critical section is a jump to itself, so the
 * thread spins inside it until the kernel aborts it (a preemption, a
 * signal); the abort handler counts in *@aborts and enters it again.
 * The signature before the handler is glibc's RSEQ_SIG, in the ud1
 * instruction glibc documents for it.
 */
#ifndef PTIMER_TEST_RSEQ_SPIN_H
#define PTIMER_TEST_RSEQ_SPIN_H

#include <sys/rseq.h>

static __attribute__((noinline, noreturn)) void rseq_spin(struct rseq *rs,
							  volatile unsigned long *aborts)
{
	__asm__ __volatile__(
		".pushsection __rseq_cs, \"aw\"\n\t"
		".balign 32\n"
		"3:\n\t"
		".long 0, 0\n\t"		/* version, flags */
		".quad 1f, 2f - 1f, 4f\n\t"	/* start_ip, post_commit_offset, abort_ip */
		".popsection\n"
		"0:\n\t"
		"leaq 3b(%%rip), %%rax\n\t"
		"movq %%rax, %[cs]\n"
		"1:\n\t"
		"jmp 1b\n"
		"2:\n\t"
		".byte 0x0f, 0xb9, 0x3d\n\t"
		".long %c[sig]\n"
		"4:\n\t"
		"lock incq (%[aborts])\n\t"
		"jmp 0b\n"
		: [cs] "=m" (rs->rseq_cs)
		: [sig] "i" (RSEQ_SIG), [aborts] "r" (aborts)
		: "rax", "memory", "cc");
	__builtin_unreachable();
}

#endif
