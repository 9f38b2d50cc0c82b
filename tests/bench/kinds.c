// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * The bench's figures for every kind of timer (issue 11): a process with
 * N POSIX timers, N/10 timerfds and its three interval timers, dumped and
 * restored, the target's stopped time beside the in-process floor for the
 * same system calls, measured in the same run:
 *   dump:    /proc/self/timers, timer_gettime+timer_getoverrun per timer,
 *            getitimer x3, and per timerfd readlink /proc/self/fd/N, read
 *            /proc/self/fdinfo/N and timerfd_gettime;
 *   restore: prctl(77,1), timer_create with the ID and timer_settime per
 *            timer, setitimer x3, and per timerfd timerfd_create, dup3 to N,
 *            close, timerfd_settime and TFD_IOC_SET_TICKS.
 * No figure is a pass or a failure for its speed.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "ptimer-private.h"

#ifndef TFD_IOC_SET_TICKS
#define TFD_IOC_SET_TICKS _IOW('T', 0, uint64_t)
#endif
#define KB_FIRST_FD	100	/* the timerfds sit at 100, 101, ... */
#define KB_PR_RESTORE_IDS 77	/* PR_TIMER_CREATE_RESTORE_IDS */
#define KB_UID		64175	/* the targets' and floors' user, when run as root */

const char *const kinds_dump_floor_what =
	"a process with every kind: /proc/self/timers, timer_gettime+timer_getoverrun per timer,"
	" getitimer x3, readlink+fdinfo+timerfd_gettime per timerfd";
const char *const kinds_restore_floor_what =
	"a fresh process: prctl(77,1), timer_create with the id+timer_settime per timer,"
	" setitimer x3, timerfd_create+dup3+close+timerfd_settime+TFD_IOC_SET_TICKS per timerfd";

static size_t ntfds_of(const struct figure *f)
{
	return f->n / 10 ? f->n / 10 : 1;
}

static int fail(struct figure *f, int err, const char *what, const char *detail)
{
	if (!f->error) {
		f->error = err;
		snprintf(f->error_text, sizeof(f->error_text), "%s: %s%s%s", what,
			 strerror(-err), detail && *detail ? ": " : "", detail ? detail : "");
	}
	return err;
}

/*
 * RLIMIT_NOFILE with room for the timerfds at 100 and up, and as many
 * again: the library makes every new timerfd before it moves them.
 */
static int room_for_fds(size_t ntfds)
{
	struct rlimit rl = { KB_FIRST_FD + 2 * ntfds + 64, KB_FIRST_FD + 2 * ntfds + 64 };

	return setrlimit(RLIMIT_NOFILE, &rl) ? -errno : 0;
}

static const struct itimerspec armed = { .it_value = { BENCH_ARMED_NS / 1000000000LL, 0 } };

/* @n armed SIGEV_NONE timers; their IDs in @ids when not NULL. */
static int make_posix(size_t n, int *ids)
{
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };

	for (size_t i = 0; i < n; i++) {
		int id;

		if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &id) ||
		    syscall(SYS_timer_settime, id, 0, &armed, NULL))
			return -errno;
		if (ids)
			ids[i] = id;
	}
	return 0;
}

static int make_timerfd(int fd)
{
	int t = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK);

	if (t < 0)
		return -errno;
	if (dup3(t, fd, 0) < 0 || close(t) || timerfd_settime(fd, 0, &armed, NULL))
		return -errno;
	return 0;
}

static int make_itimers(void)
{
	struct itimerval it = { .it_value = { BENCH_ARMED_NS / 1000000000LL, 0 } };

	for (int w = ITIMER_REAL; w <= ITIMER_PROF; w++)
		if (setitimer(w, &it, NULL))
			return -errno;
	return 0;
}

/* Fork; @fn runs in the child, whose result comes back through a pipe. */
static int in_child(int (*fn)(struct figure *f, int fd), struct figure *f, void *res,
		    size_t len, pid_t *pidp)
{
	int fds[2], err = 0;
	pid_t pid;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	pid = fork();
	if (pid < 0) {
		err = -errno;
		close(fds[0]);
		close(fds[1]);
		return err;
	}
	if (pid == 0) {
		/* Nothing of the bench's but the pipe, at 3: the timerfds go to 100 and up. */
		if (dup2(fds[1], 3) != 3 || syscall(SYS_close_range, 4, ~0U, 0) ||
		    room_for_fds(ntfds_of(f)))
			_exit(1);
		/*
		 * As a user of its own: the timers' signal queue entries count
		 * against their user's RLIMIT_SIGPENDING, which every other
		 * process of root on the machine shares.
		 */
		if (!getuid() && (setgid(KB_UID) || setuid(KB_UID)))
			_exit(1);
		prctl(PR_SET_PDEATHSIG, SIGKILL);	/* after setuid, which clears it */
		_exit(fn(f, 3) ? 1 : 0);
	}
	close(fds[1]);
	if (read(fds[0], res, len) != (ssize_t)len)
		err = -EIO;
	close(fds[0]);
	if (pidp && !err) {
		*pidp = pid;
	} else {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
	}
	return err;
}

static void child_reply(int fd, const void *res, size_t len)
{
	if (write(fd, res, len) != (ssize_t)len)
		_exit(1);
}

/* The target: every kind, then it sleeps until killed. */
__attribute__((noreturn))
static int target_main(struct figure *f, int fd)
{
	int err = make_posix(f->n, NULL);

	for (size_t i = 0; i < ntfds_of(f) && !err; i++)
		err = make_timerfd(KB_FIRST_FD + (int)i);
	if (!err)
		err = make_itimers();
	/* An armed ITIMER_REAL's SIGALRM in 60 s must not end it. */
	signal(SIGALRM, SIG_IGN);
	child_reply(fd, &err, sizeof(err));
	for (;;)
		pause();
}

/* A fresh target, with room for the timerfds. */
__attribute__((noreturn))
static int fresh_main(struct figure *f, int fd)
{
	int err = 0;

	signal(SIGALRM, SIG_IGN);
	child_reply(fd, &err, sizeof(err));
	for (;;)
		pause();
}

static int read_file(const char *path, char *buf, size_t cap)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;
	size_t len = 0;

	if (fd < 0)
		return -errno;
	while ((n = read(fd, buf + len, cap - len)) > 0 && len + (size_t)n < cap)
		len += (size_t)n;
	close(fd);
	return n < 0 ? -errno : 0;
}

static int dump_floor_main(struct figure *f, int fd)
{
	size_t n = f->n, ntfds = ntfds_of(f), cap = 4096 + n * 256;
	struct floor_result r = { 0 };
	int *ids = calloc(n ? n : 1, sizeof(*ids));
	char *text = malloc(cap), path[64], link[64];
	struct itimerspec its;
	struct itimerval it;
	int64_t t0;

	r.err = !ids || !text ? -ENOMEM : 0;
	if (!r.err)
		r.err = make_posix(n, ids);
	for (size_t i = 0; i < ntfds && !r.err; i++)
		r.err = make_timerfd(KB_FIRST_FD + (int)i);
	if (!r.err)
		r.err = make_itimers();
	signal(SIGALRM, SIG_IGN);
	t0 = bench_now_ns();
	if (!r.err)
		r.err = read_file("/proc/self/timers", text, cap);
	for (size_t i = 0; i < n && !r.err; i++)
		if (syscall(SYS_timer_gettime, ids[i], &its) ||
		    syscall(SYS_timer_getoverrun, ids[i]) < 0)
			r.err = -errno;
	for (int w = ITIMER_REAL; w <= ITIMER_PROF && !r.err; w++)
		if (getitimer(w, &it))
			r.err = -errno;
	for (size_t i = 0; i < ntfds && !r.err; i++) {
		int tfd = KB_FIRST_FD + (int)i;

		snprintf(path, sizeof(path), "/proc/self/fd/%d", tfd);
		if (readlink(path, link, sizeof(link)) < 0) {
			r.err = -errno;
			break;
		}
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%d", tfd);
		r.err = read_file(path, text, cap);
		if (!r.err && timerfd_gettime(tfd, &its))
			r.err = -errno;
	}
	r.ns = bench_now_ns() - t0;
	r.count = (int64_t)(n + ntfds + 3);
	child_reply(fd, &r, sizeof(r));
	return 0;
}

static int restore_floor_main(struct figure *f, int fd)
{
	size_t n = f->n, ntfds = ntfds_of(f);
	struct sigevent sev = { .sigev_notify = SIGEV_NONE };
	struct itimerval it = { .it_value = { BENCH_ARMED_NS / 1000000000LL, 0 } };
	struct floor_result r = { 0 };
	uint64_t ticks = 1;	/* 0 is EINVAL */
	int64_t t0;

	signal(SIGALRM, SIG_IGN);
	t0 = bench_now_ns();
	if (!r.err && prctl(KB_PR_RESTORE_IDS, 1, 0, 0, 0))
		r.err = -errno;
	for (size_t i = 0; i < n && !r.err; i++) {
		int id = restore_id(i);

		if (syscall(SYS_timer_create, CLOCK_MONOTONIC, &sev, &id) ||
		    syscall(SYS_timer_settime, id, 0, &armed, NULL))
			r.err = -errno;
	}
	for (int w = ITIMER_REAL; w <= ITIMER_PROF && !r.err; w++)
		if (setitimer(w, &it, NULL))
			r.err = -errno;
	for (size_t i = 0; i < ntfds && !r.err; i++) {
		int tfd = KB_FIRST_FD + (int)i;

		r.err = make_timerfd(tfd);
		/* ENOTTY: a kernel without CONFIG_CHECKPOINT_RESTORE; the library warns */
		if (!r.err && ioctl(tfd, TFD_IOC_SET_TICKS, &ticks) && errno != ENOTTY)
			r.err = -errno;
	}
	r.ns = bench_now_ns() - t0;
	r.count = (int64_t)(n + ntfds + 3);
	child_reply(fd, &r, sizeof(r));
	return 0;
}

static int floor_sample(struct figure *f, int (*fn)(struct figure *, int))
{
	struct floor_result r;
	int ret = in_child(fn, f, &r, sizeof(r), NULL);

	if (!ret)
		ret = r.err;
	if (ret)
		return fail(f, ret, "floor", NULL);
	series_add(&f->floor, r.ns / 1e9);
	return 0;
}

/* A dump of every kind for @pid: @n POSIX timers, @ntfds timerfds, 3 itimers. */
static struct ptimer_dump *kinds_dump(pid_t pid, size_t n, size_t ntfds)
{
	struct ptimer_dump *d = ptimer_dump_new();
	struct timespec ts;

	if (!d)
		return NULL;
	d->pid = pid;
	d->tids = calloc(1, sizeof(*d->tids));
	if (!d->tids)
		goto free_dump;
	d->tids[0] = pid;
	d->nthreads = 1;
	clock_gettime(CLOCK_REALTIME, &ts);
	d->realtime_ns = ts.tv_sec * 1000000000LL + ts.tv_nsec;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	d->monotonic_ns = ts.tv_sec * 1000000000LL + ts.tv_nsec;
	clock_gettime(CLOCK_BOOTTIME, &ts);
	d->boottime_ns = ts.tv_sec * 1000000000LL + ts.tv_nsec;
	d->timers = calloc(n ? n : 1, sizeof(*d->timers));
	if (!d->timers)
		goto free_dump;
	for (size_t i = 0; i < n; i++)
		d->timers[i] = (struct ptimer_timer) {
			.id = restore_id(i), .clockid = CLOCK_MONOTONIC,
			.notify = PTIMER_NOTIFY_NONE, .value_ns = BENCH_ARMED_NS,
		};
	d->ntimers = n;
	for (int w = ITIMER_REAL; w <= ITIMER_PROF; w++) {
		struct ptimer_itimer it = { .which = w, .value_ns = BENCH_ARMED_NS };

		if (ptimer_dump_add_itimer(d, &it))
			goto free_dump;
	}
	for (size_t i = 0; i < ntfds; i++) {
		struct ptimer_timerfd t = {
			.fd = KB_FIRST_FD + (int)i, .clockid = CLOCK_MONOTONIC,
			.fd_flags = O_NONBLOCK, .value_ns = BENCH_ARMED_NS,
			.ticks = 1,	/* so that TFD_IOC_SET_TICKS runs, as in the floor */
		};

		if (ptimer_dump_add_timerfd(d, &t))
			goto free_dump;
	}
	ptimer_dump_set_kinds(d, PTIMER_KIND_ALL);
	return d;

free_dump:
	ptimer_dump_free(d);
	return NULL;
}

static void stop(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

int measure_kinds_dump(struct bench *b, struct figure *f)
{
	struct ptimer_dump_stats st = { .size = sizeof(st) };
	struct ptimer_dump *d = NULL;
	size_t ntfd = 0;
	int ret, err;
	pid_t pid;

	ret = in_child(target_main, f, &err, sizeof(err), &pid);
	if (!ret && err) {
		stop(pid);
		ret = err;
	}
	if (ret)
		return fail(f, ret, "starting the target", NULL);
	ptimer_private_set_one_syscall_per_trip(b->ctx, false);
	ret = ptimer_set_kinds(b->ctx, PTIMER_KIND_ALL);
	if (!ret)
		ret = ptimer_dump_pid(b->ctx, pid, 0, &d, &st);
	stop(pid);
	if (!ret)
		ptimer_dump_timerfds(d, &ntfd);
	if (!ret && (d->ntimers != f->n || ntfd != ntfds_of(f)))
		ret = fail(f, -EIO, "dump", "timers or timerfds missing");
	ptimer_dump_free(d);
	if (ret)
		return fail(f, ret, "dump", ptimer_last_error(b->ctx));
	series_add(&f->tool, st.stopped_ns / 1e9);
	return floor_sample(f, dump_floor_main);
}

int measure_kinds_restore(struct bench *b, struct figure *f)
{
	struct ptimer_restore_opts opts = { .size = sizeof(opts), .method = PTIMER_METHOD_PRCTL };
	struct ptimer_restore_stats st = { .size = sizeof(st) };
	struct ptimer_dump *d;
	int ret, err;
	pid_t pid;

	ret = in_child(fresh_main, f, &err, sizeof(err), &pid);
	if (!ret && err) {
		stop(pid);
		ret = err;
	}
	if (ret)
		return fail(f, ret, "starting the target", NULL);
	d = kinds_dump(pid, f->n, ntfds_of(f));
	ptimer_private_set_one_syscall_per_trip(b->ctx, false);
	ret = ptimer_set_kinds(b->ctx, PTIMER_KIND_ALL);
	if (!ret)
		ret = d ? ptimer_restore_pid(b->ctx, pid, d, &opts, NULL, &st) : -ENOMEM;
	stop(pid);
	ptimer_dump_free(d);
	if (ret)
		return fail(f, ret, "restore", ptimer_last_error(b->ctx));
	series_add(&f->tool, st.stopped_ns / 1e9);
	return floor_sample(f, restore_floor_main);
}
