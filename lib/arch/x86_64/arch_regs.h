/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/* x86_64 register set and constants behind the lib/arch.h hooks. */
#ifndef PTIMER_ARCH_REGS_H
#define PTIMER_ARCH_REGS_H

#include <signal.h>
#include <sys/user.h>

struct arch_regs {
	struct user_regs_struct r;
};

#define ARCH_SYSCALL_SITE_LEN	5	/* syscall (0f 05); int3 (cc); jmp .-1 (eb fd) */
#define ARCH_TRAP_LEN		1	/* the int3 */
/*
 * The site's offset past its int3: where the int3's stop leaves the ip.
 * The jmp back onto the int3 is for when its SIGTRAP is lost: one sent
 * to the thread and still pending merges the int3's into itself
 * (legacy_queue()), and the thread, once that one is taken and held,
 * would run on past the int3; it traps again instead.
 */
#define ARCH_TRAP_END		3
/* The si_code of the int3's SIGTRAP (do_int3_user()); a sent one has another */
#define ARCH_TRAP_SI_CODE	SI_KERNEL
/* The psABI's red zone: a leaf function's data below the stack pointer */
#define ARCH_STACK_RED_ZONE	128

/* lib/eintr.c: the -EINTR waits only x86_64 has */
#define ARCH_EINTR_WAITS	[__NR_epoll_wait] = { WAIT_MS_NEGATIVE, 3 },

#endif
