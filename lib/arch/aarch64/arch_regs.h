/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/* aarch64 register set and constants behind the lib/arch.h hooks. */
#ifndef PTIMER_ARCH_REGS_H
#define PTIMER_ARCH_REGS_H

#include <signal.h>
#include <asm/ptrace.h>

/*
 * The largest vector length the architecture allows (2048 bits), in
 * quadwords: SVE_VQ_MAX in the uapi leaves room for far more, which a
 * register set copied by value cannot afford.
 */
#define AARCH64_VQ_ARCH_MAX	16

struct arch_regs {
	struct user_pt_regs r;	/* NT_PRSTATUS: x0-x30, sp, pc, pstate */
	int syscallno;		/* NT_ARM_SYSTEM_CALL: the call to restart, or -1 */
	/*
	 * The live SVE (or streaming SVE) registers that a system call
	 * would discard, to put back with the rest: vec_note is
	 * NT_ARM_SVE or NT_ARM_SSVE, or 0 when there is nothing beyond
	 * the FPSIMD view, which system calls keep.
	 */
	unsigned int vec_note;
	unsigned int vec_len;
	unsigned char vec[SVE_PT_SIZE(AARCH64_VQ_ARCH_MAX, SVE_PT_REGS_SVE)]
		__attribute__((aligned(16)));
};

#define ARCH_SYSCALL_SITE_LEN	8	/* svc #0 (d4000001); brk #0 (d4200000) */
#define ARCH_TRAP_LEN		4	/* the brk at its end */
/*
 * The site's offset past its brk.  The brk's stop leaves the pc on the
 * brk itself (brk_handler()), so one whose SIGTRAP was lost, merged into
 * one sent to the thread and still pending (legacy_queue()), traps again
 * once that one is taken: unlike x86_64's int3, it needs no jump back.
 */
#define ARCH_TRAP_END		8
/* The si_code of the brk's SIGTRAP (brk_handler()); a sent one has another */
#define ARCH_TRAP_SI_CODE	TRAP_BRKPT
/* AAPCS64 has no red zone: nothing lives below the stack pointer */
#define ARCH_STACK_RED_ZONE	0

/* lib/eintr.c: no -EINTR waits of aarch64's own (no epoll_wait) */
#define ARCH_EINTR_WAITS

#endif
