/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * Shared code for the restore, walk and migrate integration tests, on top
 * of harness.h: victims from timer specs, dumps in temporary files, the
 * victim's signal log, timer-list comparisons, a TracerPid watcher and a
 * ptimerctl that runs in the background (to be signalled while it works).
 * Every name starts with ru_, so nothing clashes with harness.c.
 */
#ifndef PTIMER_TEST_RESTORE_UTIL_H
#define PTIMER_TEST_RESTORE_UTIL_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "harness.h"

#define RU_SEC		1000000000LL
#define RU_MS		1000000LL
#define RU_SI_TIMER	(-2)
#define RU_MAX_TIMERS	64
#define RU_MAX_SIGS	4096
/*
 * How long to wait for something that must happen (a delivery, a stop):
 * a deadline against hangs, never a speed limit.
 */
#define RU_WAIT_MS	HARNESS_TIMEOUT_MS

/* One --timer of the victim; id < 0 lets the kernel choose. */
struct ru_spec {
	int id;
	const char *clock;
	const char *notify;
	int sig;
	int thread;
	unsigned long long sigval;
	int value_ms;
	int interval_ms;
};

/* Start a victim with a --timer per spec, then @extra (NULL-terminated or NULL). */
struct victim *ru_start(const struct ru_spec *specs, size_t n, const char *const *extra);
/* "%d" of @pid in @buf (at least 16 bytes); returns @buf. */
char *ru_pidstr(char *buf, pid_t pid);

/* The clock id the kernel shows for a fixed clock name, or INT_MIN. */
int ru_fixed_clockid(const char *name);
/* A CPU clock id (CPUCLOCK_SCHED) for @pid, per process or per thread. */
int ru_cpu_clock(pid_t pid, bool thread);

/* ---- dumps in files ---- */

/* `ptimerctl dump -o FILE [@opt] PID`; asserts success; free with ru_file_free(). */
char *ru_dump_file(pid_t pid, const char *opt);
/*
 * Three dumps of @pid, then a restore into it of 300 timers (a job that
 * needs a mapping, made by single injected calls): each must exit 0.
 */
void ru_dumps_and_a_mapped_restore(pid_t pid);
/* A new temporary file holding @text. */
char *ru_text_file(const char *text);
/* The same, readable by every user (for victims and tools of other uids). */
char *ru_public_file(const char *text);
/* Unlink the file and its directory, and free the path. */
void ru_file_free(char *path);
/* Parse a JSON file; asserts it parses. */
json_object *ru_json_load(const char *path);
/* Write @root to a new temporary file. */
char *ru_json_file(json_object *root);
/*
 * A copy of the dump in @path whose timers are timers[0] repeated, once
 * per ID of @ids (ascending), in a new temporary file.
 */
char *ru_dump_with_ids(const char *path, const int *ids, size_t n);

/* ---- the victim's view ---- */

struct ru_sig {
	bool cb;		/* a glibc SIGEV_THREAD callback, not a signal */
	int signo, code, timerid, overrun, pid;
	int tidx;		/* thread index in the victim, -1 when unknown */
	int rtid;
	unsigned long long value;
	long long t_ns;		/* CLOCK_MONOTONIC, comparable with clock_ns() */
};

/* The victim's signal log; returns the count (asserts on errors). */
int ru_signals(struct victim *v, struct ru_sig *out, int max);
/* Deliveries of timer @timerid with t_ns in [from_ns, to_ns). */
int ru_count(const struct ru_sig *s, int n, int timerid, long long from_ns, long long to_ns);
/* Expiries of timer @timerid delivered at t_ns >= @from_ns: each delivery and its overruns. */
int ru_expiries(const struct ru_sig *s, int n, int timerid, long long from_ns);
/* A wait for deliveries: timer @timerid expired at least @expiries times since @from_ns. */
struct ru_want {
	int timerid;
	int expiries;
	long long from_ns;
};
/*
 * Poll the victim's signal log until every want is met, at most
 * @timeout_ms; returns the log as last read (check the counts after).
 */
int ru_wait_expiries(struct victim *v, const struct ru_want *want, size_t nwant,
		     struct ru_sig *out, int max, int timeout_ms);
/*
 * The period of timer @timerid, from the victim's own timestamps of its
 * deliveries since @from_ns, counted in expiries (overruns included), so
 * that a late delivery neither adds nor loses one: the slope between the
 * least late delivery of the first quarter and that of the last quarter,
 * lateness measured against a grid of @nominal_ns.  -1 with fewer than 4
 * expiries.
 */
long long ru_period(const struct ru_sig *s, int n, int timerid, long long from_ns,
		    long long nominal_ns);
/*
 * Wait until timer @timerid has expired at least @min_expiries times
 * since @from_ns and its measured period (ru_period()) is within a fifth
 * of @nominal_ns.  The estimate only gets better with more deliveries, so
 * a wrong period fails at the deadline, a right one as soon as it shows.
 * *@period is the last estimate; the log as last read is in @out.
 */
bool ru_wait_period(struct victim *v, int timerid, long long from_ns, long long nominal_ns,
		    int min_expiries, struct ru_sig *out, int max, int *nout,
		    long long *period);
/* The victim's own prctl(PR_TIMER_CREATE_RESTORE_IDS) state (-1: refused). */
long long ru_restore_ids(struct victim *v);
/* The victim's timers; asserts on errors. */
int ru_timers(struct victim *v, struct vtimer *out, int max);
/* A description of a timer list for assertion messages (static buffer). */
const char *ru_timers_str(const struct vtimer *t, int n);
/*
 * Whether two views of one process's timers agree: the same IDs with the
 * same clock, notification, signal, sigval, tid and interval; armed in
 * both or in neither; and one-shot values within @tol_ns.  On a mismatch
 * @why says what differs.
 */
bool ru_timers_same(const struct vtimer *a, int na, const struct vtimer *b, int nb,
		    long long tol_ns, char *why, size_t why_size);
/*
 * The victim's timers with CLOCK_MONOTONIC read just before the question
 * (t0) and just after the answer (t1): the victim's timer_gettime() ran
 * in between.
 */
struct ru_snap {
	int n;
	int64_t t0, t1;
	struct vtimer t[RU_MAX_TIMERS];
};
void ru_snap_take(struct victim *v, struct ru_snap *s);
/* The timer @id of a snapshot; asserts it is there. */
const struct vtimer *ru_snap_timer(const struct ru_snap *s, int id);
/* How a timer may have been treated between two snapshots. */
enum ru_since {
	RU_UNTOUCHED,	/* left alone: its remaining time fell by the time elapsed */
	RU_PUT_BACK,	/* maybe deleted or disarmed, then put back with its value then */
};
/*
 * Like ru_timers_same(), with no tolerance: a one-shot's remaining time
 * in @b is what it was in @a less the time elapsed between the two
 * readings, as measured around them (from t1 - t0 to t1 - t0 of the
 * other), or, @since RU_PUT_BACK, anything from that down to no time lost
 * at all.  A CPU clock may run up to once per CPU.
 */
bool ru_snaps_same(const struct ru_snap *a, const struct ru_snap *b, enum ru_since since,
		   char *why, size_t why_size);
/* The tid of a victim thread that it did not start itself (glibc's helper), or 0. */
pid_t ru_extra_tid(struct victim *v);

/* ---- watching and signalling while ptimerctl runs ---- */

/* Polls /proc/PID/status every 200 us and keeps the largest TracerPid seen. */
struct ru_watch {
	pthread_t th;
	pid_t pid;
	atomic_bool stop;
	atomic_long max_tracer;
	atomic_long samples;
};

void ru_watch_start(struct ru_watch *w, pid_t pid);
/* Stop; returns the largest TracerPid seen (0: never traced). */
long ru_watch_stop(struct ru_watch *w);

/* ptimerctl in the background: its pid, and its output once it ends. */
struct ru_bg {
	pid_t pid;
	int out_fd, err_fd;
	struct run_result res;
};

/* Start ptimerctl with these arguments (NULL-terminated); asserts it started. */
void ru_bg_start(struct ru_bg *b, const char *arg, ...) __attribute__((sentinel));
/*
 * The same with PTIMER_STOP_AT=@stop_at (ptimerctl(1)): it stops itself
 * with SIGSTOP there; ru_bg_wait_stopped() sees it, ru_bg_signal() acts.
 */
void ru_bg_start_at(struct ru_bg *b, const char *stop_at, const char *arg, ...)
	__attribute__((sentinel));
/* Wait until it has stopped itself (state T); false when it ended first or on timeout. */
bool ru_bg_wait_stopped(struct ru_bg *b, int timeout_ms);
/* Send @sig (0: none) to the stopped ptimerctl, then SIGCONT. */
void ru_bg_signal_and_continue(struct ru_bg *b, int sig);
/* Wait up to @timeout_ms for it to end (then SIGKILL it); fills b->res. */
void ru_bg_wait(struct ru_bg *b, int timeout_ms);
/*
 * Started with ru_bg_start_at(@phase): once it stops there, SIGTERM it;
 * it must exit 12 (interrupted) with a rollback that did not fail.  @what
 * begins the messages.  b->res is freed.
 */
void ru_bg_term_rolls_back(struct ru_bg *b, const char *phase, const char *what);
/* The same once it has stopped, whenever the test chooses. */
void ru_bg_term_now_rolls_back(struct ru_bg *b, const char *what);

/* A process that traces @pid (PTRACE_SEIZE) until ru_trace_end(), as strace -p would. */
pid_t ru_trace_from_elsewhere(pid_t pid);
void ru_trace_end(pid_t tracer);

#endif
