// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * ptimer_restore_pid(): validate, attach, check collisions, create every
 * timer with its id, arm them, and on any failure undo all of it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/param.h>
#include <time.h>

#include "create.h"
#include "dump.h"
#include "held_signals.h"
#include "internal.h"
#include "kabi.h"
#include "kinds.h"
#include "kinds_live.h"
#include "remap.h"
#include "abi.h"
#include "proc_head.h"
#include "rearm.h"

/* glibc's SIGEV_THREAD: a THREAD_ID timer with glibc's internal signal. */
#define GLIBC_SIGTIMER 32

struct restore {
	struct ptimer_ctx *ctx;
	const struct ptimer_restore_opts *opts;
	const struct ptimer_dump *dump;
	struct target *t;
	struct ptimer_plan plan;
	/*
	 * The timers as the target must get them: remapped, ascending ids.
	 * Those to create; the others are re-armed in place (in_place.c).
	 */
	struct ptimer_timer *want;
	size_t nwant;
	struct ptimer_timer *in_place;
	size_t nin_place;
	struct creator c;
	/*
	 * Target timers to delete and replace, with their values, to put back
	 * on rollback.
	 */
	struct ptimer_dump *replaced;
	bool replaced_deleted;	/* the deletion of r->replaced was tried */
	/* The signals queued, at the stop, for those and for the in-place ones. */
	struct held_signals held;
	/* The interval timers, timerfds and pending signals. */
	struct kinds_restore *kr;
	int64_t counter_floor;	/* the counter is at least here (dry run) */
	bool floor_unsure;	/* ids far apart: the counter may have wrapped between */
	/* The target's timers read before the stop (proc_head.c). */
	struct proc_preread pre;
	/* Its threads as /proc listed them before the stop, after the timers. */
	pid_t *listed_tids;
	size_t nlisted;
	size_t read_cap;	/* timers the scratch can read the values of at once */
};

/* Whether @d has @id, asked in ascending order (timers_find_next_id()). */
static bool has_next_id(const struct ptimer_dump *d, size_t *pos, int id)
{
	return timers_find_next_id(d->timers, d->ntimers, pos, id);
}

/*
 * Whether the target's timer @have needs only re-arming to be the wanted
 * one.  Once @stopped, both are in the target's pid namespace.  Before,
 * a CPU clock's pid cannot be compared: /proc shows it as the target
 * encoded it, in its own namespace, and the wanted one names it in ours.
 * So it is taken as equal there, and the check once stopped decides.
 */
static struct ptimer_timer *in_place_twin(struct restore *r, const struct ptimer_timer *have,
					  bool stopped, size_t *pos)
{
	struct ptimer_timer *want = timers_find_next_id(r->want, r->nwant, pos, have->id);
	struct ptimer_timer h;

	if (!want)
		return NULL;
	h = *have;
	if (!stopped && ptimer_clock_is_cpu(h.clockid) && ptimer_clock_is_cpu(want->clockid) &&
	    ptimer_cpu_clock_pid(h.clockid) && ptimer_cpu_clock_pid(want->clockid))
		h.clockid = ptimer_cpu_clock_make(ptimer_cpu_clock_pid(want->clockid),
						  ptimer_cpu_clock_is_thread(h.clockid),
						  ptimer_cpu_clock_which(h.clockid));
	/*
	 * One aimed at a thread gone signals no one, as a dump's does once
	 * mapped (model.c).  Once stopped, replaced_to_target_ns() has said
	 * so, and put the others' tids in the target's namespace.
	 */
	if (!stopped && h.notify == PTIMER_NOTIFY_THREAD_ID &&
	    !tids_have(r->listed_tids, r->nlisted, h.notify_pid))
		h.notify = PTIMER_NOTIFY_NONE;
	return same_kernel_timer(&h, want) ? want : NULL;
}

/* Checks that need the dump alone; run before anything else. */
static int validate_dump(struct ptimer_ctx *ctx, const struct ptimer_dump *d)
{
	const int bad = -PTIMER_ERR_BAD_DUMP;

	if (d->version < 1 || d->version > PTIMER_FORMAT_VERSION)
		return ctx_set_error(ctx, bad, "version: %d is not supported", d->version);
	for (size_t i = 0; i < d->ntimers; i++) {
		const struct ptimer_timer *t = &d->timers[i];

		if (i && t->id <= d->timers[i - 1].id)
			return ctx_set_error(ctx, bad, "timers[%zu].id: %d is %s", i, t->id,
					     t->id == d->timers[i - 1].id ? "a duplicate" :
					     "out of order");
		if (t->id < 0)
			return ctx_set_error(ctx, bad, "timers[%zu].id: negative", i);
		if (!ptimer_clock_valid_for_timer(t->clockid))
			return ctx_set_error(ctx, bad, "timers[%zu].clockid: %d is not a"
					     " timer clock", i, t->clockid);
		if (t->value_ns < 0 || t->interval_ns < 0)
			return ctx_set_error(ctx, bad, "timers[%zu]: negative time", i);
		if (t->notify != PTIMER_NOTIFY_NONE && (t->signo < 1 || t->signo > KSIGMAX))
			return ctx_set_error(ctx, bad, "timers[%zu].signal: %d is out of"
					     " range 1..64", i, t->signo);
		if (!ptimer_notify_name(t->notify))
			return ctx_set_error(ctx, bad, "timers[%zu].notify: %d is unknown",
					     i, t->notify);
	}
	return kinds_validate(ctx, d);
}

/*
 * The timers to make (not those re-armed in place, which stay the
 * target's own) that signalled a thread gone: made with SIGEV_NONE.
 */
static void warn_exited_threads(struct restore *r)
{
	for (size_t i = 0; i < r->nwant; i++) {
		const struct ptimer_timer *t = &r->want[i];
		const struct ptimer_timer *d = timers_find_id(r->dump->timers, r->dump->ntimers,
							      t->id);

		if (t->notify == PTIMER_NOTIFY_NONE && d && timer_thread_exited(r->dump, d))
			warn(r->ctx, "timer %d signalled tid %d, which had exited when dumped:"
			     " it is made with SIGEV_NONE, which signals no one either, but"
			     " /proc shows it as such and its readings can differ (libptimer(3))",
			     t->id, d->notify_pid);
	}
}

/*
 * Said for the first such timer, and counted for the rest: a program may
 * have tens of thousands, and each warning is written while the target
 * is held.
 */
static void warn_glibc_thread_timers(struct restore *r)
{
	const struct ptimer_timer *glibc = NULL, *self_clock = NULL;
	size_t nglibc = 0, nself_clock = 0;

	for (size_t i = 0; i < r->nwant; i++) {
		const struct ptimer_timer *t = &r->want[i];

		if (t->notify == PTIMER_NOTIFY_THREAD_ID && t->signo == GLIBC_SIGTIMER) {
			if (!nglibc)
				glibc = t;
			nglibc++;
		}
		if (ptimer_clock_is_cpu(t->clockid) && ptimer_cpu_clock_is_thread(t->clockid) &&
		    ptimer_cpu_clock_pid(t->clockid) == 0) {
			if (!nself_clock)
				self_clock = t;
			nself_clock++;
		}
	}
	if (glibc)
		warn(r->ctx, "timer %d looks like a glibc SIGEV_THREAD timer: the kernel timer"
		     " is restored, but its sigval (%#llx) points into glibc's memory and"
		     " thread %d must be glibc's timer helper thread, which holds only in a"
		     " process restored from the same memory image", glibc->id,
		     (unsigned long long)glibc->sigval, glibc->notify_pid);
	if (nglibc == 2)
		warn(r->ctx, "1 more timer looks like a glibc SIGEV_THREAD timer, with the same"
		     " caveat");
	else if (nglibc > 2)
		warn(r->ctx, "%zu more timers look like glibc SIGEV_THREAD timers, with the same"
		     " caveat", nglibc - 1);
	if (self_clock)
		warn(r->ctx, "timer %d measures the CPU time of the thread that created it,"
		     " which /proc does not name; it is created in tid %d", self_clock->id,
		     r->plan.inject_tid);
	if (nself_clock == 2)
		warn(r->ctx, "1 more timer measures the CPU time of the thread that created it:"
		     " created in tid %d too", r->plan.inject_tid);
	else if (nself_clock > 2)
		warn(r->ctx, "%zu more timers measure the CPU time of the thread that created"
		     " them: created in tid %d too", nself_clock - 1, r->plan.inject_tid);
}

/*
 * A timer mapped to the target's leader when it has exited: signalling
 * it, the kernel would take it (the thread is still in the group) and
 * signal no one; on its CPU clock, which stopped with it, refuse it.
 */
static int refuse_exited_leader(struct restore *r)
{
	for (size_t i = 0; i < r->nwant; i++) {
		const struct ptimer_timer *t = &r->want[i];

		if (t->notify == PTIMER_NOTIFY_THREAD_ID &&
		    target_is_exited_leader(r->t, t->notify_pid))
			return ctx_set_error(r->ctx, -PTIMER_ERR_BAD_DUMP, "timer %d: its thread"
					     " maps to the leader of pid %d, which has exited",
					     t->id, r->t->pid);
		/* A thread's CPU clock stops with the thread: no timer can be made on it. */
		if (ptimer_clock_is_cpu(t->clockid) && ptimer_cpu_clock_is_thread(t->clockid) &&
		    target_is_exited_leader(r->t, ptimer_cpu_clock_pid(t->clockid)))
			return ctx_set_error(r->ctx, -PTIMER_ERR_BAD_DUMP, "timer %d: its clock is"
					     " the CPU clock of a thread that maps to the leader of"
					     " pid %d, which has exited", t->id, r->t->pid);
	}
	return 0;
}

/*
 * Map ids with the target's current thread list, @tids, leader first even
 * exited (target_threads_by_position()); run before and after attaching.
 */
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
	return ret ? ret : refuse_exited_leader(r);
}

static int list_threads(struct restore *r, pid_t **tids, size_t *n)
{
	int ret = procfs_list_threads(r->t->dirfd, r->t->pid, tids, n);

	return ret ? ctx_set_error(r->ctx, ret, "cannot list the threads of pid %d",
				   r->t->pid) : 0;
}

static int map_before_attach(struct restore *r)
{
	pid_t *tids;
	size_t n;
	int ret;

	ret = list_threads(r, &tids, &n);
	if (ret)
		return ret;
	ret = map_timers(r, tids, n);
	free(tids);
	return ret;
}

static int to_target_ns(struct restore *r, pid_t *tid)
{
	pid_t ns_tid;
	int ret;

	if (!target_has_thread(r->t, *tid))
		return 0;	/* another process, named by --tid-map: as given */
	ret = target_ns_tid(r->t, *tid, &ns_tid);
	if (ret)
		return ctx_set_error(r->ctx, ret, "cannot read the namespace id of tid %d", *tid);
	*tid = ns_tid;
	return 0;
}

/* A thread_id timer's tid, as seen from here, as the target's kernel reads it. */
static int notify_to_target_ns(struct restore *r, struct ptimer_timer *t)
{
	if (t->notify != PTIMER_NOTIFY_THREAD_ID)
		return 0;
	return to_target_ns(r, &t->notify_pid);
}

/*
 * A timer of the target's own, which a restore replaces, in the target's
 * namespace, as a rollback would make it again: one aimed at a thread no
 * longer there, which timer_create() would refuse, as SIGEV_NONE, which
 * signals no one either (model.c).
 */
static int replaced_to_target_ns(struct restore *r, struct ptimer_timer *t)
{
	if (t->notify == PTIMER_NOTIFY_THREAD_ID && !target_has_live_thread(r->t, t->notify_pid)) {
		t->notify = PTIMER_NOTIFY_NONE;
		return 0;
	}
	return notify_to_target_ns(r, t);
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

		ret = notify_to_target_ns(r, t);
		if (ret)
			return ret;
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
	pid_t *tids;
	size_t n;
	int ret;

	ret = target_threads_by_position(r->t, &tids, &n);
	if (ret)
		return ret;
	ret = map_timers(r, tids, n);
	free(tids);
	r->plan.inject_tid = target_inject_tid(r->t);
	return ret;
}

/* The target's ids that the dump wants; -PTIMER_ERR_ID_IN_USE unless replacing. */
static int find_collisions(struct restore *r, const struct ptimer_dump *existing,
			   struct ptimer_dump *colliding)
{
	size_t pos = 0;

	for (size_t i = 0; i < existing->ntimers; i++) {
		const struct ptimer_timer *t = &existing->timers[i];

		if (!has_next_id(r->dump, &pos, t->id))
			continue;
		if (!r->opts->replace)
			return ctx_set_error(r->ctx, -PTIMER_ERR_ID_IN_USE, "timer id %d already"
					     " exists in pid %d", t->id, r->t->pid);
		if (colliding && ptimer_dump_add_timer(colliding, t))
			return -ENOMEM;
	}
	return 0;
}

/*
 * Where the counter stands at least: past the highest id in use, as a
 * counter that never wrapped leaves it.  Ids half the space apart may
 * straddle a wrap (the low ones made after it), and the counter then
 * stand just past the low ones: no floor to refuse a walk by.
 */
static void note_counter_floor(struct restore *r, const struct ptimer_dump *existing)
{
	if (!existing->ntimers)
		return;
	r->counter_floor = ((int64_t)existing->timers[existing->ntimers - 1].id + 1) %
			   KTIMER_ID_SPACE;
	r->floor_unsure = existing->timers[existing->ntimers - 1].id - existing->timers[0].id >=
			  KTIMER_ID_SPACE / 2;
}

/* The method a restore will use, as far as can be told without attaching. */
static int planned_method(const struct restore *r, enum ptimer_method *method)
{
	struct ptimer_kernel_probe k = { .size = sizeof(k) };
	int ret;

	*method = r->opts->method;
	if (*method != PTIMER_METHOD_AUTO)
		return 0;
	ret = ptimer_probe_kernel(&k);
	if (ret)
		return ret;
	*method = k.restore_ids ? PTIMER_METHOD_PRCTL : PTIMER_METHOD_LOOP;
	return 0;
}

/*
 * Without the prctl, a replaced id, behind the target's counter since it
 * exists, can only be made again by a walk round the id space: up to 2^31
 * steps (about 20 minutes) with the target stopped, and as many again to
 * put the replaced timers back should the restore fail.  A max_steps
 * below a lap refuses that, before anything is touched: before the
 * attach with the method planned (@method NULL), and again once stopped
 * with the method chosen, for a colliding timer made in between.  A timer
 * re-armed in place is not made again.  (Before the stop the target's
 * CPU clocks are compared as it encodes them, so this may let through
 * what the check once stopped refuses, but never the reverse.)
 */
static int check_replace_walk(struct restore *r, const struct ptimer_dump *existing,
			      const enum ptimer_method *method)
{
	enum ptimer_method planned;
	bool stopped = method;
	size_t pos = 0, wpos = 0;
	int ret;

	if (!r->opts->replace || !r->opts->max_steps || r->opts->max_steps >= KTIMER_ID_SPACE)
		return 0;
	for (size_t i = 0; i < existing->ntimers; i++) {
		int id = existing->timers[i].id;

		if (!has_next_id(r->dump, &pos, id) ||
		    in_place_twin(r, &existing->timers[i], stopped, &wpos))
			continue;
		if (!method) {
			ret = planned_method(r, &planned);
			if (ret)
				return ret;
			method = &planned;
		}
		if (*method != PTIMER_METHOD_LOOP)
			return 0;
		return ctx_set_error(r->ctx, -PTIMER_ERR_WALK_TOO_LONG, "replacing timer id %d"
				     " of pid %d by a walk needs up to %lld steps round the id"
				     " space, the target stopped throughout; the limit is %llu",
				     id, r->t->pid, (long long)KTIMER_ID_SPACE,
				     (unsigned long long)r->opts->max_steps);
	}
	return 0;
}

/*
 * Move each wanted timer that one of @have, the target's, already is but
 * for its setting, from r->want to r->in_place, and drop it from @have.
 */
static int take_in_place(struct restore *r, struct ptimer_dump *have, bool stopped)
{
	size_t k = 0, w = 0, pos = 0;
	bool *moved;

	moved = calloc(r->nwant + 1, sizeof(*moved));
	if (!moved)
		return -ENOMEM;
	for (size_t i = 0; i < have->ntimers; i++) {
		struct ptimer_timer *want = in_place_twin(r, &have->timers[i], stopped, &pos);

		if (want) {
			moved[want - r->want] = true;
			r->in_place[r->nin_place++] = *want;
			continue;
		}
		have->timers[k++] = have->timers[i];
	}
	have->ntimers = k;
	for (size_t i = 0; i < r->nwant; i++)
		if (!moved[i])
			r->want[w++] = r->want[i];
	r->nwant = w;
	free(moved);
	return 0;
}

/*
 * Room in the scratch for timers made between the read before the stop
 * and the stop; more only cost another round trip (dump.c reads in
 * pieces).  Small, so that a small restore's data fits on the stack
 * (inject.c).
 */
#define READ_CAP_SPARE	16

/*
 * Before the attach: read the target's timers, which spares reading them
 * all again once it is stopped, and check them against the dump; the
 * first collision is an error unless replacing.  Needs only /proc.
 */
static int precheck_collisions(struct restore *r)
{
	struct ptimer_dump *existing;
	int ret;

	ret = proc_preread(r->t->dirfd, &r->pre);
	if (ret)
		return ret;
	/*
	 * The threads again, after the timers (the mapping listed them
	 * before): one that exits in between is then gone from both, as it
	 * is once stopped, so that its timers are not taken for a live
	 * thread's here and for a gone one's then (in_place_twin()).
	 */
	ret = list_threads(r, &r->listed_tids, &r->nlisted);
	if (ret)
		return ret;
	if (r->pre.d) {
		existing = r->pre.d;
		r->read_cap = existing->ntimers + READ_CAP_SPARE;
	} else {
		/* Read again, for what the read that saw something odd would say. */
		existing = ptimer_dump_new();
		if (!existing)
			return -ENOMEM;
		ret = dump_read_proc(r->t, existing);
		r->read_cap = existing->ntimers + READ_CAP_SPARE;
	}
	if (r->read_cap < r->nwant)
		r->read_cap = r->nwant;
	if (!ret) {
		note_counter_floor(r, existing);
		ret = find_collisions(r, existing, NULL);
	}
	if (!ret)
		ret = check_replace_walk(r, existing, NULL);
	/* A dry run plans no walk to what it would re-arm in place. */
	if (!ret && r->opts->dry_run && r->opts->replace)
		ret = take_in_place(r, existing, false);
	if (existing != r->pre.d)
		ptimer_dump_free(existing);
	return ret;
}

/*
 * The signals that the colliding timers, r->replaced, have queued
 * (held_signals.c), which deleting or re-arming them makes stale: read
 * once stopped, for the room a rollback needs, and again just before @n
 * @timers of those change (deleted, or re-armed in place once the rest
 * is made, maybe after a long walk).  The timers run while the target is
 * stopped: a re-read holds the signal of one that has fired since, or a
 * rollback would not give it back.
 */
static int hold_signals(struct restore *r, const struct ptimer_timer *timers, size_t n)
{
	int ret = held_signals_read_again(r->t, timers, n, &r->held);

	if (!ret && r->held.n)
		kinds_restore_set_held(r->kr, &r->held);
	return ret;
}

/*
 * Should the restore fail, a rollback creates each deleted timer again
 * beside its stale signal, which keeps its place in RLIMIT_SIGPENDING
 * till delivered, and, where the kernel drops stale signals, queues each
 * such signal again: room for both is asked now, while refusing changes
 * nothing.
 */
static int check_room_to_roll_back(struct restore *r)
{
	unsigned long long queued, limit, need;
	size_t n, ndel, nin_place;
	int ret;

	if (!r->held.n)
		return 0;
	ndel = held_signals_timers(&r->held, r->replaced->timers, r->replaced->ntimers);
	nin_place = held_signals_timers(&r->held, r->in_place, r->nin_place);
	/* A timer re-armed in place is not made again: only its signal is queued again. */
	need = r->held.drops_stale ? 2 * ndel + nin_place : ndel;
	n = ndel + nin_place;
	if (!need)
		return 0;
	ret = procfs_sigq(r->t->dirfd, &queued, &limit);
	if (ret)
		return ctx_set_error(r->ctx, ret, "cannot read SigQ of /proc/%d/status", r->t->pid);
	if (queued + need <= limit)
		return 0;
	return ctx_set_error(r->ctx, -EAGAIN, "%zu timers of pid %d that --replace changes have"
			     " a signal queued; putting them back should the restore fail needs"
			     " %llu more of RLIMIT_SIGPENDING, and its user has %llu of %llu"
			     " queued (raise it with prlimit --pid %d --sigpending=%llu)", n,
			     r->t->pid, need, queued, limit, r->t->pid, queued + need);
}

/*
 * A timer of the target on the CPU clock of "the thread that created it"
 * cannot be deleted: which thread that was, /proc does not say, so a
 * rollback would make it again on the thread we inject into, measuring
 * another thread's time.  Only re-armed in place (in_place.c) may it be
 * replaced.
 */
static int refuse_unnamed_thread_clocks(struct restore *r)
{
	for (size_t i = 0; i < r->replaced->ntimers; i++) {
		const struct ptimer_timer *t = &r->replaced->timers[i];

		if (ptimer_clock_is_cpu(t->clockid) && ptimer_cpu_clock_is_thread(t->clockid) &&
		    !ptimer_cpu_clock_pid(t->clockid))
			return ctx_set_error(r->ctx, -PTIMER_ERR_ID_IN_USE, "timer id %d of pid %d"
					     " measures the CPU time of the thread that created it,"
					     " which /proc does not name: should the restore fail it"
					     " could not be made again, so --replace re-arms it in"
					     " place or not at all, and the dump's timer of that id"
					     " differs from it", t->id, r->t->pid);
	}
	return 0;
}

/*
 * Keep in @replaced only the timers that are gone: those a refused or
 * cut-short deletion left are the program's still, unchanged, with their
 * queued signals live, and a rollback that made them again (EBUSY) or
 * queued those signals again would harm them.  @deleted is in the order
 * of deletion, newest first.
 */
static void keep_deleted(struct ptimer_dump *replaced, const bool *deleted)
{
	size_t n = replaced->ntimers, k = 0;

	for (size_t i = 0; i < n; i++)
		if (deleted[n - 1 - i])
			replaced->timers[k++] = replaced->timers[i];
	replaced->ntimers = k;
}

/*
 * With the target stopped: its timers exactly, and those the dump wants.
 * When replacing, those that are already the wanted timer but for their
 * setting are left to be re-armed in place; the others go into
 * r->replaced with their values (to put back on failure) and are
 * deleted.  Else the first is an error.
 */
static int stopped_collisions(struct restore *r)
{
	struct ptimer_dump *existing;
	bool *deleted = NULL;
	int *ids = NULL;
	int ret;

	existing = ptimer_dump_new();
	if (r->opts->replace)
		r->replaced = ptimer_dump_new();
	if (!existing || (r->opts->replace && !r->replaced)) {
		ret = -ENOMEM;
		goto free_existing;
	}
	/* Values only for the timers deleted, read once those are known. */
	ret = dump_read_existing(r->t, &r->pre, existing, r->read_cap, false);
	if (!ret)
		ret = find_collisions(r, existing, r->replaced);
	if (ret || !r->replaced || !r->replaced->ntimers)
		goto free_existing;
	/*
	 * Compared with the wanted timers, and made again by a rollback, in
	 * the target's namespace.  This /proc shows a thread_id timer's tid
	 * in ours, and a CPU clock as the process encoded it, in its own.
	 */
	for (size_t i = 0; !ret && i < r->replaced->ntimers; i++)
		ret = replaced_to_target_ns(r, &r->replaced->timers[i]);
	if (!ret)
		ret = hold_signals(r, r->replaced->timers, r->replaced->ntimers);
	if (!ret)
		ret = take_in_place(r, r->replaced, true);
	if (!ret)
		ret = refuse_unnamed_thread_clocks(r);
	if (!ret)
		ret = check_replace_walk(r, r->replaced, &r->plan.method);
	if (!ret)
		ret = dump_read_values(r->t, r->replaced, false, r->read_cap);
	if (!ret)
		ret = hold_signals(r, r->replaced->timers, r->replaced->ntimers);
	if (!ret)
		ret = check_room_to_roll_back(r);
	if (ret || !r->replaced->ntimers)
		goto free_existing;
	ids = calloc(r->replaced->ntimers, sizeof(*ids));
	deleted = calloc(r->replaced->ntimers, sizeof(*deleted));
	if (!ids || !deleted) {
		ret = -ENOMEM;
		goto free_ids;
	}
	/*
	 * Newest first, which the counter makes the highest ids: the kernel
	 * keeps a new timer at the head of its hash chain, so each is found
	 * at once once the newer ones are gone, where oldest first would
	 * walk every chain.  (Deleting each in the window that creates it
	 * again was slower still: it leaves the chains full for the creations.)
	 */
	for (size_t i = 0; i < r->replaced->ntimers; i++)
		ids[i] = r->replaced->timers[r->replaced->ntimers - 1 - i].id;
	r->replaced_deleted = true;
	ret = delete_timers(&r->c, ids, r->replaced->ntimers, deleted);
	if (ret)
		ctx_set_error(r->ctx, ret, "deleting the timers that the restore replaces");
	keep_deleted(r->replaced, deleted);
	held_signals_mark_stale(&r->held, r->replaced->timers, r->replaced->ntimers);
free_ids:
	free(deleted);
	free(ids);
free_existing:
	ptimer_dump_free(existing);
	return ret;
}

/*
 * The deleted timers' signals queued again, last, once the timers are
 * back (their stale standard ones taken out before: @cleared); not those
 * whose dump's copy was queued already (the same process restored into
 * itself, failing only past the point of no return).
 */
static bool queue_held_again(struct restore *r, uint64_t cleared)
{
	size_t lost;

	lost = held_signals_queue_again(r->t, &r->held, cleared);
	if (lost)
		err(r->ctx, "rollback: %zu of the signals queued for the timers the restore"
		    " replaced could not be queued again in pid %d", lost, r->t->pid);
	return !lost;
}

/*
 * Undo: delete what we created, then put back what was replaced.
 * Whether all of it was undone; each failure is logged.
 */
static bool rollback(struct restore *r)
{
	const struct ptimer_dump *back = r->replaced;
	bool undone = kinds_restore_rollback(r->kr);
	uint64_t cleared;

	if (armed_may_have_fired(&r->c))
		err(r->ctx, "rollback: a timer armed to expire in %.1f s may have expired;"
		    " its signal stays queued in pid %d until the kernel drops it at"
		    " delivery",
		    (double)r->c.armed_min_ns / NSEC_PER_SEC, r->t->pid);
	if (delete_created(&r->c)) {
		err(r->ctx, "rollback: could not delete every created timer in pid %d",
		    r->t->pid);
		undone = false;
	}
	/*
	 * Which are queued again (those whose dump's copy was not), known
	 * before the purge: a copy it takes is put back, not left to them.
	 * Before a timer put back or made again, due at once, queues a live
	 * one a purge could take.
	 */
	kinds_restore_skip_queued(r->kr);
	cleared = r->held.n ? held_signals_clear_stale(r->t, &r->held) : 0;
	if (put_back_in_place(&r->c)) {
		err(r->ctx, "rollback: could not set back every timer re-armed in place in"
		    " pid %d", r->t->pid);
		undone = false;
	}
	if (!back || !back->ntimers || !r->replaced_deleted)
		goto queue_held;
	/*
	 * The replaced ids lie behind the counter now, and a walk to them
	 * goes all the way round the id space, so the prctl is used where
	 * the kernel has it.  No hooks: no plan, no progress and no abort
	 * while undoing.
	 */
	if (r->plan.method == PTIMER_METHOD_LOOP &&
	    choose_method(&r->c, PTIMER_METHOD_PRCTL) == -EOPNOTSUPP)
		warn(r->ctx, "putting back %zu replaced timers needs a walk round the whole"
		     " id space (about 2^31 steps)", back->ntimers);
	/*
	 * On time: what each had left when read (the batch stamped it, as a
	 * dump's), less the time since, as if the restore had never run.
	 * Frozen, it came back late by as long as the restore took.
	 */
	if (create_timers(&r->c, back->timers, back->ntimers, NULL) ||
	    arm_timers(&r->c, back, back->timers, back->ntimers, PTIMER_TIME_DEADLINE, true)) {
		err(r->ctx, "rollback: could not put back the replaced timers of pid %d",
		    r->t->pid);
		undone = false;
	}
queue_held:
	if (r->held.n && !queue_held_again(r, cleared))
		undone = false;
	return undone;
}

static size_t scratch_size(const struct restore *r)
{
	size_t a = create_scratch_size(r->nwant);
	size_t b = dump_scratch_size(r->read_cap);
	size_t c = kinds_restore_scratch_size(r->kr);
	size_t d = r->opts->replace ? held_signals_scratch_size() : 0;

	return MAX(MAX(a, b), MAX(c, d));
}

static void hooks_from_opts(struct create_hooks *h, const struct ptimer_restore_opts *o)
{
	h->on_plan = o->on_plan;
	h->on_progress = o->on_progress;
	h->data = o->data;
	h->max_steps = o->max_steps;
}

/* Map, check and choose with the target held, before anything changes. */
static int prepare_attached(struct restore *r)
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
	ret = choose_method(&r->c, r->opts->method);
	if (ret)
		return ret;
	create_layout(&r->c, target_scratch(r->t), r->nwant);
	/* Every check that may still fail, before a replaced timer is deleted. */
	ret = kinds_restore_prepare(r->kr);
	if (!ret)
		ret = stopped_collisions(r);
	if (ret)
		return ret;
	warn_exited_threads(r);
	return target_check_interrupt(r->t);
}

static int run_attached(struct restore *r)
{
	struct create_hooks hooks;
	int ret;

	ret = prepare_attached(r);
	if (ret)
		return ret;
	hooks_from_opts(&hooks, r->opts);
	/* Made, the timers due within 10 s not armed yet (create.c). */
	ret = create_armed(&r->c, r->dump, r->want, r->nwant, r->opts->time, &hooks);
	/* Made too, not armed: a timerfd's number may still not be had. */
	if (!ret)
		ret = kinds_restore_place(r->kr);
	if (!ret)
		ret = kinds_restore_signals_fit(r->kr);
	if (!ret)
		ret = target_check_interrupt(r->t);
	if (ret)
		return ret;
	/*
	 * Only arming from here on.  A timer that comes due now queues its
	 * signal, and no rollback takes that back: so nothing that can fail
	 * for another reason comes after.  The itimers last: their SIGALRM,
	 * SIGVTALRM or SIGPROF is a plain signal, which nothing makes stale,
	 * where a deleted POSIX timer's is dropped at delivery (since Linux
	 * 6.13).
	 */
	ret = kinds_restore_arm_timerfds(r->kr);
	if (!ret)
		ret = arm_rest(&r->c, r->dump, r->want, r->nwant, r->opts->time);
	if (!ret)
		ret = hold_signals(r, r->in_place, r->nin_place);
	if (!ret) {
		ret = rearm_in_place(&r->c, r->dump, r->in_place, r->nin_place, r->opts->time);
		/*
		 * Those it changed, even had it failed part-way: the first
		 * c.nrearmed of r->in_place, its batch stopping at a failure.
		 */
		held_signals_mark_stale(&r->held, r->in_place, r->c.nrearmed);
	}
	if (!ret)
		ret = kinds_restore_arm_itimers(r->kr);
	if (ret)
		return ret;
	ctx_phase(r->ctx, PTIMER_PHASE_ARMED);
	/*
	 * An interrupt still rolls back, unless a timer due within
	 * ARM_SOON_NS was armed: its signal may come before the rollback
	 * deletes it, and stay.  Past that point of no return the restore
	 * completes: the pending signals, and the target let go.
	 */
	if (!r->c.armed_soon && !kinds_restore_armed_soon(r->kr))
		ret = target_check_interrupt(r->t);
	if (!ret)
		ret = kinds_restore_signals(r->kr);
	return ret;
}

/* With the collisions read (and the counter's floor with them), plan without attaching. */
static int plan_dry_run(struct restore *r)
{
	int ret;

	ret = planned_method(r, &r->plan.method);
	if (ret)
		return ret;
	if (r->plan.method == PTIMER_METHOD_LOOP && r->nwant) {
		/*
		 * Without attaching, the counter cannot be read; it is at least
		 * past the highest id in use, which gives a lower bound.
		 */
		r->plan.walk_steps = plan_walk(r->counter_floor, r->want, r->nwant);
		r->plan.walk_steps_exact = false;
		r->plan.ns_per_step = 600;
		/* Already longer than allowed: the restore would be refused. */
		if (r->opts->max_steps && !r->floor_unsure &&
		    r->plan.walk_steps > r->opts->max_steps)
			return ctx_set_error(r->ctx, -PTIMER_ERR_WALK_TOO_LONG, "the walk needs at"
					     " least %llu steps%s; the limit is %llu",
					     (unsigned long long)r->plan.walk_steps,
					     r->want[0].id < r->counter_floor ?
					     ", round the id space past INT_MAX" : "",
					     (unsigned long long)r->opts->max_steps);
	}
	r->plan.estimate_ns = (int64_t)(r->plan.walk_steps * r->plan.ns_per_step);
	return 0;
}

static enum target_seccomp seccomp_policy(const struct ptimer_restore_opts *opts)
{
	if (opts->suspend_seccomp)
		return TARGET_SECCOMP_SUSPEND;
	return opts->keep_seccomp ? TARGET_SECCOMP_KEEP : TARGET_SECCOMP_REFUSE;
}

/*
 * After an interrupt or a timeout, the message says what became of the
 * target; a timeout's keeps @doing, what timed out.
 */
static void say_rolled_back(struct restore *r, int ret, const char *doing, bool undone)
{
	char steps[64] = "", what[96];

	if (r->c.walk_steps)
		snprintf(steps, sizeof(steps), "after %llu walk steps, ",
			 (unsigned long long)r->c.walk_steps);
	if (undone)
		snprintf(what, sizeof(what), "every change to pid %d was rolled back", r->t->pid);
	else
		snprintf(what, sizeof(what), "the rollback in pid %d is incomplete", r->t->pid);
	if (ret == -EINTR)
		ctx_set_error(r->ctx, ret, "%s%s", steps, what);
	else
		ctx_set_error(r->ctx, ret, "%s: timed out; %s%s", doing, steps, what);
}

/*
 * Everything with the target held: restore, or roll back on failure; put
 * the prctl state back either way.  Says, once everything is undone, that
 * it is.
 */
static int restore_attached(struct restore *r)
{
	char doing[sizeof(r->ctx->last_error)];
	bool rolled = false, undone = true;
	int ret, rc;

	ret = run_attached(r);
	if (ret) {
		ret = target_died_or(r->t, ret, "restore");
		/* What failed, before a step of the rollback says otherwise. */
		snprintf(doing, sizeof(doing), "%s", r->ctx->last_error);
		if (ret != -PTIMER_ERR_TARGET_DIED) {
			undone = rollback(r);
			rolled = true;
		}
	}
	rc = restore_prctl_state(&r->c);
	if (rc && !ret) {
		ret = target_died_or(r->t, ctx_set_error(r->ctx, rc, "cannot restore the prctl"
							 " state of pid %d", r->t->pid),
				     "restore");
	} else if (rc && ret != -PTIMER_ERR_TARGET_DIED) {
		err(r->ctx, "rollback: could not restore the prctl state of pid %d", r->t->pid);
		undone = false;
	}
	if (rolled && (ret == -EINTR || ret == -ETIMEDOUT))
		say_rolled_back(r, ret, doing, undone);
	else if (rolled)
		ctx_set_error(r->ctx, ret, "%s", doing);
	return ret;
}

/* Attach, restore, and let go; the stats are counted after the detach. */
static int restore_live(struct restore *r, struct ptimer_restore_stats *stats)
{
	struct target_stats ts;
	int ret;

	ret = target_attach(r->t, seccomp_policy(r->opts), true);
	if (ret)
		return ret;
	ret = target_inject_begin(r->t, scratch_size(r), r->ctx->one_syscall_per_trip);
	if (ret)
		ret = target_died_or(r->t, ret, "restore");
	else
		ret = restore_attached(r);
	ret = target_finish(r->t, ret, "restore", &ts);
	/* Once let go, and only of timers that stay: a rollback armed none. */
	if (!ret)
		arm_warn_frozen(r->ctx, &r->c.frozen);
	if (stats) {
		stats->stopped_ns = ts.stopped_ns;
		stats->injected_syscalls = ts.injected_syscalls;
		stats->round_trips = ts.round_trips;
		stats->walk_steps = r->c.walk_steps;
	}
	return ret;
}

int restore_pid(struct ptimer_ctx *ctx, pid_t pid, const struct ptimer_dump *dump,
		const struct ptimer_restore_opts *opts, struct ptimer_plan *plan,
		struct ptimer_restore_stats *stats)
{
	struct restore r = { .ctx = ctx, .opts = opts, .dump = dump,
			     .plan.size = sizeof(r.plan) };
	struct dump_alloc view;
	struct target t;
	int ret;

	ctx_clear_error(ctx);
	ret = validate_dump(ctx, dump);
	if (ret)
		return ret;
	/* Only the kinds both the dump and the context have. */
	dump = kinds_view(dump, ctx_kinds(ctx), &view);
	r.dump = dump;
	r.nwant = dump->ntimers;
	r.plan.ntimers = dump->ntimers;
	r.want = calloc(r.nwant + 1, sizeof(*r.want));
	r.in_place = calloc(r.nwant + 1, sizeof(*r.in_place));
	if (!r.want || !r.in_place) {
		ret = -ENOMEM;
		goto free_want;
	}
	ret = target_open(ctx, pid, &t);
	if (ret)
		goto free_want;
	r.t = &t;
	ret = kinds_restore_new(ctx, &t, dump, ptimer_dump_kinds(dump), opts->tid_map,
				opts->ntid_map, opts->replace, opts->time, false, &r.kr);
	if (ret)
		goto close_target;
	ret = creator_init(&r.c, &t, &r.plan, r.nwant);
	if (ret)
		goto close_target;
	kinds_restore_note_frozen(r.kr, &r.c.frozen);
	/* Everything that can be checked without attaching is checked first. */
	ret = map_before_attach(&r);
	if (!ret)
		ret = precheck_collisions(&r);
	if (!ret)
		ret = kinds_restore_check(r.kr);
	if (!ret)
		ret = opts->dry_run ? plan_dry_run(&r) : restore_live(&r, stats);
	creator_release(&r.c);
close_target:
	target_close(&t);
free_want:
	if (plan)
		*plan = r.plan;
	ptimer_dump_free(r.replaced);
	held_signals_free(&r.held);
	kinds_restore_free(r.kr);
	proc_preread_free(&r.pre);
	free(r.listed_tids);
	free(r.in_place);
	free(r.want);
	return ret;
}

/*
 * A re-arm puts back what a disarm took, after a dump or a migrate that
 * failed, often by its timeout: one that gave up at that same timeout
 * would lose the timers for good.  So each of its waits has at least the
 * default timeout.
 */
static const int64_t rearm_timeout_min_ns = (int64_t)PTIMER_DEFAULT_TIMEOUT_MS * 1000000;

/*
 * The POSIX timers back at their settings.  One that the program deleted
 * since the dump is gone for good, and so is one on the CPU clock of a
 * thread that has exited since: no error, and no reason to leave the
 * other kinds disarmed, as a failure would.  (Nor is its queued signal
 * queued again: kinds_restore_signals().)
 */
static int rearm_posix(struct creator *c, const struct ptimer_dump *dump,
		       const struct ptimer_dump *at, size_t *ngone_out)
{
	struct rearm_gone *gone;
	size_t ngone = 0;
	int ret;

	gone = calloc(dump->ntimers + 1, sizeof(*gone));
	if (!gone)
		return -ENOMEM;
	ret = rearm_timers(c, at, dump->timers, dump->ntimers, PTIMER_TIME_DEADLINE, true,
			   gone, &ngone);
	for (size_t i = 0; i < ngone; i++) {
		if (gone[i].err == -ESRCH)
			warn(c->ctx, "timer %d of pid %d measures the CPU time of a thread that"
			     " has exited since the dump disarmed it: not re-armed", gone[i].id,
			     c->t->pid);
		else
			warn(c->ctx, "timer %d of pid %d no longer exists (the program deleted"
			     " it after the dump disarmed it): not re-armed", gone[i].id,
			     c->t->pid);
	}
	*ngone_out = ngone;
	free(gone);
	return ret;
}

/*
 * Once stopped, before anything changes: the signals queued for the
 * timers of @full, every one of which the dump disarmed, so that a purge
 * making room for a standard signal of @view queued again takes nothing
 * else (held_signals.h).  Read only where such a purge may be made; and
 * an undo goes on without it, said, should the read fail.  Whether any
 * is held.
 */
static bool hold_stale_signals(struct target *t, const struct ptimer_dump *full,
			       const struct ptimer_dump *view, struct held_signals *h)
{
	bool standard = false;
	const struct ptimer_pending_signal *s;
	size_t n;

	s = ptimer_dump_signals(view, &n);
	for (size_t i = 0; i < n; i++)
		standard |= s[i].signo < KSIGRTMIN;
	if (!standard || kernel_drops_stale_timer_signals() != 1)
		return false;
	if (held_signals_read(t, full->timers, full->ntimers, h)) {
		warn(t->ctx, "%s: a standard signal of pid %d queued again may be dropped as"
		     " the duplicate of its stale copy", ptimer_last_error(t->ctx), t->pid);
		ctx_clear_error(t->ctx);
		held_signals_free(h);
		return false;
	}
	return h->n;
}

/* Keep @ret and the message with it in @first, if the first to fail. */
static void first_error(struct ptimer_ctx *ctx, int *failed, int ret, char *first)
{
	if (!ret || *failed)
		return;
	*failed = ret;
	snprintf(first, sizeof(ctx->last_error), "%s", ctx->last_error);
}

int rearm_pid(struct ptimer_ctx *ctx, pid_t pid, const struct ptimer_dump *dump,
	      unsigned int seccomp_flags, size_t *ngone)
{
	char first[sizeof(ctx->last_error)];
	int failed = 0;
	const struct ptimer_dump *full;
	struct ptimer_plan plan = { .size = sizeof(plan) };
	struct kinds_restore *kr = NULL;
	struct held_signals held = { 0 };
	struct ptimer_dump at = { 0 };
	struct dump_alloc view;
	struct creator c;
	struct target t;
	int ret;

	ctx_clear_error(ctx);
	*ngone = 0;
	/*
	 * Before any attach, as a restore: a setting the kernel would refuse
	 * (EINVAL) must not pass for a timer the program deleted since.
	 */
	ret = validate_dump(ctx, dump);
	if (ret)
		return ret;
	full = dump;
	dump = kinds_view(dump, ctx_kinds(ctx), &view);
	arm_undo_reference(&at, dump);
	ret = target_open(ctx, pid, &t);
	if (ret)
		return ret;
	target_wait_at_least(&t, rearm_timeout_min_ns);
	ret = kinds_restore_new(ctx, &t, dump, ptimer_dump_kinds(dump), NULL, 0, false,
				PTIMER_TIME_DEADLINE, true, &kr);
	if (ret)
		goto close_target;
	ret = creator_init(&c, &t, &plan, 0);
	if (ret)
		goto close_target;
	kinds_restore_note_frozen(kr, &c.frozen);
	ret = target_attach(&t, target_seccomp_from_flags(seccomp_flags), false);
	if (ret)
		goto release_creator;
	ret = target_inject_begin(&t, MAX(MAX(create_scratch_size(dump->ntimers),
					      kinds_restore_scratch_size(kr)),
					  held_signals_scratch_size()), false);
	if (!ret && hold_stale_signals(&t, full, dump, &held))
		kinds_restore_set_held(kr, &held);
	if (!ret) {
		create_layout(&c, target_scratch(&t), dump->ntimers);
		first_error(ctx, &failed, rearm_posix(&c, dump, &at, ngone), first);
		/* Each was disarmed, whether re-armed now or not (the kinds asked). */
		held_signals_mark_stale(&held, full->timers, full->ntimers);
	}
	/*
	 * The disarming dump left the timers' queued signals stale (they
	 * stay queued, and the kernel drops them at delivery): queue them
	 * again, once.  An undo puts back all it can: a call refused (a
	 * seccomp filter kept) leaves the other kinds, and the signals, to
	 * be put back all the same, and the first error to be said.
	 */
	if (!ret)
		ret = kinds_restore_prepare(kr);
	if (!ret)
		ret = kinds_restore_place(kr);
	if (!ret) {
		first_error(ctx, &failed, kinds_restore_arm_timerfds(kr), first);
		first_error(ctx, &failed, kinds_restore_arm_itimers(kr), first);
		first_error(ctx, &failed, kinds_restore_signals(kr), first);
		if (failed)
			ret = ctx_set_error(ctx, failed, "%s", first);
	}
	ret = target_finish(&t, ret, "re-arm", NULL);
	*ngone += kinds_restore_gone(kr);
	/* Once let go, as a restore warns: those that could only come back late. */
	arm_warn_frozen(ctx, &c.frozen);
release_creator:
	creator_release(&c);
close_target:
	kinds_restore_free(kr);
	held_signals_free(&held);
	target_close(&t);
	return ret;
}

int ptimer_rearm_pid(struct ptimer_ctx *ctx, pid_t pid, const struct ptimer_dump *dump,
		     unsigned int seccomp_flags)
{
	size_t ngone;

	return rearm_pid(ctx, pid, dump, seccomp_flags, &ngone);
}
