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
 * Commands:
 *   tids   "tids n=N ns=A,B,.. host=A,B,.." in creation order (ns: as the
 *          process sees them; host: as the harness's /proc does)
 *   hits   "hits 0=MASK 1=MASK ..": for sigval k, the threads it reached
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
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_THREADS	16
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

static void fail(const char *what)
{
	printf("ERROR errno=%d msg=%s: %s\n", errno, what, strerror(errno));
	fflush(stdout);
	exit(1);
}

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
	ssize_t n;
	int fd;

	if (host_proc < 0)
		return gettid();
	fd = openat(host_proc, "thread-self/status", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
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

static void write_file(const char *path, long v)
{
	char buf[32];
	int fd, n;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		fail(path);
	n = snprintf(buf, sizeof(buf), "%ld", v);
	if (write(fd, buf, n) != n)
		fail(path);
	close(fd);
}

static long read_long(const char *path, int field)
{
	char buf[1024], *p;
	ssize_t n;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	if (!field)
		return strtol(buf, NULL, 10);
	/* A stat field after the comm, which ends at the last ')'. */
	p = strrchr(buf, ')');
	for (int i = 2; p && i < field; i++)
		p = strchr(p + 1, ' ');
	return p ? strtol(p + 1, NULL, 10) : -1;
}

static long start_time(pid_t tid)
{
	char path[64];

	snprintf(path, sizeof(path), "/proc/self/task/%d/stat", tid);
	return read_long(path, 22);
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
		if (pthread_create(&threads[k], NULL, worker, (void *)(long)k))
			fail("pthread_create");
		while (atomic_load(&started) < k)
			sched_yield();
		if (chosen && ns_tid[k] != id)
			ok = false;
	}
	for (int k = 2; k <= nthreads && chosen; k++)
		ok &= start_time(ns_tid[k]) == start_time(ns_tid[1]);
	return ok;
}

static void create_timer(clockid_t clock, int notify, pid_t tid, int value, long ms)
{
	struct sigevent sev = { 0 };
	struct itimerspec its = { 0 };
	timer_t id;

	sev.sigev_notify = notify;
	sev.sigev_signo = SIGUSR1;
	sev.sigev_value.sival_int = value;
	sev._sigev_un._tid = tid;
	if (timer_create(clock, &sev, &id))
		fail("timer_create");
	its.it_value.tv_sec = ms / 1000;
	its.it_value.tv_nsec = ms % 1000 * 1000000;
	its.it_interval = its.it_value;
	if (timer_settime(id, 0, &its, NULL))
		fail("timer_settime");
}

static void create_timers(void)
{
	clockid_t clock;

	for (int k = 0; k <= nthreads; k++)
		create_timer(CLOCK_MONOTONIC, SIGEV_THREAD_ID, ns_tid[k], k, 20);
	if (clock_getcpuclockid(getpid(), &clock))
		fail("clock_getcpuclockid");
	create_timer(clock, SIGEV_NONE, 0, CPU_SIGVAL, 1000000);
	for (int k = 1; k <= nthreads; k++) {
		if (pthread_getcpuclockid(threads[k], &clock))
			fail("pthread_getcpuclockid");
		create_timer(clock, SIGEV_NONE, 0, CPU_SIGVAL + k, 1000000);
	}
}

static void print_ids(const char *key, const pid_t *ids)
{
	printf(" %s=", key);
	for (int k = 0; k <= nthreads; k++)
		printf("%s%d", k ? "," : "", ids[k]);
}

static void serve(void)
{
	char *line = NULL;
	size_t cap = 0;

	while (getline(&line, &cap, stdin) > 0) {
		if (!strcmp(line, "tids\n")) {
			printf("tids n=%d", nthreads + 1);
			print_ids("ns", ns_tid);
			print_ids("host", host_tid);
			printf("\n");
		} else if (!strcmp(line, "hits\n")) {
			printf("hits");
			for (int k = 0; k <= nthreads; k++)
				printf(" %d=%#lx", k, atomic_load(&hits[k]));
			printf("\n");
		} else if (!strcmp(line, "exit\n")) {
			exit(0);
		} else {
			printf("ERROR errno=0 msg=unknown command\n");
		}
		fflush(stdout);
	}
	exit(0);
}

/* Become the init of a new pid namespace with a /proc of its own. */
static void enter_namespace(void)
{
	int status;
	pid_t child;

	if (unshare(CLONE_NEWPID))
		fail("unshare(CLONE_NEWPID)");
	child = fork();
	if (child < 0)
		fail("fork");
	if (child > 0) {
		/* The parent only waits: the child has our stdin and stdout. */
		if (waitpid(child, &status, 0) < 0)
			_exit(1);
		_exit(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
	}
	if (prctl(PR_SET_PDEATHSIG, SIGKILL))
		fail("PR_SET_PDEATHSIG");
	host_proc = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (host_proc < 0)
		fail("/proc");
	if (unshare(CLONE_NEWNS))
		fail("unshare(CLONE_NEWNS)");
	if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL))
		fail("mount --make-rprivate /");
	if (mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL))
		fail("mount /proc");
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
	bool ns = false, timers = false;
	long pid_max;
	int attempt;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--ns"))
			ns = true;
		else if (!strcmp(argv[i], "--timers"))
			timers = true;
		else if (!strncmp(argv[i], "--tids=", 7))
			parse_tids(argv[i] + 7);
		else if (!strncmp(argv[i], "--threads=", 10))
			nthreads = atoi(argv[i] + 10);
		else
			fail(argv[i]);
	}
	if (nthreads > MAX_THREADS || (chosen && !ns)) {
		errno = EINVAL;
		fail("arguments");
	}
	if (ns)
		enter_namespace();
	sa.sa_sigaction = on_timer;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGUSR1, &sa, NULL))
		fail("sigaction");
	signal(SIGUSR2, on_wake);
	ns_tid[0] = gettid();
	host_tid[0] = host_id();
	threads[0] = pthread_self();
	pid_max = read_long("/proc/sys/kernel/pid_max", 0);
	for (attempt = 0; attempt < 50 && !make_threads(pid_max); attempt++)
		stop_threads();
	if (attempt == 50) {
		errno = EAGAIN;
		fail("no attempt gave the chosen ids in one tick");
	}
	if (timers)
		create_timers();
	printf("READY pid=%d\n", host_tid[0]);
	serve();
	return 0;
}
