// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * faulter: a victim whose main thread (the one a tool injects through)
 * faults in a loop, as a JVM's safepoint poll or a garbage collector's
 * write barrier does: it writes to a read-only page, and its SIGSEGV
 * handler jumps back to the loop.  A tool that stops it will often stop
 * it with its fault queued but not yet delivered; the fault is the
 * program's, and must reach its handler as raised, not be taken for the
 * tool's own (the tool's call then fails) or dropped.
 *
 * With --breakpoint the loop hits a breakpoint instead, the instruction a
 * tool's injected code ends on (int3, brk), and its SIGTRAP handler jumps
 * back: a debug trap, or a JIT's guard.  Taken for the tool's own, it was
 * dropped and the dump failed.
 *
 * With --sent-traps the loop only spins, and its SIGTRAP handler takes
 * those another process sends it (kill(), tgkill()): one still pending as
 * a tool's injected code reaches its breakpoint swallows the breakpoint's
 * own SIGTRAP (the kernel merges a standard signal into a pending one).
 *
 * A SIGTRAP sent (kill(), tgkill()) counts as raised only from a process
 * of its own uid: one a tool forges (PTRACE_DETACH with a signal) carries
 * the tool's.
 *
 * It holds one timer, prints "READY <pid>" and answers the victim
 * protocol (tests/helpers/vproto.h) from a control thread, and:
 *   faults   "FAULTS n=N bad=B": the faults its handler took, and those
 *            whose siginfo was not the loop's (a SIGSEGV not SEGV_ACCERR
 *            at the page, a SIGTRAP not the breakpoint's, or not sent)
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "breakpoint.h"
#include "vproto.h"

enum mode { FAULTS, BREAKPOINTS, SENT_TRAPS };

static const char *const mode_options[] = {
	[BREAKPOINTS] = "--breakpoint",
	[SENT_TRAPS] = "--sent-traps",
};

static enum mode mode;
static volatile int *page;
static sigjmp_buf again;
static atomic_long faults, bad;
static atomic_int control_tid;

static bool sent_by_own_uid(const siginfo_t *si)
{
	return (si->si_code == SI_USER || si->si_code == SI_TKILL) && si->si_uid == getuid();
}

static bool as_raised(const siginfo_t *si)
{
	switch (mode) {
	case BREAKPOINTS:
		return si->si_code == VP_BREAKPOINT_SI_CODE || sent_by_own_uid(si);
	case SENT_TRAPS:
		return sent_by_own_uid(si);
	default:
		return si->si_code == SEGV_ACCERR && si->si_addr == (void *)page;
	}
}

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (!as_raised(si))
		atomic_fetch_add(&bad, 1);
	atomic_fetch_add(&faults, 1);
	/* Back to the loop from a fault or breakpoint; a sent one returns. */
	if (si->si_code > 0)
		siglongjmp(again, 1);
}

/* The mode @arg names, or -1. */
static int mode_of(const char *arg)
{
	for (size_t i = 0; i < sizeof(mode_options) / sizeof(mode_options[0]); i++)
		if (mode_options[i] && !strcmp(arg, mode_options[i]))
			return (int)i;
	return -1;
}

static bool answer(char *cmd)
{
	if (strcmp(cmd, "faults"))
		return vp_handle(cmd);
	vp_out("FAULTS n=%ld bad=%ld", atomic_load(&faults), atomic_load(&bad));
	return true;
}

static void *control_main(void *arg)
{
	(void)arg;
	atomic_store(&control_tid, vp_gettid());
	vp_read_commands(answer);
	vp_exit(0);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_sigaction = on_fault, .sa_flags = SA_SIGINFO };
	int m = argc == 2 ? mode_of(argv[1]) : FAULTS;
	sigset_t all;

	if (argc > 2 || m < 0) {
		vp_out("ERROR errno=%d msg=usage: faulter [--breakpoint|--sent-traps]", EINVAL);
		return 2;
	}
	mode = (enum mode)m;
	vp_init();
	page = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_READ,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		vp_die(errno, "mmap");
	sigemptyset(&sa.sa_mask);
	if (sigaction(mode == FAULTS ? SIGSEGV : SIGTRAP, &sa, NULL) < 0)
		vp_die(errno, "sigaction");
	vp_make_timer(CLOCK_MONOTONIC, SIGEV_NONE, 0, 0x71, 0, 600 * VP_NSEC_PER_SEC, 0);
	/* Only the main thread takes the faults: the control thread blocks all. */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	vp_start_thread(control_main, &control_tid);
	pthread_sigmask(SIG_UNBLOCK, &all, NULL);
	vp_add_tid(vp_gettid());
	vp_out("READY %d", (int)getpid());
	sigsetjmp(again, 1);
	for (;;) {
		if (mode == BREAKPOINTS)
			vp_breakpoint();
		else if (mode == FAULTS)
			*page = 1;
	}
}
