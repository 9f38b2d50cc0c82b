// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * One run of each kind of figure: the library (or ptimerctl) on a fresh
 * target, then the floor in a fresh helper, each adding one sample.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"
#include "ptimer-private.h"

static int fail(struct figure *f, int err, const char *what, const char *detail)
{
	if (!f->error) {
		f->error = err;
		snprintf(f->error_text, sizeof(f->error_text), "%s: %s%s%s", what,
			 strerror(-err), detail && *detail ? ": " : "",
			 detail ? detail : "");
	}
	return err;
}

static int fail_lib(struct bench *b, struct figure *f, int err, const char *what)
{
	return fail(f, err, what, ptimer_last_error(b->ctx));
}

static int64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

/* A dump of @n CLOCK_MONOTONIC, SIGEV_NONE timers for @pid, taken now. */
static struct ptimer_dump *make_dump(pid_t pid, size_t n, int64_t value_ns)
{
	struct ptimer_dump *d = ptimer_dump_new();

	if (!d)
		return NULL;
	d->pid = pid;
	d->tids = calloc(1, sizeof(*d->tids));
	if (!d->tids)
		goto free_dump;
	d->tids[0] = pid;
	d->nthreads = 1;
	d->realtime_ns = clock_ns(CLOCK_REALTIME);
	d->monotonic_ns = clock_ns(CLOCK_MONOTONIC);
	d->boottime_ns = clock_ns(CLOCK_BOOTTIME);
	for (size_t i = 0; i < n; i++) {
		struct ptimer_timer t = {
			.id = restore_id(i),
			.clockid = CLOCK_MONOTONIC,
			.notify = PTIMER_NOTIFY_NONE,
			.value_ns = value_ns,
		};

		if (ptimer_dump_add_timer(d, &t))
			goto free_dump;
	}
	return d;

free_dump:
	ptimer_dump_free(d);
	return NULL;
}

static void add_restore_counts(struct figure *f, const struct ptimer_restore_stats *st)
{
	series_add(&f->trips, st->round_trips);
	series_add(&f->syscalls, st->injected_syscalls);
}

static void add_dump_counts(struct figure *f, const struct ptimer_dump_stats *st)
{
	series_add(&f->trips, st->round_trips);
	series_add(&f->syscalls, st->injected_syscalls);
}

/* Fallback walk: one timer at id f->n, a target whose counter is at 0. */
int measure_walk(struct bench *b, struct figure *f)
{
	struct ptimer_restore_opts opts = {
		.size = sizeof(opts),
		.method = PTIMER_METHOD_WALK,
	};
	struct ptimer_restore_stats st = { .size = sizeof(st) };
	struct ptimer_plan plan = { .size = sizeof(plan) };
	struct floor_result fl;
	struct ptimer_dump *d;
	pid_t pid;
	int ret;

	ptimer_private_set_one_syscall_per_trip(b->ctx, f->one_per_trip);
	pid = target_start(0, 1);
	if (pid < 0)
		return fail(f, pid, "starting the target", NULL);
	d = make_dump(pid, 1, 0);
	if (d)
		d->timers[0].id = (int)f->n;
	ret = d ? ptimer_restore_pid(b->ctx, pid, d, &opts, &plan, &st) : -ENOMEM;
	target_stop(pid);
	ptimer_dump_free(d);
	if (ret)
		return fail_lib(b, f, ret, "walk restore");
	if (plan.walk_steps != f->n + 1 || st.walk_steps != f->n + 1)
		return fail(f, -EIO, "walk length", "not the counter distance to the id");
	series_add(&f->tool, (double)plan.walk_steps * 1e9 / (double)st.stopped_ns);
	add_restore_counts(f, &st);
	ret = floor_walk((int)f->n, &fl);
	if (ret)
		return fail(f, ret, "walk floor", NULL);
	series_add(&f->floor, (double)fl.count * 1e9 / (double)fl.ns);
	return 0;
}

/* ptimer_dump_pid() of a process without timers: attach, probe, detach. */
int measure_attach(struct bench *b, struct figure *f)
{
	struct ptimer_dump_stats st = { .size = sizeof(st) };
	struct ptimer_dump *d = NULL;
	struct floor_result fl;
	pid_t pid;
	int ret;

	/* Batched, as any job is: the walk's figure before may have left it one per trip. */
	ptimer_private_set_one_syscall_per_trip(b->ctx, false);
	pid = target_start(0, f->threads);
	if (pid < 0)
		return fail(f, pid, "starting the target", NULL);
	ret = ptimer_dump_pid(b->ctx, pid, 0, &d, &st);
	if (!ret && d->nthreads != f->threads)
		ret = fail(f, -EIO, "attach", "thread count differs");
	target_stop(pid);
	ptimer_dump_free(d);
	if (ret)
		return fail_lib(b, f, ret, "attach");
	series_add(&f->tool, st.stopped_ns / 1e9);
	add_dump_counts(f, &st);

	pid = target_start(0, f->threads);
	if (pid < 0)
		return fail(f, pid, "starting the floor target", NULL);
	ret = f->inject_floor ? floor_attach_inject(pid, &fl) : floor_attach(pid, &fl);
	target_stop(pid);
	if (ret)
		return fail(f, ret, "attach floor", NULL);
	series_add(&f->floor, fl.ns / 1e9);
	return 0;
}

/* Dumps of this many timers time one injected call each, against batched. */
#define TRIP_TIMERS	100

static int dump_stats(struct bench *b, pid_t pid, bool one_per_trip,
		      struct ptimer_dump_stats *st)
{
	struct ptimer_dump *d = NULL;
	int ret;

	ptimer_private_set_one_syscall_per_trip(b->ctx, one_per_trip);
	ret = ptimer_dump_pid(b->ctx, pid, 0, &d, st);
	ptimer_private_set_one_syscall_per_trip(b->ctx, false);
	ptimer_dump_free(d);
	return ret;
}

/*
 * What one more round trip costs the library: the same dump made with
 * one system call per trip and batched, the difference in stopped time
 * over the difference in trips.  The floor: one getpid() after another in
 * the same kind of target (ptrace_floors.c), parked between them as the
 * library parks, or (f->parked false) not.
 */
int measure_round_trip(struct bench *b, struct figure *f)
{
	struct ptimer_dump_stats one = { .size = sizeof(one) };
	struct ptimer_dump_stats batched = { .size = sizeof(batched) };
	struct floor_result fl;
	pid_t pid;
	int ret;

	pid = target_start(TRIP_TIMERS, 1);
	if (pid < 0)
		return fail(f, pid, "starting the target", NULL);
	ret = dump_stats(b, pid, true, &one);
	if (!ret)
		ret = dump_stats(b, pid, false, &batched);
	target_stop(pid);
	if (ret)
		return fail_lib(b, f, ret, "dump");
	if (one.round_trips <= batched.round_trips)
		return fail(f, -EIO, "dump", "no more trips one call at a time");
	series_add(&f->tool, (double)(one.stopped_ns - batched.stopped_ns) / 1e9 /
		   (double)(one.round_trips - batched.round_trips));
	series_add(&f->trips, (double)(one.round_trips - batched.round_trips));

	pid = target_start(0, 1);
	if (pid < 0)
		return fail(f, pid, "starting the floor target", NULL);
	ret = floor_round_trip(pid, TRIP_TIMERS, f->parked, &fl);
	target_stop(pid);
	if (ret)
		return fail(f, ret, "round trip floor", NULL);
	series_add(&f->floor, fl.ns / 1e9);
	return 0;
}

/* Exact-id restore of f->n armed timers through the prctl. */
int measure_restore(struct bench *b, struct figure *f)
{
	struct ptimer_restore_opts opts = {
		.size = sizeof(opts),
		.method = PTIMER_METHOD_PRCTL,
	};
	struct ptimer_restore_stats st = { .size = sizeof(st) };
	struct floor_result fl;
	struct ptimer_dump *d;
	int64_t t0, wall;
	pid_t pid;
	int ret;

	ptimer_private_set_one_syscall_per_trip(b->ctx, f->one_per_trip);
	pid = target_start(0, 1);
	if (pid < 0)
		return fail(f, pid, "starting the target", NULL);
	d = make_dump(pid, f->n, BENCH_ARMED_NS);
	t0 = bench_now_ns();
	ret = d ? ptimer_restore_pid(b->ctx, pid, d, &opts, NULL, &st) : -ENOMEM;
	wall = bench_now_ns() - t0;
	target_stop(pid);
	ptimer_dump_free(d);
	if (ret)
		return fail_lib(b, f, ret, "restore");
	series_add(&f->tool, (f->wall ? wall : st.stopped_ns) / 1e9);
	add_restore_counts(f, &st);
	ret = floor_restore(f->n, &fl);
	if (ret)
		return fail(f, ret, "restore floor", NULL);
	series_add(&f->floor, fl.ns / 1e9);
	return 0;
}

/* A dump of a process with f->n armed timers restored into itself with --replace. */
int measure_replace(struct bench *b, struct figure *f)
{
	struct ptimer_restore_opts opts = {
		.size = sizeof(opts),
		.method = PTIMER_METHOD_PRCTL,
		.replace = true,
	};
	struct ptimer_restore_stats st = { .size = sizeof(st) };
	struct ptimer_dump *d = NULL;
	struct floor_result fl;
	int64_t t0, wall;
	pid_t pid;
	int ret;

	ptimer_private_set_one_syscall_per_trip(b->ctx, false);
	pid = target_start(f->n, 1);
	if (pid < 0)
		return fail(f, pid, "starting the target", NULL);
	ret = ptimer_dump_pid(b->ctx, pid, 0, &d, NULL);
	if (!ret && d->ntimers != f->n)
		ret = fail(f, -EIO, "dump", "timers missing");
	t0 = bench_now_ns();
	if (!ret)
		ret = ptimer_restore_pid(b->ctx, pid, d, &opts, NULL, &st);
	wall = bench_now_ns() - t0;
	target_stop(pid);
	ptimer_dump_free(d);
	if (ret)
		return fail_lib(b, f, ret, "replace");
	series_add(&f->tool, (f->wall ? wall : st.stopped_ns) / 1e9);
	add_restore_counts(f, &st);
	ret = floor_replace(f->n, &fl);
	if (ret)
		return fail(f, ret, "replace floor", NULL);
	series_add(&f->floor, fl.ns / 1e9);
	return 0;
}

/* Dump of f->n armed timers. */
int measure_dump(struct bench *b, struct figure *f)
{
	struct ptimer_dump_stats st = { .size = sizeof(st) };
	struct ptimer_dump *d = NULL;
	struct floor_result fl;
	int64_t t0, wall;
	pid_t pid;
	int ret;

	ptimer_private_set_one_syscall_per_trip(b->ctx, f->one_per_trip);
	pid = target_start(f->n, 1);
	if (pid < 0)
		return fail(f, pid, "starting the target", NULL);
	t0 = bench_now_ns();
	ret = ptimer_dump_pid(b->ctx, pid, 0, &d, &st);
	wall = bench_now_ns() - t0;
	target_stop(pid);
	if (!ret && (d->ntimers != f->n || (f->n && d->timers[0].value_ns <= 0)))
		ret = fail(f, -EIO, "dump", "timers missing or not armed");
	ptimer_dump_free(d);
	if (ret)
		return fail_lib(b, f, ret, "dump");
	series_add(&f->tool, (f->wall ? wall : st.stopped_ns) / 1e9);
	add_dump_counts(f, &st);
	/* The stopped time is the calls' alone: /proc is read before the stop. */
	ret = f->wall ? floor_dump(f->n, &fl) : floor_dump_calls(f->n, &fl);
	if (ret)
		return fail(f, ret, "dump floor", NULL);
	series_add(&f->floor, fl.ns / 1e9);
	return 0;
}

/* The stopped time of a dump of a fresh process with @n timers, its threads woken @how. */
static int stopped_dump(struct bench *b, struct figure *f, enum ptimer_private_wake how,
			struct series *into)
{
	struct ptimer_dump_stats st = { .size = sizeof(st) };
	struct ptimer_dump *d = NULL;
	pid_t pid;
	int ret;

	pid = target_start(f->n, 1);
	if (pid < 0)
		return fail(f, pid, "starting the target", NULL);
	ptimer_private_set_wake(b->ctx, how);
	ret = ptimer_dump_pid(b->ctx, pid, 0, &d, &st);
	ptimer_private_set_wake(b->ctx, PTIMER_WAKE_AUTO);
	target_stop(pid);
	if (!ret && d->ntimers != f->n)
		ret = fail(f, -EIO, "dump", "timers missing");
	ptimer_dump_free(d);
	if (ret)
		return fail_lib(b, f, ret, "dump");
	series_add(into, st.stopped_ns / 1e9);
	if (into == &f->tool)
		add_dump_counts(f, &st);
	return 0;
}

/*
 * What waking resumed threads on our CPU saves (lib/wake_here.h): the
 * default against plain requests, one dump each, in turn, their order
 * swapped every run, so that neither always follows the figure before.
 */
int measure_wakes(struct bench *b, struct figure *f)
{
	bool plain_first = f->tool.n % 2;
	int ret;

	ptimer_private_set_one_syscall_per_trip(b->ctx, false);
	ret = stopped_dump(b, f, plain_first ? PTIMER_WAKE_PLAIN : PTIMER_WAKE_AUTO,
			   plain_first ? &f->floor : &f->tool);
	if (!ret)
		ret = stopped_dump(b, f, plain_first ? PTIMER_WAKE_AUTO : PTIMER_WAKE_PLAIN,
				   plain_first ? &f->tool : &f->floor);
	return ret;
}

static int write_file(const char *path, const char *text)
{
	size_t len = strlen(text), done = 0;
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	while (done < len && !ret) {
		ssize_t w = write(fd, text + done, len - done);

		if (w < 0)
			ret = -errno;
		else
			done += w;
	}
	if (close(fd) && !ret)
		ret = -errno;
	return ret;
}

/* The restore's input: the dump a ptimerctl dump of that target would give. */
static int write_restore_input(struct bench *b, pid_t pid, size_t n, const char *path)
{
	struct ptimer_dump *d = make_dump(pid, n, BENCH_ARMED_NS);
	char *json = NULL;
	int ret;

	if (!d)
		return -ENOMEM;
	ret = ptimer_dump_to_json(b->ctx, d, false, &json);
	if (!ret)
		ret = write_file(path, json);
	free(json);
	ptimer_dump_free(d);
	return ret;
}

static int rss_tool(struct bench *b, struct figure *f, long *kib)
{
	char file[300], pidstr[16];
	pid_t pid;
	int ret;

	snprintf(file, sizeof(file), "%s/%s.json", b->scratch, f->dump ? "dump" : "restore");
	pid = target_start(f->dump ? f->n : 0, 1);
	if (pid < 0)
		return pid;
	snprintf(pidstr, sizeof(pidstr), "%d", pid);
	if (f->dump) {
		char *argv[] = { "ptimerctl", "dump", "-q", "-o", file, pidstr, NULL };

		ret = run_ptimerctl(b->ptimerctl, argv, kib);
	} else {
		char *argv[] = { "ptimerctl", "restore", "-q", "--no-progress",
				 "--method=prctl", "-i", file, pidstr, NULL };

		ret = write_restore_input(b, pid, f->n, file);
		if (!ret)
			ret = run_ptimerctl(b->ptimerctl, argv, kib);
	}
	target_stop(pid);
	unlink(file);
	return ret;
}

/* Peak RSS of ptimerctl dump or restore; the floor is `ptimerctl --version`. */
int measure_rss(struct bench *b, struct figure *f)
{
	char *argv[] = { "ptimerctl", "--version", NULL };
	long kib = 0;
	int ret;

	ret = rss_tool(b, f, &kib);
	if (ret)
		return fail(f, ret, f->dump ? "ptimerctl dump" : "ptimerctl restore",
			    b->ptimerctl);
	series_add(&f->tool, kib * 1024.0);
	ret = run_ptimerctl(b->ptimerctl, argv, &kib);
	if (ret)
		return fail(f, ret, "ptimerctl --version", b->ptimerctl);
	series_add(&f->floor, kib * 1024.0);
	return 0;
}
