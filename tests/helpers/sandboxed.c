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
 * With --allow-injected the list also lets through every call that
 * ptimerctl(1), "The system calls it injects", says an allowlist must
 * allow: a filter written from the man page.  A call missing there kills
 * the process under --keep-seccomp, which the test sees.
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

/* ptimerctl(1), "The system calls it injects", as an operator copies it. */
static const int injected[] = {
	SYS_mmap, SYS_mprotect, SYS_munmap, SYS_kill, SYS_tgkill,
	SYS_timer_gettime, SYS_timer_getoverrun, SYS_getitimer, SYS_timerfd_gettime,
	SYS_clock_gettime, SYS_prctl, SYS_getpid,
	SYS_timer_settime, SYS_setitimer, SYS_timerfd_settime,
	SYS_timer_create, SYS_timer_delete, SYS_timerfd_create, SYS_fcntl, SYS_dup3, SYS_close,
	SYS_ioctl, SYS_rt_sigqueueinfo, SYS_rt_tgsigqueueinfo, SYS_rt_sigtimedwait, SYS_preadv2,
};

#define NINJECTED	(sizeof(injected) / sizeof(injected[0]))

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
	bool with_injected = argc == 2 && !strcmp(argv[1], "--allow-injected");
	int list[NALLOWED + NINJECTED];
	size_t n = 0;

	if (argc > 1 && !trap && !with_injected) {
		vp_out("ERROR errno=%d msg=usage: sandboxed [--trap|--allow-injected]", EINVAL);
		return 2;
	}
	for (size_t i = 0; i < NALLOWED; i++)
		list[n++] = allowed[i];
	for (size_t i = 0; with_injected && i < NINJECTED; i++)
		list[n++] = injected[i];
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
	vp_allow_only(list, n, trap ? SECCOMP_RET_TRAP : SECCOMP_RET_KILL_PROCESS);
	vp_out("READY %d", (int)getpid());
	vp_read_commands(answer);
	vp_exit(0);
}
