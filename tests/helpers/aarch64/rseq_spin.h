/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * rseq_spin(): for tests/helpers/rseq_spinner.c, aarch64.  Enters a
 * restartable sequence whose critical section is a branch to itself, so
 * the thread spins inside it until the kernel aborts it (a preemption, a
 * signal); the abort handler counts in *@aborts and enters it again.
 * The signature before the handler is glibc's RSEQ_SIG_CODE (a brk).
 *
 * With @beside, the section starts a 16-byte line and the signature
 * takes bytes 8 to 11 of it: where a tool that borrows a few code bytes
 * near the ip, 16-byte aligned and moved 8 on off the ip (ptimerctl's ip
 * site), writes them.  The kernel checks that signature whenever the
 * thread's rseq_cs pointer is set, wherever its pc is.
 */
#ifndef PTIMER_TEST_RSEQ_SPIN_H
#define PTIMER_TEST_RSEQ_SPIN_H

#include <stdbool.h>
#include <sys/rseq.h>

#define RSEQ_SPIN_ASM(rs, aborts, align, pad)					\
	__asm__ __volatile__(							\
		".pushsection __rseq_cs, \"aw\"\n\t"				\
		".balign 32\n"							\
		"3:\n\t"							\
		".long 0, 0\n\t"		/* version, flags */		\
		".quad 1f, 2f - 1f, 4f\n\t"	/* start_ip, post_commit_offset, abort_ip */ \
		".popsection\n"							\
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

static __attribute__((noinline, noreturn)) void rseq_spin(struct rseq *rs,
							  volatile unsigned long *aborts,
							  bool beside)
{
	if (beside)	/* 4 bytes of b, 4 of nop: the signature at 8 */
		RSEQ_SPIN_ASM(rs, aborts, ".balign 16\n", "nop\n\t");
	else
		RSEQ_SPIN_ASM(rs, aborts, "", "");
	__builtin_unreachable();
}

#endif
