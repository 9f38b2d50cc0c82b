// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * ptimer_dump_pid(): read a live process's timers.  The IDs, clocks and
 * notification come from /proc/PID/timers; the values and overruns need
 * timer_gettime() and timer_getoverrun() run inside the target, all of
 * them in one batch so that the target is stopped as briefly as possible.
 */
#include <errno.h>
#include <limits.h>
#include <stdint.h>
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
#include "proc_head.h"
#include "rearm.h"
#include "stamp.h"

/* What the stopped read learnt of the candidates it could not see. */
#define CAND_GONE		1u	/* timer_gettime() said EINVAL: deleted */
#define CAND_UNNAMED		2u	/* its CPU clock's owner has no name here */

/* A timer's value_ns while a disarming dump has not read (and disarmed) it */
#define TIMER_UNREAD		(-1)

/*
 * What rides with the last batch that reads the POSIX timers, so that a
 * small dump is a single round trip: the state of the prctl, and the
 * other kinds' calls (kinds_dump_fill()).
 */
struct riders {
	long prctl_ret;		/* LONG_MIN until asked */
	unsigned int kinds;	/* the context's kinds */
	/* Disarming: where the other kinds' disarm notes what it disarmed */
	struct ptimer_dump *rearm;
	bool kinds_done;	/* the kinds rode, and were collected */
};

/*
 * Per timer: two calls, and a struct itimerspec for the result.  The
 * first piece's batch opens with the stamp's call (stamp.c).
 */
struct dump_layout {
	size_t batch_len;
	uint64_t batch;		/* remote address of the batch */
	uint64_t values;	/* remote array of struct itimerspec */
	uint64_t zero;		/* a zero itimerspec, for --disarm */
	uint64_t stamp;		/* the target's clock reading */
	uint64_t kinds;		/* the riding kinds' data */
	size_t total;
};

/* Room for @nriders calls more: the prctl and the other kinds' calls. */
static void plan_layout(struct dump_layout *l, size_t ntimers, size_t nriders, uint64_t base)
{
	l->batch_len = sizeof(struct blob_batch) +
		       (STAMP_CALLS + 2 * ntimers + nriders) * sizeof(struct blob_call);
	l->batch = base;
	l->values = base + l->batch_len;
	l->zero = l->values + ntimers * sizeof(struct itimerspec);
	l->stamp = l->zero + sizeof(struct itimerspec);
	l->kinds = l->stamp + STAMP_LEN;
	l->total = l->kinds - base;
}

/* The timers' calls from @calls on, then the prctl's if asked; their count. */
static size_t fill_calls(struct blob_call *calls, const struct ptimer_dump *dump,
			 const struct dump_layout *l, bool disarm, bool ask_prctl)
{
	if (ask_prctl)
		target_call_get_restore_ids(&calls[2 * dump->ntimers]);
	for (size_t i = 0; i < dump->ntimers; i++) {
		struct blob_call *get = &calls[2 * i];
		struct blob_call *ovr = &calls[2 * i + 1];
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
	return 2 * dump->ntimers + ask_prctl;
}

static int collect_values(struct target *t, struct ptimer_dump *dump,
			  const struct blob_call *calls, const struct dump_layout *l,
			  size_t tentative, uint8_t *cand)
{
	struct itimerspec *values;
	int ret;

	values = calloc(dump->ntimers, sizeof(*values));
	if (!values)
		return -ENOMEM;
	ret = target_read(t, l->values, values, dump->ntimers * sizeof(*values));
	if (ret)
		goto free_values;
	/* Past a failure too: a disarming dump must know every timer it disarmed. */
	for (size_t i = 0; i < dump->ntimers; i++) {
		struct ptimer_timer *tm = &dump->timers[i];
		int64_t get = calls[2 * i].ret, ovr = calls[2 * i + 1].ret;

		/* A candidate deleted since it was seen: no such timer now. */
		if (i >= tentative && get == -EINVAL) {
			cand[i - tentative] |= CAND_GONE;
			continue;
		}
		if (get >= 0) {
			tm->value_ns = ts_to_ns(&values[i].it_value);
			tm->interval_ns = ts_to_ns(&values[i].it_interval);
		}
		if ((get < 0 || ovr < 0) && !ret)
			ret = ctx_set_error(t->ctx, (int)(get < 0 ? get : ovr),
					    "reading timer %d of pid %d", tm->id, t->pid);
		tm->overrun = (int)ovr;
	}
free_values:
	free(values);
	return ret;
}

/* The riders' calls, after the timers' own and the prctl. */
static size_t riding_calls(const struct ptimer_dump *dump, const struct riders *rd)
{
	return rd ? 1 + kinds_dump_ncalls(dump, rd->kinds) : 0;
}

/*
 * dump_read_values(), where the timers from index @tentative on may have
 * been deleted: those that were are flagged CAND_GONE in @cand.
 * @whole: the dump whose other kinds ride along (@rd), @dump its piece.
 */
static int read_values_once(struct target *t, struct ptimer_dump *whole,
			    struct ptimer_dump *dump, bool disarm, size_t tentative,
			    uint8_t *cand, struct riders *rd)
{
	size_t nriding = riding_calls(whole, rd);
	struct blob_call *calls;
	struct dump_layout l;
	struct blob_batch *b;
	struct itimerspec zero = { 0 };
	struct stamp stamp;
	int ret;

	if (!dump->ntimers)
		return 0;
	plan_layout(&l, dump->ntimers, nriding, target_scratch(t));
	b = calloc(1, l.batch_len);
	if (!b)
		return -ENOMEM;
	/* What the timers had left is "as of" the stamp, taken first. */
	b->count = stamp_prepare(&stamp, whole, b->calls, l.stamp);
	calls = b->calls + b->count;
	b->count += fill_calls(calls, dump, &l, disarm, rd);
	ret = target_write(t, l.zero, &zero, sizeof(zero));
	if (!ret && nriding > 1) {
		ret = kinds_dump_fill(t, whole, rd->kinds, &b->calls[b->count], l.kinds,
				      l.batch);
		b->count += nriding - 1;
	}
	if (ret)
		goto free_batch;
	stamp_begin(&stamp);
	ret = target_batch(t, b, l.batch);
	if (ret) {
		/*
		 * Stopped part-way (past the timeout): the calls that ran are
		 * known (inject.h), and each disarm that did keeps the setting
		 * it read, to be re-armed with (undo_disarm()).
		 */
		if (disarm)
			collect_values(t, dump, calls, &l, tentative, cand);
		ctx_set_error(t->ctx, ret, "running the read batch in pid %d", t->pid);
		goto free_batch;
	}
	if (b->done != b->count) {
		ret = ctx_set_error(t->ctx, -EIO, "read batch stopped after %llu of %llu calls",
				    (unsigned long long)b->done, (unsigned long long)b->count);
		goto free_batch;
	}
	stamp_end(t, &stamp, b->calls, whole);
	ret = collect_values(t, dump, calls, &l, tentative, cand);
	if (ret || !rd)
		goto free_batch;
	rd->prctl_ret = (long)calls[2 * dump->ntimers].ret;
	if (nriding > 1) {
		ret = kinds_dump_collect(t, whole, rd->kinds, rd->rearm,
					 &calls[2 * dump->ntimers + 1], l.kinds, l.batch);
		rd->kinds_done = true;
	}
free_batch:
	free(b);
	return ret;
}

/*
 * The same in pieces of at most @cap timers, the size the scratch region
 * was planned for.  @rd: what rides with the last piece; untouched if
 * there was none.
 */
static int read_values(struct target *t, struct ptimer_dump *dump, bool disarm,
		       size_t tentative, uint8_t *cand, size_t cap, struct riders *rd)
{
	int ret = 0;

	if (!cap)
		return -EINVAL;
	/* Unread until read: so a failed disarming dump knows what it disarmed. */
	for (size_t i = 0; disarm && i < dump->ntimers; i++)
		dump->timers[i].value_ns = TIMER_UNREAD;
	for (size_t k = 0; k < dump->ntimers && !ret; k += cap) {
		struct ptimer_dump piece = {
			.timers = dump->timers + k,
			.ntimers = dump->ntimers - k < cap ? dump->ntimers - k : cap,
		};
		size_t local = tentative > k ? tentative - k : 0;

		ret = read_values_once(t, dump, &piece, disarm, local,
				       cand ? cand + (k + local - tentative) : NULL,
				       k + piece.ntimers == dump->ntimers ? rd : NULL);
	}
	return ret;
}

int dump_read_values(struct target *t, struct ptimer_dump *dump, bool disarm, size_t cap)
{
	return read_values(t, dump, disarm, SIZE_MAX, NULL, cap, NULL);
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

/* What needs no stop: done before it. */
static void fill_identity(struct target *t, struct ptimer_dump *dump)
{
	struct utsname u;

	dump->pid = t->pid;
	snprintf(dump->comm, sizeof(dump->comm), "%s", t->status.comm);
	if (uname(&u) == 0) {
		snprintf(dump->kernel_release, sizeof(dump->kernel_release), "%.64s", u.release);
		snprintf(dump->arch, sizeof(dump->arch), "%.16s", u.machine);
	}
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
static int translate_cpu_clocks(struct target *t, struct ptimer_dump *dump,
				const pid_t *tids, size_t nthreads, size_t tentative, uint8_t *cand)
{
	pid_t *ns_tids;
	int levels = 1, ret = 0;
	size_t k;

	/* Most processes have no such timer: spare the stopped target a read per thread. */
	for (k = 0; k < dump->ntimers; k++)
		if (ptimer_clock_is_cpu(dump->timers[k].clockid) &&
		    ptimer_cpu_clock_pid(dump->timers[k].clockid))
			break;
	if (k == dump->ntimers)
		return 0;
	ns_tids = calloc(nthreads ? nthreads : 1, sizeof(*ns_tids));
	if (!ns_tids)
		return -ENOMEM;
	for (size_t i = 0; i < nthreads && !ret; i++) {
		int lv;

		ret = procfs_nspid(t->dirfd, tids[i], &ns_tids[i], &lv);
		if (ret)
			ret = ctx_set_error(t->ctx, ret, "cannot read the namespace id of tid %d",
					    tids[i]);
		else if (!i)
			levels = lv;
	}
	/* In the namespace of this /proc: nothing to translate. */
	for (k = 0; k < dump->ntimers && !ret && levels > 1; k++) {
		struct ptimer_timer *tm = &dump->timers[k];
		pid_t owner = ptimer_cpu_clock_pid(tm->clockid);
		size_t i;

		/* pid 0 is "the caller", in every namespace. */
		if (!ptimer_clock_is_cpu(tm->clockid) || !owner)
			continue;
		for (i = 0; i < nthreads && ns_tids[i] != owner; i++)
			;
		/* A candidate may be gone: say so only if the batch finds it. */
		if (i == nthreads && k >= tentative) {
			cand[k - tentative] |= CAND_UNNAMED;
			continue;
		}
		if (i == nthreads) {
			ret = ctx_set_error(t->ctx, -EOPNOTSUPP, "timer %d of pid %d measures"
					    " the CPU time of pid %d of its pid namespace, which"
					    " is not one of its threads and has no name here",
					    tm->id, t->pid, owner);
			break;
		}
		tm->clockid = ptimer_cpu_clock_make(tids[i],
						    ptimer_cpu_clock_is_thread(tm->clockid),
						    ptimer_cpu_clock_which(tm->clockid));
	}
	free(ns_tids);
	return ret;
}

size_t dump_scratch_size(size_t ntimers)
{
	struct dump_layout l;

	plan_layout(&l, ntimers, 1, 0);
	return l.total;
}

/*
 * The data of a dump's job with @ntimers POSIX timers and @ntimerfds
 * timerfds (or descriptors to probe): the POSIX timers' batch, with the
 * other kinds riding along and the prctl, then the other kinds' data
 * (their later batches run where the POSIX timers' did); with no POSIX
 * timer, only the other kinds' own batch and data, as they then run alone.
 */
static size_t job_scratch(size_t ntimers, unsigned int kinds, size_t ntimerfds)
{
	struct dump_layout l;

	if (!ntimers)
		return kinds_dump_scratch_for(ntimerfds, false);
	plan_layout(&l, ntimers, 1 + kinds_dump_ncalls_for(kinds, ntimerfds), 0);
	return l.total + kinds_dump_scratch_for(ntimerfds, true);
}

/*
 * How many descriptors a job of @ntimers POSIX timers may probe and keep
 * its data on the thread's stack for sure; any number when it cannot be
 * there even without them (dump_kinds.c, probe_fds()).  In between, where
 * the stack pointer's alignment decides, none.
 */
static struct probe_policy probe_policy(bool may, size_t ntimers, unsigned int kinds)
{
	struct probe_policy pp = { .may = may };
	size_t sure = inject_stack_room(true), base = job_scratch(ntimers, kinds, 0);
	size_t each = job_scratch(ntimers, kinds, 1) - base;

	if (base > inject_stack_room(false))
		pp.stack_fits = SIZE_MAX;
	else
		pp.stack_fits = base > sure ? 0 : (sure - base) / each;
	return pp;
}

/*
 * The stopped read of the head did not add up (see proc_head.c): read the
 * whole file, still stopped, and the values of the timers not read yet;
 * those read already, and perhaps disarmed, keep what was read.
 */
static int read_full_stopped(struct target *t, struct ptimer_dump *dump, bool disarm,
			     size_t cap)
{
	struct ptimer_dump *full, *missing;
	int ret;

	full = ptimer_dump_new();
	missing = ptimer_dump_new();
	if (!full || !missing) {
		ret = -ENOMEM;
		goto free_dumps;
	}
	ret = dump_read_proc(t, full);
	if (ret)
		goto free_dumps;
	ptimer_dump_sort(dump);
	for (size_t i = 0; i < full->ntimers && !ret; i++) {
		struct ptimer_timer *have = timers_find_id(dump->timers, dump->ntimers,
							   full->timers[i].id);

		if (have)
			full->timers[i] = *have;
		else
			ret = ptimer_dump_add_timer(missing, &full->timers[i]);
	}
	if (!ret)
		ret = translate_cpu_clocks(t, missing, dump->tids, dump->nthreads, SIZE_MAX, NULL);
	if (!ret)
		ret = read_values(t, missing, disarm, SIZE_MAX, NULL, cap, NULL);
	for (size_t i = 0; i < missing->ntimers && !ret; i++) {
		struct ptimer_timer *slot = timers_find_id(full->timers, full->ntimers,
							   missing->timers[i].id);

		*slot = missing->timers[i];
	}
	if (!ret) {
		struct ptimer_timer *swap = dump->timers;

		dump->timers = full->timers;
		dump->ntimers = full->ntimers;
		full->timers = swap;
	}
free_dumps:
	ptimer_dump_free(missing);
	ptimer_dump_free(full);
	return ret;
}

/*
 * Drop the candidates the batch found deleted, and check that the others
 * with the head are the whole file.  Returns 1 when they are not.
 */
static int settle_candidates(struct target *t, struct ptimer_dump *dump, struct proc_head *h,
			     const uint8_t *cand, bool alive_known)
{
	uint64_t bytes = h->head_bytes;
	size_t n = h->nexact, gone = 0;

	for (size_t i = h->nexact; i < dump->ntimers; i++) {
		uint8_t c = cand[i - h->nexact];

		if (c & CAND_GONE) {
			gone++;
			continue;
		}
		if (c & CAND_UNNAMED)
			return ctx_set_error(t->ctx, -EOPNOTSUPP, "timer %d of pid %d measures"
					     " the CPU time of a thread of its pid namespace that"
					     " is not one of its threads and has no name here",
					     dump->timers[i].id, t->pid);
		bytes += h->cand_len[i - h->nexact];
		dump->timers[n++] = dump->timers[i];
	}
	dump->ntimers = n;
	/* Every candidate known alive: the count is proof enough (proc_head.c). */
	if (alive_known && !gone && proc_head_counted(h, dump)) {
		dbg(t->ctx, "/proc/%d/timers: the head and %zu candidates are all of it"
		    " (by count, %zu past the old end)", t->pid, n - h->nexact, h->probed);
		return 0;
	}
	return proc_head_exact(h, bytes) ? 0 : 1;
}

/* The target's timers read exactly while it is stopped: see proc_head.c. */
struct exact_read {
	struct proc_head h;
	uint8_t *cand;		/* per candidate, CAND_* */
	bool disarming;		/* a disarming read has begun */
};

/* Stopped, before any injection: the head, and the candidates after it. */
static int exact_begin(struct target *t, struct proc_preread *pr, struct ptimer_dump *dump,
		       struct exact_read *x)
{
	int ret;

	x->cand = NULL;
	ret = proc_head_read(t->dirfd, pr, dump, &x->h);
	if (ret == -ENOMEM)
		return ret;
	if (ret && x->h.err_line)
		return ctx_set_error(t->ctx, ret, "/proc/%d/timers: cannot parse line %u",
				     t->pid, x->h.err_line);
	if (ret)
		return ctx_set_error(t->ctx, ret, "cannot read /proc/%d/timers", t->pid);
	x->cand = calloc(dump->ntimers - x->h.nexact + 1, 1);
	return x->cand ? 0 : -ENOMEM;
}

/*
 * With injection begun, its scratch planned for @cap timers: the values,
 * the deleted candidates dropped, and the result checked, or the whole
 * file read if it does not add up.  Sorted by id.
 *
 * Without @values the candidates are not read at all: the length check
 * alone stands for them.  A candidate deleted since the read before the
 * stop leaves the file shorter than the head and the candidates add up
 * to (each timer's line is fixed for its life, and a timer made since is
 * in the head), so it fails, and the whole file is read, with values.
 * Unless a record that the read before the stop skipped (it ran while
 * the list changed) makes up for it byte for byte: then the list has a
 * timer that is not there and lacks one that is.  A restore, the one
 * caller without values, fails safely on either when it is one it wants
 * (timer_settime() or timer_gettime() answers EINVAL, timer_create()
 * EBUSY) and rolls back; the others it leaves alone, rightly.
 */
static int exact_finish(struct target *t, struct ptimer_dump *dump, bool disarm, bool values,
			size_t cap, struct exact_read *x, struct riders *rd)
{
	/*
	 * A disarming dump changes nothing until the list is known to be
	 * exact, as when it read all of /proc first: unless the head was the
	 * whole file, the candidates are checked with a reading batch, and
	 * the disarming one runs over the settled list.
	 */
	bool settle_first = disarm && !x->h.complete;
	int ret;

	x->disarming = values && disarm && !settle_first;
	ret = values ? read_values(t, dump, disarm && !settle_first, x->h.nexact, x->cand, cap,
				   settle_first ? NULL : rd) : 0;
	if (!ret)
		ret = settle_candidates(t, dump, &x->h, x->cand, values);
	if (ret == 1) {
		dbg(t->ctx, "the head of /proc/%d/timers did not add up: reading all of it",
		    t->pid);
		ret = read_full_stopped(t, dump, disarm && !settle_first, cap);
	}
	/* The values kept are the disarming batch's: so is the stamp. */
	if (!ret && settle_first) {
		dump->realtime_ns = 0;
		x->disarming = true;
		ret = read_values(t, dump, true, SIZE_MAX, NULL, cap, rd);
	}
	if (!ret)
		ptimer_dump_sort(dump);
	return ret;
}

static void exact_end(struct target *t, struct exact_read *x)
{
	free(x->cand);
	x->cand = NULL;
	target_close_later(t, x->h.fd);
	x->h.fd = -1;
	proc_head_close(&x->h);
}

int dump_read_existing(struct target *t, struct proc_preread *pr, struct ptimer_dump *dump,
		       size_t cap, bool values)
{
	struct exact_read x = { .h.fd = -1 };
	int ret;

	ret = exact_begin(t, pr, dump, &x);
	if (!ret)
		ret = exact_finish(t, dump, false, values, cap, &x, NULL);
	exact_end(t, &x);
	return ret;
}

/* The timers @part holds, of every kind. */
static size_t count_timers(const struct ptimer_dump *part)
{
	size_t nitimers, ntimerfds;

	ptimer_dump_itimers(part, &nitimers);
	ptimer_dump_timerfds(part, &ntimerfds);
	return part->ntimers + nitimers + ntimerfds;
}

/*
 * A disarming dump that failed: to @part, which holds the other kinds'
 * timers it disarmed already (dump_kinds.c, disarm_kinds()), the POSIX
 * timers it disarmed, with the settings they had, and their signals,
 * which the disarm left stale (see restore_kinds.c, queue_signals()): a
 * dump for ptimer_rearm_pid(), or NULL if it disarmed none.  A timer
 * whose setting is unknown is left out: re-arming it with a guess would
 * be worse.
 */
static struct ptimer_dump *disarmed_part(const struct ptimer_dump *dump, struct ptimer_dump *part)
{
	const struct ptimer_pending_signal *sigs;
	size_t nsigs;
	int ret = 0;

	part->pid = dump->pid;
	/*
	 * The re-arm takes off the time since the stamp (restore.c).  What
	 * each value had left is known as of some moment of a batch that
	 * failed, and of the dump's stamp only for the batch that took it: so
	 * stamped now, after every read, each timer comes back late by at most
	 * the failed batch, and none early.
	 */
	stamp_here(part);
	part->nthreads = dump->nthreads;
	part->tids = calloc(dump->nthreads + 1, sizeof(*part->tids));
	if (!part->tids)
		goto free_part;
	memcpy(part->tids, dump->tids, dump->nthreads * sizeof(*part->tids));
	ptimer_dump_set_kinds(part, ptimer_dump_kinds(part) | PTIMER_KIND_POSIX |
			      PTIMER_KIND_SIGNALS);
	for (size_t i = 0; !ret && i < dump->ntimers; i++)
		if (dump->timers[i].value_ns != TIMER_UNREAD)
			ret = ptimer_dump_add_timer(part, &dump->timers[i]);
	/* In /proc's order still, newest first: sorted for the search. */
	ptimer_dump_sort(part);
	sigs = ptimer_dump_signals(dump, &nsigs);
	for (size_t k = 0; !ret && k < nsigs; k++)
		if (timers_find_id(part->timers, part->ntimers, sigs[k].timerid))
			ret = ptimer_dump_add_signal(part, &sigs[k]);
	if (!ret && count_timers(part))
		return part;
free_part:
	ptimer_dump_free(part);
	return NULL;
}

/*
 * Put back what a failed disarming dump disarmed, once the target is let
 * go: a ptimer_rearm_pid() of @part, as after a dump that cannot be
 * written.  The message keeps the failure, and says how the undo went.
 */
static void undo_disarm(struct ptimer_ctx *ctx, pid_t pid, unsigned int flags,
			struct ptimer_dump *part, int err)
{
	char failure[sizeof(ctx->last_error) + 16], why[sizeof(ctx->last_error) + 64];
	const char *what = part->ntimers == count_timers(part) ? "POSIX timer" : "timer";
	size_t n = count_timers(part), ngone;
	int ret;

	/* A timeout's detail says so itself (as say_rolled_back() does in restore.c). */
	if (!ctx->last_error[0])
		snprintf(failure, sizeof(failure), "%s", ptimer_strerror(err));
	else
		snprintf(failure, sizeof(failure), "%s%s", ctx->last_error,
			 err == -ETIMEDOUT ? ": timed out" : "");
	ret = rearm_pid(ctx, pid, part, flags & (PTIMER_DUMP_SUSPEND_SECCOMP |
						 PTIMER_DUMP_KEEP_SECCOMP), &ngone);
	/* Nested in the dump's message, which the caller ends with the dump's errno: its own */
	if (ctx->last_error[0])
		snprintf(why, sizeof(why), "%s: %s", ctx->last_error, ptimer_strerror(ret));
	else
		snprintf(why, sizeof(why), "%s", ptimer_strerror(ret));
	if (ret)
		ctx_set_error(ctx, err, "%s; re-arming the %zu %s%s it had disarmed failed: %s",
			      failure, n, what, n == 1 ? "" : "s", why);
	else if (!ngone)
		ctx_set_error(ctx, err, "%s; the %zu %s%s it had disarmed %s re-armed",
			      failure, n, what, n == 1 ? "" : "s", n == 1 ? "was" : "were");
	else	/* the warnings name the gone ones */
		ctx_set_error(ctx, err, "%s; of the %zu %s%s it had disarmed, %zu %s re-armed,"
			      " and %zu %s gone since", failure, n, what, n == 1 ? "" : "s",
			      n - ngone, n - ngone == 1 ? "was" : "were", ngone,
			      ngone == 1 ? "was" : "were");
}

static void say_left_as_it_was(struct ptimer_ctx *ctx, pid_t pid, int err)
{
	char what[sizeof(ctx->last_error)];

	snprintf(what, sizeof(what), "%s", ctx->last_error);
	ctx_set_error(ctx, err, "%s: timed out; pid %d was left as it was", what, pid);
}

/*
 * Read through the live threads, recorded with the leader first, even
 * exited, as /proc lists it and as threads map (remap.c): a dump of a
 * process whose leader exited named its first live thread as the leader.
 */
static int record_threads(struct target *t, struct ptimer_dump *dump)
{
	size_t n;
	pid_t *tids;
	int ret;

	ret = target_threads_by_position(t, &tids, &n);
	if (ret)
		return ret;
	free(dump->tids);
	dump->tids = tids;
	dump->nthreads = n;
	return 0;
}

/* Everything a dump does while it holds the target. */
static int read_attached(struct target *t, struct ptimer_dump *dump, unsigned int flags,
			 struct proc_preread *pr, bool may_probe, struct ptimer_dump **disarmed)
{
	bool disarm = flags & PTIMER_DUMP_DISARM;
	bool posix = ctx_kinds(t->ctx) & PTIMER_KIND_POSIX;
	struct exact_read x = { .h.fd = -1 };
	struct riders rd = {
		.prctl_ret = LONG_MIN,
		.kinds = ctx_kinds(t->ctx),
	};
	struct probe_policy pp;
	int ret, state = 0;
	size_t cap, nfds;

	if (disarm) {
		rd.rearm = ptimer_dump_new();
		if (!rd.rearm)
			return -ENOMEM;
	}
	/*
	 * Everything that reads only /proc, and so may fail, comes before
	 * a disarming dump changes anything.
	 */
	ret = posix ? exact_begin(t, pr, dump, &x) : 0;
	if (!ret)
		ret = target_threads(t, &dump->tids, &dump->nthreads);
	if (!ret)
		ret = translate_cpu_clocks(t, dump, dump->tids, dump->nthreads, x.h.nexact, x.cand);
	pp = probe_policy(may_probe, dump->ntimers, rd.kinds);
	/* Before any disarm, which makes a POSIX timer's queued signal stale. */
	if (!ret)
		ret = kinds_dump_read_proc(t, dump, rd.kinds, &pp);
	if (!ret)
		ret = target_check_interrupt(t);
	if (ret)
		goto end_read;
	cap = dump->ntimers ? dump->ntimers : 1;
	ptimer_dump_timerfds(dump, &nfds);
	ret = target_inject_begin(t, job_scratch(dump->ntimers, rd.kinds, nfds),
				  t->ctx->one_syscall_per_trip);
	if (!ret)
		ret = target_check_interrupt(t);
	if (!ret && posix)
		ret = exact_finish(t, dump, disarm, true, cap, &x, &rd);
	/* Without a POSIX timer to ride with, the others ask the prctl's state. */
	if (!ret && !rd.kinds_done)
		ret = kinds_dump_read_injected(t, dump, rd.kinds, rd.rearm,
					       rd.prctl_ret == LONG_MIN ? &rd.prctl_ret : NULL);
	/* Nothing was read in a batch that could take the stamp. */
	if (!ret && !dump->realtime_ns)
		stamp_here(dump);
	if (ret)
		goto end_read;
	/* Asked with a batch, unless there was none: then on its own. */
	if (rd.prctl_ret == LONG_MIN)
		ret = target_get_restore_ids(t, &state);
	else if (rd.prctl_ret < 0)
		ret = (int)rd.prctl_ret;
	else
		state = (int)rd.prctl_ret;
	dump->restore_ids_state = ret ? -1 : state;
	/* -EINVAL: the kernel (or a seccomp filter) has no such prctl. */
	if (ret && ret != -EINVAL)
		goto end_read;
	ret = record_threads(t, dump);
	if (ret)
		goto end_read;
	ctx_phase(t->ctx, PTIMER_PHASE_READ);
	/* A disarming dump has changed the target: past the point of no return. */
	if (!disarm)
		ret = target_check_interrupt(t);
end_read:
	if (ret && rd.rearm && (x.disarming || count_timers(rd.rearm)))
		*disarmed = disarmed_part(dump, rd.rearm);
	else
		ptimer_dump_free(rd.rearm);
	exact_end(t, &x);
	return ret;
}

int dump_pid(struct ptimer_ctx *ctx, pid_t pid, unsigned int flags,
	     struct ptimer_dump **out, struct ptimer_dump_stats *stats)
{
	struct ptimer_dump *dump, *disarmed = NULL;
	struct proc_preread pr = { 0 };
	struct target_stats ts;
	struct target t;
	struct probe_policy pp;
	bool may_probe;
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
	fill_identity(&t, dump);
	/* The long read, made while the target runs; see proc_head.c. */
	ret = proc_preread(t.dirfd, &pr);
	if (ret)
		goto free_dump;
	/*
	 * Descriptors may be probed in the batch (dump_kinds.c) unless
	 * disarming or under a filter left in force; the look taken before the
	 * stop follows the same choice.
	 */
	may_probe = !(flags & PTIMER_DUMP_DISARM) &&
		    target_calls_unjudged(&t, target_seccomp_from_flags(flags));
	/* With the timers the read before the stop saw, as the dump will likely have them. */
	pp = probe_policy(may_probe, pr.d && (ctx_kinds(ctx) & PTIMER_KIND_POSIX) ?
			  pr.d->ntimers : 0, ctx_kinds(ctx));
	kinds_dump_warm(&t, ctx_kinds(ctx), &pp);
	ret = target_attach(&t, target_seccomp_from_flags(flags), true);
	if (ret)
		goto free_pre;
	ret = read_attached(&t, dump, flags, &pr, may_probe, &disarmed);
	ret = target_died_or(&t, ret, "dump");
	ret = target_finish(&t, ret, "dump", &ts);
	/* After every read, and once the target runs again: an undo counts from here. */
	if (!ret)
		stamp_read_by(dump);
	if (disarmed && ret && ret != -PTIMER_ERR_TARGET_DIED)
		undo_disarm(ctx, pid, flags, disarmed, ret);
	/* Injected code past the timeout: the detail says what ran, not what became of pid. */
	else if (ret == -ETIMEDOUT)
		say_left_as_it_was(ctx, pid, ret);
	ptimer_dump_free(disarmed);
	if (stats) {
		stats->stopped_ns = ts.stopped_ns;
		stats->injected_syscalls = ts.injected_syscalls;
		stats->round_trips = ts.round_trips;
	}
free_pre:
	proc_preread_free(&pr);
free_dump:
	if (ret)
		ptimer_dump_free(dump);
	else
		*out = dump;
close_target:
	target_close(&t);
	return ret;
}
