// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * stepper: a victim whose main thread (the one a tool injects through)
 * runs with EFLAGS.TF set, as under a debugger that single-steps it, and
 * checks every SIGTRAP that brings.  The thread loops on three
 * instructions of its own, a pause(2) between them:
 *
 *	1: mov $__NR_pause, %eax
 *	2: syscall
 *	3: jmp 1b
 *
 * so each single-step SIGTRAP (TRAP_TRACE) has its si_addr at 1, 2 or 3.
 * A tool that runs its code with the thread's flags steps through that
 * code too, and any of those traps it hands back has an si_addr the
 * program never ran: an ANOMALY.
 *
 * It prints "READY <pid>" once the main thread is single-stepping in
 * pause(), and answers on stdin, from another thread:
 *   stats   "STATS traps=N anomalies=M first=0xADDR"
 */
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "../vcommon.h"

extern const char step_mov[], step_syscall[], step_jmp[];

static atomic_long traps, anomalies;
static atomic_uintptr_t first_anomaly;

static void on_trap(int sig, siginfo_t *si, void *uc)
{
	uintptr_t at = (uintptr_t)si->si_addr;

	(void)sig;
	(void)uc;
	atomic_fetch_add(&traps, 1);
	if (si->si_code == TRAP_TRACE && (at == (uintptr_t)step_mov ||
					  at == (uintptr_t)step_syscall ||
					  at == (uintptr_t)step_jmp))
		return;
	if (atomic_fetch_add(&anomalies, 1) == 0)
		atomic_store(&first_anomaly, at);
}

static bool answer(char *line)
{
	if (strcmp(line, "stats"))
		return false;
	vp_out("STATS traps=%ld anomalies=%ld first=%#lx", atomic_load(&traps),
	       atomic_load(&anomalies), (unsigned long)atomic_load(&first_anomaly));
	return true;
}

static atomic_int control_tid;

static void *control_main(void *arg)
{
	atomic_store(&control_tid, vp_gettid());
	vp_read_commands(answer);
	vp_exit(0);
	return arg;
}

int main(void)
{
	struct sigaction sa = { .sa_sigaction = on_trap, .sa_flags = SA_SIGINFO | SA_RESTART };

	if (sigaction(SIGTRAP, &sa, NULL))
		vp_die(errno, "sigaction");
	vp_start_thread(control_main, &control_tid);
	vp_out("READY %d", getpid());
	/* TF from the popfq on: the thread traps after each instruction. */
	asm volatile("pushfq\n\t"
		     "orq $0x100, (%%rsp)\n\t"
		     "popfq\n\t"
		     ".globl step_mov, step_syscall, step_jmp\n"
		     "step_mov:\n\t"
		     "mov %0, %%eax\n"
		     "step_syscall:\n\t"
		     "syscall\n"
		     "step_jmp:\n\t"
		     "jmp step_mov\n\t"
		     : : "i"(__NR_pause) : "rax", "rcx", "r11", "memory", "cc");
	return 0;
}
