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
 * It holds one timer, prints "READY <pid>" and answers the victim
 * protocol (tests/helpers/vproto.h) from a control thread, and:
 *   faults   "FAULTS n=N bad=B": the faults its handler took, and those
 *            whose siginfo was not the loop's (a SIGSEGV not SEGV_ACCERR
 *            at the page, or not from the kernel)
 */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "vproto.h"

static volatile int *page;
static sigjmp_buf again;
static atomic_long faults, bad;
static atomic_int control_tid;

static void on_segv(int sig, siginfo_t *si, void *uc)
{
	(void)sig;
	(void)uc;
	if (si->si_code != SEGV_ACCERR || si->si_addr != (void *)page)
		atomic_fetch_add(&bad, 1);
	atomic_fetch_add(&faults, 1);
	siglongjmp(again, 1);
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
	struct sigaction sa = { .sa_sigaction = on_segv, .sa_flags = SA_SIGINFO };
	sigset_t all;

	(void)argv;
	if (argc > 1) {
		vp_out("ERROR errno=%d msg=usage: faulter (no arguments)", EINVAL);
		return 2;
	}
	vp_init();
	page = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_READ,
		    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (page == MAP_FAILED)
		vp_die(errno, "mmap");
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, NULL) < 0)
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
	for (;;)
		*page = 1;
}
