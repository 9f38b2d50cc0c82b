/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/* aarch64 register set and constants behind the lib/arch.h hooks. */
#ifndef PTIMER_ARCH_REGS_H
#define PTIMER_ARCH_REGS_H

#include <asm/ptrace.h>

struct arch_regs {
	struct user_pt_regs r;	/* NT_PRSTATUS: x0-x30, sp, pc, pstate */
	int syscallno;		/* NT_ARM_SYSTEM_CALL: the call to restart, or -1 */
};

#define ARCH_SYSCALL_SITE_LEN	8	/* svc #0 (d4000001); brk #0 (d4200000) */
#define ARCH_TRAP_LEN		4	/* the brk at its end */
/* AAPCS64 has no red zone: nothing lives below the stack pointer */
#define ARCH_STACK_RED_ZONE	0

/* lib/eintr.c: no -EINTR waits of aarch64's own (no epoll_wait) */
#define ARCH_EINTR_WAITS

#endif
