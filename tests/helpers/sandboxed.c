// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * sandboxed: a process confined the way a hardened service is (systemd's
 * SystemCallFilter=, a browser's renderer): a seccomp allowlist that lets
 * through only the system calls this program needs and answers any other
 * with SECCOMP_RET_KILL_PROCESS.  The calls ptimerctl injects (mmap,
 * mprotect, munmap, prctl) are not on the list, so a tool that injects
 * them under the filter kills the process, which is what a test must see
 * never happens unasked.
 *
 * With --trap the filter answers any other call with SECCOMP_RET_TRAP
 * instead, as a sandbox that emulates or reports refused calls does: a
 * SIGSYS, which its SA_SIGINFO handler counts.  The program never makes
 * such a call itself, so any SIGSYS it takes is a tool's call refused and
 * delivered; and a tool whose refused call raised SIGSYS while blocked
 * has reset the handler to SIG_DFL (force_sig_seccomp()), which the
 * next refused call of the program's would then die of.
 *
 * It holds three timers (see below), prints "READY <pid>" and answers the
 * victim protocol (tests/helpers/vproto.h) on its only thread, blocked in
 * read(2) between commands, and:
 *   sigsys   "SIGSYS action=ours|default|other taken=N"
 */
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stddef.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "allowlist.h"
#include "vproto.h"

/* What the program itself calls after confinement, and nothing else. */
static const int allowed[] = {
	SYS_read, SYS_write, SYS_pread64,
	SYS_futex, SYS_rt_sigreturn, SYS_rt_sigprocmask, SYS_restart_syscall,
	SYS_clock_nanosleep, SYS_nanosleep, SYS_clock_gettime,
	SYS_getpid, SYS_gettid, SYS_exit, SYS_exit_group, SYS_rt_sigaction,
	SYS_timer_create, SYS_timer_settime, SYS_timer_gettime,
	SYS_timer_getoverrun, SYS_timer_delete,
};

#define NALLOWED	(sizeof(allowed) / sizeof(allowed[0]))

static volatile sig_atomic_t signals, sigsys_taken;

static void on_signal(int sig)
{
	signals++;
}

static void on_sigsys(int sig, siginfo_t *si, void *uc)
{
	sigsys_taken++;
}

static bool answer(char *cmd)
{
	struct sigaction now;
	const char *what;

	if (strcmp(cmd, "sigsys"))
		return vp_handle(cmd);
	if (sigaction(SIGSYS, NULL, &now) < 0)
		vp_die(errno, "sigaction");
	if ((now.sa_flags & SA_SIGINFO) && now.sa_sigaction == on_sigsys)
		what = "ours";
	else if (!(now.sa_flags & SA_SIGINFO) && now.sa_handler == SIG_DFL)
		what = "default";
	else
		what = "other";
	vp_out("SIGSYS action=%s taken=%d", what, (int)sigsys_taken);
	return true;
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESTART };
	struct sigaction sys = { .sa_sigaction = on_sigsys, .sa_flags = SA_SIGINFO | SA_RESTART };
	bool trap = argc == 2 && !strcmp(argv[1], "--trap");

	if (argc > 1 && !trap) {
		vp_out("ERROR errno=%d msg=usage: sandboxed [--trap]", EINVAL);
		return 2;
	}
	vp_init();
	vp_add_tid(vp_gettid());
	sigemptyset(&sa.sa_mask);
	sigemptyset(&sys.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL) < 0 || sigaction(SIGUSR2, &sa, NULL) < 0 ||
	    sigaction(SIGSYS, &sys, NULL) < 0)
		vp_die(errno, "sigaction");
	/* Far enough never to fire during a test, periodic or not. */
	vp_make_timer(CLOCK_MONOTONIC, SIGEV_SIGNAL, SIGUSR1, 0x51, 0, 600 * VP_NSEC_PER_SEC,
		      VP_NSEC_PER_SEC);
	vp_make_timer(CLOCK_BOOTTIME, SIGEV_NONE, 0, 0x52, 0, 300 * VP_NSEC_PER_SEC, 0);
	vp_make_timer(CLOCK_REALTIME, SIGEV_SIGNAL, SIGUSR2, 0x53, 0, 500 * VP_NSEC_PER_SEC, 0);
	vp_allow_only(allowed, NALLOWED, trap ? SECCOMP_RET_TRAP : SECCOMP_RET_KILL_PROCESS);
	vp_out("READY %d", (int)getpid());
	vp_read_commands(answer);
	vp_exit(0);
}
