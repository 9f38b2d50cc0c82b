/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * Creating, arming and deleting timers inside an attached target, with
 * exact ids: through the prctl, or by walking the id counter.  restore.c
 * drives it; it knows nothing of restore.c.
 */
#ifndef PTIMER_CREATE_H
#define PTIMER_CREATE_H

#include "arming.h"
#include "target.h"

/* Where the requests sit in the target's scratch memory. */
struct create_layout {
	uint64_t sigevents;	/* per timer: a struct sigevent */
	uint64_t ids;		/* per timer: an 8-byte id slot */
	uint64_t values;	/* per timer: a struct itimerspec */
	uint64_t old_values;	/* per timer: a struct itimerspec (in_place.c) */
	uint64_t walk;		/* one struct blob_walk */
	uint64_t batch;		/* one struct blob_batch */
};

struct creator {
	struct ptimer_ctx *ctx;
	struct target *t;
	struct ptimer_plan *plan;	/* the method in use; walk figures once known */
	struct create_layout at;
	/* Ids created in the target so far, for an undo. */
	int *created;
	size_t ncreated;
	/*
	 * An id that a failed walk may have created, or -1: the walk was
	 * stopped between a step's create and its delete, or after the
	 * create of the id it wanted.  An undo deletes it too, if it exists.
	 */
	int maybe_created;
	uint64_t walk_steps;
	int saved_restore_ids;	/* prctl state to put back; -1 if none */
	/* By index, the timers create_armed() armed in their creation's window. */
	bool *armed_early;
	size_t narmed_early;
	/* What was armed (early, by arm_rest() or in place), for a rollback */
	int64_t armed_since_ns;	/* CLOCK_BOOTTIME of the first arm */
	int64_t armed_min_ns;	/* the nearest expiry armed, 0 if none */
	bool armed_soon;	/* one within ARM_SOON_NS (arming.h) */
	/*
	 * Timers of the target re-armed in place, their clocks, and what they
	 * were set to, as timer_settime() returned it at rearmed_at.
	 */
	int *rearmed;
	int *rearmed_clockid;
	struct itimerspec *rearmed_old;
	size_t nrearmed;
	struct ptimer_dump rearmed_at;	/* only its clock readings */
	struct arm_frozen frozen;	/* warned of by the caller, once it is done */
};

/*
 * The application's say in a creation: its callbacks, its abort flag
 * and its limit.  A creation with no hooks (NULL) is an undo, which
 * nothing may stop or watch: no plan, no progress, no interrupt, no limit.
 */
struct create_hooks {
	int (*on_plan)(void *data, const struct ptimer_plan *plan);
	int (*on_progress)(void *data, const struct ptimer_progress *progress);
	void *data;
	uint64_t max_steps;	/* 0: no limit */
};

/*
 * Set up @c for @t, with room to record @ncreate created ids.  The
 * layout is set by create_layout() once injection has begun.
 */
int creator_init(struct creator *c, struct target *t, struct ptimer_plan *plan,
		 size_t ncreate);
void creator_release(struct creator *c);

/* Scratch bytes for @n timers. */
size_t create_scratch_size(size_t n);
/* Lay out the requests for @n timers from @base, the scratch region. */
void create_layout(struct creator *c, uint64_t base, size_t n);

/*
 * Create @n timers with exact ids, by the plan's method; records them in
 * c->created.  With @hooks the plan is announced (a walk calibrates
 * first) and the application may stop it; NULL is an undo.
 */
int create_timers(struct creator *c, const struct ptimer_timer *timers, size_t n,
		  const struct create_hooks *hooks);
/*
 * Create @n timers, as create_timers(), and under the prctl arm in the
 * same window each one that cannot expire before the restore ends (see
 * create.c): the kernel finds a timer just created at once, where a pass
 * over all of them later searches its hash chains cold.  The phase
 * "created" is reported after each window.  arm_rest() arms the others.
 */
int create_armed(struct creator *c, const struct ptimer_dump *from,
		 const struct ptimer_timer *timers, size_t n, enum ptimer_time_mode mode,
		 const struct create_hooks *hooks);
/* Arm those of the @n timers that create_armed() did not. */
int arm_rest(struct creator *c, const struct ptimer_dump *from,
	     const struct ptimer_timer *timers, size_t n, enum ptimer_time_mode mode);
/*
 * Before a batch that may arm timers, the time their expiries count from
 * (the first such batch's); then, for each timer armed with @v, record it.
 */
void creator_arming(struct creator *c);
void creator_note_armed(struct creator *c, const struct itimerspec *v);
/*
 * Whether a timer armed (or re-armed in place) may have expired by now,
 * and so queued a signal that deleting it (or setting it back) leaves
 * behind.
 */
bool armed_may_have_fired(const struct creator *c);
/*
 * Arm @n created timers, whose dump is @from, in one batch; to @undo a
 * change, through runs stopped past the timeout (target_batch_through()),
 * and as arm_undo() arms, @mode aside, as of @from's clock readings.
 */
int arm_timers(struct creator *c, const struct ptimer_dump *from,
	       const struct ptimer_timer *timers, size_t n, enum ptimer_time_mode mode,
	       bool undo);
/* A timer that a re-arm found gone, and how timer_settime() said so. */
struct rearm_gone {
	int id;
	int err;	/* -EINVAL: deleted; -ESRCH: the thread of its CPU clock exited */
};

/*
 * As arm_timers(), for a process that ran since its dump: a timer that
 * the program deleted meanwhile (EINVAL), or one on the CPU clock of a
 * thread that has exited since (ESRCH, posix_cpu_timer_set()), is then no
 * error; it goes to @gone (room for @n), counted in @ngone (from 0).
 */
int rearm_timers(struct creator *c, const struct ptimer_dump *from,
		 const struct ptimer_timer *timers, size_t n, enum ptimer_time_mode mode,
		 bool undo, struct rearm_gone *gone, size_t *ngone);
/*
 * Delete @n ids in one target_batch_through(), best effort; returns the
 * first error.  @deleted (room for @n, or NULL): which are gone now.
 */
int delete_timers(struct creator *c, const int *ids, size_t n, bool *deleted);
/* Delete every timer created so far, and the one that may have been. */
int delete_created(struct creator *c);

/*
 * Whether @have, a timer of the target, is already the timer @want but
 * for its setting: the same id, clock and notification, both in the
 * target's pid namespace.
 */
bool same_kernel_timer(const struct ptimer_timer *have, const struct ptimer_timer *want);
/*
 * Re-arm in place @n timers of the target that same_kernel_timer() finds
 * already there: one timer_settime() each, which also returns the
 * setting it replaces.  Those changed are recorded for put_back_in_place().
 */
int rearm_in_place(struct creator *c, const struct ptimer_dump *from,
		   const struct ptimer_timer *timers, size_t n, enum ptimer_time_mode mode);
/* Give each timer rearm_in_place() changed its old setting back. */
int put_back_in_place(struct creator *c);

/* Steps a walk from counter position @counter to each of @timers takes. */
uint64_t plan_walk(int64_t counter, const struct ptimer_timer *timers, size_t n);

/*
 * Choose the method for what @asked: the prctl if the target answers GET
 * (and turn it on), else the walk.  -EOPNOTSUPP when the prctl was asked
 * for and is missing.
 */
int choose_method(struct creator *c, enum ptimer_method asked);
/* Put the target's prctl state back, if we changed it. */
int restore_prctl_state(struct creator *c);

#endif
