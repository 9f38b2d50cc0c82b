// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * ptimer_restore_pid(): validate, attach, check collisions, create every
 * timer with its id, arm them, and on any failure undo all of it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dump.h"
#include "internal.h"
#include "remap.h"
#include "restore.h"
#include "abi.h"

/* glibc's SIGEV_THREAD: a THREAD_ID timer with glibc's internal signal. */
#define GLIBC_SIGTIMER 32

static bool has_id(const struct ptimer_dump *d, int id)
{
	size_t lo = 0, hi = d->ntimers;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;

		if (d->timers[mid].id == id)
			return true;
		if (d->timers[mid].id < id)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

/* Checks that need the dump alone; run before anything else. */
static int validate_dump(struct ptimer_ctx *ctx, const struct ptimer_dump *d)
{
	if (d->version != PTIMER_FORMAT_VERSION)
		return ctx_set_error(ctx, -EBADMSG, "version: %d is not supported", d->version);
	for (size_t i = 0; i < d->ntimers; i++) {
		const struct ptimer_timer *t = &d->timers[i];

		if (i && t->id <= d->timers[i - 1].id)
			return ctx_set_error(ctx, -EBADMSG, "timers[%zu].id: %d is %s", i, t->id,
					     t->id == d->timers[i - 1].id ? "a duplicate" :
					     "out of order");
		if (t->id < 0)
			return ctx_set_error(ctx, -EBADMSG, "timers[%zu].id: negative", i);
		if (!ptimer_clock_valid_for_timer(t->clockid))
			return ctx_set_error(ctx, -EBADMSG, "timers[%zu].clockid: %d is not a"
					     " timer clock", i, t->clockid);
		if (t->value_ns < 0 || t->interval_ns < 0)
			return ctx_set_error(ctx, -EBADMSG, "timers[%zu]: negative time", i);
		if (t->notify != PTIMER_NOTIFY_NONE && (t->signo < 1 || t->signo > 64))
			return ctx_set_error(ctx, -EBADMSG, "timers[%zu].signal: %d is out of"
					     " range 1..64", i, t->signo);
		if (!ptimer_notify_name(t->notify))
			return ctx_set_error(ctx, -EBADMSG, "timers[%zu].notify: %d is unknown",
					     i, t->notify);
	}
	return 0;
}

static void warn_glibc_thread_timers(struct restore *r)
{
	for (size_t i = 0; i < r->nwant; i++) {
		const struct ptimer_timer *t = &r->want[i];

		if (t->notify == PTIMER_NOTIFY_THREAD_ID && t->signo == GLIBC_SIGTIMER)
			warn(r->ctx, "timer %d looks like a glibc SIGEV_THREAD timer: the"
			     " kernel timer is restored, but its sigval (%#llx) points into"
			     " glibc's memory and thread %d must be glibc's timer helper"
			     " thread, which holds only in a process restored from the same"
			     " memory image", t->id, (unsigned long long)t->sigval,
			     t->notify_pid);
		if (ptimer_clock_is_cpu(t->clockid) && ptimer_cpu_clock_is_thread(t->clockid) &&
		    ptimer_cpu_clock_pid(t->clockid) == 0)
			warn(r->ctx, "timer %d measures the CPU time of the thread that created"
			     " it, which /proc does not name; it is created in tid %d",
			     t->id, r->plan.inject_tid);
	}
}

/* Map ids with the target's current thread list; run before and after attaching. */
static int map_timers(struct restore *r, const pid_t *tids, size_t ntids)
{
	struct remap map;
	int ret;

	ret = remap_build(r->ctx, r->dump, r->t->pid, tids, ntids, r->opts->tid_map,
			  r->opts->ntid_map, &map);
	if (ret)
		return ret;
	ret = remap_timers(r->ctx, r->dump, &map, r->want);
	remap_free(&map);
	return ret;
}

static int map_before_attach(struct restore *r)
{
	pid_t *tids;
	size_t n;
	int ret;

	ret = procfs_list_threads(r->t->dirfd, r->t->pid, &tids, &n);
	if (ret)
		return ctx_set_error(r->ctx, ret, "cannot list the threads of pid %d", r->t->pid);
	ret = map_timers(r, tids, n);
	free(tids);
	return ret;
}

/* Whether @tid is one of the seized target's threads. */
static bool is_target_thread(const struct restore *r, pid_t tid)
{
	for (size_t i = 0; i < r->t->sp.nthreads; i++)
		if (r->t->sp.threads[i].tid == tid)
			return true;
	return false;
}

static int to_target_ns(struct restore *r, pid_t *tid)
{
	pid_t ns_tid;
	int ret;

	if (!is_target_thread(r, *tid))
		return 0;	/* another process, named by --tid-map: as given */
	ret = procfs_ns_tid(r->t->dirfd, *tid, &ns_tid);
	if (ret)
		return ctx_set_error(r->ctx, ret, "cannot read the namespace id of tid %d", *tid);
	*tid = ns_tid;
	return 0;
}

/*
 * The dump and the mapping speak of tids as seen from here; the target's
 * kernel reads a sigevent's tid and a CPU clock's pid in the target's own
 * pid namespace.  Translate, through NSpid, at the last moment.
 */
static int translate_to_target_ns(struct restore *r)
{
	for (size_t i = 0; i < r->nwant; i++) {
		struct ptimer_timer *t = &r->want[i];
		pid_t owner;
		int ret;

		if (t->notify == PTIMER_NOTIFY_THREAD_ID) {
			ret = to_target_ns(r, &t->notify_pid);
			if (ret)
				return ret;
		}
		if (!ptimer_clock_is_cpu(t->clockid))
			continue;
		owner = ptimer_cpu_clock_pid(t->clockid);
		if (!owner)
			continue;
		ret = to_target_ns(r, &owner);
		if (ret)
			return ret;
		t->clockid = ptimer_cpu_clock_make(owner, ptimer_cpu_clock_is_thread(t->clockid),
						   ptimer_cpu_clock_which(t->clockid));
	}
	return 0;
}

static int map_after_attach(struct restore *r)
{
	size_t n = 0;
	pid_t *tids;
	int ret;

	tids = calloc(r->t->sp.nthreads, sizeof(*tids));
	if (!tids)
		return -ENOMEM;
	for (size_t i = 0; i < r->t->sp.nthreads; i++)
		if (!r->t->sp.threads[i].dead)
			tids[n++] = r->t->sp.threads[i].tid;
	ret = map_timers(r, tids, n);
	free(tids);
	r->plan.inject_tid = r->t->in.tid;
	return ret;
}

/* The target's ids that the dump wants; -EEXIST unless --replace. */
static int find_collisions(struct restore *r, const struct ptimer_dump *existing,
			   struct ptimer_dump *colliding)
{
	for (size_t i = 0; i < existing->ntimers; i++) {
		const struct ptimer_timer *t = &existing->timers[i];

		if (!has_id(r->dump, t->id))
			continue;
		if (!r->opts->replace)
			return ctx_set_error(r->ctx, -EEXIST, "timer id %d already exists in"
					     " pid %d (--replace deletes it first)", t->id,
					     r->t->pid);
		if (colliding && ptimer_dump_add_timer(colliding, t))
			return -ENOMEM;
	}
	return 0;
}

static int check_collisions_unattached(struct restore *r)
{
	struct ptimer_dump *existing = ptimer_dump_new();
	int ret;

	if (!existing)
		return -ENOMEM;
	/* Reading /proc/PID/timers needs no attach: only the directory fd. */
	ret = dump_read_proc(r->t, existing);
	if (!ret) {
		if (existing->ntimers)
			r->counter_floor = ((int64_t)existing->timers[existing->ntimers - 1].id + 1) %
					   ((int64_t)INT32_MAX + 1);
		ret = find_collisions(r, existing, NULL);
	}
	ptimer_dump_free(existing);
	return ret;
}

/* Under --replace, read the colliding timers (to put back on failure) and delete them. */
static int replace_collisions(struct restore *r)
{
	struct ptimer_dump *existing = ptimer_dump_new();
	int *ids = NULL;
	int ret;

	r->replaced = ptimer_dump_new();
	if (!existing || !r->replaced) {
		ret = -ENOMEM;
		goto free_existing;
	}
	ret = dump_read_proc(r->t, existing);
	if (ret)
		goto free_existing;
	ret = find_collisions(r, existing, r->replaced);
	if (ret || !r->replaced->ntimers)
		goto free_existing;
	ret = dump_read_values(r->t, r->replaced, false);
	if (ret)
		goto free_existing;
	r->replaced->realtime_ns = existing->realtime_ns;
	ids = calloc(r->replaced->ntimers, sizeof(*ids));
	if (!ids) {
		ret = -ENOMEM;
		goto free_existing;
	}
	for (size_t i = 0; i < r->replaced->ntimers; i++)
		ids[i] = r->replaced->timers[i].id;
	ret = delete_timers(r, ids, r->replaced->ntimers);
	if (ret)
		ctx_set_error(r->ctx, ret, "deleting the timers --replace replaces");
	free(ids);
free_existing:
	ptimer_dump_free(existing);
	return ret;
}

/* Undo: delete what we created, then put back what --replace deleted. */
static void rollback(struct restore *r)
{
	struct ptimer_restore_opts quiet = *r->opts;
	const struct ptimer_restore_opts *saved = r->opts;

	if (r->ncreated && delete_timers(r, r->created, r->ncreated))
		err(r->ctx, "rollback: could not delete every created timer in pid %d",
		    r->t->pid);
	r->ncreated = 0;
	if (!r->replaced || !r->replaced->ntimers)
		return;
	/*
	 * No plan, no progress and no abort while undoing.  The replaced ids
	 * lie behind the counter now, and a walk to them goes all the way
	 * round the id space, so the prctl is used where the kernel has it.
	 */
	quiet.on_plan = NULL;
	quiet.on_progress = NULL;
	quiet.max_steps = 0;
	quiet.method = PTIMER_METHOD_PRCTL;
	r->opts = &quiet;
	r->undoing = true;
	if (r->plan.method == PTIMER_METHOD_LOOP && choose_method(r) == -EOPNOTSUPP)
		warn(r->ctx, "putting back %zu replaced timers needs a walk round the whole"
		     " id space (about 2^31 steps)", r->replaced->ntimers);
	if (create_timers(r, r->replaced->timers, r->replaced->ntimers) ||
	    arm_timers(r, r->replaced, r->replaced->timers, r->replaced->ntimers,
		       PTIMER_TIME_FROZEN))
		err(r->ctx, "rollback: could not put back the replaced timers of pid %d",
		    r->t->pid);
	r->undoing = false;
	r->opts = saved;
}

static size_t scratch_size(const struct restore *r)
{
	size_t a = restore_scratch_size(r->nwant);
	size_t b = dump_scratch_size(r->nwant);

	return a > b ? a : b;
}

static int run_attached(struct restore *r)
{
	int ret;

	ret = target_check_interrupt(r->t);
	if (!ret)
		ret = map_after_attach(r);
	if (ret)
		return ret;
	warn_glibc_thread_timers(r);
	ret = translate_to_target_ns(r);
	if (ret)
		return ret;
	ret = choose_method(r);
	if (ret)
		return ret;
	restore_layout(r, r->t->in.data, r->nwant);
	if (r->opts->replace) {
		ret = replace_collisions(r);
	} else {
		struct ptimer_dump *existing = ptimer_dump_new();

		ret = existing ? dump_read_proc(r->t, existing) : -ENOMEM;
		if (!ret)
			ret = find_collisions(r, existing, NULL);
		ptimer_dump_free(existing);
	}
	if (!ret)
		ret = target_check_interrupt(r->t);
	if (ret)
		return ret;
	ret = create_timers(r, r->want, r->nwant);
	if (ret)
		return ret;
	ctx_phase(r->ctx, PTIMER_PHASE_CREATED);
	ret = target_check_interrupt(r->t);
	if (ret)
		return ret;
	ret = arm_timers(r, r->dump, r->want, r->nwant, r->opts->time);
	if (ret)
		return ret;
	/*
	 * The last moment to change our mind: everything can still be
	 * undone here.  Past it, only the prctl state is put back and the
	 * target let go, which an interrupt does not stop either.
	 */
	ctx_phase(r->ctx, PTIMER_PHASE_ARMED);
	return target_check_interrupt(r->t);
}

/* A process that died under us is reported as such, whatever step noticed. */
static int died_or(struct restore *r, int ret)
{
	if (ret == -ESRCH || (ret && !target_alive(r->t)))
		return ctx_set_error(r->ctx, -EOWNERDEAD, "pid %d exited during the restore",
				     r->t->pid);
	return ret;
}

static int plan_dry_run(struct restore *r)
{
	struct ptimer_kernel_probe k = { .size = sizeof(k) };
	int ret;

	ret = check_collisions_unattached(r);
	if (!ret)
		ret = ptimer_probe_kernel(&k);
	if (ret)
		return ret;
	r->plan.method = r->opts->method == PTIMER_METHOD_AUTO ?
			 (k.restore_ids ? PTIMER_METHOD_PRCTL : PTIMER_METHOD_LOOP) :
			 r->opts->method;
	if (r->plan.method == PTIMER_METHOD_LOOP && r->nwant) {
		/*
		 * Without attaching, the counter cannot be read; it is at least
		 * past the highest id in use, which gives a lower bound.
		 */
		r->plan.walk_steps = plan_walk(r->counter_floor, r->want, r->nwant);
		r->plan.walk_steps_exact = false;
		r->plan.ns_per_step = 600;
	}
	r->plan.estimate_ns = (int64_t)(r->plan.walk_steps * r->plan.ns_per_step);
	return 0;
}

int restore_pid(struct ptimer_ctx *ctx, pid_t pid, const struct ptimer_dump *dump,
		const struct ptimer_restore_opts *opts, struct ptimer_plan *plan,
		struct ptimer_restore_stats *stats)
{
	struct restore r = { .ctx = ctx, .opts = opts, .dump = dump, .saved_restore_ids = -1,
			     .plan.size = sizeof(r.plan) };
	struct target t;
	int ret, rc;

	ret = validate_dump(ctx, dump);
	if (ret)
		return ret;
	r.nwant = dump->ntimers;
	r.plan.ntimers = dump->ntimers;
	r.want = calloc(r.nwant + 1, sizeof(*r.want));
	r.created = calloc(r.nwant + 1, sizeof(*r.created));
	if (!r.want || !r.created) {
		ret = -ENOMEM;
		goto free_all;
	}
	ret = target_open(ctx, pid, &t);
	if (ret)
		goto free_all;
	r.t = &t;
	/* Everything that can be checked without attaching is checked first. */
	ret = map_before_attach(&r);
	if (!ret)
		ret = check_collisions_unattached(&r);
	if (ret || opts->dry_run) {
		if (!ret)
			ret = plan_dry_run(&r);
		goto close_target;
	}
	ret = target_attach(&t, opts->suspend_seccomp ? TARGET_SECCOMP_SUSPEND :
			    opts->keep_seccomp ? TARGET_SECCOMP_KEEP : TARGET_SECCOMP_REFUSE, true);
	if (ret)
		goto close_target;
	ret = target_inject_begin(&t, scratch_size(&r));
	if (ret)
		goto detach;
	t.in.no_batch = ctx->one_syscall_per_trip;
	ret = run_attached(&r);
	if (ret) {
		ret = died_or(&r, ret);
		if (ret != -EOWNERDEAD)
			rollback(&r);
	}
	rc = restore_prctl_state(&r);
	if (rc && !ret)
		ret = died_or(&r, ctx_set_error(ctx, rc, "cannot restore the prctl state"
					       " of pid %d", pid));
	/* Said once everything is undone, so that it is true. */
	if (ret == -EINTR && r.walk_steps)
		ctx_set_error(ctx, ret, "after %llu walk steps, every change to pid %d was"
			      " rolled back", (unsigned long long)r.walk_steps, pid);
	else if (ret == -EINTR)
		ctx_set_error(ctx, ret, "every change to pid %d was rolled back", pid);
detach:
	ret = target_finish(&t, ret, "restore");
	if (stats) {
		stats->stopped_ns = clock_now_ns(CLOCK_MONOTONIC) - t.sp.seized_at_ns;
		/* Counted after the detach, which runs the munmap. */
		stats->injected_syscalls = t.in.syscalls;
		stats->round_trips = t.in.round_trips;
		stats->walk_steps = r.walk_steps;
	}
close_target:
	target_close(&t);
free_all:
	if (plan)
		*plan = r.plan;
	ptimer_dump_free(r.replaced);
	free(r.created);
	free(r.want);
	return ret;
}

int ptimer_rearm_pid(struct ptimer_ctx *ctx, pid_t pid, const struct ptimer_dump *dump,
		     unsigned int seccomp_flags)
{
	struct ptimer_restore_opts opts = { .size = sizeof(opts) };
	struct restore r = { .ctx = ctx, .opts = &opts, .dump = dump, .saved_restore_ids = -1 };
	struct target t;
	int ret;

	ret = target_open(ctx, pid, &t);
	if (ret)
		return ret;
	r.t = &t;
	ret = target_attach(&t, target_seccomp_from_flags(seccomp_flags), false);
	if (ret)
		goto close_target;
	ret = target_inject_begin(&t, restore_scratch_size(dump->ntimers));
	if (!ret) {
		restore_layout(&r, t.in.data, dump->ntimers);
		ret = arm_timers(&r, dump, dump->timers, dump->ntimers, PTIMER_TIME_FROZEN);
	}
	ret = target_finish(&t, ret, "re-arm");
close_target:
	target_close(&t);
	return ret;
}
