// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * ptimer_dump_pid(): read a live process's timers.  The IDs, clocks and
 * notification come from /proc/PID/timers; the values and overruns need
 * timer_gettime() and timer_getoverrun() run inside the target, all of
 * them in one batch so that the target is stopped as briefly as possible.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/param.h>
#include <sys/utsname.h>
#include <time.h>

#include "internal.h"
#include "dump.h"
#include "target.h"
#include "abi.h"
#include "kinds_live.h"

/* Per timer: two calls, and a struct itimerspec for the result. */
struct dump_layout {
	size_t batch_len;
	uint64_t batch;		/* remote address of the batch */
	uint64_t values;	/* remote array of struct itimerspec */
	uint64_t zero;		/* a zero itimerspec, for --disarm */
	size_t total;
};

static void plan_layout(struct dump_layout *l, size_t ntimers, uint64_t base)
{
	l->batch_len = sizeof(struct blob_batch) + 2 * ntimers * sizeof(struct blob_call);
	l->batch = base;
	l->values = base + l->batch_len;
	l->zero = l->values + ntimers * sizeof(struct itimerspec);
	l->total = l->batch_len + (ntimers + 1) * sizeof(struct itimerspec);
}

static void fill_batch(struct blob_batch *b, const struct ptimer_dump *dump,
		       const struct dump_layout *l, bool disarm)
{
	b->count = 2 * dump->ntimers;
	b->flags = 0;
	for (size_t i = 0; i < dump->ntimers; i++) {
		struct blob_call *get = &b->calls[2 * i];
		struct blob_call *ovr = &b->calls[2 * i + 1];
		uint64_t value = l->values + i * sizeof(struct itimerspec);
		int id = dump->timers[i].id;

		memset(get, 0, 2 * sizeof(*get));
		if (disarm) {
			/* Read and disarm in one step, so nothing fires in between. */
			get->nr = ARCH_NR_TIMER_SETTIME;
			get->args[0] = id;
			get->args[1] = 0;
			get->args[2] = l->zero;
			get->args[3] = value;
		} else {
			get->nr = ARCH_NR_TIMER_GETTIME;
			get->args[0] = id;
			get->args[1] = value;
		}
		ovr->nr = ARCH_NR_TIMER_GETOVERRUN;
		ovr->args[0] = id;
	}
}

static int collect_values(struct target *t, struct ptimer_dump *dump,
			  const struct blob_batch *b, const struct dump_layout *l)
{
	struct itimerspec *values;
	int ret;

	values = calloc(dump->ntimers, sizeof(*values));
	if (!values)
		return -ENOMEM;
	ret = target_read(t, l->values, values, dump->ntimers * sizeof(*values));
	if (ret)
		goto free_values;
	for (size_t i = 0; i < dump->ntimers; i++) {
		struct ptimer_timer *tm = &dump->timers[i];
		int64_t get = b->calls[2 * i].ret, ovr = b->calls[2 * i + 1].ret;

		if (get < 0 || ovr < 0) {
			ret = ctx_set_error(t->ctx, (int)(get < 0 ? get : ovr),
					    "reading timer %d of pid %d", tm->id, t->pid);
			goto free_values;
		}
		tm->value_ns = ts_to_ns(&values[i].it_value);
		tm->interval_ns = ts_to_ns(&values[i].it_interval);
		tm->overrun = (int)ovr;
	}
free_values:
	free(values);
	return ret;
}

int dump_read_values(struct target *t, struct ptimer_dump *dump, bool disarm)
{
	struct dump_layout l;
	struct blob_batch *b;
	struct itimerspec zero = { 0 };
	int ret;

	if (!dump->ntimers)
		return 0;
	plan_layout(&l, dump->ntimers, target_scratch(t));
	b = calloc(1, l.batch_len);
	if (!b)
		return -ENOMEM;
	fill_batch(b, dump, &l, disarm);
	ret = target_write(t, l.zero, &zero, sizeof(zero));
	if (ret)
		goto free_batch;
	ret = target_batch(t, b, l.batch);
	if (ret) {
		ctx_set_error(t->ctx, ret, "running the read batch in pid %d", t->pid);
		goto free_batch;
	}
	if (b->done != b->count) {
		ret = ctx_set_error(t->ctx, -EIO, "read batch stopped after %llu of %llu calls",
				    (unsigned long long)b->done, (unsigned long long)b->count);
		goto free_batch;
	}
	ret = collect_values(t, dump, b, &l);
free_batch:
	free(b);
	return ret;
}

int dump_read_proc(struct target *t, struct ptimer_dump *dump)
{
	unsigned int line = 0;
	size_t len;
	char *text;
	int ret;

	ret = procfs_read(t->dirfd, "timers", &text, &len);
	if (ret)
		return ctx_set_error(t->ctx, ret, "cannot read /proc/%d/timers", t->pid);
	ret = ptimer_parse_proc_timers(text, len, dump, &line);
	free(text);
	if (ret)
		return ctx_set_error(t->ctx, ret, "/proc/%d/timers: cannot parse line %u",
				     t->pid, line);
	ptimer_dump_sort(dump);
	return 0;
}

static void capture_clocks(struct ptimer_dump *dump)
{
	dump->realtime_ns = clock_now_ns(CLOCK_REALTIME);
	dump->monotonic_ns = clock_now_ns(CLOCK_MONOTONIC);
	dump->boottime_ns = clock_now_ns(CLOCK_BOOTTIME);
}

static int fill_identity(struct target *t, struct ptimer_dump *dump)
{
	struct utsname u;

	dump->pid = t->pid;
	snprintf(dump->comm, sizeof(dump->comm), "%s", t->status.comm);
	if (uname(&u) == 0) {
		snprintf(dump->kernel_release, sizeof(dump->kernel_release), "%.64s", u.release);
		snprintf(dump->arch, sizeof(dump->arch), "%.16s", u.machine);
	}
	return target_threads(t, &dump->tids, &dump->nthreads);
}

/*
 * A CPU clock id carries a pid as the process saw it when it made the
 * timer, in its own pid namespace, while every other id in the dump
 * (pid, threads, a thread_id timer's tid) is as /proc shows it here.  So
 * that a dump speaks of one namespace, and a restore needs no map, put the
 * clock's pid into ours too.  Only the target's own threads and the
 * process itself can be named: a thread clock must be the caller's own
 * thread, and a process clock of any other process in a namespace we do
 * not see into is refused rather than written in the wrong namespace.
 */
static int translate_cpu_clocks(struct target *t, struct ptimer_dump *dump)
{
	pid_t *ns_tids;
	int levels = 1, ret = 0;

	ns_tids = calloc(dump->nthreads, sizeof(*ns_tids));
	if (!ns_tids)
		return -ENOMEM;
	for (size_t i = 0; i < dump->nthreads && !ret; i++) {
		int lv;

		ret = procfs_nspid(t->dirfd, dump->tids[i], &ns_tids[i], &lv);
		if (ret)
			ret = ctx_set_error(t->ctx, ret, "cannot read the namespace id of tid %d",
					    dump->tids[i]);
		else if (!i)
			levels = lv;
	}
	/* In the namespace of this /proc: nothing to translate. */
	for (size_t k = 0; k < dump->ntimers && !ret && levels > 1; k++) {
		struct ptimer_timer *tm = &dump->timers[k];
		pid_t owner = ptimer_cpu_clock_pid(tm->clockid);
		size_t i;

		/* pid 0 is "the caller", in every namespace. */
		if (!ptimer_clock_is_cpu(tm->clockid) || !owner)
			continue;
		for (i = 0; i < dump->nthreads && ns_tids[i] != owner; i++)
			;
		if (i == dump->nthreads) {
			ret = ctx_set_error(t->ctx, -EOPNOTSUPP, "timer %d of pid %d measures"
					    " the CPU time of pid %d of its pid namespace, which"
					    " is not one of its threads and has no name here",
					    tm->id, t->pid, owner);
			break;
		}
		tm->clockid = ptimer_cpu_clock_make(dump->tids[i],
						    ptimer_cpu_clock_is_thread(tm->clockid),
						    ptimer_cpu_clock_which(tm->clockid));
	}
	free(ns_tids);
	return ret;
}

size_t dump_scratch_size(size_t ntimers)
{
	struct dump_layout l;

	plan_layout(&l, ntimers, 0);
	return l.total;
}

/* Everything a dump does while it holds the target. */
static int read_attached(struct target *t, struct ptimer_dump *dump, unsigned int flags)
{
	int ret, state = 0;

	/*
	 * Everything that reads only /proc, and so may fail, comes before
	 * a disarming dump changes anything.
	 */
	ret = ctx_kinds(t->ctx) & PTIMER_KIND_POSIX ? dump_read_proc(t, dump) : 0;
	if (!ret)
		ret = fill_identity(t, dump);
	if (!ret)
		ret = translate_cpu_clocks(t, dump);
	/* Before any disarm, which makes a POSIX timer's queued signal stale. */
	if (!ret)
		ret = kinds_dump_read_proc(t, dump, ctx_kinds(t->ctx));
	if (!ret)
		ret = target_check_interrupt(t);
	if (ret)
		return ret;
	ret = target_inject_begin(t, MAX(dump_scratch_size(dump->ntimers),
					 kinds_dump_scratch_size(dump)),
				  t->ctx->one_syscall_per_trip);
	if (!ret)
		ret = target_check_interrupt(t);
	if (ret)
		return ret;
	ret = dump_read_values(t, dump, flags & PTIMER_DUMP_DISARM);
	if (!ret)
		ret = kinds_dump_read_injected(t, dump, ctx_kinds(t->ctx),
					       flags & PTIMER_DUMP_DISARM);
	if (ret)
		return ret;
	ret = target_get_restore_ids(t, &state);
	dump->restore_ids_state = ret ? -1 : state;
	/* -EINVAL: the kernel (or a seccomp filter) has no such prctl. */
	if (ret && ret != -EINVAL)
		return ret;
	capture_clocks(dump);
	ctx_phase(t->ctx, PTIMER_PHASE_READ);
	/* A disarming dump has changed the target: past the point of no return. */
	if (!(flags & PTIMER_DUMP_DISARM))
		return target_check_interrupt(t);
	return 0;
}

int dump_pid(struct ptimer_ctx *ctx, pid_t pid, unsigned int flags,
	     struct ptimer_dump **out, struct ptimer_dump_stats *stats)
{
	struct target_stats ts;
	struct ptimer_dump *dump;
	struct target t;
	int ret;

	ctx_clear_error(ctx);
	ret = target_open(ctx, pid, &t);
	if (ret)
		return ret;
	dump = ptimer_dump_new();
	if (!dump) {
		ret = -ENOMEM;
		goto close_target;
	}
	ret = target_attach(&t, target_seccomp_from_flags(flags), true);
	if (ret)
		goto free_dump;
	ret = read_attached(&t, dump, flags);
	ret = target_died_or(&t, ret, "dump");
	ret = target_finish(&t, ret, "dump", &ts);
	if (stats) {
		stats->stopped_ns = ts.stopped_ns;
		stats->injected_syscalls = ts.injected_syscalls;
		stats->round_trips = ts.round_trips;
	}
free_dump:
	if (ret)
		ptimer_dump_free(dump);
	else
		*out = dump;
close_target:
	target_close(&t);
	return ret;
}
