// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * A victim for the pid namespace tests, speaking the harness's victim
 * protocol (a READY line, then one command per line on stdin).
 *
 * With --ns it is the init of a pid namespace of its own, with a /proc of
 * that namespace in a mount namespace of its own, so that ptimerctl can
 * also be run inside (nsenter -t PID -p -m).  With --tids it gives its
 * threads chosen ids through ns_last_pid, in creation order, so that ids
 * wrap: "--tids=-2,-1,2,300" makes threads pid_max-2, pid_max-1, 2 and 300,
 * all started in the same clock tick, so that neither their ids nor their
 * start times tell their creation order.
 *
 * With --timers, thread k (0 is the leader) gets a SIGEV_THREAD_ID timer
 * on CLOCK_MONOTONIC, SIGUSR1 every 20 ms, with sigval k; the process gets
 * a SIGEV_NONE timer on its own CPU clock (sigval 100) and thread k >= 1
 * one on its CPU clock (sigval 100 + k).  Every thread records which
 * sigvals reached it, so a restored copy shows whether each signal went to
 * the thread created in the same place.
 *
 * With --epoll, two more threads wait in epoll_wait() for ever, on
 * nothing, and count the times it fails with EINTR.
 *
 * Commands:
 *   epoll  "epoll pid=P tid=T tid2=T2 eintr=N": the process and those
 *          threads, in creation order (as the harness's /proc numbers
 *          them), and their EINTRs
 *   tids   "tids n=N ns=A,B,.. host=A,B,.." in creation order (ns: as the
 *          process sees them; host: as the harness's /proc does)
 *   hits   "hits 0=MASK 1=MASK ..": for sigval k, the threads it reached
 *   ping   PONG
 *   exit   exit 0
 */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "vcommon.h"

#define MAX_THREADS	16
#define ATTEMPT_SECONDS	10	/* to make the chosen ids in one tick */
#define CPU_SIGVAL	100

static int nthreads;			/* besides the leader */
static long want[MAX_THREADS];		/* chosen ids; 0: the kernel's choice */
static bool chosen;
static int host_proc = -1;		/* the harness's /proc, opened before ours */

static pid_t ns_tid[MAX_THREADS + 1], host_tid[MAX_THREADS + 1];
static pthread_t threads[MAX_THREADS + 1];
static atomic_int started;
static atomic_bool quit[MAX_THREADS + 1];
static atomic_ulong hits[MAX_THREADS + 1];
static __thread int my_index;
static atomic_int epoll_tid[2];
static atomic_uint epoll_eintr;

static void on_timer(int sig, siginfo_t *si, void *uc)
{
	int k = si->si_value.sival_int;

	if (k >= 0 && k <= MAX_THREADS)
		atomic_fetch_or(&hits[k], 1UL << my_index);
}

static void on_wake(int sig)
{
}

/* Our id in the harness's namespace: the first NSpid field there. */
static pid_t host_id(void)
{
	char buf[4096], *p;

	if (host_proc < 0)
		return gettid();
	if (vp_read_file(host_proc, "thread-self/status", buf, sizeof(buf)) < 0)
		return -1;
	p = strstr(buf, "\nNSpid:");
	return p ? (pid_t)strtol(p + 7, NULL, 10) : -1;
}

static void *worker(void *arg)
{
	int k = (int)(long)arg;

	my_index = k;
	ns_tid[k] = gettid();
	host_tid[k] = host_id();
	atomic_fetch_add(&started, 1);
	while (!atomic_load(&quit[k]))
		pause();
	return NULL;
}

static void *epoll_waiter(void *arg)
{
	struct epoll_event ev;
	int epfd = epoll_create1(EPOLL_CLOEXEC);

	if (epfd < 0)
		vp_die(errno, "epoll_create1");
	atomic_store(&epoll_tid[!!atomic_load(&epoll_tid[0])], host_id());
	for (;;)
		if (epoll_wait(epfd, &ev, 1, -1) < 0 && errno == EINTR)
			atomic_fetch_add(&epoll_eintr, 1);
	return NULL;
}

static void write_file(const char *path, long v)
{
	char buf[32];
	int fd, n;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		vp_die(errno, "%s", path);
	n = snprintf(buf, sizeof(buf), "%ld", v);
	if (write(fd, buf, n) != n)
		vp_die(errno, "%s", path);
	close(fd);
}

static long start_time(pid_t tid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	return vp_read_long(path, 22);
}

static void stop_threads(void)
{
	for (int k = 1; k <= nthreads; k++) {
		char path[64];

		atomic_store(&quit[k], true);
		pthread_kill(threads[k], SIGUSR2);
		pthread_join(threads[k], NULL);
		atomic_store(&quit[k], false);
		/* Its id is free once the kernel has reaped it. */
		snprintf(path, sizeof(path), "/proc/self/task/%d", ns_tid[k]);
		for (int i = 0; i < 1000 && access(path, F_OK) == 0; i++)
			usleep(1000);
	}
}

/* One attempt; false when the ids or a shared start tick did not come out. */
static bool make_threads(long pid_max)
{
	bool ok = true;

	atomic_store(&started, 0);
	for (int k = 1; k <= nthreads; k++) {
		long id = want[k - 1] < 0 ? pid_max + want[k - 1] : want[k - 1];

		if (chosen)
			write_file("/proc/sys/kernel/ns_last_pid", id - 1);
		int r = pthread_create(&threads[k], NULL, worker, (void *)(long)k);

		if (r)
			vp_die(r, "pthread_create");
		while (atomic_load(&started) < k)
			sched_yield();
		if (chosen && ns_tid[k] != id)
			ok = false;
	}
	for (int k = 2; k <= nthreads && chosen; k++)
		ok &= start_time(ns_tid[k]) == start_time(ns_tid[1]);
	return ok;
}

/* Periodic, every @ms, and signalling SIGUSR1 when it signals. */
static void create_timer(clockid_t clock, int notify, pid_t tid, int value, long ms)
{
	long long ns = ms * 1000000LL;

	vp_make_timer(clock, notify, SIGUSR1, (unsigned long)value, tid, ns, ns);
}

static void create_timers(void)
{
	clockid_t clock;

	for (int k = 0; k <= nthreads; k++)
		create_timer(CLOCK_MONOTONIC, SIGEV_THREAD_ID, ns_tid[k], k, 20);
	if (clock_getcpuclockid(getpid(), &clock))
		vp_die(errno, "clock_getcpuclockid");
	create_timer(clock, SIGEV_NONE, 0, CPU_SIGVAL, 1000000);
	for (int k = 1; k <= nthreads; k++) {
		if (pthread_getcpuclockid(threads[k], &clock))
			vp_die(errno, "pthread_getcpuclockid");
		create_timer(clock, SIGEV_NONE, 0, CPU_SIGVAL + k, 1000000);
	}
}

/* " KEY=A,B,..": the ids of every thread, appended to @line at @used. */
static size_t put_ids(char *line, size_t size, size_t used, const char *key, const pid_t *ids)
{
	used += (size_t)snprintf(line + used, size - used, " %s=", key);
	for (int k = 0; k <= nthreads; k++)
		used += (size_t)snprintf(line + used, size - used, "%s%d", k ? "," : "", ids[k]);
	return used;
}

/* MAX_THREADS bounds both answers well within the line. */
static bool handle(char *cmd)
{
	char line[400];
	size_t used;

	if (!strcmp(cmd, "tids")) {
		used = (size_t)snprintf(line, sizeof(line), "tids n=%d", nthreads + 1);
		used = put_ids(line, sizeof(line), used, "ns", ns_tid);
		put_ids(line, sizeof(line), used, "host", host_tid);
	} else if (!strcmp(cmd, "epoll")) {
		snprintf(line, sizeof(line), "epoll pid=%d tid=%d tid2=%d eintr=%u", host_tid[0],
			 atomic_load(&epoll_tid[0]), atomic_load(&epoll_tid[1]),
			 atomic_load(&epoll_eintr));
	} else if (!strcmp(cmd, "hits")) {
		used = (size_t)snprintf(line, sizeof(line), "hits");
		for (int k = 0; k <= nthreads; k++)
			used += (size_t)snprintf(line + used, sizeof(line) - used, " %d=%#lx", k,
						 atomic_load(&hits[k]));
	} else {
		return false;
	}
	vp_out("%s", line);
	return true;
}

/* Become the init of a new pid namespace with a /proc of its own. */
static void enter_namespace(void)
{
	int status;
	pid_t child;

	if (unshare(CLONE_NEWPID))
		vp_die(errno, "unshare(CLONE_NEWPID)");
	child = fork();
	if (child < 0)
		vp_die(errno, "fork");
	if (child > 0) {
		/* The parent only waits: the child has our stdin and stdout. */
		if (waitpid(child, &status, 0) < 0)
			_exit(1);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	}
	if (prctl(PR_SET_PDEATHSIG, SIGKILL))
		vp_die(errno, "PR_SET_PDEATHSIG");
	host_proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (host_proc < 0)
		vp_die(errno, "/proc");
	if (unshare(CLONE_NEWNS))
		vp_die(errno, "unshare(CLONE_NEWNS)");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		vp_die(errno, "mount --make-rprivate /");
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		vp_die(errno, "mount /proc");
}

static void parse_tids(const char *list)
{
	char *end;

	chosen = true;
	for (const char *p = list; *p && nthreads < MAX_THREADS; p = end + (*end == ',')) {
		want[nthreads++] = strtol(p, &end, 10);
		if (end == p)
			break;
	}
}

int main(int argc, char **argv)
{
	struct sigaction sa = { 0 };
	bool ns = false, timers = false, epoll = false;
	struct timespec start, now;
	long pid_max;
	int attempt;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--ns"))
			ns = true;
		else if (!strcmp(argv[i], "--timers"))
			timers = true;
		else if (!strcmp(argv[i], "--epoll"))
			epoll = true;
		else if (!strncmp(argv[i], "--tids=", 7))
			parse_tids(argv[i] + 7);
		else if (!strncmp(argv[i], "--threads=", 10))
			nthreads = atoi(argv[i] + 10);
		else
			vp_die(EINVAL, "%s", argv[i]);
	}
	if (nthreads > MAX_THREADS || (chosen && !ns))
		vp_die(EINVAL, "arguments");
	if (ns)
		enter_namespace();
	sa.sa_sigaction = on_timer;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL))
		vp_die(errno, "sigaction");
	signal(SIGUSR2, on_wake);
	ns_tid[0] = gettid();
	host_tid[0] = host_id();
	threads[0] = pthread_self();
	pid_max = vp_read_long("/proc/sys/kernel/pid_max", 0);
	/*
	 * Tried for a time, not a number of times: under a loaded CI, 50
	 * attempts in a row were preempted past a tick, and every test of
	 * wrapped ids skipped, which a mutation check takes for a pass.
	 */
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (attempt = 1; !make_threads(pid_max); attempt++) {
		stop_threads();
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec - start.tv_sec >= ATTEMPT_SECONDS)
			vp_die(EAGAIN, "none of %d attempts in %d s gave the chosen ids in one"
			       " tick", attempt, ATTEMPT_SECONDS);
	}
	if (timers)
		create_timers();
	if (epoll) {
		vp_start_thread(epoll_waiter, &epoll_tid[0]);
		vp_start_thread(epoll_waiter, &epoll_tid[1]);
	}
	vp_out("READY pid=%d", host_tid[0]);
	vp_read_commands(handle);
	return 0;
}
