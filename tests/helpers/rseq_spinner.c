// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * rseq_spinner: a victim whose main thread (the one a tool injects
 * through) spins inside a restartable sequence's critical section, for
 * ever: every preemption and every signal must abort the sequence, and
 * the abort handler counts and enters it again
 * (tests/helpers/ARCH/rseq_spin.h).  A tool that stops it and leaves the
 * kernel's rseq_cs pointer cleared lets it spin on unprotected: no abort
 * comes again.
 *
 * It holds a POSIX timer (so that a dump reads a value), or as many as
 * its first argument says (so many that a dump needs a mapping of its
 * own, beyond the stack a small job borrows); a second argument
 * "beside" lays the section out with its abort signature beside the ip
 * (rseq_spin()'s @beside).  It prints
 * "READY <pid>" (or "UNSUPPORTED ..." when glibc registered no rseq area)
 * and answers on stdin, from another thread:
 *   aborts   "ABORTS n=N": the aborts so far
 *   kick     "OK": SIGURG (a handler that does nothing) to the main thread,
 *            whose delivery aborts the sequence
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "vcommon.h"
#include "rseq_spin.h"

/*
 * The section's descriptor, for RSEQ_SPIN_ASM(): label 3 in __rseq_cs,
 * naming the section from label 1 to 2 and the abort handler at 4.
 */
#define RSEQ_SPIN_DESCRIPTOR							\
	".pushsection __rseq_cs, \"aw\"\n\t"					\
	".balign 32\n"								\
	"3:\n\t"								\
	".long 0, 0\n\t"		/* version, flags */			\
	".quad 1f, 2f - 1f, 4f\n\t"	/* start_ip, post_commit_offset, abort_ip */	\
	".popsection\n"

/*
 * Enter a restartable sequence whose critical section branches to
 * itself, so the thread spins inside it until the kernel aborts it (a
 * preemption, a signal); the abort handler counts in *@aborts and
 * enters it again (RSEQ_SPIN_ASM(), tests/helpers/ARCH/rseq_spin.h).
 *
 * With @beside, the section starts a 16-byte line and the signature
 * takes bytes 8 to 11 of it: where a tool that borrows a few code bytes
 * near the ip, 16-byte aligned and moved 8 on off the ip (ptimerctl's ip
 * site), writes them.  The kernel checks that signature whenever the
 * thread's rseq_cs pointer is set, wherever its ip is.
 */
static __attribute__((noinline, noreturn)) void rseq_spin(struct rseq *rs,
							  volatile unsigned long *aborts,
							  bool beside)
{
	if (beside)
		RSEQ_SPIN_ASM(rs, aborts, ".balign 16\n", RSEQ_SPIN_BESIDE_PAD);
	else
		RSEQ_SPIN_ASM(rs, aborts, "", "");
	__builtin_unreachable();
}

static volatile unsigned long aborts;
static pid_t main_tid;

static void on_urg(int sig)
{
	(void)sig;
}

static bool answer(char *line)
{
	if (!strcmp(line, "aborts")) {
		vp_out("ABORTS n=%lu", aborts);
	} else if (!strcmp(line, "kick")) {
		syscall(SYS_tgkill, getpid(), main_tid, SIGURG);
		vp_out("OK");
	} else {
		return false;
	}
	return true;
}

static void *control_main(void *arg)
{
	vp_read_commands(answer);
	vp_exit(0);
	return arg;
}

int main(int argc, char **argv)
{
	int ntimers = argc > 1 ? atoi(argv[1]) : 1;
	bool beside = argc > 2 && !strcmp(argv[2], "beside");
	struct itimerspec its = { .it_value.tv_sec = 3600 };
	struct sigevent ev = { .sigev_notify = SIGEV_NONE };
	struct sigaction sa = { .sa_handler = on_urg };
	struct rseq *rs;
	pthread_t th;
	timer_t id;
	int r;

	if (__rseq_size == 0) {
		vp_out("UNSUPPORTED glibc registered no rseq area");
		return 0;
	}
	rs = (struct rseq *)((char *)__builtin_thread_pointer() + __rseq_offset);
	main_tid = vp_gettid();
	if (sigaction(SIGURG, &sa, NULL))
		vp_die(errno, "sigaction");
	for (int i = 0; i < ntimers; i++)
		if (timer_create(CLOCK_MONOTONIC, &ev, &id) || timer_settime(id, 0, &its, NULL))
			vp_die(errno, "timer %d", i);
	r = pthread_create(&th, NULL, control_main, NULL);
	if (r)
		vp_die(r, "pthread_create");
	vp_out("READY %d", getpid());
	rseq_spin(rs, &aborts, beside);
}
