// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * A thread stopped inside a restartable sequence (rseq(2)) was preempted,
 * and the kernel must abort the sequence when it runs on.  It decides on
 * the thread's return to user mode, from its ip and the rseq_cs pointer
 * of its rseq area, and clears the pointer when the ip is outside the
 * section, as the injected code's is; so ptimerctl sets it to 0 while its
 * code runs and puts it back after.  tests/helpers/rseq_spinner's main
 * thread, the one ptimerctl injects through, spins inside a section for
 * ever and counts its aborts: after each dump one must come, and a signal
 * must still abort it.  With the pointer left cleared it would spin on
 * unprotected, and no abort would come again.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

static void fini(void)
{
	harness_kill_all();
}

TestSuite(rseq, .fini = fini, .timeout = 60);

static long long aborts_of(struct victim *v)
{
	char line[128];
	long long n = -1;

	cr_assert_eq(victim_cmd(v, "aborts", line, sizeof(line)), 0);
	cr_assert(kv_ll(line, "n", &n), "%s", line);
	return n;
}

/* Whether an abort comes after @n, within a few seconds. */
static bool abort_after(struct victim *v, long long n)
{
	return victim_wait_count(v, "aborts", "n", n + 1, 3000) == 0;
}

static void kick(struct victim *v, const char *when)
{
	long long n = aborts_of(v);
	char line[64];

	cr_assert_eq(victim_cmd(v, "kick", line, sizeof(line)), 0);
	cr_assert(abort_after(v, n), "a signal %s did not abort the sequence", when);
}

/*
 * Dumps of rseq_spinner holding @timers timers, each made as @how
 * ("from its code page" for a small job, "from a scratch mapping" for a
 * job too large to borrow the stack) through its main thread, the one
 * inside the sequence: the pointer is read with what the small job
 * borrows, and on its own before the first call of any other.  @layout
 * is rseq_spinner's second argument, or NULL.
 */
static void stopped_inside_aborts(const char *timers, const char *how, const char *layout)
{
	const char *argv[] = { helper_path("rseq_spinner"), timers, layout, NULL };
	struct victim *v = victim_spawn(argv, (uid_t)-1);
	struct run_result r;
	char spid[16], injecting[96];

	cr_assert(v, "cannot fork rseq_spinner");
	if (!v->ready && strstr(v->error, "UNSUPPORTED"))
		cr_skip_test("%s", v->error);
	cr_assert(v->ready, "rseq_spinner: %s", v->error);
	snprintf(spid, sizeof(spid), "%d", (int)v->pid);
	snprintf(injecting, sizeof(injecting), "tid %d: injecting %s", (int)v->pid, how);
	kick(v, "before any dump");
	for (int i = 0; i < 5; i++) {
		long long n = aborts_of(v);

		cr_assert_eq(run_ptimerctl(&r, "-v", "dump", spid, NULL), 0);
		cr_assert_eq(r.exit_code, 0, "dump %d: %s", i, run_describe(&r));
		cr_assert(strstr(r.err, injecting), "dump %d did not inject %s through the"
			  " thread inside the sequence: %s", i, how, run_describe(&r));
		run_result_free(&r);
		cr_assert(abort_after(v, n), "dump %d stopped the thread inside its restartable"
			  " sequence, which did not abort when let go", i);
	}
	kick(v, "after the dumps");
	victim_kill(v);
}

Test(rseq, a_sequence_stopped_inside_aborts_when_let_go)
{
	stopped_inside_aborts("1", "from its code page", NULL);
}

/* 1000 timers: 160 KiB of data, more than any stack lends (AT_MINSIGSTKSZ, 10 KiB on arm64's -cpu max). */
Test(rseq, a_sequence_stopped_inside_aborts_after_a_mapped_job)
{
	stopped_inside_aborts("1000", "from a scratch mapping", NULL);
}

/*
 * The mapping's first and last call borrow the bytes by the ip where the
 * sequence's abort signature lies.  With the rseq_cs pointer set while
 * they run, the kernel finds the signature broken and raises SIGSEGV in
 * our code: the job fails on that thread.
 */
Test(rseq, a_mapped_job_over_the_abort_signature_runs_in_that_thread)
{
	stopped_inside_aborts("1000", "from a scratch mapping", "beside");
}
