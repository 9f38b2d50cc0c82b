// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * "The target must not notice" (test_notice.c) for the reads of the other
 * kinds: /proc/PID/fdinfo of its timerfds, PTRACE_PEEKSIGINFO of its
 * queued timer signals (per thread and shared), and the injected
 * getitimer() and timerfd_gettime().  The allkinds victim holds every
 * kind, with a thread-directed and a process-directed timer signal kept
 * pending by its masks, and an epoll thread waiting on a timerfd; it is
 * dumped many times (each dump must carry every kind, or nothing was
 * read).  Then, from inside: no siginfo out of place and no EINTR in
 * epoll_wait(); the pending signals still pending, and delivered exactly
 * once when unblocked; the expired timerfd's tick still unread; every
 * itimer as it was and every periodic source still at its period (an
 * expiry lost or doubled by a dump would show); the same signal masks;
 * no tracer left.  Again with ITIMER_VIRTUAL and a timerfd disarmed with
 * an interval left, which read as a due timer whose expiry the kernel has
 * not handled yet would, and so take the dump's longer path.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "harness.h"
#include "kinds_util.h"
#include "restore_util.h"

#define NDUMPS		30
#define TOL_PCT		10
#define MIN_EXPIRIES	20

static void fini(void)
{
	harness_kill_all();
}

TestSuite(notice_kinds, .fini = fini, .timeout = 120);

static json_object *array_of(json_object *root, const char *key)
{
	json_object *a = NULL;

	cr_assert(json_object_object_get_ex(root, key, &a) &&
		  json_object_is_type(a, json_type_array), "no \"%s\" array in the dump", key);
	return a;
}

/* How many of signals 38 and 39, kept pending by allkinds, @sigs holds. */
static int held_signals(json_object *sigs)
{
	int n = 0;

	for (size_t k = 0; k < json_object_array_length(sigs); k++) {
		int64_t signo = 0;

		json_get_int64(json_object_array_get_idx(sigs, k), "signal", &signo);
		n += signo == AK_SIG_OTHR || signo == AK_SIG_OPROC;
	}
	return n;
}

/*
 * The carried timerfd @fd's value and interval, or false if it has none.
 */
static bool dumped_timerfd(json_object *root, int fd, int64_t *value, int64_t *interval)
{
	json_object *tfds = array_of(root, "timerfds");

	for (size_t k = 0; k < json_object_array_length(tfds); k++) {
		json_object *o = json_object_array_get_idx(tfds, k);
		int64_t f = -1;

		json_get_int64(o, "fd", &f);
		if (f == fd)
			return json_get_int64(o, "value_ns", value) &&
			       json_get_int64(o, "interval_ns", interval);
	}
	return false;
}

/*
 * One dump to stdout; asserts it carried every kind with what allkinds
 * holds.  @idle: allkinds was told "idle": ITIMER_VIRTUAL, disarmed, is
 * not carried, and fd 103 is, disarmed, with its interval.
 */
static void dump_once(pid_t pid, int i, bool idle)
{
	int64_t value = -1, interval = -1;
	struct run_result r;
	json_object *root;
	char spid[16];

	cr_assert_eq(run_ptimerctl(&r, "dump", ru_pidstr(spid, pid), NULL), 0);
	cr_assert_eq(r.exit_code, 0, "dump %d: %s", i, run_describe(&r));
	root = json_parse_text(r.out);
	cr_assert(root, "dump %d is not JSON", i);
	cr_assert_eq(json_object_array_length(array_of(root, "itimers")), idle ? 2 : 3,
		     "dump %d did not read the itimers: %s", i,
		     json_object_to_json_string(array_of(root, "itimers")));
	cr_assert(dumped_timerfd(root, 103, &value, &interval), "dump %d: no fd 103", i);
	if (idle)
		cr_assert(value == 0 && interval == 200 * RU_MS,
			  "dump %d: fd 103 (disarmed, 200 ms interval) carried as %lld/%lld", i,
			  (long long)value, (long long)interval);
	cr_assert_eq(json_object_array_length(array_of(root, "timerfds")), AK_NTFD,
		     "dump %d did not read the timerfds", i);
	/* The two kept pending, and maybe a periodic one on its way. */
	cr_assert_eq(held_signals(array_of(root, "pending_signals")), 2,
		     "dump %d did not read the two pending signals: %s", i,
		     json_object_to_json_string(array_of(root, "pending_signals")));
	json_object_put(root);
	run_result_free(&r);
}

static void status_field(pid_t pid, pid_t tid, const char *key, char *out, size_t size)
{
	char path[64], buf[4096], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)pid, (int)tid);
	f = fopen(path, "r");
	cr_assert(f, "%s", path);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strstr(buf, key);
	cr_assert(p, "%s has no %s", path, key);
	snprintf(out, size, "%.*s", (int)strcspn(p, "\n"), p);
}

/*
 * @idle: with an interval timer and a timerfd that read as due but not
 * handled yet would, so that every dump makes each of the other threads
 * pass once through the kernel's return to user mode, and waits for the
 * hrtimer (dump_kinds.c, settle_due()).
 */
static void dumps_go_unnoticed(bool idle)
{
	struct victim *v = ak_start(NULL, NULL);
	struct ak_itimer before[3], after[3];
	struct ak_stats st;
	pid_t tids[8], w;
	char mb[8][64], ma[8][64];
	long long period;
	int nt;

	w = ak_worker(v);
	ak_ok(v, "pend", NULL, 0);
	cr_assert(ak_wait_pending(v->pid, w, AK_SIG_OTHR, true), "38 never pending");
	cr_assert(ak_wait_pending(v->pid, 0, AK_SIG_OPROC, true), "39 never pending");
	nt = victim_tids(v, tids, 8);
	cr_assert_eq(nt, 5);
	for (int i = 0; i < nt; i++)
		status_field(v->pid, tids[i], "SigBlk:", mb[i], sizeof(mb[i]));
	if (idle)
		ak_ok(v, "idle", NULL, 0);
	ak_itimers(v, before);
	ak_ok(v, "mark", NULL, 0);

	for (int i = 0; i < NDUMPS; i++)
		dump_once(v->pid, i, idle);

	cr_expect_eq(proc_tracer_pid(v->pid), 0, "a tracer is left");
	ak_stats(v, &st);
	cr_expect_eq(st.anomalies, 0, "%lld anomalies, the first %s", st.anomalies,
		     st.first_anomaly);
	cr_expect(ak_pending(v->pid, w, AK_SIG_OTHR), "a dump took signal 38 off the worker's queue");
	cr_expect(ak_pending(v->pid, 0, AK_SIG_OPROC), "a dump took signal 39 off the shared queue");
	cr_expect_eq(st.s[AK_OTHR].count + st.s[AK_OPROC].count, 0,
		     "a blocked signal was delivered");
	for (int i = 0; i < nt; i++) {
		/*
		 * A thread in a signal's handler blocks it meanwhile, which a
		 * slow machine catches: read again until it is as it was.  A
		 * mask changed for good stays so, and fails at the deadline.
		 */
		int64_t deadline = harness_deadline(2000);

		for (;;) {
			status_field(v->pid, tids[i], "SigBlk:", ma[i], sizeof(ma[i]));
			if (!strcmp(ma[i], mb[i]) || clock_ns(CLOCK_MONOTONIC) > deadline)
				break;
			sleep_ms(1);
		}
		cr_expect_str_eq(ma[i], mb[i], "thread %d's mask changed: %s, was %s",
				 (int)tids[i], ma[i], mb[i]);
	}
	ak_itimers_armed(v, idle ? 1u << ITIMER_VIRTUAL : 0, after, 2000);
	for (int k = 0; k < 3; k++) {
		cr_expect_eq(after[k].interval_ns, before[k].interval_ns, "itimer %d", k);
		if (idle && k == ITIMER_VIRTUAL)
			cr_expect_eq(after[k].value_ns, 0, "idle itimer %d was armed", k);
		else
			cr_expect(after[k].value_ns > 0, "itimer %d was disarmed", k);
	}
	/* Its one expiry, unread before: timerfd_gettime() and fdinfo read no tick. */
	cr_expect_eq(ak_ticks(v, 102), 1, "fd 102's tick");
	/* The window since "mark" spans the dumps: a lost or doubled expiry shows in it. */
	cr_expect(ak_wait_period(v, AK_REAL, 100 * RU_MS, TOL_PCT, MIN_EXPIRIES, &period),
		  "ITIMER_REAL's period %lld us across the dumps", period / 1000);
	cr_expect(ak_wait_period(v, AK_TFD, 50 * RU_MS, TOL_PCT, MIN_EXPIRIES, &period),
		  "fd 100's period %lld us across the dumps", period / 1000);
	cr_expect(ak_wait_period(v, AK_PTHR, 50 * RU_MS, TOL_PCT, MIN_EXPIRIES, &period),
		  "timer 0's period %lld us across the dumps", period / 1000);

	/* Still pending, so delivered now, and once. */
	ak_ok(v, "release", NULL, 0);
	cr_assert(ak_wait_pending(v->pid, w, AK_SIG_OTHR, false), "38 stays pending");
	cr_assert(ak_wait_pending(v->pid, 0, AK_SIG_OPROC, false), "39 stays pending");
	ak_stats(v, &st);
	cr_expect_eq(st.s[AK_OTHR].count, 1, "signal 38 came %lld times", st.s[AK_OTHR].count);
	cr_expect_eq(st.s[AK_OPROC].count, 1, "signal 39 came %lld times", st.s[AK_OPROC].count);
	cr_expect_eq(st.anomalies, 0, "%lld anomalies, the first %s", st.anomalies,
		     st.first_anomaly);
}

Test(notice_kinds, dumps_of_every_kind_go_unnoticed)
{
	dumps_go_unnoticed(false);
}

Test(notice_kinds, dumps_that_settle_due_timers_go_unnoticed)
{
	dumps_go_unnoticed(true);
}
