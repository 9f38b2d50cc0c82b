// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * Creating timers with chosen ids inside the target: through the prctl
 * (one batch for all of them) or by walking the per-process id counter
 * (an in-target loop, one round trip per chunk).
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arm.h"
#include "internal.h"
#include "restore.h"

/* About a tenth of a second of walking between two looks from the tracer. */
#define WALK_CHUNK_NS		(100 * 1000 * 1000LL)
#define WALK_CALIBRATION_STEPS	20000
#define WALK_CHUNK_STEPS_UNPLANNED 200000
#define WALK_DEFAULT_NS_PER_STEP 600.0
#define ID_SPACE		((uint64_t)INT32_MAX + 1)

size_t restore_scratch_size(size_t n)
{
	return n * (sizeof(struct sigevent) + 8 + sizeof(struct itimerspec)) +
	       sizeof(struct blob_batch) + 2 * n * sizeof(struct blob_call) +
	       sizeof(struct blob_walk) + 64;
}

void restore_layout(struct restore *r, uint64_t base, size_t n)
{
	r->r_sigevents = base;
	r->r_ids = r->r_sigevents + n * sizeof(struct sigevent);
	r->r_values = r->r_ids + n * 8;
	r->r_walk = r->r_values + n * sizeof(struct itimerspec);
	r->r_batch = r->r_walk + sizeof(struct blob_walk);
}

static void make_sigevent(const struct ptimer_timer *t, struct sigevent *ev)
{
	memset(ev, 0, sizeof(*ev));
	ev->sigev_value.sival_ptr = (void *)(uintptr_t)t->sigval;
	ev->sigev_signo = t->signo;
	ev->sigev_notify = t->notify;
	if (t->notify == PTIMER_NOTIFY_THREAD_ID)
		ev->_sigev_un._tid = t->notify_pid;
}

/* Write every sigevent, and each wanted id into its slot, in two writes. */
static int write_requests(struct restore *r, const struct ptimer_timer *timers, size_t n)
{
	struct sigevent *evs;
	int64_t *ids;
	int ret = -ENOMEM;

	evs = calloc(n, sizeof(*evs));
	ids = calloc(n, sizeof(*ids));
	if (!evs || !ids)
		goto free_all;
	for (size_t i = 0; i < n; i++) {
		make_sigevent(&timers[i], &evs[i]);
		ids[i] = timers[i].id;	/* the low int of each 8-byte slot */
	}
	ret = inject_write(&r->t->in, r->r_sigevents, evs, n * sizeof(*evs));
	if (!ret)
		ret = inject_write(&r->t->in, r->r_ids, ids, n * sizeof(*ids));
free_all:
	free(evs);
	free(ids);
	return ret;
}

static struct blob_batch *batch_new(size_t count, bool stop_on_error)
{
	struct blob_batch *b;

	b = calloc(1, sizeof(*b) + count * sizeof(b->calls[0]));
	if (!b)
		return NULL;
	b->count = count;
	b->flags = stop_on_error ? BLOB_BATCH_STOP_ON_ERROR : 0;
	return b;
}

static void note_created(struct restore *r, int id)
{
	r->created[r->ncreated++] = id;
}

static int creation_error(struct restore *r, const struct ptimer_timer *t, long err)
{
	if (err == -EBUSY)
		return ctx_set_error(r->ctx, -EEXIST, "timer id %d already exists in pid %d",
				     t->id, r->t->pid);
	return ctx_set_error(r->ctx, (int)err, "timer_create of id %d in pid %d",
			     t->id, r->t->pid);
}

static int create_prctl(struct restore *r, const struct ptimer_timer *timers, size_t n)
{
	struct blob_batch *b;
	int64_t *ids;
	int ret;

	b = batch_new(n, true);
	ids = calloc(n, sizeof(*ids));
	if (!b || !ids) {
		ret = -ENOMEM;
		goto free_all;
	}
	for (size_t i = 0; i < n; i++) {
		b->calls[i].nr = ARCH_NR_TIMER_CREATE;
		b->calls[i].args[0] = (uint64_t)(int64_t)timers[i].clockid;
		b->calls[i].args[1] = r->r_sigevents + i * sizeof(struct sigevent);
		b->calls[i].args[2] = r->r_ids + i * 8;
	}
	ret = inject_batch(&r->t->in, b, r->r_batch);
	if (ret)
		goto free_all;
	ret = inject_read(&r->t->in, r->r_ids, ids, n * sizeof(*ids));
	if (ret)
		goto free_all;
	for (size_t i = 0; i < b->done; i++) {
		int got = (int)ids[i];

		if (b->calls[i].ret) {
			ret = creation_error(r, &timers[i], b->calls[i].ret);
			goto free_all;
		}
		note_created(r, got);
		/* The kernel must have honoured the id we asked for. */
		if (got != timers[i].id) {
			ret = ctx_set_error(r->ctx, -EIO,
					    "asked pid %d for timer id %d, the kernel gave %d",
					    r->t->pid, timers[i].id, got);
			goto free_all;
		}
	}
	if (b->done != n)
		ret = ctx_set_error(r->ctx, -EIO, "create batch stopped early");
free_all:
	free(ids);
	free(b);
	return ret;
}

/* Creations from counter position @from until the kernel hands out @want. */
static uint64_t walk_distance(int64_t from, int64_t want)
{
	return (uint64_t)((want - from + (int64_t)ID_SPACE) % (int64_t)ID_SPACE) + 1;
}

static int walk_progress(struct restore *r, uint64_t total, size_t timers_done,
			 size_t n, int64_t started)
{
	const struct ptimer_restore_opts *o = r->opts;
	struct ptimer_progress p = {
		.size = sizeof(p),
		.steps_done = r->walk_steps,
		.steps_total = total,
		.timers_done = timers_done,
		.ntimers = n,
		.elapsed_ns = clock_now_ns(CLOCK_MONOTONIC) - started,
	};

	ctx_phase(r->ctx, PTIMER_PHASE_WALK);
	if (!r->undoing && ctx_interrupted(r->ctx))
		return ctx_set_error(r->ctx, -EINTR, "interrupted after %llu walk steps",
				     (unsigned long long)r->walk_steps);
	if (o->on_progress && o->on_progress(o->data, &p))
		return ctx_set_error(r->ctx, -EINTR, "aborted by the progress callback");
	return 0;
}

static bool walk_found(const struct blob_walk *w, const struct ptimer_timer *t)
{
	return w->steps && w->last_id == t->id;
}

/*
 * Run the walk for timers[i] in chunks of @chunk steps, until its id is
 * created.  The blob keeps the timer whose id matches and deletes the rest.
 */
static int walk_one(struct restore *r, const struct ptimer_timer *t, size_t i,
		    uint64_t chunk, struct blob_walk *w)
{
	int ret;

	memset(w, 0, sizeof(*w));
	w->clockid = t->clockid;
	w->sigevent = r->r_sigevents + i * sizeof(struct sigevent);
	w->id_slot = r->r_ids + i * 8;
	w->want = t->id;
	w->max_steps = chunk;
	ret = inject_walk(&r->t->in, w, r->r_walk);
	if (ret)
		return ctx_set_error(r->ctx, ret, "walking the timer ids of pid %d", r->t->pid);
	r->walk_steps += w->steps;
	if (w->error)
		return creation_error(r, t, w->error);
	if (walk_found(w, t))
		note_created(r, t->id);
	return 0;
}

uint64_t plan_walk(int64_t counter, const struct ptimer_timer *timers, size_t n)
{
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++) {
		total += walk_distance(counter, timers[i].id);
		counter = ((int64_t)timers[i].id + 1) % (int64_t)ID_SPACE;
	}
	return total;
}

static int check_walk_limit(struct restore *r, uint64_t total)
{
	uint64_t max = r->opts->max_steps;

	if (max && total > max)
		return ctx_set_error(r->ctx, -E2BIG, "the walk needs %llu steps; the limit"
				     " (--max-iterations) is %llu", (unsigned long long)total,
				     (unsigned long long)max);
	return 0;
}

static int announce_plan(struct restore *r, uint64_t total, uint64_t cal_steps,
			 int64_t cal_ns)
{
	const struct ptimer_restore_opts *o = r->opts;

	r->plan.ns_per_step = cal_steps >= 1000 ? (double)cal_ns / cal_steps :
			      WALK_DEFAULT_NS_PER_STEP;
	r->plan.walk_steps = total;
	r->plan.walk_steps_exact = true;
	r->plan.estimate_ns = (int64_t)(total * r->plan.ns_per_step);
	if (o->on_plan && o->on_plan(o->data, &r->plan))
		return ctx_set_error(r->ctx, -EINTR, "aborted at the plan");
	return 0;
}

/*
 * Walk to each id in turn.  A single first step shows where the counter
 * stands, which gives the exact length of the walk, checked against the
 * limit before any real walking; a short chunk then measures the rate for
 * the plan (announced once, when @announce), and long chunks follow.
 */
static int create_walk(struct restore *r, const struct ptimer_timer *timers, size_t n,
		       bool announce)
{
	uint64_t chunk = announce ? 1 : WALK_CHUNK_STEPS_UNPLANNED;
	uint64_t cal_steps = 0, total = 0;
	int64_t started = clock_now_ns(CLOCK_MONOTONIC), cal_ns = 0, counter = -1, t0;
	bool planned = !announce, located = false;
	struct blob_walk w;
	size_t i = 0;
	int ret;

	while (i < n) {
		ret = walk_progress(r, total, i, n, started);
		if (ret)
			return ret;
		t0 = clock_now_ns(CLOCK_MONOTONIC);
		ret = walk_one(r, &timers[i], i, chunk, &w);
		if (ret)
			return ret;
		if (located && !planned) {
			cal_ns += clock_now_ns(CLOCK_MONOTONIC) - t0;
			cal_steps += w.steps;
		}
		if (w.steps)
			counter = (w.last_id + 1) % (int64_t)ID_SPACE;
		if (walk_found(&w, &timers[i]))
			i++;
		if (planned || counter < 0)
			continue;
		if (!located) {
			total = r->walk_steps + plan_walk(counter, timers + i, n - i);
			ret = check_walk_limit(r, total);
			if (ret)
				return ret;
			located = true;
			chunk = WALK_CALIBRATION_STEPS;
			if (i < n)
				continue;
		}
		if (cal_steps < 1000 && i < n)
			continue;
		ret = announce_plan(r, total, cal_steps, cal_ns);
		if (ret)
			return ret;
		planned = true;
		chunk = (uint64_t)(WALK_CHUNK_NS / (r->plan.ns_per_step > 1 ?
						    r->plan.ns_per_step : 1));
		if (chunk < 1000)
			chunk = 1000;
	}
	return walk_progress(r, total, n, n, started);
}

int create_timers(struct restore *r, const struct ptimer_timer *timers, size_t n)
{
	int ret;

	ret = write_requests(r, timers, n);
	if (ret)
		return ctx_set_error(r->ctx, ret, "writing requests into pid %d", r->t->pid);
	if (r->plan.method == PTIMER_METHOD_PRCTL) {
		if (r->opts->on_plan && timers == r->want &&
		    r->opts->on_plan(r->opts->data, &r->plan))
			return ctx_set_error(r->ctx, -EINTR, "aborted at the plan");
		return create_prctl(r, timers, n);
	}
	return create_walk(r, timers, n, timers == r->want);
}

int arm_timers(struct restore *r, const struct ptimer_dump *from,
	       const struct ptimer_timer *timers, size_t n, enum ptimer_time_mode mode)
{
	struct itimerspec *values;
	struct arm_clocks now;
	struct blob_batch *b;
	size_t k = 0;
	int ret = -ENOMEM;

	values = calloc(n ? n : 1, sizeof(*values));
	b = batch_new(n, true);
	if (!values || !b)
		goto free_all;
	arm_clocks_now(&now, from);
	for (size_t i = 0; i < n; i++) {
		enum arm_note note = arm_compute(from, &timers[i], mode, &now, &values[k]);

		if (note == ARM_FROZEN_OTHER_BOOT)
			warn(r->ctx, "timer %d: the dump is from another boot; its"
			     " remaining time is used unchanged", timers[i].id);
		if (timers[i].value_ns == 0)
			continue;	/* created disarmed: nothing to do */
		b->calls[k].nr = ARCH_NR_TIMER_SETTIME;
		b->calls[k].args[0] = (uint64_t)timers[i].id;
		b->calls[k].args[2] = r->r_values + k * sizeof(struct itimerspec);
		k++;
	}
	b->count = k;
	ret = 0;
	if (!k)
		goto free_all;
	ret = inject_write(&r->t->in, r->r_values, values, k * sizeof(*values));
	if (ret)
		goto free_all;
	ret = inject_batch(&r->t->in, b, r->r_batch);
	if (ret)
		goto free_all;
	for (size_t i = 0; i < b->done; i++) {
		if (b->calls[i].ret) {
			ret = ctx_set_error(r->ctx, (int)b->calls[i].ret,
					    "timer_settime of id %llu in pid %d",
					    (unsigned long long)b->calls[i].args[0], r->t->pid);
			goto free_all;
		}
	}
free_all:
	free(values);
	free(b);
	return ret;
}

int delete_timers(struct restore *r, const int *ids, size_t n)
{
	struct blob_batch *b;
	int ret;

	if (!n)
		return 0;
	b = batch_new(n, false);
	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		b->calls[i].nr = ARCH_NR_TIMER_DELETE;
		b->calls[i].args[0] = (uint64_t)ids[i];
	}
	ret = inject_batch(&r->t->in, b, r->r_batch);
	for (size_t i = 0; !ret && i < b->done; i++)
		if (b->calls[i].ret)
			ret = (int)b->calls[i].ret;
	free(b);
	return ret;
}

int choose_method(struct restore *r)
{
	enum ptimer_method asked = r->opts->method;
	int state = 0, ret;

	ret = target_get_restore_ids(r->t, &state);
	if (ret && ret != -EINVAL)
		return ctx_set_error(r->ctx, ret, "prctl GET in pid %d", r->t->pid);
	if (ret == -EINVAL && asked == PTIMER_METHOD_PRCTL)
		return ctx_set_error(r->ctx, -EOPNOTSUPP,
				     "the kernel of pid %d lacks PR_TIMER_CREATE_RESTORE_IDS",
				     r->t->pid);
	if (ret == -EINVAL || asked == PTIMER_METHOD_LOOP) {
		r->plan.method = PTIMER_METHOD_LOOP;
		return 0;
	}
	r->plan.method = PTIMER_METHOD_PRCTL;
	r->saved_restore_ids = state;
	if (state == PTIMER_PR_RESTORE_IDS_ON)
		return 0;
	long rv;

	ret = target_syscall(r->t, ARCH_NR_PRCTL, &rv, PTIMER_PR_TIMER_CREATE_RESTORE_IDS,
			     PTIMER_PR_RESTORE_IDS_ON, 0, 0);
	if (!ret && rv)
		ret = (int)rv;
	if (ret)
		return ctx_set_error(r->ctx, ret, "prctl ON in pid %d", r->t->pid);
	return 0;
}

int restore_prctl_state(struct restore *r)
{
	long rv;
	int ret;

	if (r->saved_restore_ids != PTIMER_PR_RESTORE_IDS_OFF)
		return 0;
	ret = target_syscall(r->t, ARCH_NR_PRCTL, &rv, PTIMER_PR_TIMER_CREATE_RESTORE_IDS,
			     PTIMER_PR_RESTORE_IDS_OFF, 0, 0);
	if (!ret && rv)
		ret = (int)rv;
	if (!ret)
		r->saved_restore_ids = -1;
	return ret;
}
