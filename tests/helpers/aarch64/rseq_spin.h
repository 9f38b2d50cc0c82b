/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * RSEQ_SPIN_ASM() for tests/helpers/rseq_spinner.c's rseq_spin(), aarch64,
 * around that file's RSEQ_SPIN_DESCRIPTOR: the critical section is a
 * branch to itself, and the signature before the abort handler is
 * glibc's RSEQ_SIG_CODE (a brk).  RSEQ_SPIN_BESIDE_PAD is a nop: 4 bytes
 * of b and 4 of nop put the signature at 8.
 */
#ifndef PTIMER_TEST_RSEQ_SPIN_H
#define PTIMER_TEST_RSEQ_SPIN_H

#include <sys/rseq.h>

#define RSEQ_SPIN_BESIDE_PAD	"nop\n\t"

#define RSEQ_SPIN_ASM(rs, aborts, align, pad)					\
	__asm__ __volatile__(							\
		RSEQ_SPIN_DESCRIPTOR						\
		"0:\n\t"							\
		"adrp x9, 3b\n\t"						\
		"add x9, x9, :lo12:3b\n\t"					\
		"str x9, %[cs]\n\t"						\
		align								\
		"1:\n\t"							\
		"b 1b\n"							\
		"2:\n\t"							\
		pad								\
		".inst %c[sig]\n"						\
		"4:\n\t"							\
		"ldxr x10, [%[aborts]]\n\t"					\
		"add x10, x10, #1\n\t"						\
		"stxr w11, x10, [%[aborts]]\n\t"				\
		"cbnz w11, 4b\n\t"						\
		"b 0b\n"							\
		: [cs] "=m" ((rs)->rseq_cs)					\
		: [sig] "i" (RSEQ_SIG_CODE), [aborts] "r" (aborts)		\
		: "x9", "x10", "x11", "memory", "cc")

#endif
