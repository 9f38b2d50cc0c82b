// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * stuck: a process with a thread that cannot be stopped, for the tests of
 * ptimerctl's deadlines (--timeout), and a plain holder of many timers.
 *
 *   stuck [--vfork] [--vfork-ms N] [--timers N]
 *
 * Threads, in creation order (so in the order /proc lists them, and
 * ptimerctl seizes them): the main thread (idle), "early" (counts every
 * millisecond), with --vfork "stuck" (blocked in vfork(2): its child
 * sleeps N ms, default 30000, and dies with it), "late" (counts every
 * millisecond) and "control" (answers on stdin).  A vfork() parent waits
 * for its child in a killable sleep that PTRACE_INTERRUPT does not end,
 * so ptimerctl cannot stop that thread until the child exits.  --timers
 * creates N timers (SIGEV_NONE, CLOCK_MONOTONIC): timer i is armed to
 * 600 s + i ms, and every fourth one is periodic (interval 1 s + i us).
 *
 * It speaks the victim protocol of tests/integration/harness.h: the first
 * line is "READY <pid> stuck=<tid> early=<tid> late=<tid> control=<tid>"
 * (stuck=0 without --vfork), printed once the stuck thread sleeps in
 * vfork(); then one-line commands on stdin:
 *   counters  COUNTERS early=<count> late=<count>
 *   info      INFO stuck=<tid> child=<vfork child pid> vfork_done=0|1
 *   release   RELEASED: the vfork child is killed, so the vfork ends
 *   timers    TIMER id=<id> value_ns=<ns> interval_ns=<ns> ... END
 *   ping      PONG
 *   exit      exits (killing the vfork child first)
 * and exits when stdin closes.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_TIMERS	100000

static atomic_ulong early_count, late_count;
static atomic_int early_tid, late_tid, stuck_tid, control_tid;
static volatile pid_t vfork_child;	/* written by the child itself */
static atomic_int vfork_done;
static long vfork_ms = 30000;
static int *timer_ids;
static int ntimers;

static pid_t my_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

__attribute__((format(printf, 1, 2)))
static void out(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	size_t off = 0;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	while (off < (size_t)n) {
		ssize_t w = write(STDOUT_FILENO, line + off, (size_t)n - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			_exit(1);
		off += (size_t)w;
	}
}

__attribute__((noreturn, format(printf, 2, 3)))
static void die(int err, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	out("ERROR errno=%d msg=%s: %s", err, msg, strerror(err));
	_exit(3);
}

static void tick(atomic_ulong *count)
{
	const struct timespec ms = { 0, 1000000 };

	for (;;) {
		atomic_fetch_add(count, 1);
		nanosleep(&ms, NULL);
	}
}

static void *early_main(void *arg)
{
	(void)arg;
	atomic_store(&early_tid, my_gettid());
	tick(&early_count);
	return NULL;
}

static void *late_main(void *arg)
{
	(void)arg;
	atomic_store(&late_tid, my_gettid());
	tick(&late_count);
	return NULL;
}

static void *stuck_main(void *arg)
{
	pid_t child;

	(void)arg;
	atomic_store(&stuck_tid, my_gettid());
	child = vfork();
	if (child == 0) {
		/* Only raw system calls here: we run on the parent's stack. */
		struct timespec ts = { vfork_ms / 1000, (vfork_ms % 1000) * 1000000 };

		syscall(SYS_prctl, PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0);
		vfork_child = (pid_t)syscall(SYS_getpid);
		syscall(SYS_nanosleep, &ts, NULL);
		syscall(SYS_exit, 0);
	}
	if (child < 0)
		die(errno, "vfork");
	while (waitpid(child, NULL, 0) < 0 && errno == EINTR)
		;
	atomic_store(&vfork_done, 1);
	for (;;)
		pause();
	return NULL;
}

/* The first number in /proc/self/task/TID/syscall: the call it sleeps in. */
static long thread_syscall(pid_t tid)
{
	char path[64], buf[256];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/self/task/%d/syscall", tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return strtol(buf, NULL, 10);
}

static void start(void *(*fn)(void *), atomic_int *tid)
{
	pthread_t th;
	int r = pthread_create(&th, NULL, fn, NULL);

	if (r)
		die(r, "pthread_create");
	while (!atomic_load(tid))
		usleep(100);
}

static void create_timers(void)
{
	for (int i = 0; i < ntimers; i++) {
		struct sigevent sev = { .sigev_notify = SIGEV_NONE };
		long long value = 600000000000LL + (long long)i * 1000000;
		long long interval = i % 4 == 3 ? 1000000000LL + (long long)i * 1000 : 0;
		struct itimerspec its = {
			.it_value = { value / 1000000000, value % 1000000000 },
			.it_interval = { interval / 1000000000, interval % 1000000000 },
		};

		if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &timer_ids[i]) < 0)
			die(errno, "timer_create %d", i);
		if (syscall(SYS_timer_settime, timer_ids[i], 0, &its, NULL) < 0)
			die(errno, "timer_settime %d", timer_ids[i]);
	}
}

static void cmd_timers(void)
{
	for (int i = 0; i < ntimers; i++) {
		struct itimerspec its;

		if (syscall(SYS_timer_gettime, timer_ids[i], &its) < 0) {
			out("TIMER id=%d error=%d", timer_ids[i], errno);
			continue;
		}
		out("TIMER id=%d value_ns=%lld interval_ns=%lld", timer_ids[i],
		    (long long)its.it_value.tv_sec * 1000000000 + its.it_value.tv_nsec,
		    (long long)its.it_interval.tv_sec * 1000000000 + its.it_interval.tv_nsec);
	}
	out("END");
}

static void kill_child(void)
{
	if (vfork_child > 0)
		kill(vfork_child, SIGKILL);
}

static void handle(const char *cmd)
{
	if (!strcmp(cmd, "counters")) {
		out("COUNTERS early=%lu late=%lu", atomic_load(&early_count),
		    atomic_load(&late_count));
	} else if (!strcmp(cmd, "info")) {
		out("INFO stuck=%d child=%d vfork_done=%d", atomic_load(&stuck_tid),
		    (int)vfork_child, atomic_load(&vfork_done));
	} else if (!strcmp(cmd, "release")) {
		kill_child();
		out("RELEASED");
	} else if (!strcmp(cmd, "timers")) {
		cmd_timers();
	} else if (!strcmp(cmd, "ping")) {
		out("PONG");
	} else if (!strcmp(cmd, "exit")) {
		kill_child();
		_exit(0);
	} else {
		out("ERROR unknown command '%s'", cmd);
	}
}

static void *control_main(void *arg)
{
	static char buf[4096];
	size_t len = 0;

	(void)arg;
	atomic_store(&control_tid, my_gettid());
	for (;;) {
		ssize_t n = read(STDIN_FILENO, buf + len, sizeof(buf) - 1 - len);
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			kill_child();
			_exit(0);	/* our driver went away */
		}
		len += (size_t)n;
		while ((nl = memchr(buf, '\n', len))) {
			*nl = '\0';
			handle(buf);
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len);
		}
		if (len == sizeof(buf) - 1)
			len = 0;
	}
	return NULL;
}

int main(int argc, char **argv)
{
	int with_vfork = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--vfork")) {
			with_vfork = 1;
		} else if (!strcmp(argv[i], "--vfork-ms") && i + 1 < argc) {
			vfork_ms = atol(argv[++i]);
		} else if (!strcmp(argv[i], "--timers") && i + 1 < argc) {
			ntimers = atoi(argv[++i]);
		} else {
			fprintf(stderr, "usage: stuck [--vfork] [--vfork-ms N] [--timers N]\n");
			return 2;
		}
	}
	if (ntimers < 0 || ntimers > MAX_TIMERS || vfork_ms < 0)
		die(EINVAL, "bad arguments");
	timer_ids = calloc((size_t)ntimers + 1, sizeof(*timer_ids));
	if (!timer_ids)
		die(ENOMEM, "calloc");
	create_timers();
	start(early_main, &early_tid);
	if (with_vfork) {
		int64_t waited = 0;

		start(stuck_main, &stuck_tid);
		/* READY only once the thread sleeps in vfork() itself. */
		while (!vfork_child || thread_syscall(atomic_load(&stuck_tid)) != SYS_vfork) {
			if (atomic_load(&vfork_done))
				die(ECHILD, "the vfork child ended early");
			if (++waited > 100000)
				die(ETIMEDOUT, "the stuck thread never slept in vfork");
			usleep(100);
		}
	}
	start(late_main, &late_tid);
	start(control_main, &control_tid);
	out("READY %d stuck=%d early=%d late=%d control=%d", (int)getpid(),
	    atomic_load(&stuck_tid), atomic_load(&early_tid), atomic_load(&late_tid),
	    atomic_load(&control_tid));
	for (;;)
		pause();
}
