// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * dispatcher: a victim whose main thread (the one a tool injects through)
 * runs under syscall user dispatch, as Wine runs Windows code: any system
 * call it makes outside its (empty) region traps with SIGSYS while its
 * selector says BLOCK.  It spins in its own code, making none; its SIGSYS
 * handler counts the traps, which only a tool's calls can cause.  A tool
 * that runs its calls with the selector as it found it resets that
 * handler (SIGSYS is blocked while its code runs, and the kernel forces
 * a blocked one through as SIG_DFL), or is refused them.
 *
 * It prints "READY <pid>" (or "UNSUPPORTED ..." when the kernel has no
 * syscall user dispatch) and answers on stdin, from another thread:
 *   stats   "STATS sigsys=N spins=M selector=S" (S: 1 is BLOCK, as it must
 *           stay: a tool that leaves it ALLOW lets Windows code's calls
 *           through to the kernel)
 */
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "vcommon.h"

#ifndef PR_SET_SYSCALL_USER_DISPATCH
#define PR_SET_SYSCALL_USER_DISPATCH	59
#define PR_SYS_DISPATCH_ON		1
#define SYSCALL_DISPATCH_FILTER_ALLOW	0
#define SYSCALL_DISPATCH_FILTER_BLOCK	1
#endif

static volatile char selector = SYSCALL_DISPATCH_FILTER_ALLOW;
static atomic_long sigsys;
static volatile unsigned long spins;
static atomic_int control_tid, armed;

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)si;
	(void)uc;
	atomic_fetch_add(&sigsys, 1);
	/* Let the handler's own rt_sigreturn through, then block again on return. */
	selector = SYSCALL_DISPATCH_FILTER_ALLOW;
}

static bool answer(char *line)
{
	if (strcmp(line, "stats"))
		return false;
	vp_out("STATS sigsys=%ld spins=%lu selector=%d", atomic_load(&sigsys), spins,
	       (int)selector);
	return true;
}

static void *control_main(void *arg)
{
	atomic_store(&control_tid, vp_gettid());
	while (!atomic_load(&armed))
		usleep(100);
	vp_read_commands(answer);
	vp_exit(0);
	return arg;
}

int main(void)
{
	struct sigaction sa = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO };

	if (sigaction(SIGSYS, &sa, NULL))
		vp_die(errno, "sigaction");
	/* Before the dispatch, which is the calling thread's alone. */
	vp_start_thread(control_main, &control_tid);
	if (prctl(PR_SET_SYSCALL_USER_DISPATCH, PR_SYS_DISPATCH_ON, 0, 0, &selector)) {
		vp_out("UNSUPPORTED no syscall user dispatch: %s", strerror(errno));
		return 0;
	}
	vp_out("READY %d", getpid());
	atomic_store(&armed, 1);
	selector = SYSCALL_DISPATCH_FILTER_BLOCK;
	for (;;)
		spins++;
}
