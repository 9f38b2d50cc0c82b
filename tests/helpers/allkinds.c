// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * allkinds: a victim that holds every kind of timer ptimerctl carries, for
 * tests/integration/test_kinds.c, and checks from inside what it is given.
 *
 * usage: allkinds [--fresh] [--alarm SEC] [--collide FD]... [--slow CALL=USEC]...
 *
 * Threads, started in this order in every mode (so that a restore maps
 * them one to one): main, worker, epoll, spinner, control.
 *   main     waits in sigsuspend(); takes the process-directed signals
 *   worker   waits in sigsuspend(); takes its thread-directed timer signals
 *   epoll    epoll_wait()s on a set that holds the timerfd TFD_EPOLL
 *   spinner  burns CPU a fifth of the time, for ITIMER_VIRTUAL and ITIMER_PROF
 *   control  blocks every signal and answers commands on stdin
 *
 * Without --fresh it holds, once READY:
 *   POSIX timers (CLOCK_MONOTONIC, created in this order, so IDs 0..3 in a
 *   new process): "pthr" signal 36 to the worker every 50 ms, "pproc" signal
 *   37 to the process every 70 ms, "othr" signal 38 to the worker and
 *   "oproc" signal 39 to the process, both created disarmed (see "pend");
 *   each with sigval 0xa110000 + its signal;
 *   ITIMER_REAL 100 ms periodic (or alarm(SEC) with --alarm), ITIMER_VIRTUAL
 *   10 ms periodic, ITIMER_PROF 20 ms periodic;
 *   timerfds at fixed descriptors:
 *     100 CLOCK_MONOTONIC, 50 ms periodic, TFD_NONBLOCK, in the epoll set
 *         (the epoll thread reads its ticks)
 *     101 CLOCK_REALTIME, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, at
 *         now + 1 h, TFD_CLOEXEC
 *     102 CLOCK_BOOTTIME, one-shot 1 ms: expired, 1 tick never read
 *     103 CLOCK_MONOTONIC, 200 ms periodic, never read
 * With --fresh it holds nothing, and keeps every timer signal blocked
 * until "adopt": the destination of a restore.  Each --collide FD puts
 * /dev/null at FD.  --slow CALL=USEC, once READY, makes every call of
 * CALL (one slow_calls_parse() names) by any thread wait USEC, under a
 * second (slow_calls.h): a target in which
 * injected code runs past a short --timeout.
 *
 * Every handler checks its siginfo: a POSIX timer signal must be SI_TIMER
 * with its timer's si_timerid and sigval, si_overrun >= 0, and, when
 * thread-directed, be taken by the worker; an itimer signal SI_KERNEL.
 * Anything else is an ANOMALY, the first one kept for the report, and so
 * is an epoll_wait() that fails with EINTR (its thread blocks every signal).
 *
 * Commands (one answer line, or lines up to END):
 *   ping, timers, tids        as vproto.h (tids: main worker epoll spinner control)
 *   adopt                     learn the POSIX timer IDs from /proc/self/timers (by
 *                             signal), add fd 100 to the epoll set, unblock every
 *                             timer signal but 38 and 39; OK ids=..
 *   pend                      block 38 and 39, arm "othr" and "oproc" at 1 ms; OK
 *   block SIG / unblock SIG   keep SIG blocked or not in main and worker; OK
 *   release                   unblock 38 and 39; OK
 *   mark                      start new windows for the periods; OK
 *   stats                     one STAT line per source (counts, expiries and the
 *                             period since "mark"), an ANOMALY line, END; every
 *                             signal dequeued before it was asked is counted
 *   itimers                   ITIMER which=.. value_ns=.. interval_ns=.. expiry_ns=.. x3,
 *                             END (expiry_ns: ITIMER_REAL's, on CLOCK_MONOTONIC; else -1)
 *   timerfds                  TFD fd=.. per descriptor 100..103 (timerfd_gettime,
 *                             fdinfo, fcntl flags), END
 *   ticks FD                  TICKS fd=FD ticks=N: read() of the timerfd (0 when
 *                             nothing is due; it never blocks)
 *   idle                      disarm ITIMER_VIRTUAL and fd 103, each keeping its
 *                             interval: they read value 0 with it, as a due timer
 *                             whose expiry the kernel has not handled yet does; OK
 *   fill HI FREE              /dev/null at every free descriptor below HI but the
 *                             FREE lowest; OK fds=N: how many are open then
 *   sigpending N              lower its own RLIMIT_SIGPENDING to N (which another
 *                             user's prlimit needs CAP_SYS_RESOURCE for); OK
 *   delete ID / closefd FD    timer_delete() POSIX timer ID, close() descriptor
 *                             FD: the program's own change; OK
 *   exit
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

/* Its commands, not its vp_serve(): the control thread answers ours first. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-function"
#include "vproto.h"
#pragma GCC diagnostic pop
#include "slow_calls.h"

#define SIG_PTHR	36
#define SIG_PPROC	37
#define SIG_OTHR	38
#define SIG_OPROC	39
#define SIG_WAKE	SIGUSR1
#define SIGVAL_BASE	0xa110000UL
#define TFD_FIRST	100
#define TFD_EPOLL	100
#define NTFD		4
#define SYNC_MS		10000

enum { P_THR, P_PROC, P_OTHR, P_OPROC, NPOSIX };
enum { S_PTHR, S_PPROC, S_OTHR, S_OPROC, S_REAL, S_VIRT, S_PROF, S_TFD, NSRC };
enum { T_MAIN, T_WORKER, T_EPOLL, T_SPIN, T_CONTROL, NTHREADS };

static const char *const src_name[NSRC] = {
	"posix_thread", "posix_process", "oneshot_thread", "oneshot_process",
	"itimer_real", "itimer_virtual", "itimer_prof", "timerfd_epoll",
};
static const int posix_sig[NPOSIX] = { SIG_PTHR, SIG_PPROC, SIG_OTHR, SIG_OPROC };

/* One source of expiries: its counts, and the window since "mark". */
struct source {
	atomic_llong count;		/* deliveries (or reads) */
	atomic_llong expiries;		/* count + overruns (or ticks) */
	atomic_llong overruns;
	atomic_llong w_first_ns, w_first_exp;	/* the window's first delivery */
	atomic_llong w_last_ns, w_last_exp;	/* and its last */
};

static struct source srcs[NSRC];
static atomic_int posix_id[NPOSIX] = { -1, -1, -1, -1 };
static atomic_int tids[NTHREADS];
static atomic_ullong blocked;		/* signals main and worker keep blocked (bit s-1) */
static atomic_ullong gen;		/* bumped to make main and worker look again */
static atomic_ullong seen_gen[2];	/* main, worker */
static atomic_int ready;
static int epfd = -1;
static bool fresh;
static int alarm_sec;
static int collide_fd[NTFD];
static int ncollide;
static struct slow_call slow[SLOW_CALLS_MAX];
static size_t nslow;

static atomic_llong anomalies;
static atomic_int anomaly_claimed;
static atomic_int anomaly_ready;
static char anomaly_text[200];

static int64_t clk(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (int64_t)ts.tv_sec * VP_NSEC_PER_SEC + ts.tv_nsec;
}

static void anomaly(const char *why, int sig, const siginfo_t *si)
{
	int expected = 0;

	atomic_fetch_add(&anomalies, 1);
	if (!atomic_compare_exchange_strong(&anomaly_claimed, &expected, 1))
		return;
	snprintf(anomaly_text, sizeof(anomaly_text),
		 "%s:sig=%d,code=%d,timerid=%d,overrun=%d,value=%#llx,tid=%d", why, sig,
		 si->si_code, si->si_code == SI_TIMER ? si->si_timerid : 0,
		 si->si_code == SI_TIMER ? si->si_overrun : 0,
		 (unsigned long long)(uintptr_t)si->si_value.sival_ptr, (int)vp_gettid());
	atomic_store(&anomaly_ready, 1);
}

/* @exp more expiries of @s at time @now (of the clock that drives it). */
static void account(struct source *s, long long exp, long long overrun, int64_t now)
{
	long long total;

	atomic_fetch_add(&s->count, 1);
	atomic_fetch_add(&s->overruns, overrun);
	total = atomic_fetch_add(&s->expiries, exp) + exp;
	if (atomic_load(&s->w_first_ns) < 0) {
		atomic_store(&s->w_first_exp, total);
		atomic_store(&s->w_first_ns, now);
	}
	atomic_store(&s->w_last_exp, total);
	atomic_store(&s->w_last_ns, now);
}

static void on_posix(int sig, const siginfo_t *si)
{
	int k;

	for (k = 0; k < NPOSIX; k++)
		if (posix_sig[k] == sig)
			break;
	if (si->si_code != SI_TIMER)
		anomaly("si_code", sig, si);
	else if ((uintptr_t)si->si_value.sival_ptr != SIGVAL_BASE + (unsigned long)sig)
		anomaly("si_value", sig, si);
	else if (si->si_timerid != atomic_load(&posix_id[k]))
		anomaly("si_timerid", sig, si);
	else if (si->si_overrun < 0)
		anomaly("si_overrun", sig, si);
	else if ((sig == SIG_PTHR || sig == SIG_OTHR) &&
		 vp_gettid() != atomic_load(&tids[T_WORKER]))
		anomaly("thread", sig, si);
	else
		account(&srcs[k], 1 + (long long)si->si_overrun, si->si_overrun,
			clk(CLOCK_MONOTONIC));
}

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;

	switch (sig) {
	case SIG_WAKE:
		if (si->si_code != SI_TKILL || si->si_pid != getpid())
			anomaly("wake", sig, si);
		break;
	case SIGALRM:
	case SIGVTALRM:
	case SIGPROF:
		if (si->si_code != SI_KERNEL)
			anomaly("itimer-si_code", sig, si);
		else if (sig == SIGALRM)
			account(&srcs[S_REAL], 1, 0, clk(CLOCK_MONOTONIC));
		else
			account(&srcs[sig == SIGVTALRM ? S_VIRT : S_PROF], 1, 0,
				clk(CLOCK_PROCESS_CPUTIME_ID));
		break;
	default:
		on_posix(sig, si);
		break;
	}
	errno = saved;
}

static void our_signals(sigset_t *set)
{
	sigemptyset(set);
	for (int k = 0; k < NPOSIX; k++)
		sigaddset(set, posix_sig[k]);
	sigaddset(set, SIGALRM);
	sigaddset(set, SIGVTALRM);
	sigaddset(set, SIGPROF);
	sigaddset(set, SIG_WAKE);
}

static void install_handlers(void)
{
	sigset_t set;

	our_signals(&set);
	vp_handle_signals(&set, on_signal);
}

static unsigned long long sigbit(int sig)
{
	return 1ULL << (sig - 1);
}

/*
 * Wait in sigsuspend() for the signals this thread takes, less those kept
 * blocked; outside it every signal is blocked.  Each return (one signal
 * handled) looks at "blocked" again and says so in seen_gen.
 */
static void suspend_loop(int who, const int *takes, int ntakes)
{
	for (;;) {
		unsigned long long g = atomic_load(&gen);
		unsigned long long b = atomic_load(&blocked);
		sigset_t mask;

		sigfillset(&mask);
		sigdelset(&mask, SIG_WAKE);
		for (int i = 0; i < ntakes; i++)
			if (!(b & sigbit(takes[i])))
				sigdelset(&mask, takes[i]);
		atomic_store(&seen_gen[who], g);
		sigsuspend(&mask);
	}
}

static void *worker_main(void *arg)
{
	static const int takes[] = { SIG_PTHR, SIG_OTHR };

	atomic_store(&tids[T_WORKER], vp_gettid());
	suspend_loop(1, takes, 2);
	return NULL;
}

static void *epoll_main(void *arg)
{
	atomic_store(&tids[T_EPOLL], vp_gettid());
	for (;;) {
		struct epoll_event ev[4];
		int n = epoll_wait(epfd, ev, 4, -1);

		/* Every signal is blocked here: only a careless tracer can do it. */
		if (n < 0 && errno == EINTR)
			anomaly("epoll_wait-EINTR", 0, &(siginfo_t){ 0 });
		for (int i = 0; i < n; i++) {
			uint64_t ticks;

			if (read(ev[i].data.fd, &ticks, sizeof(ticks)) == sizeof(ticks))
				account(&srcs[S_TFD], (long long)ticks, (long long)ticks - 1,
					clk(CLOCK_MONOTONIC));
		}
	}
	return NULL;
}

/*
 * A fifth of the time on the CPU, in user mode (ITIMER_VIRTUAL counts only
 * that): the clock is read once per million spins.
 */
static void *spinner_main(void *arg)
{
	atomic_store(&tids[T_SPIN], vp_gettid());
	for (;;) {
		int64_t end = clk(CLOCK_THREAD_CPUTIME_ID) + 2000000;
		volatile unsigned long spins = 0;

		do {
			for (int i = 0; i < 1000000; i++)
				spins++;
		} while (clk(CLOCK_THREAD_CPUTIME_ID) < end);
		usleep(8000);
	}
	return NULL;
}

/*
 * Make main and worker look at "blocked" again, and wait until both have:
 * then each has also run the handler of every signal it dequeued before.
 */
static bool sync_threads(void)
{
	unsigned long long g = atomic_fetch_add(&gen, 1) + 1;
	int64_t deadline = clk(CLOCK_MONOTONIC) + SYNC_MS * 1000000LL;

	syscall(SYS_tgkill, getpid(), atomic_load(&tids[T_MAIN]), SIG_WAKE);
	syscall(SYS_tgkill, getpid(), atomic_load(&tids[T_WORKER]), SIG_WAKE);
	while (atomic_load(&seen_gen[0]) < g || atomic_load(&seen_gen[1]) < g) {
		if (clk(CLOCK_MONOTONIC) > deadline)
			return false;
		usleep(100);
	}
	return true;
}

static void set_blocked(unsigned long long add, unsigned long long del)
{
	atomic_fetch_or(&blocked, add);
	atomic_fetch_and(&blocked, ~del);
	vp_out(sync_threads() ? "OK" : "ERROR sync timed out");
}

static int make_posix(int k, long long value_ns, long long interval_ns)
{
	int thread = posix_sig[k] == SIG_PTHR || posix_sig[k] == SIG_OTHR;

	return vp_make_timer(CLOCK_MONOTONIC, thread ? SIGEV_THREAD_ID : SIGEV_SIGNAL,
			     posix_sig[k], SIGVAL_BASE + (unsigned long)posix_sig[k],
			     thread ? atomic_load(&tids[T_WORKER]) : 0, value_ns, interval_ns);
}

static void make_timerfd(int fd, clockid_t clock, int flags, int settime_flags,
			 long long value_ns, long long interval_ns)
{
	struct itimerspec its = {
		.it_value = { value_ns / VP_NSEC_PER_SEC, value_ns % VP_NSEC_PER_SEC },
		.it_interval = { interval_ns / VP_NSEC_PER_SEC, interval_ns % VP_NSEC_PER_SEC },
	};
	int t = timerfd_create(clock, flags);

	if (t < 0)
		vp_die(errno, "timerfd_create");
	if (t != fd) {
		if (dup3(t, fd, flags & TFD_CLOEXEC ? O_CLOEXEC : 0) < 0)
			vp_die(errno, "dup3");
		close(t);
	}
	if (timerfd_settime(fd, settime_flags, &its, NULL) < 0)
		vp_die(errno, "timerfd_settime");
}

static void set_itimer(int which, long long value_ns, long long interval_ns)
{
	struct itimerval it = {
		.it_value = { value_ns / VP_NSEC_PER_SEC, value_ns % VP_NSEC_PER_SEC / 1000 },
		.it_interval = { interval_ns / VP_NSEC_PER_SEC,
				 interval_ns % VP_NSEC_PER_SEC / 1000 },
	};

	if (setitimer(which, &it, NULL) < 0)
		vp_die(errno, "setitimer %d", which);
}

static void make_everything(void)
{
	static const int order[NPOSIX] = { P_THR, P_PROC, P_OTHR, P_OPROC };

	for (int i = 0; i < NPOSIX; i++) {
		int k = order[i];
		long long period = k == P_THR ? 50000000 : k == P_PROC ? 70000000 : 0;

		/* Created disarmed first: vp_make_timer() arms with value 0, a no-op. */
		atomic_store(&posix_id[k], make_posix(k, 0, 0));
		if (period) {
			struct itimerspec its = { { 0, period }, { 0, period } };

			if (syscall(SYS_timer_settime, atomic_load(&posix_id[k]), 0, &its, NULL))
				vp_die(errno, "timer_settime");
		}
	}
	if (alarm_sec)
		alarm((unsigned int)alarm_sec);
	else
		set_itimer(ITIMER_REAL, 100000000, 100000000);
	set_itimer(ITIMER_VIRTUAL, 10000000, 10000000);
	set_itimer(ITIMER_PROF, 20000000, 20000000);

	make_timerfd(TFD_EPOLL, CLOCK_MONOTONIC, TFD_NONBLOCK, 0, 50000000, 50000000);
	make_timerfd(101, CLOCK_REALTIME, TFD_CLOEXEC, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET,
		     clk(CLOCK_REALTIME) + 3600 * VP_NSEC_PER_SEC, 0);
	make_timerfd(102, CLOCK_BOOTTIME, 0, 0, 1000000, 0);
	make_timerfd(103, CLOCK_MONOTONIC, 0, 0, 200000000, 200000000);
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, TFD_EPOLL,
		      &(struct epoll_event){ .events = EPOLLIN, .data.fd = TFD_EPOLL }) < 0)
		vp_die(errno, "epoll_ctl");
}

/* The POSIX timer IDs, by signal, from /proc/self/timers. */
static void adopt(void)
{
	char line[128] = "OK ids=";
	size_t used = strlen(line);
	int id = -1;
	char *l, *save = NULL;

	if (vp_read_timers() < 0) {
		vp_out("ERROR cannot read /proc/self/timers");
		return;
	}
	for (l = strtok_r(vp_buf, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(l, "ID: ", 4))
			id = atoi(l + 4);
		else if (!strncmp(l, "signal: ", 8))
			for (int k = 0; k < NPOSIX; k++)
				if (atoi(l + 8) == posix_sig[k])
					atomic_store(&posix_id[k], id);
	}
	if (epoll_ctl(epfd, EPOLL_CTL_ADD, TFD_EPOLL,
		      &(struct epoll_event){ .events = EPOLLIN, .data.fd = TFD_EPOLL }) < 0) {
		vp_out("ERROR epoll_ctl %d: %s", TFD_EPOLL, strerror(errno));
		return;
	}
	for (int k = 0; k < NPOSIX; k++)
		used += (size_t)snprintf(line + used, sizeof(line) - used, "%s%d", k ? "," : "",
					 atomic_load(&posix_id[k]));
	atomic_store(&blocked, sigbit(SIG_OTHR) | sigbit(SIG_OPROC));
	if (!sync_threads()) {
		vp_out("ERROR sync timed out");
		return;
	}
	vp_out("%s", line);
}

static void pend(void)
{
	struct itimerspec its = { .it_value = { 0, 1000000 } };

	atomic_fetch_or(&blocked, sigbit(SIG_OTHR) | sigbit(SIG_OPROC));
	if (!sync_threads()) {
		vp_out("ERROR sync timed out");
		return;
	}
	if (syscall(SYS_timer_settime, atomic_load(&posix_id[P_OTHR]), 0, &its, NULL) ||
	    syscall(SYS_timer_settime, atomic_load(&posix_id[P_OPROC]), 0, &its, NULL)) {
		vp_out("ERROR timer_settime: %s", strerror(errno));
		return;
	}
	vp_out("OK");
}

static void mark(void)
{
	for (int i = 0; i < NSRC; i++) {
		atomic_store(&srcs[i].w_first_ns, -1);
		atomic_store(&srcs[i].w_first_exp, 0);
		atomic_store(&srcs[i].w_last_ns, -1);
		atomic_store(&srcs[i].w_last_exp, 0);
	}
}

static void stats(void)
{
	if (!sync_threads()) {
		vp_out("ERROR sync timed out");
		return;
	}
	for (int i = 0; i < NSRC; i++) {
		struct source *s = &srcs[i];
		long long first = atomic_load(&s->w_first_ns), last = atomic_load(&s->w_last_ns);
		long long n = atomic_load(&s->w_last_exp) - atomic_load(&s->w_first_exp);
		long long period = first >= 0 && n > 0 ? (last - first) / n : -1;

		vp_out("STAT name=%s count=%lld expiries=%lld overruns=%lld window=%lld"
		       " period_ns=%lld", src_name[i], atomic_load(&s->count),
		       atomic_load(&s->expiries), atomic_load(&s->overruns), n, period);
	}
	vp_out("ANOMALY n=%lld first=%s", atomic_load(&anomalies),
	       atomic_load(&anomaly_ready) ? anomaly_text : "none");
	vp_out("END");
}

static void itimers(void)
{
	static const char *const name[] = { "real", "virtual", "prof" };

	for (int w = ITIMER_REAL; w <= ITIMER_PROF; w++) {
		/* ITIMER_REAL runs on CLOCK_MONOTONIC: read just before, now plus value is its expiry. */
		long long now = clk(CLOCK_MONOTONIC), value;
		struct itimerval it;

		if (getitimer(w, &it) < 0) {
			vp_out("ERROR getitimer: %s", strerror(errno));
			continue;
		}
		value = (long long)it.it_value.tv_sec * VP_NSEC_PER_SEC + it.it_value.tv_usec * 1000;
		vp_out("ITIMER which=%s value_ns=%lld interval_ns=%lld expiry_ns=%lld", name[w], value,
		       (long long)it.it_interval.tv_sec * VP_NSEC_PER_SEC +
		       it.it_interval.tv_usec * 1000,
		       w == ITIMER_REAL && value ? now + value : -1);
	}
	vp_out("END");
}

/* A field of /proc/self/fdinfo/FD ("clockid", "settime flags"), or -1. */
static long long fdinfo_field(int fd, const char *key, int base)
{
	char path[64], buf[2048], *p;

	snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", fd);
	if (vp_read_file(AT_FDCWD, path, buf, sizeof(buf)) < 0)
		return -1;
	for (p = buf; p; p = strchr(p, '\n')) {
		if (*p == '\n')
			p++;
		if (!strncmp(p, key, strlen(key)) && p[strlen(key)] == ':')
			return strtoll(p + strlen(key) + 1, NULL, base);
	}
	return -1;
}

static void timerfds(void)
{
	for (int fd = TFD_FIRST; fd < TFD_FIRST + NTFD; fd++) {
		char path[64], link[128] = "";
		struct itimerspec its = { 0 };
		ssize_t n;
		int fl, fdfl;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		n = readlink(path, link, sizeof(link) - 1);
		link[n > 0 ? n : 0] = '\0';
		if (strcmp(link, "anon_inode:[timerfd]")) {
			vp_out("TFD fd=%d timerfd=0 what=%s", fd, n > 0 ? link : "closed");
			continue;
		}
		if (timerfd_gettime(fd, &its) < 0) {
			vp_out("ERROR timerfd_gettime %d: %s", fd, strerror(errno));
			continue;
		}
		fl = fcntl(fd, F_GETFL);
		fdfl = fcntl(fd, F_GETFD);
		vp_out("TFD fd=%d timerfd=1 clockid=%lld settime_flags=%lld ticks=%lld"
		       " value_ns=%lld interval_ns=%lld nonblock=%d cloexec=%d", fd,
		       fdinfo_field(fd, "clockid", 10), fdinfo_field(fd, "settime flags", 8),
		       fdinfo_field(fd, "ticks", 10),
		       (long long)its.it_value.tv_sec * VP_NSEC_PER_SEC + its.it_value.tv_nsec,
		       (long long)its.it_interval.tv_sec * VP_NSEC_PER_SEC +
		       its.it_interval.tv_nsec, !!(fl & O_NONBLOCK), !!(fdfl & FD_CLOEXEC));
	}
	vp_out("END");
}

static void ticks(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t t = 0;

	if (poll(&p, 1, 0) < 0) {
		vp_out("ERROR poll %d: %s", fd, strerror(errno));
		return;
	}
	if ((p.revents & POLLIN) && read(fd, &t, sizeof(t)) != sizeof(t)) {
		vp_out("ERROR read %d: %s", fd, strerror(errno));
		return;
	}
	vp_out("TICKS fd=%d ticks=%llu", fd, (unsigned long long)t);
}

/* /dev/null at every free descriptor below @hi but the @nfree lowest: few free ones left. */
static void fill(int hi, int nfree)
{
	int low = open("/dev/null", O_RDONLY | O_CLOEXEC), null, open_fds = 0;

	/* Kept above @hi while it fills. */
	null = low < 0 ? -1 : fcntl(low, F_DUPFD_CLOEXEC, hi + 32);
	if (low >= 0)
		close(low);
	if (null < 0) {
		vp_out("ERROR /dev/null: %s", strerror(errno));
		return;
	}
	for (int fd = 0; fd < hi; fd++) {
		if (fcntl(fd, F_GETFD) >= 0)
			continue;
		if (nfree > 0) {
			nfree--;
			continue;
		}
		if (dup3(null, fd, O_CLOEXEC) < 0) {
			vp_out("ERROR dup3 %d: %s", fd, strerror(errno));
			close(null);
			return;
		}
	}
	close(null);
	for (int fd = 0; fd < hi + 64; fd++)
		open_fds += fcntl(fd, F_GETFD) >= 0;
	vp_out("OK fds=%d", open_fds);
}

static bool answer(char *line)
{
	int a, b;

	if (!strcmp(line, "adopt")) {
		adopt();
	} else if (!strcmp(line, "pend")) {
		pend();
	} else if (!strcmp(line, "release")) {
		set_blocked(0, sigbit(SIG_OTHR) | sigbit(SIG_OPROC));
	} else if (sscanf(line, "block %d", &a) == 1 && a > 0 && a < 64) {
		set_blocked(sigbit(a), 0);
	} else if (sscanf(line, "unblock %d", &a) == 1 && a > 0 && a < 64) {
		set_blocked(0, sigbit(a));
	} else if (!strcmp(line, "mark")) {
		mark();
		vp_out("OK");
	} else if (!strcmp(line, "stats")) {
		stats();
	} else if (!strcmp(line, "itimers")) {
		itimers();
	} else if (!strcmp(line, "timerfds")) {
		timerfds();
	} else if (sscanf(line, "ticks %d", &a) == 1) {
		ticks(a);
	} else if (!strcmp(line, "idle")) {
		set_itimer(ITIMER_VIRTUAL, 0, 10000000);
		make_timerfd(103, CLOCK_MONOTONIC, 0, 0, 0, 200000000);
		vp_out("OK");
	} else if (sscanf(line, "fill %d %d", &a, &b) == 2 && a > 0 && b >= 0) {
		fill(a, b);
	} else if (sscanf(line, "delete %d", &a) == 1 && a >= 0) {
		/* The program's own change, made while a dump left it disarmed. */
		if (syscall(SYS_timer_delete, a))
			vp_out("ERROR timer_delete %d: %s", a, strerror(errno));
		else
			vp_out("OK");
	} else if (sscanf(line, "closefd %d", &a) == 1 && a >= 0) {
		/* The program's own change, made while a dump left it disarmed. */
		if (close(a))
			vp_out("ERROR close %d: %s", a, strerror(errno));
		else
			vp_out("OK");
	} else if (sscanf(line, "sigpending %d", &a) == 1 && a >= 0) {
		struct rlimit lim = { .rlim_cur = (rlim_t)a, .rlim_max = (rlim_t)a };

		if (setrlimit(RLIMIT_SIGPENDING, &lim))
			vp_out("ERROR setrlimit: %s", strerror(errno));
		else
			vp_out("OK");
	} else {
		return vp_handle(line);
	}
	return true;
}

static void *control_main(void *arg)
{
	atomic_store(&tids[T_CONTROL], vp_gettid());
	while (!atomic_load(&ready))
		usleep(100);
	vp_read_commands(answer);
	vp_exit(0);
}

__attribute__((noreturn))
static void usage(void)
{
	fprintf(stderr, "usage: allkinds [--fresh] [--alarm SEC] [--collide FD]..."
		" [--slow CALL=USEC]...\n");
	exit(2);
}

/* --slow CALL=USEC */
static void add_slow(const char *arg)
{
	if (nslow == SLOW_CALLS_MAX || slow_calls_parse(arg, &slow[nslow]))
		usage();
	nslow++;
}

static void start(void *(*fn)(void *), int who)
{
	pthread_t th;
	int r = pthread_create(&th, NULL, fn, NULL);

	if (r)
		vp_die(r, "pthread_create");
	while (!atomic_load(&tids[who]))
		usleep(100);
}

int main(int argc, char **argv)
{
	static const int takes[] = { SIG_PPROC, SIG_OPROC, SIGALRM, SIGVTALRM, SIGPROF };
	sigset_t all;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--fresh"))
			fresh = true;
		else if (!strcmp(argv[i], "--alarm") && i + 1 < argc)
			alarm_sec = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--collide") && i + 1 < argc && ncollide < NTFD)
			collide_fd[ncollide++] = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--slow") && i + 1 < argc)
			add_slow(argv[++i]);
		else
			usage();
	}
	vp_init();
	mark();
	install_handlers();
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, NULL);	/* every thread starts so */
	epfd = epoll_create1(EPOLL_CLOEXEC);
	if (epfd < 0)
		vp_die(errno, "epoll_create1");
	for (int i = 0; i < ncollide; i++) {
		int fd = open("/dev/null", O_RDONLY);

		if (fd < 0 || dup2(fd, collide_fd[i]) < 0)
			vp_die(errno, "/dev/null at %d", collide_fd[i]);
		close(fd);
	}
	/* Before the worker starts waiting with it. */
	if (fresh) {
		unsigned long long b = 0;

		for (int k = 0; k < NPOSIX; k++)
			b |= sigbit(posix_sig[k]);
		atomic_store(&blocked, b | sigbit(SIGALRM) | sigbit(SIGVTALRM) | sigbit(SIGPROF));
	}
	atomic_store(&tids[T_MAIN], vp_gettid());
	start(worker_main, T_WORKER);
	start(epoll_main, T_EPOLL);
	start(spinner_main, T_SPIN);
	start(control_main, T_CONTROL);
	for (int i = 0; i < NTHREADS; i++)
		vp_add_tid(atomic_load(&tids[i]));
	if (!fresh)
		make_everything();
	if (nslow) {
		const char *what;
		int err = slow_calls_install(slow, nslow, &what);

		if (err)
			vp_die(err, "--slow: %s", what);
	}
	vp_out("READY %d", (int)getpid());
	atomic_store(&ready, 1);
	suspend_loop(0, takes, 5);
}
