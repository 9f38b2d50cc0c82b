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

#include "arming.h"
#include "create.h"
#include "internal.h"
#include "kabi.h"

/* About a tenth of a second of walking between two looks from the tracer. */
#define WALK_CHUNK_NS		(100 * 1000 * 1000LL)
/*
 * The first chunk of known length is short, since its rate is not yet
 * known: under TCG a step costs hundreds of microseconds, not the 0.6 of
 * hardware, and a chunk must end well within the trap timeout (5 s by
 * default).  Long enough that one round trip is a small part of it.
 */
#define WALK_FIRST_STEPS	2000
/* A chunk's measured rate is trusted from this many steps. */
#define WALK_RATE_MIN_STEPS	1000
/* Growth from one chunk to the next, whatever the rate promises. */
#define WALK_CHUNK_GROWTH	8
#define WALK_DEFAULT_NS_PER_STEP 600.0

/*
 * create_armed(): calls per round trip (a timer_create and its
 * timer_settime are two), as many as inject.c runs at once.
 */
#define PAIR_WINDOW_CALLS	4096

/* What a walk is doing: learning where it stands, measuring, or running. */
enum walk_phase {
	WALK_LOCATE,	/* one step, to learn where the counter stands */
	WALK_CALIBRATE,	/* short chunks, to measure the rate for the plan */
	WALK_RUN,	/* long chunks */
};

struct walk {
	enum walk_phase phase;
	uint64_t chunk;		/* steps per round trip */
	int64_t counter;	/* where the id counter stands; -1 until known */
	uint64_t total;		/* steps the whole walk takes, once located */
	uint64_t cal_steps;	/* steps, and time, of the calibration */
	int64_t cal_ns;
	uint64_t last_steps;	/* steps, and time, of the last chunk */
	int64_t last_ns;
	int64_t started;
};

int creator_init(struct creator *c, struct target *t, struct ptimer_plan *plan,
		 size_t ncreate)
{
	memset(c, 0, sizeof(*c));
	c->ctx = t->ctx;
	c->t = t;
	c->plan = plan;
	c->saved_restore_ids = -1;
	c->maybe_created = -1;
	c->created = calloc(ncreate + 1, sizeof(*c->created));
	c->armed_early = calloc(ncreate + 1, sizeof(*c->armed_early));
	c->rearmed = calloc(ncreate + 1, sizeof(*c->rearmed));
	c->rearmed_old = calloc(ncreate + 1, sizeof(*c->rearmed_old));
	c->rearmed_clockid = calloc(ncreate + 1, sizeof(*c->rearmed_clockid));
	if (c->created && c->armed_early && c->rearmed && c->rearmed_old && c->rearmed_clockid)
		return 0;
	creator_release(c);
	return -ENOMEM;
}

void creator_release(struct creator *c)
{
	free(c->created);
	free(c->armed_early);
	free(c->rearmed);
	free(c->rearmed_old);
	free(c->rearmed_clockid);
	c->created = NULL;
	c->armed_early = NULL;
	c->rearmed = NULL;
	c->rearmed_old = NULL;
	c->rearmed_clockid = NULL;
	c->ncreated = 0;
	c->narmed_early = 0;
	c->nrearmed = 0;
}

size_t create_scratch_size(size_t n)
{
	return n * (sizeof(struct sigevent) + 8 + 2 * sizeof(struct itimerspec)) +
	       sizeof(struct blob_batch) + 2 * n * sizeof(struct blob_call) +
	       sizeof(struct blob_walk) + 64;
}

void create_layout(struct creator *c, uint64_t base, size_t n)
{
	c->at.sigevents = base;
	c->at.ids = c->at.sigevents + n * sizeof(struct sigevent);
	c->at.values = c->at.ids + n * 8;
	c->at.old_values = c->at.values + n * sizeof(struct itimerspec);
	c->at.walk = c->at.old_values + n * sizeof(struct itimerspec);
	c->at.batch = c->at.walk + sizeof(struct blob_walk);
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
static int write_requests(struct creator *c, const struct ptimer_timer *timers, size_t n)
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
	ret = target_write(c->t, c->at.sigevents, evs, n * sizeof(*evs));
	if (!ret)
		ret = target_write(c->t, c->at.ids, ids, n * sizeof(*ids));
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

static void note_created(struct creator *c, int id)
{
	c->created[c->ncreated++] = id;
}

static int creation_error(struct creator *c, const struct ptimer_timer *t, long err)
{
	/* The kernel's EBUSY: the prctl found the id taken. */
	if (err == -EBUSY)
		return ctx_set_error(c->ctx, -PTIMER_ERR_ID_IN_USE,
				     "timer id %d already exists in pid %d", t->id, c->t->pid);
	return ctx_set_error(c->ctx, (int)err, "timer_create of id %d in pid %d",
			     t->id, c->t->pid);
}

/* The timer_create of @timers[@i], whose sigevent write_requests() wrote. */
static struct blob_call create_call(const struct creator *c, const struct ptimer_timer *timers,
				    size_t i)
{
	return (struct blob_call){
		.nr = ARCH_NR_TIMER_CREATE,
		.args = { (uint64_t)(int64_t)timers[i].clockid,
			  c->at.sigevents + i * sizeof(struct sigevent),
			  c->at.ids + i * 8 },
	};
}

/* A creation under the prctl: recorded, and the kernel must have honoured the id. */
static int check_created(struct creator *c, const struct ptimer_timer *t, long ret, int got)
{
	if (ret)
		return creation_error(c, t, ret);
	note_created(c, got);
	if (got != t->id)
		return ctx_set_error(c->ctx, -EIO, "asked pid %d for timer id %d, the kernel gave %d",
				     c->t->pid, t->id, got);
	return 0;
}

static int create_prctl(struct creator *c, const struct ptimer_timer *timers, size_t n)
{
	struct blob_batch *b;
	int64_t *ids;
	int ret, rc, err = 0;

	b = batch_new(n, true);
	ids = calloc(n, sizeof(*ids));
	if (!b || !ids) {
		ret = -ENOMEM;
		goto free_all;
	}
	for (size_t i = 0; i < n; i++)
		b->calls[i] = create_call(c, timers, i);
	/*
	 * Only an undo creates without arming in the same window (the
	 * rollback's put-back): through runs stopped past the timeout.
	 */
	ret = target_batch_through(c->t, b, c->at.batch);
	/* After a failed run too: what ran before it is in b->done. */
	rc = target_read(c->t, c->at.ids, ids, n * sizeof(*ids));
	for (size_t i = 0; i < b->done && !err; i++)
		err = check_created(c, &timers[i], b->calls[i].ret,
				    rc ? timers[i].id : (int)ids[i]);
	if (!ret)
		ret = err ? err : rc;
	if (!ret && b->done != n)
		ret = ctx_set_error(c->ctx, -EIO, "create batch stopped early");
free_all:
	free(ids);
	free(b);
	return ret;
}

/* Creations from counter position @from until the kernel hands out @want. */
static uint64_t walk_distance(int64_t from, int64_t want)
{
	return (uint64_t)((want - from + KTIMER_ID_SPACE) % KTIMER_ID_SPACE) + 1;
}

/* Between chunks: the application may watch, and stop, all but an undo. */
static int walk_progress(struct creator *c, const struct create_hooks *hooks,
			 const struct walk *wk, size_t timers_done, size_t n)
{
	struct ptimer_progress p = {
		.size = sizeof(p),
		.steps_done = c->walk_steps,
		.steps_total = wk->total,
		.timers_done = timers_done,
		.ntimers = n,
		.elapsed_ns = clock_now_ns(CLOCK_MONOTONIC) - wk->started,
	};

	ctx_phase(c->ctx, PTIMER_PHASE_WALK);
	if (!hooks)
		return 0;
	if (ctx_interrupted(c->ctx))
		return ctx_set_error(c->ctx, -EINTR, "interrupted after %llu walk steps",
				     (unsigned long long)c->walk_steps);
	if (hooks->on_progress && hooks->on_progress(hooks->data, &p))
		return ctx_set_error(c->ctx, -EINTR, "aborted by the progress callback");
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
static int walk_one(struct creator *c, const struct ptimer_timer *t, size_t i,
		    uint64_t chunk, struct blob_walk *w)
{
	int ret;

	memset(w, 0, sizeof(*w));
	w->clockid = t->clockid;
	w->sigevent = c->at.sigevents + i * sizeof(struct sigevent);
	w->id_slot = c->at.ids + i * 8;
	w->want = t->id;
	w->max_steps = chunk;
	ret = target_walk(c->t, w, c->at.walk);
	if (ret) {
		int64_t slot;

		/*
		 * Stopped part-way, the blob said nothing, but the id slot
		 * holds the id of the step's timer, which the run may have
		 * stopped before deleting (or before keeping, if wanted); or
		 * the one wanted, asked for and free, before the first step.
		 */
		if (!target_read(c->t, w->id_slot, &slot, sizeof(slot)))
			c->maybe_created = (int)slot;
		return ctx_set_error(c->ctx, ret, "walking the timer ids of pid %d", c->t->pid);
	}
	c->walk_steps += w->steps;
	if (w->error) {
		/*
		 * The step's timer may stand: its deletion is what failed (a
		 * kept seccomp filter may refuse one), which the blob reports
		 * as it does a creation that failed after the step before.
		 * A rollback deletes it, an EINVAL then meaning it was gone.
		 */
		if (w->steps && w->last_id != t->id)
			c->maybe_created = (int)w->last_id;
		return creation_error(c, t, w->error);
	}
	if (walk_found(w, t))
		note_created(c, t->id);
	return 0;
}

uint64_t plan_walk(int64_t counter, const struct ptimer_timer *timers, size_t n)
{
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++) {
		total += walk_distance(counter, timers[i].id);
		counter = ((int64_t)timers[i].id + 1) % KTIMER_ID_SPACE;
	}
	return total;
}

/*
 * The walk's length, known once the counter is (@wk->total), against the
 * limit.  A walk to @rest, ascending, goes round the id space when the
 * counter is already past the first of them: say so, the cause of most
 * walks that are too long (an interrupted walk left the counter there, or
 * the target made timers of its own).
 */
static int check_walk_limit(struct creator *c, uint64_t max, const struct walk *wk,
			    const struct ptimer_timer *rest, size_t nrest)
{
	if (!max || wk->total <= max)
		return 0;
	if (nrest && rest[0].id < wk->counter)
		return ctx_set_error(c->ctx, -PTIMER_ERR_WALK_TOO_LONG, "the walk needs %llu"
				     " steps, round the id space past INT_MAX: the id counter of pid %d"
				     " is at %lld, past id %d; the limit is %llu",
				     (unsigned long long)wk->total, c->t->pid,
				     (long long)wk->counter, rest[0].id, (unsigned long long)max);
	return ctx_set_error(c->ctx, -PTIMER_ERR_WALK_TOO_LONG, "the walk needs %llu steps;"
			     " the limit is %llu", (unsigned long long)wk->total,
			     (unsigned long long)max);
}

static int announce_plan(struct creator *c, const struct create_hooks *hooks,
			 const struct walk *wk)
{
	struct ptimer_plan *plan = c->plan;

	plan->ns_per_step = wk->cal_steps >= WALK_RATE_MIN_STEPS ?
			    (double)wk->cal_ns / wk->cal_steps :
			    WALK_DEFAULT_NS_PER_STEP;
	plan->walk_steps = wk->total;
	plan->walk_steps_exact = true;
	plan->estimate_ns = (int64_t)(wk->total * plan->ns_per_step);
	if (hooks->on_plan && hooks->on_plan(hooks->data, plan))
		return ctx_set_error(c->ctx, -EINTR, "aborted at the plan");
	return 0;
}

/*
 * About WALK_CHUNK_NS of walking at the rate the last chunk ran at, and at
 * most WALK_CHUNK_GROWTH times as long: the rate a chunk measured may not
 * hold for the next, when the machine gets busier or the target is
 * preempted, and a chunk that ran past the trap timeout would fail the
 * whole restore.
 */
static uint64_t next_chunk(const struct walk *wk)
{
	double ns_per_step;
	uint64_t chunk;

	if (wk->last_steps < WALK_RATE_MIN_STEPS)
		return wk->chunk;
	ns_per_step = (double)wk->last_ns / (double)wk->last_steps;
	chunk = (uint64_t)(WALK_CHUNK_NS / (ns_per_step > 1 ? ns_per_step : 1));
	if (chunk > wk->chunk * WALK_CHUNK_GROWTH)
		chunk = wk->chunk * WALK_CHUNK_GROWTH;
	return chunk < WALK_RATE_MIN_STEPS ? WALK_RATE_MIN_STEPS : chunk;
}

/*
 * After a chunk, with @nrest timers still to create from @rest: move on
 * to the next phase once the walk has learnt what the phase is for.
 */
static int walk_advance(struct creator *c, const struct create_hooks *hooks,
			struct walk *wk, const struct ptimer_timer *rest, size_t nrest)
{
	int ret;

	switch (wk->phase) {
	case WALK_LOCATE:
		if (wk->counter < 0)
			return 0;
		wk->total = c->walk_steps + plan_walk(wk->counter, rest, nrest);
		ret = check_walk_limit(c, hooks->max_steps, wk, rest, nrest);
		if (ret)
			return ret;
		wk->phase = WALK_CALIBRATE;
		wk->chunk = WALK_FIRST_STEPS;
		if (nrest)
			return 0;
		break;	/* done already: announce with what is known */
	case WALK_CALIBRATE:
		if (wk->cal_steps < WALK_RATE_MIN_STEPS && nrest)
			return 0;
		break;
	case WALK_RUN:
		wk->chunk = next_chunk(wk);
		return 0;
	}
	ret = announce_plan(c, hooks, wk);
	if (ret)
		return ret;
	wk->phase = WALK_RUN;
	wk->chunk = next_chunk(wk);
	return 0;
}

/*
 * Walk to each id in turn.  With @hooks, a single first step shows where
 * the counter stands, which gives the exact length of the walk, checked
 * against the limit before any real walking; a short chunk then measures
 * the rate for the plan, which is announced, and chunks of about
 * WALK_CHUNK_NS follow, each sized by the rate of the one before.  An undo
 * (no hooks) has no plan and starts growing at once.
 */
static int create_walk(struct creator *c, const struct ptimer_timer *timers, size_t n,
		       const struct create_hooks *hooks)
{
	struct walk wk = {
		.phase = hooks ? WALK_LOCATE : WALK_RUN,
		.chunk = hooks ? 1 : WALK_FIRST_STEPS,
		.counter = -1,
		.started = clock_now_ns(CLOCK_MONOTONIC),
	};
	struct blob_walk w;
	size_t i = 0;
	int64_t t0;
	int ret;

	while (i < n) {
		ret = walk_progress(c, hooks, &wk, i, n);
		if (ret)
			return ret;
		t0 = clock_now_ns(CLOCK_MONOTONIC);
		ret = walk_one(c, &timers[i], i, wk.chunk, &w);
		if (ret)
			return ret;
		wk.last_ns = clock_now_ns(CLOCK_MONOTONIC) - t0;
		wk.last_steps = w.steps;
		if (wk.phase == WALK_CALIBRATE) {
			wk.cal_ns += wk.last_ns;
			wk.cal_steps += w.steps;
		}
		if (w.steps)
			wk.counter = (w.last_id + 1) % KTIMER_ID_SPACE;
		if (walk_found(&w, &timers[i]))
			i++;
		ret = walk_advance(c, hooks, &wk, timers + i, n - i);
		if (ret)
			return ret;
	}
	return walk_progress(c, hooks, &wk, n, n);
}

int create_timers(struct creator *c, const struct ptimer_timer *timers, size_t n,
		  const struct create_hooks *hooks)
{
	int ret;

	ret = write_requests(c, timers, n);
	if (ret)
		return ctx_set_error(c->ctx, ret, "writing requests into pid %d", c->t->pid);
	if (c->plan->method == PTIMER_METHOD_PRCTL) {
		if (hooks && hooks->on_plan && hooks->on_plan(hooks->data, c->plan))
			return ctx_set_error(c->ctx, -EINTR, "aborted at the plan");
		return create_prctl(c, timers, n);
	}
	return create_walk(c, timers, n, hooks);
}

/* The value @t is armed with now, and whether create_armed() arms it early. */
static bool arm_early(struct creator *c, const struct ptimer_dump *from,
		      const struct ptimer_timer *t, enum ptimer_time_mode mode,
		      const struct arm_clocks *now, struct itimerspec *value)
{
	enum arm_note note = arm_compute(from, t, mode, now, value);
	bool early = t->value_ns && ts_to_ns(&value->it_value) >= ARM_SOON_NS;

	/* arm_timers() says so of the others. */
	if (early)
		arm_note_frozen(&c->frozen, note, "timer %d", t->id);
	return early;
}

/*
 * Timers [@first, @first + @m) in one window: each timer_create, then
 * its timer_settime if it is armed early.  Every timer the window
 * created is recorded, whatever stopped it.
 */
static int pair_window(struct creator *c, const struct ptimer_dump *from,
		       const struct ptimer_timer *timers, size_t first, size_t m,
		       enum ptimer_time_mode mode, struct blob_batch *b,
		       struct itimerspec *values, int64_t *ids)
{
	struct arm_clocks now;
	size_t k = 0;
	int ret, rc;

	arm_clocks_now(&now, from);
	for (size_t j = 0; j < m; j++) {
		size_t i = first + j;

		/* Whole calls: @b is reused, and a settime's flags must be 0. */
		b->calls[k++] = create_call(c, timers, i);
		if (!arm_early(c, from, &timers[i], mode, &now, &values[j]))
			continue;
		b->calls[k++] = (struct blob_call){
			.nr = ARCH_NR_TIMER_SETTIME,
			.args = { (uint64_t)timers[i].id, 0,
				  c->at.values + j * sizeof(struct itimerspec) },
		};
	}
	b->count = k;
	b->done = 0;
	ret = target_write(c->t, c->at.values, values, m * sizeof(*values));
	if (ret)
		return ret;
	creator_arming(c);
	ret = target_batch(c->t, b, c->at.batch);
	/* After a failed run, what ran before it is in b->done. */
	rc = target_read(c->t, c->at.ids + first * 8, ids, m * sizeof(*ids));
	for (size_t q = 0, j = 0; q < b->done; q++) {
		const struct blob_call *call = &b->calls[q];
		int got, err;

		if (call->nr == ARCH_NR_TIMER_SETTIME) {
			if (call->ret)
				return ctx_set_error(c->ctx, (int)call->ret, "timer_settime of id"
						     " %llu in pid %d",
						     (unsigned long long)call->args[0],
						     c->t->pid);
			c->armed_early[first + j - 1] = true;
			c->narmed_early++;
			creator_note_armed(c, &values[j - 1]);
			continue;
		}
		/* Unread, it is the id asked for: the prctl gives that or fails. */
		got = rc ? timers[first + j].id : (int)ids[j];
		err = check_created(c, &timers[first + j], call->ret, got);
		if (err)
			return err;
		j++;
	}
	if (!ret)
		ret = rc;
	if (ret)
		return ctx_set_error(c->ctx, ret, "creating timers in pid %d", c->t->pid);
	if (b->done != b->count)
		return ctx_set_error(c->ctx, -EIO, "create batch stopped early");
	return 0;
}

int create_armed(struct creator *c, const struct ptimer_dump *from,
		 const struct ptimer_timer *timers, size_t n, enum ptimer_time_mode mode,
		 const struct create_hooks *hooks)
{
	const size_t per = PAIR_WINDOW_CALLS / 2;
	struct itimerspec *values;
	struct blob_batch *b;
	int64_t *ids;
	int ret;

	if (c->plan->method != PTIMER_METHOD_PRCTL) {
		ret = create_timers(c, timers, n, hooks);
		if (!ret)
			ctx_phase(c->ctx, PTIMER_PHASE_CREATED);
		return ret;
	}
	ret = write_requests(c, timers, n);
	if (ret)
		return ctx_set_error(c->ctx, ret, "writing requests into pid %d", c->t->pid);
	if (hooks && hooks->on_plan && hooks->on_plan(hooks->data, c->plan))
		return ctx_set_error(c->ctx, -EINTR, "aborted at the plan");
	b = batch_new(2 * per, true);
	values = calloc(per, sizeof(*values));
	ids = calloc(per, sizeof(*ids));
	if (!b || !values || !ids) {
		ret = -ENOMEM;
		goto free_all;
	}
	for (size_t first = 0; first < n; first += per) {
		size_t m = n - first < per ? n - first : per;

		if (first && hooks && ctx_interrupted(c->ctx)) {
			ret = ctx_set_error(c->ctx, -EINTR, "interrupted after %zu of %zu"
					    " timers", first, n);
			break;
		}
		ret = pair_window(c, from, timers, first, m, mode, b, values, ids);
		if (ret)
			break;
		ctx_phase(c->ctx, PTIMER_PHASE_CREATED);
	}
	if (!n)
		ctx_phase(c->ctx, PTIMER_PHASE_CREATED);	/* as each window would */
free_all:
	free(ids);
	free(values);
	free(b);
	return ret;
}

int arm_rest(struct creator *c, const struct ptimer_dump *from,
	     const struct ptimer_timer *timers, size_t n, enum ptimer_time_mode mode)
{
	struct ptimer_timer *rest;
	size_t k = 0;
	int ret;

	if (!c->narmed_early)
		return arm_timers(c, from, timers, n, mode, false);
	rest = calloc(n - c->narmed_early + 1, sizeof(*rest));
	if (!rest)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++)
		if (!c->armed_early[i])
			rest[k++] = timers[i];
	ret = arm_timers(c, from, rest, k, mode, false);
	free(rest);
	return ret;
}

void creator_arming(struct creator *c)
{
	if (!c->armed_since_ns)
		c->armed_since_ns = clock_now_ns(CLOCK_BOOTTIME);
}

void creator_note_armed(struct creator *c, const struct itimerspec *v)
{
	int64_t ns = ts_to_ns(&v->it_value);

	if (!ns)
		return;
	creator_arming(c);
	if (!c->armed_min_ns || ns < c->armed_min_ns)
		c->armed_min_ns = ns;
	c->armed_soon |= arm_is_soon(v);
}

bool armed_may_have_fired(const struct creator *c)
{
	return c->armed_min_ns &&
	       clock_now_ns(CLOCK_BOOTTIME) - c->armed_since_ns >= c->armed_min_ns;
}

int arm_timers(struct creator *c, const struct ptimer_dump *from,
	       const struct ptimer_timer *timers, size_t n, enum ptimer_time_mode mode,
	       bool undo)
{
	return rearm_timers(c, from, timers, n, mode, undo, NULL, NULL);
}

int rearm_timers(struct creator *c, const struct ptimer_dump *from,
		 const struct ptimer_timer *timers, size_t n, enum ptimer_time_mode mode,
		 bool undo, struct rearm_gone *gone, size_t *ngone)
{
	struct itimerspec *values;
	struct arm_clocks now;
	struct blob_batch *b;
	size_t k = 0;
	int ret = -ENOMEM;

	values = calloc(n ? n : 1, sizeof(*values));
	/* An undo arms every timer it can: one the program deleted meanwhile fails alone. */
	b = batch_new(n, !undo);
	if (!values || !b)
		goto free_all;
	arm_clocks_now(&now, from);
	for (size_t i = 0; i < n; i++) {
		/* A POSIX timer's flags are not shown: taken as relative. */
		enum arm_note note = undo ? arm_undo(from, &timers[i], false, &now, &values[k]) :
				     arm_compute(from, &timers[i], mode, &now, &values[k]);

		arm_note_frozen(&c->frozen, note, "timer %d", timers[i].id);
		if (timers[i].value_ns == 0)
			continue;	/* created disarmed: nothing to do */
		creator_note_armed(c, &values[k]);
		b->calls[k].nr = ARCH_NR_TIMER_SETTIME;
		b->calls[k].args[0] = (uint64_t)timers[i].id;
		b->calls[k].args[2] = c->at.values + k * sizeof(struct itimerspec);
		k++;
	}
	b->count = k;
	ret = 0;
	if (!k)
		goto free_all;
	ret = target_write(c->t, c->at.values, values, k * sizeof(*values));
	if (ret)
		goto free_all;
	/* Arming a timer twice with one setting arms it with that setting. */
	ret = undo ? target_batch_through(c->t, b, c->at.batch) :
		     target_batch(c->t, b, c->at.batch);
	if (ret)
		goto free_all;
	for (size_t i = 0; i < b->done; i++) {
		if (gone && (b->calls[i].ret == -EINVAL || b->calls[i].ret == -ESRCH)) {
			gone[*ngone].id = (int)b->calls[i].args[0];
			gone[(*ngone)++].err = (int)b->calls[i].ret;
			continue;
		}
		if (b->calls[i].ret) {
			ret = ctx_set_error(c->ctx, (int)b->calls[i].ret,
					    "timer_settime of id %llu in pid %d",
					    (unsigned long long)b->calls[i].args[0], c->t->pid);
			goto free_all;
		}
	}
free_all:
	free(values);
	free(b);
	return ret;
}

/*
 * Delete @ids[0..@n); from @may_be_gone on, an id may have no timer, and
 * its EINVAL is no error.  @deleted, if not NULL, says of each whether
 * its deletion is known to have returned 0: a call refused (a seccomp
 * filter kept) or a batch cut short leaves the rest in place, whatever
 * the error says.
 */
static int delete_ids(struct creator *c, const int *ids, size_t n, size_t may_be_gone,
		      bool *deleted)
{
	struct blob_batch *b;
	int ret;

	for (size_t i = 0; deleted && i < n; i++)
		deleted[i] = false;
	if (!n)
		return 0;
	b = batch_new(n, false);
	if (!b)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		b->calls[i].nr = ARCH_NR_TIMER_DELETE;
		b->calls[i].args[0] = (uint64_t)ids[i];
	}
	ret = target_batch_through(c->t, b, c->at.batch);
	/*
	 * A run stopped part-way says which calls ran (inject.c's
	 * count_done()); one whose results could not be read back (the
	 * target gone, most likely) counts none as done.
	 */
	for (size_t i = 0; deleted && i < n; i++)
		deleted[i] = i < b->done && !b->calls[i].ret;
	for (size_t i = 0; !ret && i < b->done; i++)
		if (b->calls[i].ret && !(b->calls[i].ret == -EINVAL && i >= may_be_gone))
			ret = (int)b->calls[i].ret;
	free(b);
	return ret;
}

int delete_timers(struct creator *c, const int *ids, size_t n, bool *deleted)
{
	return delete_ids(c, ids, n, n, deleted);
}

int delete_created(struct creator *c)
{
	int ret;

	if (c->maybe_created >= 0)
		c->created[c->ncreated++] = c->maybe_created;
	ret = delete_ids(c, c->created, c->ncreated,
			 c->ncreated - (c->maybe_created >= 0), NULL);
	c->ncreated = 0;
	c->maybe_created = -1;
	return ret;
}

int choose_method(struct creator *c, enum ptimer_method asked)
{
	int state = 0, ret;

	ret = target_get_restore_ids(c->t, &state);
	if (ret && ret != -EINVAL)
		return ctx_set_error(c->ctx, ret, "prctl GET in pid %d", c->t->pid);
	if (ret == -EINVAL && asked == PTIMER_METHOD_PRCTL)
		return ctx_set_error(c->ctx, -EOPNOTSUPP,
				     "the kernel of pid %d lacks PR_TIMER_CREATE_RESTORE_IDS",
				     c->t->pid);
	if (ret == -EINVAL || asked == PTIMER_METHOD_LOOP) {
		c->plan->method = PTIMER_METHOD_LOOP;
		return 0;
	}
	c->plan->method = PTIMER_METHOD_PRCTL;
	c->saved_restore_ids = state;
	if (state == PTIMER_PR_RESTORE_IDS_ON)
		return 0;
	long rv;

	ret = target_syscall(c->t, ARCH_NR_PRCTL, &rv, PTIMER_PR_TIMER_CREATE_RESTORE_IDS,
			     PTIMER_PR_RESTORE_IDS_ON, 0, 0, 0, 0);
	if (!ret && rv)
		ret = (int)rv;
	if (ret)
		return ctx_set_error(c->ctx, ret, "prctl ON in pid %d", c->t->pid);
	return 0;
}

int restore_prctl_state(struct creator *c)
{
	long rv;
	int ret;

	if (c->saved_restore_ids != PTIMER_PR_RESTORE_IDS_OFF)
		return 0;
	ret = target_syscall(c->t, ARCH_NR_PRCTL, &rv, PTIMER_PR_TIMER_CREATE_RESTORE_IDS,
			     PTIMER_PR_RESTORE_IDS_OFF, 0, 0, 0, 0);
	if (!ret && rv)
		ret = (int)rv;
	if (!ret)
		c->saved_restore_ids = -1;
	return ret;
}
