/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/* The restore engine's shared state; restore.c drives, create.c creates. */
#ifndef PTIMER_RESTORE_H
#define PTIMER_RESTORE_H

#include "target.h"

struct restore {
	struct ptimer_ctx *ctx;
	const struct ptimer_restore_opts *opts;
	const struct ptimer_dump *dump;
	struct target *t;
	struct ptimer_plan plan;
	/* The timers as the target must get them: remapped, ascending ids. */
	struct ptimer_timer *want;
	size_t nwant;
	/* Ids created in the target so far, for rollback. */
	int *created;
	size_t ncreated;
	/* Target timers deleted by --replace, for rollback. */
	struct ptimer_dump *replaced;
	int saved_restore_ids;	/* prctl state to put back; -1 if none */
	/* Remote scratch layout, per timer: a sigevent, an id, an itimerspec. */
	uint64_t r_sigevents;
	uint64_t r_ids;
	uint64_t r_values;
	uint64_t r_batch;
	uint64_t r_walk;
	uint64_t walk_steps;
	int64_t counter_floor;	/* the counter is at least here (dry run) */
	bool undoing;		/* in rollback(), which no interrupt may stop */
};

/* Scratch bytes for @n timers. */
size_t restore_scratch_size(size_t n);
void restore_layout(struct restore *r, uint64_t base, size_t n);

/* Create @n timers with exact ids, by the plan's method; records them in r->created. */
int create_timers(struct restore *r, const struct ptimer_timer *timers, size_t n);
/* Arm @n created timers, whose dump is @from, in one batch. */
int arm_timers(struct restore *r, const struct ptimer_dump *from,
	       const struct ptimer_timer *timers, size_t n, enum ptimer_time_mode mode);
/* Delete @n ids in one batch; best effort, returns the first error. */
int delete_timers(struct restore *r, const int *ids, size_t n);
/* Steps a walk from counter position @counter to each of @timers takes. */
uint64_t plan_walk(int64_t counter, const struct ptimer_timer *timers, size_t n);
/* Choose the method: the prctl if the target answers GET, else the walk. */
int choose_method(struct restore *r);
/* Put the target's prctl state back, if we changed it. */
int restore_prctl_state(struct restore *r);

#endif
