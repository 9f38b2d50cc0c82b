/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * rseq_spin(): for tests/helpers/rseq_spinner.c, x86_64.  Enters a
 * restartable sequence whose critical section is a jump to itself, so the
 * thread spins inside it until the kernel aborts it (a preemption, a
 * signal); the abort handler counts in *@aborts and enters it again.
 * The signature before the handler is glibc's RSEQ_SIG, in the ud1
 * instruction glibc documents for it.
 *
 * With @beside, the section starts a 16-byte line and the signature
 * takes bytes 8 to 11 of it: where a tool that borrows a few code bytes
 * near the ip, 16-byte aligned and moved 8 on off the ip (ptimerctl's ip
 * site), writes them.  The kernel checks that signature whenever the
 * thread's rseq_cs pointer is set, wherever its ip is.
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

static __attribute__((noinline, noreturn)) void rseq_spin(struct rseq *rs,
							  volatile unsigned long *aborts,
							  bool beside)
{
	if (beside)	/* 2 bytes of jmp, 3 of nop, 3 of ud1: the signature at 8 */
		RSEQ_SPIN_ASM(rs, aborts, ".balign 16\n", ".byte 0x0f, 0x1f, 0x00\n\t");
	else
		RSEQ_SPIN_ASM(rs, aborts, "", "");
	__builtin_unreachable();
}

#endif
