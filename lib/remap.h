/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * Translating a dump's thread and process ids to the target's: the notify
 * tid of SIGEV_THREAD_ID timers and the pid or tid a CPU clock encodes.
 * Pure functions over the dump and the target's thread list.
 */
#ifndef PTIMER_REMAP_H
#define PTIMER_REMAP_H

#include "ptimer.h"

struct remap {
	size_t n;
	struct ptimer_tid_map *pairs;	/* sorted by from, one for each */
};

/*
 * The default maps the dump's threads to the target's in order (leader to
 * leader, then by creation order) and the dump's pid to the target's;
 * @user entries override it and may add pids outside the dump.
 */
int remap_build(struct ptimer_ctx *ctx, const struct ptimer_dump *dump,
		pid_t target_pid, const pid_t *target_tids, size_t ntarget,
		const struct ptimer_tid_map *user, size_t nuser, struct remap *map);
void remap_free(struct remap *map);

/* The pair for @from, or NULL: the pairs are sorted by from, one each. */
const struct ptimer_tid_map *remap_find(const struct remap *map, pid_t from);

/*
 * Fill @out (ntimers entries) with the timers as the target must create
 * them.  -PTIMER_ERR_BAD_DUMP names the timer that cannot be mapped.
 */
int remap_timers(struct ptimer_ctx *ctx, const struct ptimer_dump *dump,
		 const struct remap *map, struct ptimer_timer *out);

#endif
