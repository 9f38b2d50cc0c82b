// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * The kinds of timer: their names, the context's selection, and the
 * checks of a dump's itimers, timerfds and pending signals that need the
 * dump alone.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "json_fields.h"
#include "json_format.h"
#include "kabi.h"
#include "kinds.h"
#include "tid_index.h"

static const char *const kind_names[] = {
	"posix", "itimer", "timerfd", "signals",
};

static const char *const itimer_names[KITIMER_COUNT] = {
	[0] = "real",		/* ITIMER_REAL */
	[1] = "virtual",	/* ITIMER_VIRTUAL */
	[2] = "prof",		/* ITIMER_PROF */
};

/* Indexed by bit number. */
static const char *const settime_flag_names[] = { "abstime", "cancel_on_set" };

static const struct {
	unsigned int bit;
	const char *name;
} fd_flag_names[] = {
	{ KO_NONBLOCK, "nonblock" },
	{ KO_CLOEXEC, "cloexec" },
};

int ptimer_set_kinds(struct ptimer_ctx *ctx, unsigned int kinds)
{
	if (!kinds || (kinds & ~(unsigned int)PTIMER_KIND_ALL))
		return -EINVAL;
	ctx->kinds = kinds;
	return 0;
}

unsigned int ptimer_get_kinds(struct ptimer_ctx *ctx)
{
	return ctx_kinds(ctx);
}

unsigned int ctx_kinds(const struct ptimer_ctx *ctx)
{
	return ctx->kinds ? ctx->kinds : PTIMER_KIND_ALL;
}

const char *ptimer_kind_name(unsigned int kind)
{
	for (size_t i = 0; i < ARRAY_SIZE(kind_names); i++)
		if (kind == 1u << i)
			return kind_names[i];
	return NULL;
}

int ptimer_kind_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(kind_names); i++)
		if (!strcmp(kind_names[i], name))
			return 1 << i;
	return -EINVAL;
}

const char *ptimer_itimer_name(int which)
{
	if (which < 0 || which >= KITIMER_COUNT)
		return NULL;
	return itimer_names[which];
}

int ptimer_itimer_from_name(const char *name)
{
	for (int i = 0; i < KITIMER_COUNT; i++)
		if (!strcmp(itimer_names[i], name))
			return i;
	return -EINVAL;
}

const char *kinds_settime_flag_name(unsigned int bit)
{
	for (size_t i = 0; i < ARRAY_SIZE(settime_flag_names); i++)
		if (bit == 1u << i)
			return settime_flag_names[i];
	return NULL;
}

int kinds_settime_flag_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(settime_flag_names); i++)
		if (!strcmp(settime_flag_names[i], name))
			return 1 << i;
	return -EINVAL;
}

const char *kinds_fd_flag_name(unsigned int bit)
{
	for (size_t i = 0; i < ARRAY_SIZE(fd_flag_names); i++)
		if (bit == fd_flag_names[i].bit)
			return fd_flag_names[i].name;
	return NULL;
}

int kinds_fd_flag_from_name(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(fd_flag_names); i++)
		if (!strcmp(fd_flag_names[i].name, name))
			return (int)fd_flag_names[i].bit;
	return -EINVAL;
}

bool kinds_timerfd_clock_ok(int clockid)
{
	return clockid == KCLOCK_REALTIME || clockid == KCLOCK_MONOTONIC ||
	       clockid == KCLOCK_BOOTTIME || clockid == KCLOCK_REALTIME_ALARM ||
	       clockid == KCLOCK_BOOTTIME_ALARM;
}

static int itimer_cmp(const void *a, const void *b)
{
	const struct ptimer_itimer *x = a, *y = b;

	return (x->which > y->which) - (x->which < y->which);
}

static int timerfd_cmp(const void *a, const void *b)
{
	const struct ptimer_timerfd *x = a, *y = b;

	return (x->fd > y->fd) - (x->fd < y->fd);
}

void kinds_sort(struct ptimer_dump *dump)
{
	struct dump_kinds *k = dump_kinds_of(dump);

	if (k->nitimers)
		qsort(k->itimers, k->nitimers, sizeof(*k->itimers), itimer_cmp);
	if (k->ntimerfds)
		qsort(k->timerfds, k->ntimerfds, sizeof(*k->timerfds), timerfd_cmp);
}

static int validate_itimers(struct ptimer_ctx *ctx, const struct dump_kinds *k)
{
	const int bad = -PTIMER_ERR_BAD_DUMP;
	bool seen[KITIMER_COUNT] = { false };

	for (size_t i = 0; i < k->nitimers; i++) {
		const struct ptimer_itimer *it = &k->itimers[i];

		if (it->which < 0 || it->which >= KITIMER_COUNT)
			return ctx_set_error(ctx, bad, "itimers[%zu].which: %d is unknown", i,
					     it->which);
		if (seen[it->which])
			return ctx_set_error(ctx, bad, "itimers[%zu].which: duplicate \"%s\"", i,
					     itimer_names[it->which]);
		seen[it->which] = true;
		if (it->value_ns < 0 || it->value_ns > PTIMER_MAX_TIME_NS ||
		    it->interval_ns < 0 || it->interval_ns > PTIMER_MAX_TIME_NS)
			return ctx_set_error(ctx, bad, "itimers[%zu]: time out of range", i);
		if (!kinds_itimer_armed(it))
			return ctx_set_error(ctx, bad, "itimers[%zu].value_ns: 0 is only valid for"
					     " a periodic \"real\" interval timer", i);
	}
	return 0;
}

static int validate_timerfds(struct ptimer_ctx *ctx, const struct dump_kinds *k)
{
	const int bad = -PTIMER_ERR_BAD_DUMP;
	size_t dup = SIZE_MAX, first = 0;
	int ret;

	/* Sorted, not each against all the earlier ones: a server may have tens of thousands. */
	if (k->ntimerfds > 1) {
		ret = jf_find_duplicate(&k->timerfds[0].fd, sizeof(*k->timerfds), k->ntimerfds,
					&dup, &first);
		if (ret < 0)
			return ret;
	}
	for (size_t i = 0; i < k->ntimerfds; i++) {
		const struct ptimer_timerfd *t = &k->timerfds[i];

		if (t->fd < 0)
			return ctx_set_error(ctx, bad, "timerfds[%zu].fd: %d is negative", i, t->fd);
		if (i == dup)
			return ctx_set_error(ctx, bad, "timerfds[%zu].fd: duplicate fd %d"
					     " (also timerfds[%zu])", i, t->fd, first);
		if (!kinds_timerfd_clock_ok(t->clockid))
			return ctx_set_error(ctx, bad, "timerfds[%zu].clockid: %d is not a"
					     " timerfd clock", i, t->clockid);
		if (t->settime_flags & ~KTFD_SETTIME_FLAGS)
			return ctx_set_error(ctx, bad, "timerfds[%zu].settime_flags: %#x has"
					     " unknown bits", i, t->settime_flags);
		if (t->fd_flags & ~KTFD_FD_FLAGS)
			return ctx_set_error(ctx, bad, "timerfds[%zu].fd_flags: %#x has unknown"
					     " bits", i, t->fd_flags);
		if (t->value_ns < 0 || t->value_ns > PTIMER_MAX_TIME_NS ||
		    t->interval_ns < 0 || t->interval_ns > PTIMER_MAX_TIME_NS)
			return ctx_set_error(ctx, bad, "timerfds[%zu]: time out of range", i);
		if (t->ticks > INT64_MAX)
			return ctx_set_error(ctx, bad, "timerfds[%zu].ticks: out of range", i);
	}
	return 0;
}

static int validate_signals(struct ptimer_ctx *ctx, const struct ptimer_dump *d,
			    const struct dump_kinds *k)
{
	const int bad = -PTIMER_ERR_BAD_DUMP;
	struct tid_index threads = { 0 };
	size_t pos;
	int ret = 0;

	if (!k->nsignals)
		return 0;
	/* Each signal's thread found at once: signals and threads may be thousands. */
	ret = tid_index_of(&threads, d->tids, d->nthreads);
	if (ret)
		ret = ctx_set_error(ctx, ret, "indexing the threads of the dump");
	for (size_t i = 0; !ret && i < k->nsignals; i++) {
		const struct ptimer_pending_signal *s = &k->signals[i];

		if (s->signo < 1 || s->signo > KSIGMAX)
			ret = ctx_set_error(ctx, bad, "pending_signals[%zu].signal: %d is out of"
					    " range 1..%d", i, s->signo, KSIGMAX);
		else if (s->signo == SIGKILL)
			ret = ctx_set_error(ctx, bad, "pending_signals[%zu].signal: %d (SIGKILL)"
					    " is never left pending: queued, it would kill the"
					    " process", i, s->signo);
		else if (s->tid && !tid_index_find(&threads, s->tid, &pos))
			ret = ctx_set_error(ctx, bad, "pending_signals[%zu].tid: %d is not a"
					    " thread of the dump", i, s->tid);
		else if (s->tid < 0 || s->timerid < 0 || s->overrun < 0)
			ret = ctx_set_error(ctx, bad, "pending_signals[%zu]: negative value", i);
	}
	tid_index_free(&threads);
	return ret;
}

int kinds_validate(struct ptimer_ctx *ctx, const struct ptimer_dump *dump)
{
	const struct dump_kinds *k = dump_kinds_ro(dump);
	int ret;

	if (!k->kinds || (k->kinds & ~(unsigned int)PTIMER_KIND_ALL))
		return ctx_set_error(ctx, -PTIMER_ERR_BAD_DUMP, "kinds: %#x is not a set of"
				     " kinds", k->kinds);
	ret = validate_itimers(ctx, k);
	if (!ret)
		ret = validate_timerfds(ctx, k);
	if (!ret)
		ret = validate_signals(ctx, dump, k);
	return ret;
}

const struct ptimer_dump *kinds_view(const struct ptimer_dump *dump, unsigned int kinds,
				     struct dump_alloc *view)
{
	*view = *(const struct dump_alloc *)dump;
	view->k.kinds &= kinds;
	if (!(view->k.kinds & PTIMER_KIND_POSIX))
		view->pub.ntimers = 0;
	if (!(view->k.kinds & PTIMER_KIND_ITIMER))
		view->k.nitimers = 0;
	if (!(view->k.kinds & PTIMER_KIND_TIMERFD))
		view->k.ntimerfds = 0;
	if (!(view->k.kinds & PTIMER_KIND_SIGNALS))
		view->k.nsignals = 0;
	return &view->pub;
}

bool kinds_itimer_armed(const struct ptimer_itimer *it)
{
	return it->value_ns > 0 || (it->which == KITIMER_REAL && it->interval_ns > 0);
}
