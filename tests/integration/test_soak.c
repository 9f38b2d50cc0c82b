// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * Soak: 1000 dumps in a row through the library (ptimer_dump_pid())
 * against a busy, multi-threaded victim whose two periodic timers signal
 * two threads every 2 ms and 5 ms.  The victim must not notice (no
 * EINTR, every expiry accounted for by a signal or an overrun, no stray
 * signal), and the dumping process must not leak (same fd count, RSS
 * flat between cycle 100 and cycle 1000).
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "ptimer.h"
#include "restore_util.h"

#define CYCLES		1000
#define RSS_MARK	100
#define SOAK_MAX_SIGS	16384

static void fini(void)
{
	harness_kill_all();
}

/*
 * A hang guard only: the soak takes about 10 s on an idle machine, several
 * times that on a loaded one under ASan, and nothing here depends on its
 * speed.
 */
TestSuite(soak, .fini = fini, .timeout = 900);

static int fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	cr_assert(d);
	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n - 1;	/* the directory's own fd */
}

static long long rss_bytes(void)
{
	long long size = 0, resident = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	cr_assert(f);
	cr_assert_eq(fscanf(f, "%lld %lld", &size, &resident), 2);
	fclose(f);
	return resident * sysconf(_SC_PAGESIZE);
}

__attribute__((format(printf, 6, 0)))
static void quiet_log(struct ptimer_ctx *ctx, int priority, const char *file, int line,
		      const char *fn, const char *format, va_list args)
{
	char msg[512];

	vsnprintf(msg, sizeof(msg), format, args);
	cr_log_info("libptimer: %s", msg);
}

struct periodic {
	int id, sig, thread;
	long long period_ns;
};

static const struct periodic soak_timers[] = {
	{ 1, 10, 1, 2 * RU_MS },
	{ 2, 12, 2, 5 * RU_MS },
};
#define NSOAK (sizeof(soak_timers) / sizeof(soak_timers[0]))

/*
 * Every expiry of a periodic timer is accounted for by a signal or an
 * overrun.  A delivery stands for the expiries since the one before it:
 * its own and its overruns, which the kernel counts when it dequeues the
 * signal.  So over deliveries i+1..j, the sum of (1 + overrun) is the
 * number of expiries between the dequeues of i and of j, exactly.
 *
 * The victim sees only when its handler ran (t_ns), which is late by an
 * unbounded time when its thread is descheduled or stopped by a dump
 * between the dequeue and the handler.  That lag is bounded by the next
 * delivery instead: the handler blocks every signal, so delivery m+1 is
 * dequeued after t_m, and when it carries no overrun, t_m is less than one
 * period past the last expiry m stands for.  Taking i and j among such
 * deliveries, (t_j - t_i) / period is off by less than one period at each
 * end, plus one for the rounding: 2 at most, whatever the load.
 */
static void check_expiries(const struct periodic *p, const struct ru_sig *sigs, int n)
{
	int idx[SOAK_MAX_SIGS], nd = 0, i = -1, j = -1;
	long long counted = 0, elapsed;

	for (int m = 0; m < n; m++)
		if (!sigs[m].cb && sigs[m].timerid == p->id)
			idx[nd++] = m;
	for (int m = 0; m + 1 < nd; m++) {
		if (sigs[idx[m + 1]].overrun)
			continue;
		if (i < 0)
			i = m;
		j = m;
	}
	cr_assert(i >= 0 && j - i > 10, "timer %d: %d deliveries, too few without an overrun"
		  " after them", p->id, nd);
	for (int m = i + 1; m <= j; m++)
		counted += 1 + sigs[idx[m]].overrun;
	elapsed = (sigs[idx[j]].t_ns - sigs[idx[i]].t_ns + p->period_ns / 2) / p->period_ns;
	cr_log_info("timer %d (%lld ms): deliveries %d..%d of %d: %lld signals and overruns, %lld"
		    " periods elapsed over %.2f s", p->id, p->period_ns / RU_MS, i, j, nd, counted,
		    elapsed, (sigs[idx[j]].t_ns - sigs[idx[i]].t_ns) / 1e9);
	cr_expect_leq(llabs(counted - elapsed), 2, "timer %d: %lld signals and overruns, %lld"
		      " periods elapsed", p->id, counted, elapsed);
}

Test(soak, a_thousand_dumps)
{
	static struct ru_sig sigs[SOAK_MAX_SIGS];
	struct victim *v = victim_start("--threads", "4", "--busy", "2",
					"--timer", "id=1,clock=monotonic,notify=thread_id,sig=10,"
					"thread=1,sigval=0x1,value_ms=2,interval_ms=2",
					"--timer", "id=2,clock=monotonic,notify=thread_id,sig=12,"
					"thread=2,sigval=0x2,value_ms=5,interval_ms=5", NULL);
	struct ptimer_ctx *ctx;
	struct vstate st0, st;
	long long rss_mark = 0, rss_end, stopped_total = 0, stopped_max = 0;
	int fds0 = 0, fds_mark = 0, fds_end, n;
	int64_t t0, elapsed;

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	cr_assert_eq(ptimer_new(&ctx), 0);
	ptimer_set_log_fn(ctx, quiet_log);
	ptimer_set_log_priority(ctx, LOG_WARNING);
	cr_assert_eq(victim_state(v, &st0), 0);

	t0 = clock_ns(CLOCK_MONOTONIC);
	for (int i = 0; i < CYCLES; i++) {
		struct ptimer_dump *d = NULL;
		struct ptimer_dump_stats stats = { .size = sizeof(stats) };
		struct timespec pause_ts;
		int ret = ptimer_dump_pid(ctx, v->pid, 0, &d, &stats);

		cr_assert_eq(ret, 0, "cycle %d: %s (%s)", i, strerror(-ret),
			     ptimer_last_error(ctx));
		cr_assert_eq(d->ntimers, NSOAK, "cycle %d: %zu timers", i, d->ntimers);
		cr_assert_eq(d->nthreads, 8, "cycle %d: %zu threads", i, d->nthreads);
		for (size_t k = 0; k < NSOAK; k++) {
			cr_assert_eq(d->timers[k].id, soak_timers[k].id, "cycle %d", i);
			cr_assert_eq(d->timers[k].interval_ns, soak_timers[k].period_ns);
			cr_assert_gt(d->timers[k].value_ns, 0, "cycle %d: timer %d disarmed", i,
				     d->timers[k].id);
		}
		stopped_total += stats.stopped_ns;
		if (stats.stopped_ns > stopped_max)
			stopped_max = stats.stopped_ns;
		ptimer_dump_free(d);
		/*
		 * The victim runs at least as long as it was stopped.  A dump
		 * of its 8 threads, 2 of them busy, stops it 1 to 19 ms on
		 * average here, run to run: back to back, that keeps it
		 * stopped nearly throughout, every delivery of the 5 ms timer
		 * then carries an overrun, and its expiries cannot be counted
		 * (check_expiries()).
		 */
		pause_ts = (struct timespec){ .tv_nsec = (long)stats.stopped_ns % 1000000000L,
					      .tv_sec = (time_t)(stats.stopped_ns / 1000000000LL) };
		nanosleep(&pause_ts, NULL);
		if (i == 0)
			fds0 = fd_count();
		if (i == RSS_MARK) {
			fds_mark = fd_count();
			rss_mark = rss_bytes();
		}
	}
	elapsed = clock_ns(CLOCK_MONOTONIC) - t0;
	fds_end = fd_count();
	rss_end = rss_bytes();
	ptimer_free(ctx);

	cr_log_info("soak: %d dumps in %.2f s, %.0f dumps/s; target stopped %.1f us on average,"
		    " %.1f us at most", CYCLES, elapsed / 1e9, CYCLES / (elapsed / 1e9),
		    stopped_total / (double)CYCLES / 1e3, stopped_max / 1e3);
	cr_log_info("soak: fds %d after cycle 0, %d at cycle %d, %d at the end; RSS %lld KiB at"
		    " cycle %d, %lld KiB at the end (%+lld KiB)", fds0, fds_mark, RSS_MARK,
		    fds_end, rss_mark / 1024, RSS_MARK, rss_end / 1024,
		    (rss_end - rss_mark) / 1024);
	cr_expect_eq(fds_end, fds0, "the fd count moved from %d to %d", fds0, fds_end);
	cr_expect_eq(fds_mark, fds0);
#ifdef __SANITIZE_ADDRESS__
	/* ASan's quarantine keeps freed memory resident; its leak check stands in. */
	cr_log_info("soak: RSS not compared under AddressSanitizer (quarantine)");
#else
	cr_expect_lt(rss_end - rss_mark, 1 << 20, "RSS grew by %lld KiB between cycle %d and %d",
		     (rss_end - rss_mark) / 1024, RSS_MARK, CYCLES);
#endif

	/* The victim noticed nothing. */
	cr_assert_eq(victim_state(v, &st), 0, "the victim does not answer");
	cr_expect_eq(st.eintr, 0, "the victim saw %lld EINTR", st.eintr);
	cr_expect_eq(st.wakes, st0.wakes, "the victim got its wake-up signal");
	cr_expect_eq(st.threads, st0.threads);
	cr_expect_eq(st.maps, st0.maps, "the victim's memory map changed");
	cr_expect_eq(proc_tracer_pid(v->pid), 0);
	n = ru_signals(v, sigs, SOAK_MAX_SIGS);
	/*
	 * A slow run fills the victim's log, which then keeps its first
	 * entries: every check below holds on that prefix as well.
	 */
	if (n == SOAK_MAX_SIGS)
		cr_log_info("soak: the victim logged only its first %d of %lld signals; checking"
			    " those", n, st.signals);
	for (int i = 0; i < n; i++) {
		bool known = false;

		for (size_t k = 0; k < NSOAK; k++)
			known |= !sigs[i].cb && sigs[i].timerid == soak_timers[k].id &&
				 sigs[i].signo == soak_timers[k].sig &&
				 sigs[i].code == RU_SI_TIMER &&
				 sigs[i].tidx == soak_timers[k].thread &&
				 sigs[i].value == (unsigned long long)soak_timers[k].id;
		cr_expect(known, "unexpected signal: signo %d code %d timer %d thread %d value"
			  " %#llx", sigs[i].signo, sigs[i].code, sigs[i].timerid, sigs[i].tidx,
			  sigs[i].value);
	}
	for (size_t k = 0; k < NSOAK; k++)
		check_expiries(&soak_timers[k], sigs, n);
	victim_kill(v);
}
