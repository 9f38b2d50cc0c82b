// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * strict: a victim that checks every siginfo it is given, for the tests of
 * signal fidelity (tests/integration/test_fidelity.c).  A tool that stops
 * it must hand every signal over as the kernel made it: same si_code, same
 * si_value, same sender, once, and in the end every timer expiry accounted
 * for.
 *
 * usage: strict [--busy N] [--ignore-trap | --block-trap] [--count-cont]
 *               [--timer PERIOD_US:SIG[:busy]]...
 *
 * Each --timer is a CLOCK_MONOTONIC timer with that period, armed at an
 * absolute time so that its expiries fall on a known grid, signalling SIG
 * to the process (SIGEV_SIGNAL), or with ":busy" to the first busy thread
 * (SIGEV_THREAD_ID).  Several timers may share a signal.  sival_ptr points
 * to the timer's own struct and the handler dispatches through it, the
 * usual pattern, once it has made sure the pointer is one of ours.
 *
 * Besides its timers it accepts, from the sender named by "sender":
 *   SIG_QUEUE (40)   sigqueue() with sival_ptr = SEQ_TAG | n, n = 1, 2, ...
 *   SIG_KILL_RT (41) kill(), counted (real-time signals queue)
 *   SIGUSR2          kill(), only checked (standard signals coalesce)
 *   SIGTRAP          kill(), the same; and its handler must stay ours: a
 *                    tool whose breakpoint resets it (a forced SIGTRAP
 *                    while blocked) leaves us killable by the next one
 *   SIGCONT          kill(), counted, with --count-cont only: a tool that
 *                    sends a stop signal after it flushes it unseen
 * Any other siginfo is FORGED, and so is a right signal with a wrong
 * field: a timer signal that is not SI_TIMER, a foreign si_value or
 * si_timerid, a negative si_overrun, a sender that is not the sender, a
 * thread-directed timer signal in another thread.  Each thread must also
 * see the sequence numbers rise: real-time signals of one number leave the
 * queue in order ("seq_reordered" counts the others).
 *
 * Exact accounting of timer expiries: when the kernel hands a periodic
 * timer's signal to a thread it re-arms the timer past "now" and reports
 * in si_overrun the expiries missed since the signal was queued.  So
 * right after the n-th delivery, 1 + si_overrun summed over deliveries 1..n
 * is exactly the number of grid points up to the moment of that delivery.
 * The handler adds its share first and then reads the clock: the sum can
 * then never exceed the grid points up to the clock reading (a delivery
 * made up or doubled makes it exceed: counted as "excess"), and it falls
 * short only by the expiries between the kernel's dequeue and the clock
 * reading (almost always none) plus the expiries of every delivery that
 * never reached the handler, a lost one, for ever after.  After a "mark",
 * a timer whose smallest shortfall ("min_deficit") stays above zero has
 * lost deliveries.
 *
 * --count-cont gives SIGCONT a handler (it still continues the process).
 * --ignore-trap sets SIGTRAP to SIG_IGN instead, which a tool must leave so;
 * --block-trap blocks it in every thread, with the default action, so that
 * one sent stays pending, for "take-trap" to take and show.
 *
 * Threads: the main thread waits in sigsuspend(), --busy threads (default
 * 1) spin; both take every signal above.  The control thread blocks all
 * signals and answers one-line commands on stdin:
 *   ping                 PONG
 *   sender PID UID       OK: the only process allowed to signal us
 *   mark                 OK: start new min_deficit windows
 *   report               REPORT forged=.. excess=.. seq_got=.. seq_dup=..
 *                          seq_bad=.. seq_reordered=.. seq_last=.. kill_rt=..
 *                          kill_std=.. kill_trap=.. kill_cont=.. trap_action=handler|ignored|
 *                          default|other first_bad=..
 *   timers               one TIMER line per timer, then END; on_grid=1 when the
 *                          kernel's next expiry (timer_gettime) is on our grid
 *   missing N            MISSING n=<of 1..N not received> first=<the first or 0>
 *   take-trap            TRAP code=.. pid=.. value=..: a pending SIGTRAP of the
 *                          process's queue or this thread's, taken; or TRAP none
 *   take SIG             TAKEN code=.. pid=.. value=..: the same for a standard
 *                          signal this program does not take (blocked in
 *                          every thread, at its default action), or TAKEN none
 *   ignore-trap          OK: SIGTRAP is ignored from now on, as --ignore-trap
 *   exit                 exits
 * It prints "READY <pid> timers=<kernel IDs>" first, and exits when stdin
 * closes.  Signal handlers only touch atomics (and the first bad siginfo,
 * claimed once): the control thread formats.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "vcommon.h"

#define MAX_TIMERS	16
#define MAX_BUSY	8
#define SIG_QUEUE	40
#define SIG_KILL_RT	41
#define SIG_KILL_STD	SIGUSR2
#define SIG_KILL_TRAP	SIGTRAP
#define SEQ_TAG		0x5e90000000000000ULL
#define SEQ_MAX		(1u << 21)
#define MIN_PERIOD_US	10
#define MAX_PERIOD_US	10000
#define GLIBC_RESERVED_LO 32	/* glibc keeps 32 and 33 for itself */
#define GLIBC_RESERVED_HI 33
#define FIRST_EXPIRY_NS	20000000LL	/* from start-up to the grid's first point */
#define MAX_QUEUED	4096		/* RLIMIT_SIGPENDING: sigqueue() to us fails beyond */

struct strict_timer;
typedef void (*fire_fn)(struct strict_timer *t, const siginfo_t *si);

struct strict_timer {
	fire_fn fire;		/* what the handler calls through si_value */
	int kid;		/* kernel timer ID */
	int sig;
	int busy;		/* signal the first busy thread (SIGEV_THREAD_ID) */
	int64_t period_ns;
	int64_t first_ns;	/* CLOCK_MONOTONIC of the first expiry */
	atomic_llong deliveries;
	atomic_llong overruns;
	atomic_llong expiries;	/* deliveries + overruns */
	atomic_llong excess;	/* deliveries that made expiries run ahead of time */
	atomic_llong min_deficit;	/* since the last mark */
};

/* The first siginfo that failed a check, kept for the report. */
struct bad_info {
	int sig, code, pid, uid, timerid, overrun, errno_;
	uint64_t value;
	const char *why;
};

static struct strict_timer timers[MAX_TIMERS];
static int ntimers;
static int nbusy = 1;
static atomic_int busy_tid;		/* of the first busy thread */
static atomic_int busy_started;
static atomic_int ready;		/* READY printed: commands may be answered */

static atomic_int sender_pid;		/* 0: nobody may signal us yet */
static atomic_int sender_uid;

static atomic_llong forged;
static atomic_llong seq_got, seq_dup, seq_bad, seq_reordered;
static atomic_llong seq_last;		/* the highest received */
/*
 * Real-time signals of one number leave the queue in order, so each thread
 * must see the sequence numbers rise (across threads handlers may run in
 * any order).
 */
static __thread long long thread_last_seq;
static atomic_llong kill_rt, kill_std, kill_trap, kill_cont;
static bool ignore_trap, block_trap, count_cont;
static atomic_uchar seq_seen[SEQ_MAX / 8];

static atomic_int bad_claimed;
static atomic_int bad_ready;
static struct bad_info first_bad;

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void record_bad(int sig, const siginfo_t *si, const char *why)
{
	int expected = 0;

	if (!atomic_compare_exchange_strong(&bad_claimed, &expected, 1))
		return;
	first_bad = (struct bad_info) {
		.sig = sig, .code = si->si_code, .pid = si->si_pid, .uid = (int)si->si_uid,
		.timerid = si->si_code == SI_TIMER ? si->si_timerid : 0,
		.overrun = si->si_code == SI_TIMER ? si->si_overrun : 0,
		.errno_ = si->si_errno,
		.value = (uint64_t)(uintptr_t)si->si_value.sival_ptr,
		.why = why,
	};
	atomic_store(&bad_ready, 1);
}

static void forge(int sig, const siginfo_t *si, const char *why)
{
	atomic_fetch_add(&forged, 1);
	record_bad(sig, si, why);
}

/* Grid points up to @now: expiries the kernel has had to account for. */
static long long due_by(const struct strict_timer *t, int64_t now)
{
	if (now < t->first_ns)
		return 0;
	return (now - t->first_ns) / t->period_ns + 1;
}

static void lower_min(atomic_llong *min, long long v)
{
	long long cur = atomic_load(min);

	while (v < cur && !atomic_compare_exchange_weak(min, &cur, v))
		;
}

static void raise_max(atomic_llong *max, long long v)
{
	long long cur = atomic_load(max);

	while (v > cur && !atomic_compare_exchange_weak(max, &cur, v))
		;
}

/* The timer's own callback, reached through si_value as a program would. */
static void timer_fired(struct strict_timer *t, const siginfo_t *si)
{
	long long add = 1 + (long long)si->si_overrun;
	long long sum, deficit;

	atomic_fetch_add(&t->deliveries, 1);
	atomic_fetch_add(&t->overruns, si->si_overrun);
	/* Our share first, the clock after: see the top comment. */
	sum = atomic_fetch_add(&t->expiries, add) + add;
	deficit = due_by(t, mono_ns()) - sum;
	if (deficit < 0) {
		atomic_fetch_add(&t->excess, 1);
		record_bad(t->sig, si, "timer-ahead-of-its-grid");
	}
	lower_min(&t->min_deficit, deficit);
}

/* sival_ptr if it points to one of our timers, else NULL; never dereferenced first. */
static struct strict_timer *timer_of(const siginfo_t *si)
{
	uintptr_t p = (uintptr_t)si->si_value.sival_ptr;

	for (int i = 0; i < ntimers; i++)
		if (p == (uintptr_t)&timers[i])
			return &timers[i];
	return NULL;
}

static void on_timer(int sig, const siginfo_t *si)
{
	struct strict_timer *t = timer_of(si);

	if (!t)
		forge(sig, si, "timer-si_value");
	else if (t->sig != sig)
		forge(sig, si, "timer-signo");
	else if (si->si_timerid != t->kid)
		forge(sig, si, "timer-si_timerid");
	else if (si->si_overrun < 0)
		forge(sig, si, "timer-si_overrun");
	else if (t->busy && syscall(SYS_gettid) != atomic_load(&busy_tid))
		forge(sig, si, "timer-thread");
	else
		t->fire(t, si);
}

static bool from_sender(const siginfo_t *si)
{
	return si->si_pid == atomic_load(&sender_pid) && atomic_load(&sender_pid) &&
	       (int)si->si_uid == atomic_load(&sender_uid);
}

static void on_queue(int sig, const siginfo_t *si)
{
	uint64_t v = (uint64_t)(uintptr_t)si->si_value.sival_ptr;
	long long seq = (long long)(v & ~SEQ_TAG);
	unsigned char bit, old;

	if (sig != SIG_QUEUE) {
		forge(sig, si, "queue-signo");
		return;
	}
	if (!from_sender(si)) {
		forge(sig, si, "queue-sender");
		return;
	}
	if ((v & SEQ_TAG) != SEQ_TAG || seq < 1 || seq >= SEQ_MAX) {
		atomic_fetch_add(&seq_bad, 1);
		forge(sig, si, "queue-si_value");
		return;
	}
	bit = (unsigned char)(1u << (seq % 8));
	old = atomic_fetch_or(&seq_seen[seq / 8], bit);
	if (old & bit) {
		atomic_fetch_add(&seq_dup, 1);
		record_bad(sig, si, "queue-duplicate");
		return;
	}
	atomic_fetch_add(&seq_got, 1);
	raise_max(&seq_last, seq);
	if (seq < thread_last_seq) {
		atomic_fetch_add(&seq_reordered, 1);
		record_bad(sig, si, "queue-out-of-order");
	}
	thread_last_seq = seq;
}

static void on_kill(int sig, const siginfo_t *si)
{
	if (sig != SIG_KILL_RT && sig != SIG_KILL_STD && sig != SIG_KILL_TRAP &&
	    (sig != SIGCONT || !count_cont)) {
		forge(sig, si, "user-signo");
		return;
	}
	if (!from_sender(si)) {
		forge(sig, si, "user-sender");
		return;
	}
	atomic_fetch_add(sig == SIG_KILL_RT ? &kill_rt : sig == SIG_KILL_STD ? &kill_std :
			 sig == SIGCONT ? &kill_cont : &kill_trap, 1);
}

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;

	switch (si->si_code) {
	case SI_TIMER:
		on_timer(sig, si);
		break;
	case SI_QUEUE:
		on_queue(sig, si);
		break;
	case SI_USER:
		on_kill(sig, si);
		break;
	default:
		forge(sig, si, "si_code");
		break;
	}
	errno = saved;
}

/* The signals this program takes: its timers' and the sender's. */
static void our_signals(sigset_t *set)
{
	sigemptyset(set);
	for (int i = 0; i < ntimers; i++)
		sigaddset(set, timers[i].sig);
	sigaddset(set, SIG_QUEUE);
	sigaddset(set, SIG_KILL_RT);
	sigaddset(set, SIG_KILL_STD);
	if (!ignore_trap && !block_trap)
		sigaddset(set, SIG_KILL_TRAP);
	if (count_cont)
		sigaddset(set, SIGCONT);
}

static void install_handlers(void)
{
	struct sigaction ign = { .sa_handler = SIG_IGN };
	sigset_t set;

	/* No handler interrupts another: each timer's sums stay in order per thread. */
	our_signals(&set);
	vp_handle_signals(&set, on_signal);
	if (ignore_trap && sigaction(SIG_KILL_TRAP, &ign, NULL) < 0)
		vp_die(errno, "sigaction");
}

/* What SIGTRAP's action is now: ours (or ignored, as asked) unless a tool changed it. */
static const char *trap_action(void)
{
	struct sigaction sa;

	if (sigaction(SIG_KILL_TRAP, NULL, &sa) < 0)
		return "unknown";
	if (sa.sa_handler == SIG_IGN)
		return "ignored";
	if (sa.sa_handler == SIG_DFL)
		return "default";
	if ((sa.sa_flags & SA_SIGINFO) && sa.sa_sigaction == on_signal)
		return "handler";
	return "other";
}

static void *busy_main(void *arg)
{
	volatile unsigned long spins = 0;
	int none = 0;

	/* The tid before the count: main reads it once the count is complete. */
	atomic_compare_exchange_strong(&busy_tid, &none, (int)syscall(SYS_gettid));
	atomic_fetch_add(&busy_started, 1);
	for (;;)
		spins++;
	return NULL;
}

static void report(void)
{
	char bad[256] = "none";
	long long excess = 0;

	for (int i = 0; i < ntimers; i++)
		excess += atomic_load(&timers[i].excess);

	if (atomic_load(&bad_ready)) {
		const struct bad_info *b = &first_bad;

		snprintf(bad, sizeof(bad),
			 "%s:sig=%d,code=%d,pid=%d,uid=%d,errno=%d,timerid=%d,overrun=%d,"
			 "value=%#llx", b->why, b->sig, b->code, b->pid, b->uid, b->errno_,
			 b->timerid, b->overrun, (unsigned long long)b->value);
	}
	vp_out("REPORT forged=%lld excess=%lld seq_got=%lld seq_dup=%lld seq_bad=%lld"
	       " seq_reordered=%lld seq_last=%lld kill_rt=%lld kill_std=%lld kill_trap=%lld"
	       " kill_cont=%lld trap_action=%s first_bad=%s",
	       atomic_load(&forged), excess,
	       atomic_load(&seq_got), atomic_load(&seq_dup), atomic_load(&seq_bad),
	       atomic_load(&seq_reordered), atomic_load(&seq_last), atomic_load(&kill_rt),
	       atomic_load(&kill_std), atomic_load(&kill_trap), atomic_load(&kill_cont),
	       trap_action(), bad);
}

/*
 * The kernel's view: whether the timer's next expiry, from timer_gettime(),
 * still lies on the grid we armed it on (nobody re-armed it).  The call
 * happens between two clock readings, so the expiry lies in a window that
 * must hold a grid point.  1: yes, 0: no, -1: could not tell.
 */
static int on_grid(const struct strict_timer *t)
{
	for (int try = 0; try < 10; try++) {
		struct itimerspec its;
		int64_t before, after, rem, lo, k;

		before = mono_ns();
		if (syscall(SYS_timer_gettime, t->kid, &its) < 0)
			return 0;
		after = mono_ns();
		rem = its.it_value.tv_sec * 1000000000LL + its.it_value.tv_nsec;
		if (its.it_interval.tv_sec * 1000000000LL + its.it_interval.tv_nsec !=
		    t->period_ns)
			return 0;
		/* 1 ns is what an expired timer whose signal is on its way reports. */
		if (rem <= 1)
			continue;
		lo = before + rem - t->first_ns;
		k = (lo + t->period_ns - 1) / t->period_ns;	/* first grid point >= lo */
		return t->first_ns + k * t->period_ns <= after + rem;
	}
	return -1;
}

static void list_timers(void)
{
	int64_t now = mono_ns();

	for (int i = 0; i < ntimers; i++) {
		struct strict_timer *t = &timers[i];

		vp_out("TIMER index=%d kid=%d sig=%d busy=%d period_ns=%lld deliveries=%lld"
		       " overruns=%lld expiries=%lld due=%lld min_deficit=%lld excess=%lld"
		       " on_grid=%d",
		       i, t->kid, t->sig, t->busy, (long long)t->period_ns,
		       atomic_load(&t->deliveries), atomic_load(&t->overruns),
		       atomic_load(&t->expiries), due_by(t, now), atomic_load(&t->min_deficit),
		       atomic_load(&t->excess), on_grid(t));
	}
	vp_out("END");
}

static void missing(long long upto)
{
	long long n = 0, first = 0;

	if (upto >= SEQ_MAX)
		upto = SEQ_MAX - 1;
	for (long long s = 1; s <= upto; s++) {
		if (atomic_load(&seq_seen[s / 8]) & (1u << (s % 8)))
			continue;
		if (!n++)
			first = s;
	}
	vp_out("MISSING n=%lld first=%lld", n, first);
}

/*
 * The control thread blocks every signal: it may take a pending @sig,
 * shown after @what.
 */
static void take_pending(int sig, const char *what)
{
	const struct timespec now = { 0 };
	sigset_t one;
	siginfo_t si;

	sigemptyset(&one);
	sigaddset(&one, sig);
	if (sigtimedwait(&one, &si, &now) != sig) {
		vp_out("%s none", what);
		return;
	}
	vp_out("%s code=%d pid=%d value=%#llx", what, si.si_code, (int)si.si_pid,
	       (unsigned long long)(uintptr_t)si.si_value.sival_ptr);
}

static bool answer(char *line)
{
	long long a, b;
	sigset_t taken;

	our_signals(&taken);

	if (sscanf(line, "sender %lld %lld", &a, &b) == 2) {
		atomic_store(&sender_uid, (int)b);
		atomic_store(&sender_pid, (int)a);
		vp_out("OK");
	} else if (!strcmp(line, "mark")) {
		for (int i = 0; i < ntimers; i++)
			atomic_store(&timers[i].min_deficit, LLONG_MAX);
		vp_out("OK");
	} else if (!strcmp(line, "report")) {
		report();
	} else if (!strcmp(line, "timers")) {
		list_timers();
	} else if (sscanf(line, "missing %lld", &a) == 1) {
		missing(a);
	} else if (!strcmp(line, "take-trap")) {
		take_pending(SIG_KILL_TRAP, "TRAP");
	} else if (sscanf(line, "take %lld", &a) == 1 && a > 0 && a < SIGRTMIN &&
		   !sigismember(&taken, (int)a)) {
		take_pending((int)a, "TAKEN");
	} else if (!strcmp(line, "ignore-trap")) {
		struct sigaction ign = { .sa_handler = SIG_IGN };

		if (sigaction(SIG_KILL_TRAP, &ign, NULL) < 0)
			vp_die(errno, "sigaction");
		vp_out("OK");
	} else {
		return false;
	}
	return true;
}

static void *control_main(void *arg)
{
	while (!atomic_load(&ready))
		usleep(100);
	vp_read_commands(answer);
	exit(0);
}

__attribute__((noreturn))
static void usage(void)
{
	fprintf(stderr, "usage: strict [--busy N] [--ignore-trap | --block-trap] [--count-cont]"
		" [--timer PERIOD_US:SIG[:busy]]...\n"
		"  PERIOD_US %d..%d; SIG not 32, 33, %d, %d, %d or %d\n", MIN_PERIOD_US,
		MAX_PERIOD_US, SIG_QUEUE, SIG_KILL_RT, SIG_KILL_STD, SIG_KILL_TRAP);
	exit(2);
}

static void parse_timer(const char *spec)
{
	struct strict_timer *t;
	long period, sig;
	char *end;

	if (ntimers == MAX_TIMERS)
		usage();
	t = &timers[ntimers++];
	period = strtol(spec, &end, 10);
	if (*end != ':' || period < MIN_PERIOD_US || period > MAX_PERIOD_US)
		usage();
	sig = strtol(end + 1, &end, 10);
	if (sig < 1 || sig >= NSIG || sig == SIGKILL || sig == SIGSTOP ||
	    (sig >= GLIBC_RESERVED_LO && sig <= GLIBC_RESERVED_HI) ||
	    sig == SIG_QUEUE || sig == SIG_KILL_RT || sig == SIG_KILL_STD ||
	    sig == SIG_KILL_TRAP)
		usage();
	if (!strcmp(end, ":busy"))
		t->busy = 1;
	else if (*end)
		usage();
	t->sig = (int)sig;
	t->period_ns = period * 1000LL;
	t->fire = timer_fired;
	atomic_store(&t->min_deficit, LLONG_MAX);
}

static void parse_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--timer") && i + 1 < argc) {
			parse_timer(argv[++i]);
		} else if (!strcmp(argv[i], "--ignore-trap")) {
			ignore_trap = true;
		} else if (!strcmp(argv[i], "--block-trap")) {
			block_trap = true;
		} else if (!strcmp(argv[i], "--count-cont")) {
			count_cont = true;
		} else if (!strcmp(argv[i], "--busy") && i + 1 < argc) {
			nbusy = atoi(argv[++i]);
			if (nbusy < 1 || nbusy > MAX_BUSY)
				usage();
		} else {
			usage();
		}
	}
}

/* Create every timer, then arm them all on grids that start at the same moment. */
static void create_timers(void)
{
	int64_t first = mono_ns() + FIRST_EXPIRY_NS;

	for (int i = 0; i < ntimers; i++) {
		struct strict_timer *t = &timers[i];
		struct sigevent sev = { .sigev_signo = t->sig };

		sev.sigev_value.sival_ptr = t;
		if (t->busy) {
			sev.sigev_notify = SIGEV_THREAD_ID;
			sev._sigev_un._tid = atomic_load(&busy_tid);	/* sigev_notify_thread_id */
		} else {
			sev.sigev_notify = SIGEV_SIGNAL;
		}
		if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &t->kid) < 0)
			vp_die(errno, "timer_create");
	}
	for (int i = 0; i < ntimers; i++) {
		struct strict_timer *t = &timers[i];
		struct itimerspec its = {
			.it_value = { first / 1000000000, first % 1000000000 },
			.it_interval = { 0, t->period_ns },
		};

		t->first_ns = first;
		if (syscall(SYS_timer_settime, t->kid, TIMER_ABSTIME, &its, NULL) < 0)
			vp_die(errno, "timer_settime");
	}
}

/* The signals queued for our user, all processes: SigQ's first number. */
static rlim_t user_pending(void)
{
	char buf[16384];
	unsigned long long n = 0;
	const char *q;
	FILE *f = fopen("/proc/self/status", "re");
	size_t len = f ? fread(buf, 1, sizeof(buf) - 1, f) : 0;

	if (f)
		fclose(f);
	buf[len] = '\0';
	q = strstr(buf, "\nSigQ:\t");
	if (!q || sscanf(q, "\nSigQ:\t%llu/", &n) != 1)
		vp_die(EIO, "no SigQ in /proc/self/status");
	return (rlim_t)n;
}

int main(int argc, char **argv)
{
	char line[16 + MAX_TIMERS * 12] = "";
	sigset_t ours, all, wait_mask;
	struct rlimit rl;
	rlim_t queued_max;
	size_t used = 0;
	pthread_t th;
	int r;

	parse_args(argc, argv);
	install_handlers();
	our_signals(&ours);

	/* The control thread inherits a mask that blocks everything. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, NULL);
	r = pthread_create(&th, NULL, control_main, NULL);
	if (r)
		vp_die(r, "pthread_create");
	pthread_sigmask(SIG_UNBLOCK, &ours, NULL);
	for (int i = 0; i < nbusy; i++) {
		r = pthread_create(&th, NULL, busy_main, NULL);
		if (r)
			vp_die(r, "pthread_create");
	}
	while (atomic_load(&busy_started) < nbusy)
		usleep(100);
	create_timers();
	/*
	 * While a tool holds us stopped, a sender must not queue without end.
	 * Not before the timers: their signals count against it too, and so
	 * do those of every other process of our user, which the limit is
	 * set above (a test binary beside ours, holding thousands of timers
	 * as the same user, once left no room for a single sigqueue()).
	 */
	if (getrlimit(RLIMIT_SIGPENDING, &rl) < 0)
		vp_die(errno, "getrlimit");
	/* Lower only: a small machine's default (from its RAM) may be below ours. */
	queued_max = user_pending() + MAX_QUEUED;
	if (rl.rlim_max > queued_max)
		rl.rlim_max = queued_max;
	rl.rlim_cur = rl.rlim_max;
	if (setrlimit(RLIMIT_SIGPENDING, &rl) < 0)
		vp_die(errno, "setrlimit");

	for (int i = 0; i < ntimers; i++)
		used += (size_t)snprintf(line + used, sizeof(line) - used, "%s%d", i ? "," : "",
					 timers[i].kid);
	vp_out("READY %d timers=%s", (int)getpid(), line);
	atomic_store(&ready, 1);

	/* Everything else blocked, so that only our signals end a wait. */
	sigfillset(&wait_mask);
	for (int s = 1; s < NSIG; s++)
		if (sigismember(&ours, s) == 1)
			sigdelset(&wait_mask, s);
	for (;;)
		sigsuspend(&wait_mask);
}
