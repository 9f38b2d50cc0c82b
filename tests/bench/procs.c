// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * The processes a benchmark run needs: targets (forks that hold timers
 * and sleep), floor helpers (forks that time the same system calls on
 * themselves and report through a pipe) and ptimerctl children.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define ASLEEP_TIMEOUT_NS	(5 * 1000000000LL)
#define SIGPENDING_WANTED	(1u << 20)
/*
 * RLIMIT_SIGPENDING counts every timer against its process's real user,
 * and root has about 96k here, shared with everything else root runs:
 * each child that makes timers becomes a user of its own (by its pid, so
 * that no two live children share one) with a whole budget.
 */
#define BENCH_UID_BASE		3100000u
#define BENCH_UID_SPAN		100000u

int64_t bench_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* Every timer is charged to RLIMIT_SIGPENDING; root may raise it for all children. */
int raise_sigpending(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_SIGPENDING, &rl))
		return -errno;
	if (rl.rlim_cur != RLIM_INFINITY && rl.rlim_cur >= SIGPENDING_WANTED)
		return 0;
	if (rl.rlim_max != RLIM_INFINITY && rl.rlim_max < SIGPENDING_WANTED) {
		struct rlimit want = { SIGPENDING_WANTED, SIGPENDING_WANTED };

		if (!setrlimit(RLIMIT_SIGPENDING, &want))
			return 0;
	}
	rl.rlim_cur = rl.rlim_max;
	return setrlimit(RLIMIT_SIGPENDING, &rl) ? -errno : 0;
}

int restore_id(size_t i)
{
	/* Spread, not dense, and well clear of 0. */
	return (int)(1000 + 3 * i);
}

/* In a fresh child, before it makes timers and before PR_SET_PDEATHSIG (a uid change clears it). */
static void become_own_user(void)
{
	uid_t uid = BENCH_UID_BASE + (uid_t)getpid() % BENCH_UID_SPAN;

	if (geteuid() != 0)
		return;
	if (setgroups(0, NULL) || setresgid(uid, uid, uid) || setresuid(uid, uid, uid))
		return;
	/* A uid change makes the process undumpable; the bench must still read /proc of it. */
	prctl(PR_SET_DUMPABLE, 1);
}

static long raw_timer_create(int *id)
{
	struct sigevent ev;

	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_NONE;
	return syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, id);
}

static long raw_timer_arm(int id)
{
	struct itimerspec its = {
		.it_value.tv_sec = BENCH_ARMED_NS / 1000000000LL,
	};

	return syscall(SYS_timer_settime, id, 0, &its, NULL);
}

static int create_armed(size_t n, int *ids)
{
	for (size_t i = 0; i < n; i++) {
		int id;

		if (raw_timer_create(&id) || raw_timer_arm(id))
			return -errno;
		if (ids)
			ids[i] = id;
	}
	return 0;
}

static void *sleeper(void *arg)
{
	for (;;)
		pause();
	return arg;
}

static int start_threads(unsigned int n)
{
	pthread_attr_t attr;
	pthread_t th;
	int ret = 0;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	for (unsigned int i = 0; i < n && !ret; i++)
		ret = -pthread_create(&th, &attr, sleeper, NULL);
	pthread_attr_destroy(&attr);
	return ret;
}

static __attribute__((noreturn)) void target_main(int fd, size_t ntimers,
						   unsigned int nthreads)
{
	int err;

	become_own_user();
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	/* ptimerctl runs as our sibling for the RSS figures; Yama may care. */
	prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY);
	err = create_armed(ntimers, NULL);
	if (!err && nthreads > 1)
		err = start_threads(nthreads - 1);
	if (write(fd, &err, sizeof(err)) != sizeof(err))
		_exit(1);
	close(fd);
	for (;;)
		pause();
}

static char task_state(pid_t pid, const char *tid)
{
	char path[300], buf[256], *p;
	ssize_t got;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/task/%s/stat", pid, tid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return '?';
	got = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (got <= 0)
		return '?';
	buf[got] = '\0';
	p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

static unsigned int count_asleep(pid_t pid, unsigned int *total)
{
	char path[32];
	unsigned int asleep = 0;
	struct dirent *de;
	DIR *dir;

	*total = 0;
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return 0;
	while ((de = readdir(dir))) {
		if (de->d_name[0] == '.')
			continue;
		(*total)++;
		asleep += task_state(pid, de->d_name) == 'S';
	}
	closedir(dir);
	return asleep;
}

/* Measure a target at rest: every thread inside pause(). */
static int wait_asleep(pid_t pid, unsigned int nthreads)
{
	int64_t deadline = bench_now_ns() + ASLEEP_TIMEOUT_NS;
	struct timespec nap = { .tv_nsec = 100000 };
	unsigned int total;

	while (bench_now_ns() < deadline) {
		if (count_asleep(pid, &total) == nthreads && total == nthreads)
			return 0;
		nanosleep(&nap, NULL);
	}
	return -ETIMEDOUT;
}

static int read_full(int fd, void *buf, size_t len)
{
	size_t done = 0;

	while (done < len) {
		ssize_t got = read(fd, (char *)buf + done, len - done);

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return got < 0 ? -errno : -EPIPE;
		done += got;
	}
	return 0;
}

static void reap(pid_t pid)
{
	while (waitpid(pid, NULL, __WALL) < 0 && errno == EINTR)
		;
}

/* A fresh process with @ntimers armed timers and @nthreads threads, asleep. */
pid_t target_start(size_t ntimers, unsigned int nthreads)
{
	int fds[2], err = 0, ret;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		goto close_pipe;
	}
	if (pid == 0) {
		close(fds[0]);
		target_main(fds[1], ntimers, nthreads ? nthreads : 1);
	}
	close(fds[1]);
	fds[1] = -1;
	ret = read_full(fds[0], &err, sizeof(err));
	if (!ret)
		ret = err;
	if (!ret)
		ret = wait_asleep(pid, nthreads ? nthreads : 1);
	if (ret) {
		target_stop(pid);
		goto close_pipe;
	}
	close(fds[0]);
	return pid;

close_pipe:
	close(fds[0]);
	if (fds[1] >= 0)
		close(fds[1]);
	return ret;
}

void target_stop(pid_t pid)
{
	if (pid <= 0)
		return;
	kill(pid, SIGKILL);
	reap(pid);
}

typedef void (*floor_fn)(long arg, struct floor_result *r);

/* Run @fn in a fresh child (its timer id counter at 0) and collect its result. */
static int run_floor(floor_fn fn, long arg, struct floor_result *r)
{
	int fds[2], ret;
	pid_t pid;

	memset(r, 0, sizeof(*r));
	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		ret = -errno;
		close(fds[0]);
		close(fds[1]);
		return ret;
	}
	if (pid == 0) {
		struct floor_result res = { 0 };

		close(fds[0]);
		become_own_user();
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fn(arg, &res);
		_exit(write(fds[1], &res, sizeof(res)) == sizeof(res) ? 0 : 1);
	}
	close(fds[1]);
	ret = read_full(fds[0], r, sizeof(*r));
	close(fds[0]);
	reap(pid);
	return ret ? ret : r->err;
}

/* Create and delete until the counter hands out @want, as the blob does. */
static void walk_self(long want, struct floor_result *r)
{
	struct sigevent ev;
	int64_t t0;
	int id;

	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_NONE;
	t0 = bench_now_ns();
	for (;;) {
		if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &id)) {
			r->err = -errno;
			return;
		}
		r->count++;
		if (id == want)
			break;
		if (syscall(SYS_timer_delete, id)) {
			r->err = -errno;
			return;
		}
	}
	r->ns = bench_now_ns() - t0;
}

int floor_walk(int want, struct floor_result *r)
{
	return run_floor(walk_self, want, r);
}

/* prctl(77, 1), then each timer created with its id and armed. */
static void restore_self(long n, struct floor_result *r)
{
	struct sigevent ev;
	int64_t t0;

	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_NONE;
	t0 = bench_now_ns();
	if (prctl(PTIMER_PR_TIMER_CREATE_RESTORE_IDS, PTIMER_PR_RESTORE_IDS_ON, 0, 0, 0)) {
		r->err = -errno;
		return;
	}
	for (long i = 0; i < n; i++) {
		int id = restore_id(i);

		if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &id) || raw_timer_arm(id)) {
			r->err = -errno;
			return;
		}
		if (id != restore_id(i)) {
			r->err = -EIO;
			return;
		}
		r->count++;
	}
	r->ns = bench_now_ns() - t0;
}

int floor_restore(size_t n, struct floor_result *r)
{
	return run_floor(restore_self, (long)n, r);
}

/*
 * With @n armed timers of its own (ids 0..n-1): delete them all, newest
 * first (the cheapest order: each is at the head of its hash chain), then,
 * under prctl(77, 1), create each again with its id and arm it.
 */
static void replace_self(long n, struct floor_result *r)
{
	int *ids = calloc(n ? n : 1, sizeof(*ids));
	struct sigevent ev;
	int64_t t0;

	if (!ids) {
		r->err = -ENOMEM;
		return;
	}
	r->err = create_armed(n, ids);
	if (r->err)
		goto free_ids;
	memset(&ev, 0, sizeof(ev));
	ev.sigev_notify = SIGEV_NONE;
	t0 = bench_now_ns();
	if (prctl(PTIMER_PR_TIMER_CREATE_RESTORE_IDS, PTIMER_PR_RESTORE_IDS_ON, 0, 0, 0)) {
		r->err = -errno;
		goto free_ids;
	}
	for (long i = n - 1; i >= 0; i--) {
		if (syscall(SYS_timer_delete, ids[i])) {
			r->err = -errno;
			goto free_ids;
		}
	}
	for (long i = 0; i < n; i++) {
		int id = ids[i];

		if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &ev, &id) || raw_timer_arm(id)) {
			r->err = -errno;
			goto free_ids;
		}
		if (id != ids[i]) {
			r->err = -EIO;
			goto free_ids;
		}
		r->count++;
	}
	r->ns = bench_now_ns() - t0;
free_ids:
	free(ids);
}

int floor_replace(size_t n, struct floor_result *r)
{
	return run_floor(replace_self, (long)n, r);
}

static int read_proc_timers(char *buf, size_t cap, size_t *len)
{
	int fd = open("/proc/self/timers", O_RDONLY | O_CLOEXEC);
	ssize_t got;

	if (fd < 0)
		return -errno;
	*len = 0;
	while ((got = read(fd, buf + *len, cap - *len)) > 0)
		*len += got;
	close(fd);
	return got < 0 ? -errno : 0;
}

/*
 * The /proc/self/timers read (unless @calls_only), then timer_gettime and
 * timer_getoverrun of each.
 */
static void dump_self_as(long n, bool calls_only, struct floor_result *r)
{
	size_t cap = 4096 + (size_t)n * 256, len;
	int *ids = calloc(n ? n : 1, sizeof(*ids));
	char *text = malloc(cap);
	struct itimerspec its;
	int64_t t0;

	if (!ids || !text) {
		r->err = -ENOMEM;
		goto free_all;
	}
	r->err = create_armed(n, ids);
	if (r->err)
		goto free_all;
	t0 = bench_now_ns();
	if (!calls_only)
		r->err = read_proc_timers(text, cap, &len);
	for (long i = 0; i < n && !r->err; i++) {
		if (syscall(SYS_timer_gettime, ids[i], &its) ||
		    syscall(SYS_timer_getoverrun, ids[i]) < 0)
			r->err = -errno;
	}
	r->ns = bench_now_ns() - t0;
	r->count = n;
free_all:
	free(text);
	free(ids);
}

static void dump_self(long n, struct floor_result *r)
{
	dump_self_as(n, false, r);
}

static void dump_calls_self(long n, struct floor_result *r)
{
	dump_self_as(n, true, r);
}

int floor_dump(size_t n, struct floor_result *r)
{
	return run_floor(dump_self, (long)n, r);
}

int floor_dump_calls(size_t n, struct floor_result *r)
{
	return run_floor(dump_calls_self, (long)n, r);
}

/*
 * ptimerctl is started by a launcher forked at start-up, while the bench
 * is small: exec keeps the old mm's RSS high-water mark in ru_maxrss, so a
 * child forked from the bench later would report the bench's size.
 */
#define LAUNCH_MAX_ARGS	12
#define LAUNCH_ARG_LEN	320

struct launch_request {
	int argc;
	char argv[LAUNCH_MAX_ARGS][LAUNCH_ARG_LEN];
};

struct launch_reply {
	int err;
	long maxrss_kib;
};

static pid_t launcher_pid = -1;
static int launcher_to = -1, launcher_from = -1;

static void launch_one(const struct launch_request *req, struct launch_reply *rep)
{
	char *argv[LAUNCH_MAX_ARGS + 1];
	struct rusage ru;
	int status;
	pid_t pid;

	for (int i = 0; i < req->argc; i++)
		argv[i] = (char *)req->argv[i];
	argv[req->argc] = NULL;
	pid = fork();
	if (pid < 0) {
		rep->err = -errno;
		return;
	}
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		if (null >= 0)
			dup2(null, STDOUT_FILENO);
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		execv(argv[0], argv + 1);
		_exit(127);
	}
	while (wait4(pid, &status, 0, &ru) < 0) {
		if (errno != EINTR) {
			rep->err = -errno;
			return;
		}
	}
	rep->err = WIFEXITED(status) && !WEXITSTATUS(status) ? 0 : -EIO;
	rep->maxrss_kib = ru.ru_maxrss;
}

static __attribute__((noreturn)) void launcher_main(int from, int to)
{
	struct launch_request req;
	struct launch_reply rep;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	while (!read_full(from, &req, sizeof(req))) {
		memset(&rep, 0, sizeof(rep));
		if (req.argc < 2 || req.argc > LAUNCH_MAX_ARGS)
			rep.err = -EINVAL;
		else
			launch_one(&req, &rep);
		if (write(to, &rep, sizeof(rep)) != sizeof(rep))
			break;
	}
	_exit(0);
}

int launcher_start(void)
{
	int req[2], rep[2];
	pid_t pid;

	if (pipe2(req, O_CLOEXEC))
		return -errno;
	if (pipe2(rep, O_CLOEXEC)) {
		close(req[0]);
		close(req[1]);
		return -errno;
	}
	pid = fork();
	if (pid == 0) {
		close(req[1]);
		close(rep[0]);
		launcher_main(req[0], rep[1]);
	}
	close(req[0]);
	close(rep[1]);
	if (pid < 0) {
		close(req[1]);
		close(rep[0]);
		return -errno;
	}
	launcher_pid = pid;
	launcher_to = req[1];
	launcher_from = rep[0];
	return 0;
}

void launcher_stop(void)
{
	if (launcher_pid <= 0)
		return;
	close(launcher_to);
	close(launcher_from);
	reap(launcher_pid);
	launcher_pid = -1;
}

/* Run ptimerctl with @argv (argv[0] its name), stdout discarded; its peak RSS. */
int run_ptimerctl(const char *path, char *const argv[], long *maxrss_kib)
{
	struct launch_request req;
	struct launch_reply rep;
	int ret;

	if (launcher_pid <= 0)
		return -ECHILD;
	memset(&req, 0, sizeof(req));
	snprintf(req.argv[req.argc++], LAUNCH_ARG_LEN, "%s", path);
	for (int i = 0; argv[i]; i++) {
		if (req.argc == LAUNCH_MAX_ARGS || strlen(argv[i]) >= LAUNCH_ARG_LEN)
			return -E2BIG;
		snprintf(req.argv[req.argc++], LAUNCH_ARG_LEN, "%s", argv[i]);
	}
	if (write(launcher_to, &req, sizeof(req)) != sizeof(req))
		return -EPIPE;
	ret = read_full(launcher_from, &rep, sizeof(rep));
	if (ret)
		return ret;
	if (!rep.err)
		*maxrss_kib = rep.maxrss_kib;
	return rep.err;
}
