// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * victim: a process that holds POSIX timers while ptimerctl inspects it.
 *
 * Set-up is driven by the command line (see usage()); then the program
 * prints "READY <pid>" and a control thread answers one-line commands on
 * stdin while the main thread stays blocked in the chosen way.  Every
 * answer is a single line of key=value pairs, or a list of lines closed
 * by "END".  The main thread prints "WOKE ..." on its own when its block
 * ends, so a reader must accept that line at any point.
 *
 * Thread indices: 0 is the main thread, 1..N the --threads workers,
 * N+1..N+M the --busy threads, and the control thread comes last.
 *
 * The control thread never allocates memory after set-up, so the maps of
 * the process stay constant while it answers; glibc SIGEV_THREAD timers
 * start threads (and map stacks) when they fire, so tests that compare
 * the maps hash should not arm them.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <linux/filter.h>
#include <linux/futex.h>
#include <linux/seccomp.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "audit_arch.h"
#include "slow_calls.h"

#define MAX_TIMERS	128
#define MAX_THREADS	64
#define LOG_CAP		16384
#define WAKE_SIG	63	/* reserved: tests must not give it to timers */
#define PR_RESTORE_IDS	77
#define GLIBC_RESERVED_LO 32	/* glibc keeps 32 and 33 for itself */
#define GLIBC_RESERVED_HI 33

enum notify_kind {
	N_SIGNAL,
	N_NONE,
	N_THREAD,
	N_THREAD_ID,
	N_GLIBC_THREAD,
	N_EXITED_THREAD,	/* thread_id, aimed at a thread that then exits */
};

enum block_mode {
	B_PAUSE,
	B_NANOSLEEP,
	B_READ,
	B_FUTEX,
	B_EPOLL,
	B_SIGWAIT,
	B_BUSY,
};

static const char *const block_names[] = {
	[B_PAUSE] = "pause",
	[B_NANOSLEEP] = "nanosleep",
	[B_READ] = "read",
	[B_FUTEX] = "futex",
	[B_EPOLL] = "epoll",
	[B_SIGWAIT] = "sigwait",
	[B_BUSY] = "busy",
};

struct timer_spec {
	long long want_id;	/* -1: whatever the kernel gives */
	int clockid;		/* resolved at creation time */
	const char *clock;	/* the name given */
	int thread_cpu;		/* -1, or the thread index of thread_cpu:K */
	bool busy_self;		/* busy_thread_cputime: made by the first --busy thread */
	enum notify_kind notify;
	int sig;
	int thread;		/* for thread_id */
	unsigned long long sigval;
	long long value_ns;
	long long interval_ns;
	int kid;		/* the kernel ID it got */
	timer_t glibc_id;	/* only for N_GLIBC_THREAD */
};

struct sig_rec {
	atomic_int valid;
	int signo;
	int code;
	int timerid;
	int overrun;
	int pid;
	int tid;
	uint64_t value;
	int64_t t_ns;
	int kind;		/* 0 signal handler, 1 glibc SIGEV_THREAD callback */
};

static struct timer_spec timers[MAX_TIMERS];
static int ntimers;
static int nworkers, nbusy, churn, many, many_signo;
static enum block_mode block = B_PAUSE;
static long sleep_ms = 2000;
static int leave_prctl_on, stop_self, seccomp_deny;
/* --slow-timers: what each timer_create, timer_delete and timer_settime waits */
static long slow_create_us, slow_delete_us, slow_settime_us;
/* --slow CALL=USEC, as allkinds takes it */
static struct slow_call slow[SLOW_CALLS_MAX - 3];
static size_t nslow;
static sigset_t main_mask;

static pid_t tids[MAX_THREADS];
static atomic_int ntids;
static pthread_t threads[MAX_THREADS];
static int64_t start_ns;

static struct sig_rec sig_log[LOG_CAP];
static atomic_uint log_n;
static atomic_uint cb_count;
static atomic_uint wake_sigs;
static atomic_uint eintr_count;
static atomic_uint sig_count[65];	/* handled, per signal number */
static atomic_uint main_blocks;		/* the main thread's blocking calls issued */
static atomic_int main_woke;		/* its block has ended */
static atomic_int wake_flag;		/* futex word for the main thread's block */
static atomic_int exit_word;		/* futex word the idle threads wait on */
static atomic_int busy_stop;
/* A busy_thread_cputime timer for the first busy thread to make, then NULL. */
static _Atomic(struct timer_spec *) busy_job;
static atomic_int busy_started;
static __thread bool in_busy_thread;

static void create_timer(struct timer_spec *t);
static atomic_int ready;		/* READY printed: commands may run */
static int wake_pipe[2] = { -1, -1 };
static int epfd = -1;
static pthread_mutex_t out_lock = PTHREAD_MUTEX_INITIALIZER;

static char io_buf[1 << 17];		/* shared by the control thread's readers */

static pid_t my_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

static int64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(fd, buf, len);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		buf += n;
		len -= (size_t)n;
	}
}

/* Print one line on stdout; the caller holds out_lock. */
__attribute__((format(printf, 1, 2)))
static void out_locked(const char *fmt, ...)
{
	char line[1024];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	write_all(STDOUT_FILENO, line, (size_t)n);
}

#define out(...) do {					\
	pthread_mutex_lock(&out_lock);			\
	out_locked(__VA_ARGS__);			\
	pthread_mutex_unlock(&out_lock);		\
} while (0)

__attribute__((noreturn, format(printf, 2, 3)))
static void die(int err, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	out("ERROR errno=%d msg=%s: %s", err, msg, err ? strerror(err) : "failed");
	_exit(3);
}

__attribute__((noreturn))
static void usage(void)
{
	fputs("usage: victim [--timer SPEC]... [--threads N] [--busy N]\n"
	      "  [--block pause|nanosleep|read|futex|epoll|sigwait|busy] [--sleep-ms N]\n"
	      "  [--churn N] [--prctl-restore-ids on|off] [--stop] [--mask SIG]...\n"
	      "  [--seccomp-deny-prctl77] [--slow-timers USEC[,DELETE_USEC[,SETTIME_USEC]]]\n"
	      "  [--slow CALL=USEC]... [--many N] [--many-signal SIG]\n"
	      "SPEC: id=N,clock=NAME|N,notify=signal|none|thread|thread_id|glibc_thread|\n"
	      "  exited_thread,"
	      "  sig=N,thread=K,sigval=0xHEX,value_ms=N,interval_ms=N,value_ns=N,interval_ns=N\n"
	      "clock names: realtime monotonic boottime tai realtime_alarm boottime_alarm\n"
	      "  process_cputime thread_cputime process_cpu_self thread_cpu:K\n"
	      "  busy_thread_cputime (the caller's own CPU clock, made by the first\n"
	      "  --busy thread)\n", stderr);
	exit(2);
}

static long long parse_num(const char *s, const char *what)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 0);
	if (errno || end == s || *end) {
		fprintf(stderr, "victim: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

/* --slow-timers USEC[,DELETE_USEC[,SETTIME_USEC]] */
static void parse_slow_timers(const char *v)
{
	long *const waits[] = { &slow_create_us, &slow_delete_us, &slow_settime_us };
	char buf[64], *field, *save = NULL;
	size_t n = 0;

	if (strlen(v) >= sizeof(buf))
		usage();
	strcpy(buf, v);
	for (field = strtok_r(buf, ",", &save); field; field = strtok_r(NULL, ",", &save)) {
		if (n == sizeof(waits) / sizeof(waits[0]))
			usage();
		*waits[n++] = (long)parse_num(field, "--slow-timers");
	}
	if (n == 1)
		slow_delete_us = slow_create_us;
}

static void parse_clock(struct timer_spec *t, const char *v)
{
	static const struct { const char *name; int id; } names[] = {
		{ "realtime", CLOCK_REALTIME },
		{ "monotonic", CLOCK_MONOTONIC },
		{ "boottime", CLOCK_BOOTTIME },
		{ "tai", CLOCK_TAI },
		{ "realtime_alarm", CLOCK_REALTIME_ALARM },
		{ "boottime_alarm", CLOCK_BOOTTIME_ALARM },
		{ "process_cputime", CLOCK_PROCESS_CPUTIME_ID },
		{ "thread_cputime", CLOCK_THREAD_CPUTIME_ID },
	};

	t->clock = v;
	t->thread_cpu = -1;
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (!strcmp(v, names[i].name)) {
			t->clockid = names[i].id;
			return;
		}
	}
	if (!strcmp(v, "process_cpu_self")) {
		t->clockid = INT_MIN;	/* resolved once the pid is known */
		return;
	}
	if (!strcmp(v, "busy_thread_cputime")) {
		t->clockid = CLOCK_THREAD_CPUTIME_ID;
		t->busy_self = true;
		return;
	}
	if (!strncmp(v, "thread_cpu:", 11)) {
		t->thread_cpu = (int)parse_num(v + 11, "thread index");
		return;
	}
	t->clockid = (int)parse_num(v, "clock");
}

static void parse_timer(char *spec)
{
	struct timer_spec *t;
	char *save = NULL, *kv;

	if (ntimers == MAX_TIMERS) {
		fprintf(stderr, "victim: too many timers\n");
		exit(2);
	}
	t = &timers[ntimers++];
	*t = (struct timer_spec){ .want_id = -1, .clockid = CLOCK_MONOTONIC,
				  .clock = "monotonic", .thread_cpu = -1,
				  .notify = N_SIGNAL, .sig = SIGUSR1, .kid = -1 };
	for (kv = strtok_r(spec, ",", &save); kv; kv = strtok_r(NULL, ",", &save)) {
		char *v = strchr(kv, '=');

		if (!v)
			usage();
		*v++ = '\0';
		if (!strcmp(kv, "id")) {
			t->want_id = parse_num(v, "id");
			if (t->want_id < 0 || t->want_id > INT_MAX)
				usage();
		} else if (!strcmp(kv, "clock")) {
			parse_clock(t, v);
		} else if (!strcmp(kv, "notify")) {
			if (!strcmp(v, "signal"))
				t->notify = N_SIGNAL;
			else if (!strcmp(v, "none"))
				t->notify = N_NONE;
			else if (!strcmp(v, "thread"))
				t->notify = N_THREAD;
			else if (!strcmp(v, "thread_id"))
				t->notify = N_THREAD_ID;
			else if (!strcmp(v, "glibc_thread"))
				t->notify = N_GLIBC_THREAD;
			else if (!strcmp(v, "exited_thread"))
				t->notify = N_EXITED_THREAD;
			else
				usage();
		} else if (!strcmp(kv, "sig")) {
			t->sig = (int)parse_num(v, "sig");
		} else if (!strcmp(kv, "thread")) {
			t->thread = (int)parse_num(v, "thread");
		} else if (!strcmp(kv, "sigval")) {
			errno = 0;
			t->sigval = strtoull(v, NULL, 0);
			if (errno)
				usage();
		} else if (!strcmp(kv, "value_ms")) {
			t->value_ns = parse_num(v, "value_ms") * 1000000;
		} else if (!strcmp(kv, "interval_ms")) {
			t->interval_ns = parse_num(v, "interval_ms") * 1000000;
		} else if (!strcmp(kv, "value_ns")) {
			t->value_ns = parse_num(v, "value_ns");
		} else if (!strcmp(kv, "interval_ns")) {
			t->interval_ns = parse_num(v, "interval_ns");
		} else {
			fprintf(stderr, "victim: unknown timer key '%s'\n", kv);
			exit(2);
		}
	}
	if (t->notify == N_GLIBC_THREAD && t->want_id >= 0) {
		fprintf(stderr, "victim: glibc_thread timers cannot ask for an id\n");
		exit(2);
	}
}

static void parse_args(int argc, char **argv)
{
	sigemptyset(&main_mask);
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (!strcmp(a, "--stop")) {
			stop_self = 1;
			continue;
		}
		if (!strcmp(a, "--seccomp-deny-prctl77")) {
			seccomp_deny = 1;
			continue;
		}
		if (!strcmp(a, "--help"))
			usage();
		if (!v)
			usage();
		i++;
		if (!strcmp(a, "--timer")) {
			char *copy = strdup(v);	/* keep our command line as given */

			if (!copy)
				die(ENOMEM, "strdup");
			parse_timer(copy);
		} else if (!strcmp(a, "--threads")) {
			nworkers = (int)parse_num(v, "--threads");
		} else if (!strcmp(a, "--busy")) {
			nbusy = (int)parse_num(v, "--busy");
		} else if (!strcmp(a, "--slow-timers")) {
			parse_slow_timers(v);
		} else if (!strcmp(a, "--slow")) {
			if (nslow == sizeof(slow) / sizeof(slow[0]) ||
			    slow_calls_parse(v, &slow[nslow++]))
				usage();
		} else if (!strcmp(a, "--churn")) {
			churn = (int)parse_num(v, "--churn");
		} else if (!strcmp(a, "--many")) {
			many = (int)parse_num(v, "--many");
		} else if (!strcmp(a, "--many-signal")) {
			many_signo = (int)parse_num(v, "--many-signal");
		} else if (!strcmp(a, "--sleep-ms")) {
			sleep_ms = (long)parse_num(v, "--sleep-ms");
		} else if (!strcmp(a, "--mask")) {
			sigaddset(&main_mask, (int)parse_num(v, "--mask"));
		} else if (!strcmp(a, "--prctl-restore-ids")) {
			leave_prctl_on = !strcmp(v, "on");
		} else if (!strcmp(a, "--block")) {
			size_t k;

			for (k = 0; k < sizeof(block_names) / sizeof(block_names[0]); k++)
				if (!strcmp(v, block_names[k]))
					break;
			if (k == sizeof(block_names) / sizeof(block_names[0]))
				usage();
			block = (enum block_mode)k;
		} else {
			usage();
		}
	}
	if (nworkers < 0 || nbusy < 0 || nworkers + nbusy + 2 > MAX_THREADS || churn < 0 ||
	    many < 0 || many_signo < 0 || many_signo > 64 || slow_create_us < 0 || slow_create_us >= 1000000 ||
	    slow_delete_us < 0 || slow_delete_us >= 1000000 ||
	    slow_settime_us < 0 || slow_settime_us >= 1000000)
		usage();
}

static int tid_index(pid_t tid)
{
	int n = atomic_load(&ntids);

	for (int i = 0; i < n; i++)
		if (tids[i] == tid)
			return i;
	return -1;
}

static void log_add(int kind, int signo, int code, int timerid, int overrun,
		    int pid, uint64_t value)
{
	unsigned int i = atomic_fetch_add(&log_n, 1);
	struct sig_rec *r;

	if (i >= LOG_CAP)
		return;
	r = &sig_log[i];
	r->kind = kind;
	r->signo = signo;
	r->code = code;
	r->timerid = timerid;
	r->overrun = overrun;
	r->pid = pid;
	r->tid = my_gettid();
	r->value = value;
	r->t_ns = mono_ns();
	atomic_store_explicit(&r->valid, 1, memory_order_release);
}

static void on_signal(int sig, siginfo_t *si, void *uc)
{
	int saved = errno;

	if (sig == WAKE_SIG && si->si_code == SI_TKILL && si->si_pid == getpid()) {
		atomic_fetch_add(&wake_sigs, 1);
	} else {
		int timer = si->si_code == SI_TIMER;

		if (sig > 0 && sig < 65)
			atomic_fetch_add(&sig_count[sig], 1);
		log_add(0, sig, si->si_code, timer ? si->si_timerid : -1,
			timer ? si->si_overrun : 0, timer ? 0 : si->si_pid,
			(uint64_t)(uintptr_t)si->si_value.sival_ptr);
	}
	errno = saved;
}

static void on_glibc_thread(union sigval sv)
{
	atomic_fetch_add(&cb_count, 1);
	log_add(1, 0, 0, -1, 0, 0, (uint64_t)(uintptr_t)sv.sival_ptr);
}

/* Catch every signal a timer could carry, with no SA_RESTART. */
static void install_handlers(void)
{
	struct sigaction sa = { 0 };

	sa.sa_sigaction = on_signal;
	sa.sa_flags = SA_SIGINFO;
	sigfillset(&sa.sa_mask);
	for (int s = 1; s <= 64; s++) {
		switch (s) {
		case SIGKILL: case SIGSTOP: case SIGCONT: case SIGTSTP:
		case SIGTTIN: case SIGTTOU: case SIGSEGV: case SIGBUS:
		case SIGILL: case SIGFPE: case SIGABRT: case SIGSYS:
		case GLIBC_RESERVED_LO: case GLIBC_RESERVED_HI:
			continue;
		case SIGPIPE:
			signal(SIGPIPE, SIG_IGN);
			continue;
		default:
			if (sigaction(s, &sa, NULL) < 0)
				die(errno, "sigaction %d", s);
		}
	}
}

static long futex(atomic_int *uaddr, int op, int val)
{
	return syscall(SYS_futex, uaddr, op, val, NULL, NULL, 0);
}

/* Idle until exit: wait on exit_word, taking any signal aimed at us. */
static void idle_forever(void)
{
	for (;;)
		futex(&exit_word, FUTEX_WAIT_PRIVATE, 0);
}

/* The worker that "endworker" ends (its tid), woken through exit_word. */
static atomic_int ending_tid;

static void register_self(void)
{
	int i = atomic_load(&ntids);

	tids[i] = my_gettid();
	atomic_store(&ntids, i + 1);
}

static void *worker_main(void *arg)
{
	pid_t self = my_gettid();
	sigset_t none;

	sigemptyset(&none);
	pthread_sigmask(SIG_SETMASK, &none, NULL);
	register_self();
	while (atomic_load(&ending_tid) != self)
		futex(&exit_word, FUTEX_WAIT_PRIVATE, 0);
	return NULL;
}

static void *busy_main(void *arg)
{
	volatile unsigned long spin = 0;
	sigset_t none;

	sigemptyset(&none);
	pthread_sigmask(SIG_SETMASK, &none, NULL);
	register_self();
	in_busy_thread = atomic_fetch_add(&busy_started, 1) == 0;
	while (!atomic_load_explicit(&busy_stop, memory_order_relaxed)) {
		struct timer_spec *job = in_busy_thread ?
			atomic_load_explicit(&busy_job, memory_order_relaxed) : NULL;

		/* Its own CPU clock, which only a timer it makes measures. */
		if (job) {
			create_timer(job);
			atomic_store(&busy_job, NULL);
		}
		spin++;
	}
	return NULL;
}

/* Start threads one at a time, so indices follow creation order. */
static void start_thread(void *(*fn)(void *))
{
	int n = atomic_load(&ntids);
	int r = pthread_create(&threads[n], NULL, fn, NULL);

	if (r)
		die(r, "pthread_create");
	while (atomic_load(&ntids) == n)
		usleep(200);
}

static int clock_for(const struct timer_spec *t)
{
	unsigned int pid;

	if (t->thread_cpu >= 0) {
		if (t->thread_cpu >= atomic_load(&ntids))
			die(EINVAL, "thread_cpu:%d: no such thread", t->thread_cpu);
		pid = (unsigned int)tids[t->thread_cpu];
		return (int)((~pid << 3) | 4u | 2u);
	}
	if (t->clockid == INT_MIN) {
		pid = (unsigned int)getpid();
		return (int)((~pid << 3) | 2u);
	}
	return t->clockid;
}

/* Read a whole /proc file into io_buf; returns its length or -1. */
static ssize_t slurp(const char *path)
{
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	for (;;) {
		ssize_t n = read(fd, io_buf + len, sizeof(io_buf) - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == sizeof(io_buf) - 1)
			break;
	}
	close(fd);
	io_buf[len] = '\0';
	return (ssize_t)len;
}

/* IDs listed in /proc/self/timers, for finding the one glibc created. */
static int list_ids(int *ids, int max)
{
	int n = 0;
	char *p = io_buf;

	if (slurp("/proc/self/timers") < 0)
		die(errno, "/proc/self/timers");
	while ((p = strstr(p, "ID: ")) && n < max) {
		if (p == io_buf || p[-1] == '\n')
			ids[n++] = atoi(p + 4);
		p += 4;
	}
	return n;
}

static int set_restore_ids(int on)
{
	return prctl(PR_RESTORE_IDS, on, 0, 0, 0);
}

static void create_glibc_timer(struct timer_spec *t, int clockid)
{
	static int before[MAX_TIMERS + 8], after[MAX_TIMERS + 8];
	struct sigevent sev = { 0 };
	struct itimerspec its = { 0 };
	int nb, na;

	sev.sigev_notify = SIGEV_THREAD;
	sev.sigev_notify_function = on_glibc_thread;
	sev.sigev_value.sival_ptr = (void *)(uintptr_t)t->sigval;
	nb = list_ids(before, MAX_TIMERS + 8);
	if (timer_create(clockid, &sev, &t->glibc_id) < 0)
		die(errno, "timer_create (glibc SIGEV_THREAD, clock %d)", clockid);
	na = list_ids(after, MAX_TIMERS + 8);
	for (int i = 0; i < na && t->kid < 0; i++) {
		int found = 0;

		for (int j = 0; j < nb; j++)
			found |= before[j] == after[i];
		if (!found)
			t->kid = after[i];
	}
	if (t->kid < 0)
		die(0, "cannot find the kernel ID of a glibc timer");
	its.it_value.tv_sec = t->value_ns / 1000000000;
	its.it_value.tv_nsec = t->value_ns % 1000000000;
	its.it_interval.tv_sec = t->interval_ns / 1000000000;
	its.it_interval.tv_nsec = t->interval_ns % 1000000000;
	if ((t->value_ns || t->interval_ns) && timer_settime(t->glibc_id, 0, &its, NULL) < 0)
		die(errno, "timer_settime (glibc timer %d)", t->kid);
}

/*
 * A kernel without the prctl (before 6.15, or the unpatched kernels of
 * kernel-patch/) hands out IDs from a per-process counter: reach an exact
 * ID as ptimerctl's walk does, by creating the timer until it gets that ID.
 * An ID behind the counter, or far ahead of it, is out of reach: the
 * ERROR then names the missing prctl, and the harness skips the test.
 */
#define WALK_REACH	(1 << 20)

static int create_walked(const struct timer_spec *t, int clockid, struct sigevent *sev)
{
	int want = (int)t->want_id, id;

	for (;;) {
		if (syscall(SYS_timer_create, clockid, sev, &id) < 0)
			die(errno, "timer_create clock=%s(%d), walking to id=%d", t->clock,
			    clockid, want);
		if (id == want)
			return id;
		if (syscall(SYS_timer_delete, id) < 0)
			die(errno, "timer_delete id=%d", id);
		if (id > want || want - id > WALK_REACH)
			die(EINVAL, "prctl(PR_TIMER_CREATE_RESTORE_IDS) is missing and the walk"
			    " cannot reach id=%d from %d", want, id);
	}
}

/*
 * notify=exited_thread: a thread of its own for the timer to aim at, which
 * takes no signal, is left out of tids[] and exits once the timer exists
 * (doomed_end()).  The kernel keeps the timer, aimed at no task.
 */
static atomic_int doomed_word;

static void *doomed_main(void *arg)
{
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, NULL);
	*(pid_t *)arg = my_gettid();
	atomic_store(&doomed_word, 1);
	futex(&doomed_word, FUTEX_WAKE_PRIVATE, 1);
	while (atomic_load(&doomed_word) != 2)
		futex(&doomed_word, FUTEX_WAIT_PRIVATE, 1);
	return NULL;
}

static pid_t doomed_start(pthread_t *th)
{
	static pid_t tid;

	atomic_store(&doomed_word, 0);
	if (pthread_create(th, NULL, doomed_main, &tid))
		die(EAGAIN, "pthread_create");
	while (!atomic_load(&doomed_word))
		futex(&doomed_word, FUTEX_WAIT_PRIVATE, 0);
	return tid;
}

/* Until /proc no longer lists it: pthread_join() returns a little before. */
static void doomed_end(pthread_t th, pid_t tid)
{
	char path[64];

	atomic_store(&doomed_word, 2);
	futex(&doomed_word, FUTEX_WAKE_PRIVATE, 1);
	pthread_join(th, NULL);
	snprintf(path, sizeof(path), "/proc/self/task/%d", (int)tid);
	while (access(path, F_OK) == 0)
		usleep(100);
}

static void create_timer(struct timer_spec *t)
{
	pthread_t doomed;
	pid_t doomed_tid = 0;

	struct sigevent sev = { 0 };
	struct itimerspec its = { 0 };
	int clockid = clock_for(t);
	int id = 0;

	t->clockid = clockid;
	if (t->busy_self && !in_busy_thread) {
		if (!nbusy)
			die(EINVAL, "busy_thread_cputime needs --busy");
		atomic_store(&busy_job, t);
		while (atomic_load(&busy_job))
			usleep(100);
		return;
	}
	if (t->notify == N_GLIBC_THREAD) {
		create_glibc_timer(t, clockid);
		return;
	}
	sev.sigev_signo = t->sig;
	sev.sigev_value.sival_ptr = (void *)(uintptr_t)t->sigval;
	switch (t->notify) {
	case N_SIGNAL:
		sev.sigev_notify = SIGEV_SIGNAL;
		break;
	case N_NONE:
		sev.sigev_notify = SIGEV_NONE;
		break;
	case N_THREAD:
		sev.sigev_notify = SIGEV_THREAD;	/* the raw kernel mode */
		break;
	case N_THREAD_ID:
	case N_GLIBC_THREAD:
		if (t->thread < 0 || t->thread >= atomic_load(&ntids))
			die(EINVAL, "thread=%d: no such thread", t->thread);
		sev.sigev_notify = SIGEV_THREAD_ID;
		sev._sigev_un._tid = tids[t->thread];	/* sigev_notify_thread_id */
		break;
	case N_EXITED_THREAD:
		doomed_tid = doomed_start(&doomed);
		sev.sigev_notify = SIGEV_THREAD_ID;
		sev._sigev_un._tid = doomed_tid;
		break;
	}
	if (t->want_id >= 0) {
		if (set_restore_ids(1) < 0) {
			if (errno != EINVAL)
				die(errno, "prctl(PR_TIMER_CREATE_RESTORE_IDS, on)");
			id = create_walked(t, clockid, &sev);
			goto created;
		}
		id = (int)t->want_id;
	}
	if (syscall(SYS_timer_create, clockid, &sev, &id) < 0) {
		int err = errno;

		if (t->want_id >= 0)
			set_restore_ids(0);
		die(err, "timer_create clock=%s(%d) id=%lld", t->clock, clockid,
		    t->want_id);
	}
	if (t->want_id >= 0 && set_restore_ids(0) < 0)
		die(errno, "prctl(PR_TIMER_CREATE_RESTORE_IDS, off)");
created:
	if (doomed_tid)
		doomed_end(doomed, doomed_tid);
	t->kid = id;
	its.it_value.tv_sec = t->value_ns / 1000000000;
	its.it_value.tv_nsec = t->value_ns % 1000000000;
	its.it_interval.tv_sec = t->interval_ns / 1000000000;
	its.it_interval.tv_nsec = t->interval_ns % 1000000000;
	if ((t->value_ns || t->interval_ns) &&
	    syscall(SYS_timer_settime, id, 0, &its, NULL) < 0)
		die(errno, "timer_settime id=%d", id);
}

static void do_churn(void)
{
	for (int i = 0; i < churn; i++) {
		int id;
		struct sigevent sev = { .sigev_notify = SIGEV_NONE };

		if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &id) < 0)
			die(errno, "churn timer_create");
		if (syscall(SYS_timer_delete, id) < 0)
			die(errno, "churn timer_delete");
	}
}

/*
 * --many N: N timers more than the --timer ones, with the IDs the kernel
 * gives, monotonic, without notification (or with signal SIG, by
 * --many-signal: a disarmed SIGEV_NONE timer still reads its old time
 * on some kernels) and an hour from due: a process with as many timers
 * as a test wants, beyond what a command line holds.
 */
static void make_many(void)
{
	const struct itimerspec its = { .it_value.tv_sec = 3600 };
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };

	if (many_signo) {
		sev.sigev_notify = SIGEV_SIGNAL;
		sev.sigev_signo = many_signo;
	}

	for (int i = 0; i < many; i++) {
		int id;

		if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &id) < 0)
			die(errno, "--many timer_create");
		if (syscall(SYS_timer_settime, id, 0, &its, NULL) < 0)
			die(errno, "--many timer_settime");
	}
}

static void install_seccomp(void)
{
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	const unsigned int arg0 = offsetof(struct seccomp_data, args[0]);
#else
	const unsigned int arg0 = offsetof(struct seccomp_data, args[0]) + 4;
#endif
	struct sock_filter filter[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, VP_AUDIT_ARCH, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_prctl, 0, 3),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, arg0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, PR_RESTORE_IDS, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | (EINVAL & SECCOMP_RET_DATA)),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog prog = {
		.len = sizeof(filter) / sizeof(filter[0]),
		.filter = filter,
	};

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die(errno, "PR_SET_NO_NEW_PRIVS");
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC,
		    &prog) != 0)
		die(errno, "seccomp");
}

/*
 * --slow-timers USEC[,DELETE_USEC[,SETTIME_USEC]]: every timer_create of
 * every thread waits USEC, every timer_delete DELETE_USEC (USEC unless
 * given; 0 for no wait), and every timer_settime SETTIME_USEC (only when
 * given), so a step of a walk costs at least USEC plus DELETE_USEC on any
 * CPU (slow_calls.h).  --slow CALL=USEC: every call of CALL waits USEC.
 */
static void install_slow_calls(void)
{
	struct slow_call calls[SLOW_CALLS_MAX];
	const char *what;
	size_t n = 0;
	int err;

	if (slow_create_us || slow_delete_us || slow_settime_us) {
		calls[n++] = (struct slow_call){ SYS_timer_create, slow_create_us };
		calls[n++] = (struct slow_call){ SYS_timer_delete, slow_delete_us };
		/* timer_settime is slowed only when asked: it runs in every dump's batch. */
		if (slow_settime_us)
			calls[n++] = (struct slow_call){ SYS_timer_settime, slow_settime_us };
	}
	for (size_t i = 0; i < nslow; i++)
		calls[n++] = slow[i];
	err = n ? slow_calls_install(calls, n, &what) : 0;
	if (err)
		die(err, "--slow-timers, --slow: %s", what);
}

/* ---- the control thread's answers ---- */

static uint64_t fnv1a(uint64_t h, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)p[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

static uint64_t maps_hash(void)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	int fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	while ((n = read(fd, io_buf, sizeof(io_buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		h = fnv1a(h, io_buf, (size_t)n);
	}
	close(fd);
	return h;
}

/* Copy the hex value of "Key:\t..." in a status file into @val. */
static void status_field(pid_t tid, const char *key, char *val, size_t size)
{
	char path[64];
	size_t klen = strlen(key);
	char *p;

	snprintf(val, size, "?");
	snprintf(path, sizeof(path), "/proc/self/task/%d/status", tid);
	if (slurp(path) < 0)
		return;
	for (p = io_buf; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (!strncmp(p, key, klen) && p[klen] == ':') {
			char *v = p + klen + 1;
			size_t n = 0;

			while (*v == ' ' || *v == '\t')
				v++;
			while (v[n] && v[n] != '\n' && n + 1 < size)
				n++;
			memcpy(val, v, n);
			val[n] = '\0';
			return;
		}
	}
}

static int count_tasks(pid_t *out_tids, int max)
{
	char buf[4096];
	int n = 0;
	int fd = open("/proc/self/task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		return -1;
	for (;;) {
		long len = syscall(SYS_getdents64, fd, buf, sizeof(buf));

		if (len <= 0)
			break;
		for (long off = 0; off < len;) {
			struct { uint64_t ino; int64_t off; unsigned short reclen;
				 unsigned char type; char name[]; } *d = (void *)(buf + off);

			if (d->name[0] != '.') {
				if (out_tids && n < max)
					out_tids[n] = atoi(d->name);
				n++;
			}
			off += d->reclen;
		}
	}
	close(fd);
	return n;
}

static void cmd_state(void)
{
	char blk[32], pnd[32], shd[32], masks[MAX_THREADS * 20] = "";
	size_t used = 0;
	int n = atomic_load(&ntids);

	for (int i = 0; i < n; i++) {
		char m[32];

		status_field(tids[i], "SigBlk", m, sizeof(m));
		used += (size_t)snprintf(masks + used, sizeof(masks) - used, "%s%s",
					 i ? "," : "", m);
		if (used >= sizeof(masks))
			break;
	}
	status_field(tids[0], "SigPnd", pnd, sizeof(pnd));
	status_field(tids[0], "ShdPnd", shd, sizeof(shd));
	status_field(tids[0], "SigBlk", blk, sizeof(blk));
	out_locked("STATE maps=%016" PRIx64 " sigmask=%s sigpnd=%s shdpnd=%s eintr=%u "
		   "signals=%u cb=%u wakes=%u threads=%d restore_ids=%d masks=%s",
		   maps_hash(), blk, pnd, shd, atomic_load(&eintr_count),
		   atomic_load(&log_n), atomic_load(&cb_count),
		   atomic_load(&wake_sigs), count_tasks(NULL, 0),
		   prctl(PR_RESTORE_IDS, 2, 0, 0, 0), masks);
}

static void cmd_signals(void)
{
	unsigned int n = atomic_load(&log_n);

	if (n > LOG_CAP)
		n = LOG_CAP;
	for (unsigned int i = 0; i < n; i++) {
		struct sig_rec *r = &sig_log[i];

		if (!atomic_load_explicit(&r->valid, memory_order_acquire))
			continue;
		out_locked("SIG kind=%s signo=%d code=%d timerid=%d value=0x%016" PRIx64
			   " overrun=%d pid=%d tid=%d rtid=%d t_ns=%" PRId64 " t_ms=%" PRId64,
			   r->kind ? "cb" : "sig", r->signo, r->code, r->timerid,
			   r->value, r->overrun, r->pid, tid_index(r->tid), r->tid,
			   r->t_ns, (r->t_ns - start_ns) / 1000000);
	}
	out_locked("END");
}

static const char *notify_from_proc(const char *s)
{
	if (!strncmp(s, "none", 4))
		return "none";
	if (!strncmp(s, "thread/", 7))
		return "thread";
	if (!strncmp(s, "signal/tid.", 11))
		return "thread_id";
	if (!strncmp(s, "signal/", 7))
		return "signal";
	return "?";
}

static void print_timer(int id, int clockid, const char *notify, int sig,
			const char *sigval, int who)
{
	struct itimerspec its = { 0 };
	long long value = -1, interval = -1, expiry = -1;
	struct timespec now;
	long overrun = -1;
	int clocked;

	/* Its clock, read just before: now plus what is left is when it expires. */
	clocked = clock_gettime(clockid, &now);
	if (syscall(SYS_timer_gettime, id, &its) == 0) {
		value = (long long)its.it_value.tv_sec * 1000000000 + its.it_value.tv_nsec;
		interval = (long long)its.it_interval.tv_sec * 1000000000 +
			   its.it_interval.tv_nsec;
		if (!clocked && value > 0)
			expiry = (long long)now.tv_sec * 1000000000 + now.tv_nsec + value;
	}
	overrun = syscall(SYS_timer_getoverrun, id);
	out_locked("TIMER id=%d clockid=%d notify=%s signal=%d sigval=0x%s tid=%d "
		   "value_ns=%lld interval_ns=%lld overrun=%ld expiry_ns=%lld",
		   id, clockid, notify, sig, sigval, who, value, interval, overrun, expiry);
}

/* /proc/self/timers, one TIMER line per record, with the live values. */
static void cmd_timers(void)
{
	int id = -1, clockid = 0, sig = 0, who = 0, have = 0;
	char notify[16] = "?", sigval[20] = "0";
	char *line, *save = NULL;

	if (slurp("/proc/self/timers") < 0) {
		out_locked("END");
		return;
	}
	for (line = strtok_r(io_buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "ID: ", 4)) {
			if (have)
				print_timer(id, clockid, notify, sig, sigval, who);
			id = atoi(line + 4);
			have = 1;
		} else if (!strncmp(line, "signal: ", 8)) {
			char *slash = strchr(line, '/');

			sig = atoi(line + 8);
			snprintf(sigval, sizeof(sigval), "%s", slash ? slash + 1 : "0");
		} else if (!strncmp(line, "notify: ", 8)) {
			char *dot = strchr(line, '.');

			snprintf(notify, sizeof(notify), "%s", notify_from_proc(line + 8));
			who = dot ? atoi(dot + 1) : 0;
		} else if (!strncmp(line, "ClockID: ", 9)) {
			clockid = atoi(line + 9);
		}
	}
	if (have)
		print_timer(id, clockid, notify, sig, sigval, who);
	out_locked("END");
}

static void cmd_tids(void)
{
	char line[MAX_THREADS * 12] = "TIDS";
	size_t used = 4;
	int n = atomic_load(&ntids);

	for (int i = 0; i < n && used < sizeof(line); i++)
		used += (size_t)snprintf(line + used, sizeof(line) - used, " %d", tids[i]);
	out_locked("%s", line);
}

/*
 * "endworker": the last --threads worker still running exits, as a
 * program's thread may at any moment; answered once /proc no longer
 * lists it.  Its slot in "tids" keeps its old tid.
 */
static void cmd_endworker(void)
{
	static int ended;	/* workers ended so far, the last first */
	char path[64];
	pid_t tid;

	if (ended >= nworkers) {
		out_locked("ERROR no worker left to end");
		return;
	}
	tid = tids[nworkers - ended];
	atomic_store(&ending_tid, tid);
	futex(&exit_word, FUTEX_WAKE_PRIVATE, INT_MAX);
	pthread_join(threads[nworkers - ended], NULL);
	ended++;
	snprintf(path, sizeof(path), "/proc/self/task/%d", (int)tid);
	while (access(path, F_OK) == 0)
		usleep(100);
	out_locked("ENDED %d", (int)tid);
}

static void cmd_alltids(void)
{
	pid_t all[MAX_THREADS * 4];
	char line[sizeof(all) / sizeof(all[0]) * 12] = "ALLTIDS";
	size_t used = 7;
	int n = count_tasks(all, (int)(sizeof(all) / sizeof(all[0])));

	for (int i = 0; i < n && i < (int)(sizeof(all) / sizeof(all[0])) &&
	     used < sizeof(line); i++)
		used += (size_t)snprintf(line + used, sizeof(line) - used, " %d", all[i]);
	out_locked("%s", line);
}

/*
 * Where the main thread is: "blocks" counts the blocking calls it has
 * issued (each is counted just before it is made, and no other system
 * call comes between), so a test that sees blocks > 0 and the thread
 * asleep in a system call knows it sleeps in its block.
 */
static void cmd_main(void)
{
	out_locked("MAIN tid=%d mode=%s blocks=%u woke=%d", (int)tids[0], block_names[block],
		   atomic_load(&main_blocks), atomic_load(&main_woke));
}

/* "sigcount N": how many signals N the handler has taken so far. */
static void cmd_sigcount(const char *arg)
{
	char *end;
	long sig = strtol(arg, &end, 10);

	if (end == arg || *end || sig <= 0 || sig >= 65) {
		out_locked("ERROR bad signal '%s'", arg);
		return;
	}
	out_locked("SIGCOUNT signo=%ld n=%u", sig, atomic_load(&sig_count[sig]));
}

/*
 * "delete ID": timer_delete() of its timer ID, which leaves the counter
 * past it with nothing in /proc/PID/timers to show where.
 */
static void cmd_delete(const char *arg)
{
	char *end;
	long id = strtol(arg, &end, 10);

	if (end == arg || *end || id < 0 || id > INT_MAX)
		out_locked("ERROR bad timer id '%s'", arg);
	else if (syscall(SYS_timer_delete, (int)id) < 0)
		out_locked("ERROR timer_delete %ld: %s", id, strerror(errno));
	else
		out_locked("OK");
}

static void cmd_wake(void)
{
	atomic_store(&wake_flag, 1);
	switch (block) {
	case B_PAUSE:
	case B_SIGWAIT:
		syscall(SYS_tgkill, getpid(), tids[0], WAKE_SIG);
		break;
	case B_READ:
	case B_EPOLL:
		write_all(wake_pipe[1], "w", 1);
		break;
	case B_FUTEX:
		futex(&wake_flag, FUTEX_WAKE_PRIVATE, 1);
		break;
	case B_NANOSLEEP:
	case B_BUSY:
		break;
	}
}

static void handle(const char *cmd)
{
	pthread_mutex_lock(&out_lock);
	if (!strcmp(cmd, "state"))
		cmd_state();
	else if (!strcmp(cmd, "signals"))
		cmd_signals();
	else if (!strcmp(cmd, "timers"))
		cmd_timers();
	else if (!strcmp(cmd, "tids"))
		cmd_tids();
	else if (!strcmp(cmd, "alltids"))
		cmd_alltids();
	else if (!strcmp(cmd, "endworker"))
		cmd_endworker();
	else if (!strcmp(cmd, "ping"))
		out_locked("PONG");
	else if (!strcmp(cmd, "main"))
		cmd_main();
	else if (!strncmp(cmd, "sigcount ", 9))
		cmd_sigcount(cmd + 9);
	else if (!strncmp(cmd, "delete ", 7))
		cmd_delete(cmd + 7);
	else if (!strcmp(cmd, "wake"))
		cmd_wake();	/* the main thread answers with WOKE */
	else if (!strcmp(cmd, "exit"))
		_exit(0);
	else
		out_locked("ERROR unknown command '%s'", cmd);
	pthread_mutex_unlock(&out_lock);
}

static void *control_main(void *arg)
{
	static char buf[4096];
	size_t len = 0;
	sigset_t all;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, NULL);
	register_self();
	while (!atomic_load(&ready))
		usleep(500);
	for (;;) {
		ssize_t n = read(STDIN_FILENO, buf + len, sizeof(buf) - 1 - len);
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			_exit(0);	/* our driver went away */
		len += (size_t)n;
		buf[len] = '\0';
		while ((nl = memchr(buf, '\n', len))) {
			*nl = '\0';
			if (nl > buf && nl[-1] == '\r')
				nl[-1] = '\0';
			handle(buf);
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len);
		}
		if (len == sizeof(buf) - 1)
			len = 0;	/* an absurdly long line: drop it */
	}
	return NULL;
}

/* ---- the main thread's block ---- */

static void main_block(void)
{
	int64_t t0 = mono_ns(), t1;
	long rc = 0;
	int err = 0;

	switch (block) {
	case B_PAUSE:
		for (;;) {
			if (atomic_load(&wake_sigs))
				break;	/* woken before we slept: a test's race */
			atomic_fetch_add(&main_blocks, 1);
			rc = pause();
			err = errno;
			if (atomic_load(&wake_sigs))
				break;
			atomic_fetch_add(&eintr_count, 1);
		}
		break;
	case B_NANOSLEEP: {
		struct timespec req = { sleep_ms / 1000, (sleep_ms % 1000) * 1000000 };
		struct timespec rem;

		for (;;) {
			atomic_fetch_add(&main_blocks, 1);
			rc = nanosleep(&req, &rem);
			err = rc < 0 ? errno : 0;
			if (rc < 0 && err == EINTR) {
				atomic_fetch_add(&eintr_count, 1);
				req = rem;
				continue;
			}
			break;
		}
		break;
	}
	case B_READ: {
		char c;

		for (;;) {
			atomic_fetch_add(&main_blocks, 1);
			rc = read(wake_pipe[0], &c, 1);
			err = rc < 0 ? errno : 0;
			if (rc < 0 && err == EINTR) {
				atomic_fetch_add(&eintr_count, 1);
				continue;
			}
			break;
		}
		break;
	}
	case B_FUTEX:
		while (!atomic_load(&wake_flag)) {
			atomic_fetch_add(&main_blocks, 1);
			rc = futex(&wake_flag, FUTEX_WAIT_PRIVATE, 0);
			err = rc < 0 ? errno : 0;
			if (rc < 0 && err == EINTR)
				atomic_fetch_add(&eintr_count, 1);
			else if (rc < 0 && err == EAGAIN)
				rc = err = 0;	/* woken before we slept */
		}
		break;
	case B_EPOLL: {
		struct epoll_event ev;

		for (;;) {
			atomic_fetch_add(&main_blocks, 1);
			rc = epoll_wait(epfd, &ev, 1, -1);
			err = rc < 0 ? errno : 0;
			if (rc < 0 && err == EINTR) {
				atomic_fetch_add(&eintr_count, 1);
				continue;
			}
			break;
		}
		break;
	}
	case B_SIGWAIT: {
		sigset_t set;

		sigemptyset(&set);
		sigaddset(&set, WAKE_SIG);
		for (;;) {
			atomic_fetch_add(&main_blocks, 1);
			rc = sigwaitinfo(&set, NULL);
			err = rc < 0 ? errno : 0;
			if (rc < 0 && err == EINTR) {
				atomic_fetch_add(&eintr_count, 1);
				continue;
			}
			break;
		}
		break;
	}
	case B_BUSY:
		atomic_fetch_add(&main_blocks, 1);
		while (!atomic_load_explicit(&wake_flag, memory_order_relaxed))
			;
		break;
	}
	t1 = mono_ns();
	atomic_store(&main_woke, 1);
	/* start_ns and end_ns: CLOCK_MONOTONIC, for comparing with the test's own times */
	out("WOKE mode=%s rc=%ld errno=%d elapsed_ms=%" PRId64 " requested_ms=%ld eintr=%u "
	    "start_ns=%" PRId64 " end_ns=%" PRId64,
	    block_names[block], rc, err, (t1 - t0) / 1000000,
	    block == B_NANOSLEEP ? sleep_ms : 0, atomic_load(&eintr_count), t0, t1);
}

int main(int argc, char **argv)
{
	pthread_t control;
	int r;

	parse_args(argc, argv);
	start_ns = mono_ns();
	install_handlers();
	register_self();
	if (block == B_SIGWAIT)
		sigaddset(&main_mask, WAKE_SIG);
	if (pipe2(wake_pipe, O_CLOEXEC) < 0)
		die(errno, "pipe2");
	if (block == B_EPOLL) {
		struct epoll_event ev = { .events = EPOLLIN };

		epfd = epoll_create1(EPOLL_CLOEXEC);
		if (epfd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, wake_pipe[0], &ev) < 0)
			die(errno, "epoll");
	}
	/*
	 * Before any timer exists: a signal that --mask blocks must never
	 * reach the main thread, nor the control thread, which inherits this
	 * mask until it blocks everything itself.
	 */
	pthread_sigmask(SIG_SETMASK, &main_mask, NULL);
	for (int i = 0; i < nworkers; i++)
		start_thread(worker_main);
	for (int i = 0; i < nbusy; i++)
		start_thread(busy_main);
	do_churn();
	for (int i = 0; i < ntimers; i++)
		create_timer(&timers[i]);
	make_many();
	r = pthread_create(&control, NULL, control_main, NULL);
	if (r)
		die(r, "pthread_create");
	while (atomic_load(&ntids) != 1 + nworkers + nbusy + 1)
		usleep(200);
	if (leave_prctl_on && set_restore_ids(1) < 0)
		die(errno, "prctl(PR_TIMER_CREATE_RESTORE_IDS, on)");
	if (seccomp_deny)
		install_seccomp();
	install_slow_calls();
	out("READY %d", (int)getpid());
	atomic_store(&ready, 1);
	if (stop_self)
		raise(SIGSTOP);
	main_block();
	idle_forever();
}
