// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* Thread and process id translation from a dump to a target. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "ptimer-private.h"
#include "remap.h"

static int pair_cmp(const void *a, const void *b)
{
	const struct ptimer_tid_map *x = a, *y = b;

	return (x->from > y->from) - (x->from < y->from);
}

const struct ptimer_tid_map *ptimer_private_tid_map_find(const struct ptimer_tid_map *map,
							 size_t n, pid_t from)
{
	const struct ptimer_tid_map key = { .from = from };

	if (!n)
		return NULL;
	return bsearch(&key, map, n, sizeof(*map), pair_cmp);
}

const struct ptimer_tid_map *remap_find(const struct remap *map, pid_t from)
{
	return ptimer_private_tid_map_find(map->pairs, map->n, from);
}

/* A pair, and where it was set: a later one for the same id overrides it. */
struct set_pair {
	struct ptimer_tid_map p;
	size_t seq;
};

static int set_pair_cmp(const void *a, const void *b)
{
	const struct set_pair *x = a, *y = b;
	int c = pair_cmp(&x->p, &y->p);

	return c ? c : (x->seq > y->seq) - (x->seq < y->seq);
}

/*
 * Sorted by id, each id's last setting kept: a lookup for each timer and
 * queued signal, made while the target is held, bisects instead of
 * walking every thread of a process that has thousands.
 */
static void remap_sort(struct remap *map, struct set_pair *set, size_t n)
{
	qsort(set, n, sizeof(*set), set_pair_cmp);
	map->n = 0;
	for (size_t i = 0; i < n; i++)
		if (i + 1 == n || set[i + 1].p.from != set[i].p.from)
			map->pairs[map->n++] = set[i].p;
}

int remap_build(struct ptimer_ctx *ctx, const struct ptimer_dump *dump,
		pid_t target_pid, const pid_t *target_tids, size_t ntarget,
		const struct ptimer_tid_map *user, size_t nuser, struct remap *map)
{
	size_t paired = dump->nthreads < ntarget ? dump->nthreads : ntarget, n = 0;
	struct set_pair *set;

	*map = (struct remap){ 0 };
	for (size_t i = 0; i < nuser; i++)
		if (!tids_have(target_tids, ntarget, user[i].to))
			return ctx_set_error(ctx, -PTIMER_ERR_BAD_DUMP,
					     "tid map %d:%d: %d is not a thread of pid %d",
					     user[i].from, user[i].to, user[i].to, target_pid);
	map->pairs = calloc(paired + nuser + 1, sizeof(*map->pairs));
	set = calloc(paired + nuser + 1, sizeof(*set));
	if (!map->pairs || !set) {
		free(set);
		remap_free(map);
		return -ENOMEM;
	}
	for (size_t i = 0; i < paired; i++, n++)
		set[n] = (struct set_pair){ { dump->tids[i], target_tids[i] }, n };
	set[n] = (struct set_pair){ { dump->pid, target_pid }, n };
	n++;
	for (size_t i = 0; i < nuser; i++, n++)
		set[n] = (struct set_pair){ user[i], n };
	remap_sort(map, set, n);
	free(set);
	return 0;
}

void remap_free(struct remap *map)
{
	free(map->pairs);
	map->pairs = NULL;
	map->n = 0;
}

static int remap_clock(struct ptimer_ctx *ctx, const struct ptimer_dump *dump,
		       const struct remap *map, size_t i, const struct ptimer_timer *t,
		       int *clockid)
{
	pid_t owner = ptimer_cpu_clock_pid(t->clockid);
	const struct ptimer_tid_map *m;

	*clockid = t->clockid;
	/* pid 0 means "the caller": the kernel binds it at creation time. */
	if (!ptimer_clock_is_cpu(t->clockid) || owner == 0)
		return 0;
	m = remap_find(map, owner);
	/*
	 * A thread clock names a thread of the process that made the timer
	 * (posix_cpu_timer_create()): one the dump lacks had exited.  The
	 * kernel keeps the timer, which reads 0 and refuses timer_settime()
	 * with ESRCH, and nothing can be made like it.
	 */
	if (!m && ptimer_cpu_clock_is_thread(t->clockid) && !dump_has_thread(dump, owner))
		return ctx_set_error(ctx, -PTIMER_ERR_BAD_DUMP,
				     "timers[%zu] (id %d): its CPU clock measures tid %d, a thread"
				     " that had exited when dumped; such a timer reads 0 and cannot"
				     " be armed, and no timer can be made like it, unless on the"
				     " clock of a live thread that tid is mapped to", i, t->id, owner);
	if (!m)
		return ctx_set_error(ctx, -PTIMER_ERR_BAD_DUMP,
				     "timers[%zu] (id %d): its CPU clock measures pid %d, which"
				     " has no counterpart in the target",
				     i, t->id, owner);
	*clockid = ptimer_cpu_clock_make(m->to, ptimer_cpu_clock_is_thread(t->clockid),
					 ptimer_cpu_clock_which(t->clockid));
	return 0;
}

int remap_timers(struct ptimer_ctx *ctx, const struct ptimer_dump *dump,
		 const struct remap *map, struct ptimer_timer *out)
{
	for (size_t i = 0; i < dump->ntimers; i++) {
		const struct ptimer_timer *t = &dump->timers[i];
		const struct ptimer_tid_map *m;
		int ret;

		out[i] = *t;
		ret = remap_clock(ctx, dump, map, i, t, &out[i].clockid);
		if (ret)
			return ret;
		if (t->notify != PTIMER_NOTIFY_THREAD_ID)
			continue;
		/* A pair of the caller's may aim even a gone thread's timer at a live one. */
		m = remap_find(map, t->notify_pid);
		if (m) {
			out[i].notify_pid = m->to;
		} else if (timer_thread_exited(dump, t)) {
			out[i].notify = PTIMER_NOTIFY_NONE;
		} else {
			return ctx_set_error(ctx, -PTIMER_ERR_BAD_DUMP,
					     "timers[%zu] (id %d): tid %d has no thread in the"
					     " target",
					     i, t->id, t->notify_pid);
		}
	}
	return 0;
}

int ptimer_private_tid_map(struct ptimer_ctx *ctx, const struct ptimer_dump *dump, pid_t pid,
			   const pid_t *tids, size_t ntids, const struct ptimer_tid_map *user,
			   size_t nuser, struct ptimer_tid_map **map, size_t *n)
{
	struct remap m;
	int ret;

	ret = remap_build(ctx, dump, pid, tids, ntids, user, nuser, &m);
	if (ret)
		return ret;
	*map = m.pairs;
	*n = m.n;
	return 0;
}

static int parse_id(const char *s, char **end, pid_t *out)
{
	long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtol(s, end, 10);
	if (errno || v <= 0 || v > INT_MAX)
		return -EINVAL;
	*out = (pid_t)v;
	return 0;
}

int ptimer_parse_tid_map(const char *text, struct ptimer_tid_map **map, size_t *n)
{
	size_t count = 1, k = 0;
	struct ptimer_tid_map *m;
	const char *p = text;
	char *end;

	for (const char *c = text; *c; c++)
		count += *c == ',';
	m = calloc(count, sizeof(*m));
	if (!m)
		return -ENOMEM;
	for (;;) {
		if (parse_id(p, &end, &m[k].from) || *end != ':')
			goto bad;
		if (parse_id(end + 1, &end, &m[k].to))
			goto bad;
		/* One thread cannot go two ways: a repeated OLD is an error. */
		for (size_t j = 0; j < k; j++)
			if (m[j].from == m[k].from)
				goto bad;
		k++;
		if (!*end)
			break;
		if (*end != ',')
			goto bad;
		p = end + 1;
	}
	*map = m;
	*n = k;
	return 0;
bad:
	free(m);
	return -EINVAL;
}
