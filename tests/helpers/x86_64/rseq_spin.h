/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * RSEQ_SPIN_ASM() for tests/helpers/rseq_spinner.c's rseq_spin(), x86_64,
 * around that file's RSEQ_SPIN_DESCRIPTOR: the critical section is a
 * jump to itself, and the signature before the abort handler is glibc's
 * RSEQ_SIG, in the ud1 instruction glibc documents for it.
 * RSEQ_SPIN_BESIDE_PAD is 3 bytes: 2 of jmp, 3 of nop and 3 of ud1 put
 * the signature at 8.
 */
#ifndef PTIMER_TEST_RSEQ_SPIN_H
#define PTIMER_TEST_RSEQ_SPIN_H

#include <sys/rseq.h>

#define RSEQ_SPIN_BESIDE_PAD	".byte 0x0f, 0x1f, 0x00\n\t"

#define RSEQ_SPIN_ASM(rs, aborts, align, pad)					\
	__asm__ __volatile__(							\
		RSEQ_SPIN_DESCRIPTOR						\
		"0:\n\t"							\
		"leaq 3b(%%rip), %%rax\n\t"					\
		"movq %%rax, %[cs]\n\t"						\
		align								\
		"1:\n\t"							\
		"jmp 1b\n"							\
		"2:\n\t"							\
		pad								\
		".byte 0x0f, 0xb9, 0x3d\n\t"					\
		".long %c[sig]\n"						\
		"4:\n\t"							\
		"lock incq (%[aborts])\n\t"					\
		"jmp 0b\n"							\
		: [cs] "=m" ((rs)->rseq_cs)					\
		: [sig] "i" (RSEQ_SIG), [aborts] "r" (aborts)			\
		: "rax", "memory", "cc")

#endif
