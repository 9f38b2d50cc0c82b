// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * Restoring and re-arming the interval timers, the timerfds and the
 * queued timer signals of a dump in a held target.
 *
 * Every collision is found before anything changes.  Then the interval
 * timers are set (setitimer() returns what it replaced, for rollback) and
 * the timerfds put in place: a timerfd of the same clock already at fd N
 * is re-armed; otherwise a new one is made and moved to N (a replaced
 * descriptor is kept as a spare dup, so that rollback can put it back).
 * The signals are queued last, when nothing else can fail: a queued
 * signal cannot be taken back without the risk of taking another.
 *
 * A signal queued by rt_sigqueueinfo() with si_code SI_TIMER is an
 * ordinary queue entry, not a POSIX timer's own, so the kernel delivers
 * it whatever becomes of the timer (since 6.13 the kernel drops a
 * timer's own signal at delivery if the timer was re-armed or deleted
 * after queueing it; as measured on 6.18 such a stale signal stays in
 * the queue, where sigpending(), /proc and PTRACE_PEEKSIGINFO see it).
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <time.h>

#include "arming.h"
#include "held_signals.h"
#include "internal.h"
#include "kabi.h"
#include "kinds.h"
#include "kinds_live.h"
#include "peek_signals.h"
#include "procfs.h"
#include "procfs_fd.h"
#include "remap.h"
#include "tid_index.h"

enum tfd_how {
	TFD_CREATE,	/* fd N is free: make a timerfd and move it there */
	TFD_REARM,	/* fd N is a timerfd of the same clock: re-arm it */
	TFD_REPLACE,	/* fd N is something else, and --replace */
};

struct kr_tfd {
	const struct ptimer_timerfd *want;
	enum tfd_how how;
	struct ptimer_timerfd old;	/* TFD_REARM: the target's timerfd as it was */
	int old_cloexec;		/* TFD_REPLACE: FD_CLOEXEC of the replaced fd */
	int spare;			/* TFD_REPLACE: a dup of the replaced fd, or -1 */
	int made;			/* our timerfd, before it is moved to N, or -1 */
	bool placed;			/* fd N holds our timerfd */
	bool armed;			/* TFD_REARM: re-armed */
	bool ticks_taken;		/* TFD_REARM: its ticks read, into old.ticks */
	bool ticks_forced;		/* TFD_REARM: the dump's ticks set, its setting not */
	/* TFD_REARM: its setting as timerfd_settime() replaced it, at was_at_ns of its clock */
	struct itimerspec was;
	int64_t was_at_ns;
};

struct kr_itimer {
	const struct ptimer_itimer *want;
	struct itimerval old;
	bool set;
	/* Set: its setting as setitimer() replaced it, at was_at_ns (CLOCK_MONOTONIC) */
	struct itimerval was;
	int64_t was_at_ns;
};

struct kinds_restore {
	struct ptimer_ctx *ctx;
	struct target *t;
	const struct ptimer_dump *dump;
	unsigned int kinds;
	const struct ptimer_tid_map *map;
	size_t nmap;
	bool replace;
	bool rearm;		/* ptimer_rearm_pid(): the same process, no collisions */
	struct ptimer_dump at;	/* a re-arm: when its values were read (arm_undo_reference()) */
	enum ptimer_time_mode time;
	struct kr_itimer itimers[KITIMER_COUNT];
	size_t nitimers;
	unsigned long long nofile;	/* its RLIMIT_NOFILE (note_nofile()) */
	bool nofile_noted;
	struct kr_tfd *tfds;
	size_t ntfds;
	struct ptimer_pending_signal *sigs;	/* tids in the target's namespace */
	size_t nsigs;
	size_t queued;
	size_t gone;		/* timerfds a re-arm passed over (judge_timerfd()) */
	pid_t ns_pid;
	/* --replace, re-arm: the signals of the timers changed (held_signals.h) */
	struct held_signals *held;
	bool *sig_queued;	/* by index of sigs: queued (queue_signals()) */
	bool armed_soon;	/* an itimer due within ARM_SOON_NS (arming.h) */
	struct arm_frozen *frozen;	/* kinds_restore_note_frozen(); NULL: not noted */
};

/* The scratch region: the calls, then per-entry data. */
#define TFD_SLOT	96	/* new itimerspec, old itimerspec, ticks, ticks read, an iovec */
#define ITV_SLOT	64	/* new itimerval, old itimerval */
#define SI_SLOT		KSI_MAX_SIZE	/* written as one array of siginfo_t: queue_signals() */

static size_t max_calls(const struct kinds_restore *kr)
{
	return 4 * kr->ntfds + 2 * KITIMER_COUNT + kr->nsigs + 4;
}

static uint64_t calls_end(const struct kinds_restore *kr)
{
	return target_scratch(kr->t) + sizeof(struct blob_batch) +
	       max_calls(kr) * sizeof(struct blob_call);
}

static uint64_t tfd_slot(const struct kinds_restore *kr, size_t i)
{
	return calls_end(kr) + i * TFD_SLOT;
}

static uint64_t itv_slot(const struct kinds_restore *kr, int which)
{
	return calls_end(kr) + kr->ntfds * TFD_SLOT + (size_t)which * ITV_SLOT;
}

static uint64_t si_slot(const struct kinds_restore *kr, size_t k)
{
	return itv_slot(kr, KITIMER_COUNT) + k * SI_SLOT;
}

size_t kinds_restore_scratch_size(const struct kinds_restore *kr)
{
	return sizeof(struct blob_batch) + max_calls(kr) * sizeof(struct blob_call) +
	       kr->ntfds * TFD_SLOT + KITIMER_COUNT * ITV_SLOT + kr->nsigs * SI_SLOT;
}

/* A batch of calls built one at a time. */
struct kbatch {
	struct blob_batch *b;
	size_t cap;
};

static int kb_init(struct kbatch *kb, const struct kinds_restore *kr)
{
	kb->cap = max_calls(kr);
	kb->b = calloc(1, sizeof(*kb->b) + kb->cap * sizeof(kb->b->calls[0]));
	return kb->b ? 0 : -ENOMEM;
}

static size_t kb_add6(struct kbatch *kb, long nr, uint64_t a0, uint64_t a1, uint64_t a2,
		      uint64_t a3, uint64_t a4, uint64_t a5)
{
	struct blob_call *c = &kb->b->calls[kb->b->count];

	memset(c, 0, sizeof(*c));
	c->nr = nr;
	c->args[0] = a0;
	c->args[1] = a1;
	c->args[2] = a2;
	c->args[3] = a3;
	c->args[4] = a4;
	c->args[5] = a5;
	return kb->b->count++;
}

static size_t kb_add(struct kbatch *kb, long nr, uint64_t a0, uint64_t a1, uint64_t a2,
		     uint64_t a3)
{
	return kb_add6(kb, nr, a0, a1, a2, a3, 0, 0);
}

/*
 * Run @kb; after a failure, what ran is in kb->b->done (inject.h), which
 * the caller records for rollback to undo.  @through: to its end, as
 * target_batch_through() does, for what must be done or undone whole.
 */
static int kb_run(struct kinds_restore *kr, struct kbatch *kb, bool through, const char *what)
{
	int ret;

	if (!kb->b->count)
		return 0;
	kb->b->done = 0;
	ret = through ? target_batch_through(kr->t, kb->b, target_scratch(kr->t)) :
			target_batch(kr->t, kb->b, target_scratch(kr->t));
	if (ret)
		return ctx_set_error(kr->ctx, ret, "%s in pid %d", what, kr->t->pid);
	return 0;
}

static long kb_ret(const struct kbatch *kb, size_t i)
{
	return i < kb->b->done ? (long)kb->b->calls[i].ret : -ECANCELED;
}

static void kb_reset(struct kbatch *kb, bool stop_on_error)
{
	kb->b->count = 0;
	kb->b->done = 0;
	kb->b->flags = stop_on_error ? BLOB_BATCH_STOP_ON_ERROR : 0;
}

static void kb_free(struct kbatch *kb)
{
	free(kb->b);
}

int kinds_restore_new(struct ptimer_ctx *ctx, struct target *t, const struct ptimer_dump *dump,
		      unsigned int kinds, const struct ptimer_tid_map *map, size_t nmap,
		      bool replace, enum ptimer_time_mode time, bool rearm,
		      struct kinds_restore **out)
{
	const struct dump_kinds *k = dump_kinds_ro(dump);
	struct kinds_restore *kr;

	kr = calloc(1, sizeof(*kr));
	if (!kr)
		return -ENOMEM;
	kr->ctx = ctx;
	kr->t = t;
	kr->dump = dump;
	kr->kinds = kinds & k->kinds;
	kr->map = map;
	kr->nmap = nmap;
	kr->replace = replace;
	kr->time = time;
	kr->rearm = rearm;
	if (rearm)
		arm_undo_reference(&kr->at, dump);
	if (kr->kinds & PTIMER_KIND_ITIMER) {
		kr->nitimers = k->nitimers;
		for (size_t i = 0; i < k->nitimers; i++)
			kr->itimers[i].want = &k->itimers[i];
	}
	if (kr->kinds & PTIMER_KIND_TIMERFD) {
		kr->ntfds = k->ntimerfds;
		kr->tfds = calloc(kr->ntfds + 1, sizeof(*kr->tfds));
		if (!kr->tfds)
			goto free_kr;
		for (size_t i = 0; i < kr->ntfds; i++) {
			kr->tfds[i].want = &k->timerfds[i];
			kr->tfds[i].spare = -1;
			kr->tfds[i].made = -1;
		}
	}
	if (kr->kinds & PTIMER_KIND_SIGNALS) {
		kr->nsigs = k->nsignals;
		kr->sigs = calloc(kr->nsigs + 1, sizeof(*kr->sigs));
		if (!kr->sigs)
			goto free_kr;
		/* No signals: k->signals may be NULL, which memcpy() may not be given. */
		if (kr->nsigs)
			memcpy(kr->sigs, k->signals, kr->nsigs * sizeof(*kr->sigs));
	}
	*out = kr;
	return 0;
free_kr:
	kinds_restore_free(kr);
	return -ENOMEM;
}

void kinds_restore_set_held(struct kinds_restore *kr, struct held_signals *held)
{
	kr->held = held;
}

size_t kinds_restore_gone(const struct kinds_restore *kr)
{
	return kr->gone;
}

void kinds_restore_free(struct kinds_restore *kr)
{
	if (!kr)
		return;
	free(kr->tfds);
	free(kr->sig_queued);
	free(kr->sigs);
	free(kr);
}

/*
 * What setitimer() gets to put an interval timer back as @itv (as
 * getitimer() read it) was.  An ITIMER_REAL with value 0 and an interval
 * expired, and the kernel re-arms it when its SIGALRM is dequeued;
 * setitimer() with value 0 would disarm it instead.  Armed at 1 us it
 * fires at once and queues SIGALRM, and the kernel re-arms it when that
 * is dequeued: the same state.  Where a SIGALRM is pending already (the
 * source of a migrate that is put back), the new one merges with it, a
 * legacy signal being pending once, and the kernel re-arms the timer
 * when that one is dequeued.
 */
static struct itimerval itv_to_set(int which, struct itimerval itv)
{
	if (which == KITIMER_REAL && !timerisset(&itv.it_value) && timerisset(&itv.it_interval))
		itv.it_value.tv_usec = 1;
	return itv;
}

/* The target's interval timers; an armed one the dump sets collides. */
static int prepare_itimers(struct kinds_restore *kr, struct kbatch *kb)
{
	size_t call[KITIMER_COUNT];
	int ret;

	if (!kr->nitimers)
		return 0;
	kb_reset(kb, false);
	for (size_t i = 0; i < kr->nitimers; i++)
		call[i] = kb_add(kb, KNR_GETITIMER, kr->itimers[i].want->which,
				 itv_slot(kr, kr->itimers[i].want->which) + 32, 0, 0);
	ret = kb_run(kr, kb, false, "reading the interval timers");
	for (size_t i = 0; !ret && i < kr->nitimers; i++) {
		struct kr_itimer *it = &kr->itimers[i];
		const char *name = ptimer_itimer_name(it->want->which);
		long r = kb_ret(kb, call[i]);
		bool armed;

		if (r < 0)
			return ctx_set_error(kr->ctx, (int)r, "getitimer(%s) in pid %d", name,
					     kr->t->pid);
		ret = target_read(kr->t, itv_slot(kr, it->want->which) + 32, &it->old,
				  sizeof(it->old));
		if (ret)
			return ret;
		/* Value 0 and an interval: an ITIMER_REAL waiting for its SIGALRM. */
		armed = timerisset(&it->old.it_value) ||
			(it->want->which == KITIMER_REAL && timerisset(&it->old.it_interval));
		if (kr->rearm || kr->replace || !armed)
			continue;
		return ctx_set_error(kr->ctx, -PTIMER_ERR_ID_IN_USE, "the %s interval timer is"
				     " armed in pid %d", name, kr->t->pid);
	}
	return ret;
}

/*
 * What dumped fd N is in the target (free, a timerfd of the same clock,
 * or a collision), and so how @e goes in: 0, or 1 when re-arming a
 * timerfd that is gone, one the program closed or replaced since the
 * dump: what is there now is its own, and the other timers are re-armed
 * all the same.
 */
static int judge_timerfd(struct kinds_restore *kr, struct kr_tfd *e)
{
	int fd = e->want->fd, kind, ret;
	unsigned int line = 0;

	kind = procfs_fd_kind(kr->t->dirfd, fd);
	if (kind < 0)
		return ctx_set_error(kr->ctx, kind, "cannot read /proc/%d/fd/%d", kr->t->pid, fd);
	if (kind == PROCFS_FD_NONE && !kr->rearm) {
		e->how = TFD_CREATE;
		return 0;
	}
	if (kind == PROCFS_FD_TIMERFD) {
		ret = procfs_read_timerfd(kr->t->dirfd, fd, &e->old, &line);
		if (ret)
			return ctx_set_error(kr->ctx, ret, "cannot read /proc/%d/fdinfo/%d"
					     " (line %u)", kr->t->pid, fd, line);
		if (e->old.clockid == e->want->clockid) {
			e->how = TFD_REARM;
			return 0;
		}
	}
	if (kr->rearm) {
		warn(kr->ctx, "fd %d of pid %d is no longer the timerfd the dump disarmed:"
		     " not re-armed", fd, kr->t->pid);
		return 1;
	}
	if (!kr->replace)
		return ctx_set_error(kr->ctx, -PTIMER_ERR_ID_IN_USE, "fd %d is in use in pid %d"
				     " by %s", fd, kr->t->pid, kind == PROCFS_FD_TIMERFD ?
				     "a timerfd of another clock" : "another file");
	e->how = TFD_REPLACE;
	return 0;
}

/*
 * The target's RLIMIT_NOFILE, read before the attach, for the message of
 * a timerfd that cannot go to its number (dup3() fails with EBADF at or
 * above it) or a replaced fd that finds no room above them to be kept
 * aside: ULLONG_MAX when unknown.
 */
static void note_nofile(struct kinds_restore *kr)
{
	/* Once, before the attach: prepare_timerfds() runs again once attached. */
	if (kr->nofile_noted)
		return;
	kr->nofile_noted = true;
	if (!kr->ntfds || procfs_nofile(kr->t->dirfd, &kr->nofile))
		kr->nofile = ULLONG_MAX;
}

/* ", beyond the RLIMIT_NOFILE of pid N (L): raise it with prlimit ...", or "". */
static const char *nofile_hint(struct kinds_restore *kr, long long need, char *buf, size_t len)
{
	if (kr->nofile == ULLONG_MAX || (unsigned long long)need <= kr->nofile)
		return "";
	snprintf(buf, len, ", beyond its RLIMIT_NOFILE (%llu): raise it with prlimit --pid %d"
		 " --nofile=%lld: (and the hard limit, if below)", kr->nofile, kr->t->pid, need);
	return buf;
}

/*
 * A timerfd to make at a number the target's RLIMIT_NOFILE does not reach
 * (dup3() would fail with EBADF) is refused before the attach, by its
 * field: the dump does not fit the target as it is.
 */
static int check_nofile(struct kinds_restore *kr)
{
	const struct ptimer_timerfd *first = dump_kinds_ro(kr->dump)->timerfds;
	char hint[192];

	for (size_t i = 0; i < kr->ntfds; i++) {
		const struct kr_tfd *e = &kr->tfds[i];

		if (e->how != TFD_CREATE || kr->nofile == ULLONG_MAX ||
		    (unsigned long long)e->want->fd < kr->nofile)
			continue;
		return ctx_set_error(kr->ctx, -PTIMER_ERR_BAD_DUMP, "timerfds[%zu].fd: %d cannot"
				     " be opened in pid %d%s", (size_t)(e->want - first),
				     e->want->fd, kr->t->pid,
				     nofile_hint(kr, (long long)e->want->fd + 1, hint, sizeof(hint)));
	}
	return 0;
}

static int prepare_timerfds(struct kinds_restore *kr)
{
	size_t kept = 0;

	for (size_t i = 0; i < kr->ntfds; i++) {
		int ret = judge_timerfd(kr, &kr->tfds[i]);

		if (ret < 0)
			return ret;
		if (!ret)
			kr->tfds[kept++] = kr->tfds[i];
	}
	/* Dropped here, so that a second look, once attached, counts each once. */
	kr->gone += kr->ntfds - kept;
	kr->ntfds = kept;
	note_nofile(kr);
	return check_nofile(kr);
}

static pid_t map_tid(const struct remap *map, pid_t tid)
{
	const struct ptimer_tid_map *m = remap_find(map, tid);

	return m ? m->to : 0;
}

/*
 * The thread among @tids that each signal queued for a thread goes to:
 * checked before the attach, with the threads /proc lists, and again
 * once they are held (@resolve), when each signal is given its thread's
 * id in the target's pid namespace.
 */
static int map_signal_threads(struct kinds_restore *kr, const pid_t *tids, size_t n,
			      bool resolve)
{
	struct tid_index listed = { 0 };
	struct remap map = { 0 };
	size_t pos;
	int ret = 0;

	if (!kr->rearm)
		ret = remap_build(kr->ctx, kr->dump, kr->t->pid, tids, n, kr->map, kr->nmap, &map);
	/* Each signal's thread found at once: signals and threads may be thousands. */
	if (!ret) {
		ret = tid_index_of(&listed, tids, n);
		if (ret)
			ctx_set_error(kr->ctx, ret, "indexing the threads of pid %d", kr->t->pid);
	}
	for (size_t k = 0; !ret && k < kr->nsigs; k++) {
		struct ptimer_pending_signal *s = &kr->sigs[k];
		pid_t to;

		if (!s->tid)
			continue;
		to = kr->rearm ? s->tid : map_tid(&map, s->tid);
		if (!to || !tid_index_find(&listed, to, &pos)) {
			ret = ctx_set_error(kr->ctx, -PTIMER_ERR_BAD_DUMP, "pending_signals[%zu]:"
					    " thread %d has no thread in pid %d", k, s->tid,
					    kr->t->pid);
			break;
		}
		/* Listed first all the same, as threads map (target_threads_by_position()). */
		if (target_is_exited_leader(kr->t, to)) {
			ret = ctx_set_error(kr->ctx, -PTIMER_ERR_BAD_DUMP, "pending_signals[%zu]:"
					    " thread %d maps to the leader of pid %d, which has"
					    " exited", k, s->tid, kr->t->pid);
			break;
		}
		if (!resolve)
			continue;
		ret = target_ns_tid(kr->t, to, &s->tid);
		if (ret)
			ctx_set_error(kr->ctx, ret, "cannot read the namespace id of tid %d", to);
	}
	tid_index_free(&listed);
	if (!kr->rearm)
		remap_free(&map);
	return ret;
}

/*
 * Where the signals queued for a thread go: before the attach among the
 * threads /proc lists, once @held among the held ones, each then given
 * its thread's id in the target's pid namespace.
 */
static int prepare_signals(struct kinds_restore *kr, bool held)
{
	pid_t *tids = NULL;
	size_t n = 0;
	int ret;

	if (!kr->nsigs)
		return 0;
	if (held) {
		ret = target_ns_tid(kr->t, kr->t->pid, &kr->ns_pid);
		if (ret)
			return ctx_set_error(kr->ctx, ret, "cannot read the namespace id of"
					     " pid %d", kr->t->pid);
		ret = target_threads_by_position(kr->t, &tids, &n);
	} else {
		ret = procfs_list_threads(kr->t->dirfd, kr->t->pid, &tids, &n);
		if (ret)
			ctx_set_error(kr->ctx, ret, "cannot list the threads of pid %d",
				      kr->t->pid);
	}
	if (!ret)
		ret = map_signal_threads(kr, tids, n, held);
	free(tids);
	return ret;
}

int kinds_restore_check(struct kinds_restore *kr)
{
	int ret = prepare_timerfds(kr);

	return ret ? ret : prepare_signals(kr, false);
}

int kinds_restore_prepare(struct kinds_restore *kr)
{
	struct kbatch kb;
	int ret;

	ret = kb_init(&kb, kr);
	if (ret)
		return ret;
	ret = prepare_itimers(kr, &kb);
	if (!ret)
		ret = prepare_timerfds(kr);
	if (!ret)
		ret = prepare_signals(kr, true);
	kb_free(&kb);
	return ret;
}

/*
 * The arm value of one kind's entry under --time, on @clockid, and why, as
 * arm_compute() says; a re-arm's, an undo's, as arm_undo() says, @absolute
 * for a timer armed with an absolute time.
 */
static enum arm_note arm_value(const struct kinds_restore *kr, int clockid, int64_t value_ns,
			       int64_t interval_ns, bool absolute, struct itimerspec *out)
{
	struct ptimer_timer tm = { .clockid = clockid, .value_ns = value_ns,
				   .interval_ns = interval_ns };
	struct arm_clocks now;

	if (kr->rearm) {
		arm_clocks_now(&now, &kr->at);
		return arm_undo(&kr->at, &tm, absolute, &now, out);
	}
	arm_clocks_now(&now, kr->dump);
	return arm_compute(kr->dump, &tm, kr->time, &now, out);
}

void kinds_restore_note_frozen(struct kinds_restore *kr, struct arm_frozen *f)
{
	kr->frozen = f;
}

/* Microseconds, rounded up so that an armed value stays armed. */
static struct timeval ns_to_tv(int64_t ns)
{
	int64_t us = ns / 1000 + (ns % 1000 != 0);

	return (struct timeval){ .tv_sec = us / 1000000, .tv_usec = us % 1000000 };
}

static int apply_itimers(struct kinds_restore *kr, struct kbatch *kb)
{
	size_t call[KITIMER_COUNT];
	int ret;

	/* Re-arming is an undo: it sets every interval timer it can. */
	kb_reset(kb, !kr->rearm);
	/*
	 * ITIMER_REAL last (itimers[] ascends by which): the CPU ones count
	 * the process's time, which all but stands still while it is held
	 * (only the calls of the thread that runs the batch count), but
	 * ITIMER_REAL may come due while the batch runs on, and its SIGALRM,
	 * which no rollback takes back, would outlive a batch that failed
	 * after it.
	 */
	for (size_t i = kr->nitimers; i-- > 0;) {
		const struct ptimer_itimer *w = kr->itimers[i].want;
		/* ITIMER_REAL counts down on the monotonic clock; the others CPU time. */
		int clock = w->which == ITIMER_REAL ? KCLOCK_MONOTONIC : KCLOCK_PROCESS_CPUTIME_ID;
		struct itimerspec its;
		struct itimerval itv;
		enum arm_note note;

		note = arm_value(kr, clock, w->value_ns, w->interval_ns, false, &its);
		if (kr->frozen)
			arm_note_frozen(kr->frozen, note, "itimer %s", ptimer_itimer_name(w->which));
		itv.it_value = ns_to_tv(ts_to_ns(&its.it_value));
		itv.it_interval = ns_to_tv(ts_to_ns(&its.it_interval));
		/* Expired, its SIGALRM pending: due at once, whatever --time says. */
		itv = itv_to_set(w->which, itv);
		its.it_value = (struct timespec){ .tv_sec = itv.it_value.tv_sec,
						  .tv_nsec = itv.it_value.tv_usec * 1000 };
		kr->armed_soon |= arm_is_soon(&its);
		ret = target_write(kr->t, itv_slot(kr, w->which), &itv, sizeof(itv));
		if (ret)
			return ret;
		call[i] = kb_add(kb, KNR_SETITIMER, w->which, itv_slot(kr, w->which),
				 itv_slot(kr, w->which) + 32, 0);
	}
	/* Re-arming is an undo (dump.c, undo_disarm()): to its end. */
	ret = kb_run(kr, kb, kr->rearm, "setting the interval timers");
	/* After a failed run too: what it set, rollback sets back. */
	for (size_t i = kr->nitimers; i-- > 0 && call[i] < kb->b->done;) {
		struct kr_itimer *it = &kr->itimers[i];
		long r = kb_ret(kb, call[i]);

		if (r < 0) {
			if (!ret)
				ret = ctx_set_error(kr->ctx, (int)r, "setitimer(%s) in pid %d",
						    ptimer_itimer_name(it->want->which),
						    kr->t->pid);
			continue;
		}
		it->set = true;
		it->was_at_ns = clock_now_ns(CLOCK_MONOTONIC);
		if (target_read(kr->t, itv_slot(kr, it->want->which) + 32, &it->was,
				sizeof(it->was)))
			it->was = it->old;
	}
	return ret;
}

/*
 * An interval timer's own setting back, for a rollback: what setitimer()
 * returned when it replaced it, not what it read before the restore,
 * which may have run for minutes (a walk); ITIMER_REAL less the time
 * since, as it would have counted down (the others count the process's
 * CPU time, which stood still while it was held).
 */
static struct itimerval itv_was(const struct kr_itimer *it)
{
	struct itimerval itv = it->was;
	int64_t left;

	if (it->want->which != KITIMER_REAL || !timerisset(&itv.it_value))
		return itv_to_set(it->want->which, itv);
	left = itv.it_value.tv_sec * NSEC_PER_SEC + itv.it_value.tv_usec * 1000LL -
	       (clock_now_ns(CLOCK_MONOTONIC) - it->was_at_ns);
	/* Due meanwhile: due at once, as it would have been. */
	itv.it_value = ns_to_tv(left > 0 ? left : 1);
	return itv;
}

/* A spare dup of each fd to be replaced, above @hi, where no timerfd goes. */
static int keep_replaced(struct kinds_restore *kr, struct kbatch *kb, int hi)
{
	char hint[192];
	size_t *call;
	int ret;

	call = calloc(2 * kr->ntfds + 1, sizeof(*call));
	if (!call)
		return -ENOMEM;
	kb_reset(kb, true);
	for (size_t i = 0; i < kr->ntfds; i++) {
		const struct kr_tfd *e = &kr->tfds[i];

		if (e->how != TFD_REPLACE)
			continue;
		call[2 * i] = kb_add(kb, KNR_FCNTL, e->want->fd, F_GETFD, 0, 0);
		call[2 * i + 1] = kb_add(kb, KNR_FCNTL, e->want->fd, F_DUPFD_CLOEXEC, hi, 0);
	}
	ret = kb_run(kr, kb, false, "keeping replaced descriptors aside");
	/* After a failed run too: each spare it made, rollback closes. */
	for (size_t i = 0; i < kr->ntfds; i++) {
		struct kr_tfd *e = &kr->tfds[i];
		long r;

		if (e->how != TFD_REPLACE)
			continue;
		r = kb_ret(kb, call[2 * i]);
		if (r >= 0)
			e->old_cloexec = (int)r & FD_CLOEXEC;
		r = r < 0 ? r : kb_ret(kb, call[2 * i + 1]);
		if (r < 0) {
			if (!ret)
				ret = ctx_set_error(kr->ctx, (int)r, "cannot keep fd %d of pid %d"
						    " aside above fd %d%s", e->want->fd, kr->t->pid,
						    hi, nofile_hint(kr, (long long)hi + 1, hint,
								    sizeof(hint)));
			break;
		}
		e->spare = (int)r;
	}
	free(call);
	return ret;
}

/*
 * The target's descriptors as place_timerfds()' batches leave them, in
 * arrays indexed by fd number, so that placing a new timerfd walks
 * neither every descriptor nor every timerfd (tens of thousands of
 * timerfds took their square while the target was held).
 */
struct fdsim {
	bool *open;
	bool *place;	/* a new timerfd's fd */
	int low;	/* every fd below it is open */
	int size;
};

static void fdsim_free(struct fdsim *sim)
{
	free(sim->open);
	free(sim->place);
}

static int fdsim_init(struct kinds_restore *kr, struct fdsim *sim)
{
	int *fds = NULL, top = 0, ret;
	size_t n = 0;

	ret = procfs_list_fds(kr->t->dirfd, &fds, &n);
	if (ret)
		return ctx_set_error(kr->ctx, ret, "cannot list the descriptors of pid %d",
				     kr->t->pid);
	for (size_t i = 0; i < n; i++)
		if (fds[i] > top)
			top = fds[i];
	for (size_t i = 0; i < kr->ntfds; i++)
		if (kr->tfds[i].want->fd > top)
			top = kr->tfds[i].want->fd;
	/* A new descriptor takes the lowest free number, at most the count of open ones. */
	if ((size_t)top + kr->ntfds + 2 > INT_MAX) {
		char hint[192];
		const char *why = nofile_hint(kr, (long long)top + 1, hint, sizeof(hint));

		free(fds);
		/* No process has such a number: the kernel caps RLIMIT_NOFILE below it. */
		return ctx_set_error(kr->ctx, why[0] ? -EBADF : -EOVERFLOW, "cannot move a new"
				     " timerfd to fd %d in pid %d%s", top, kr->t->pid, why);
	}
	sim->size = top + (int)kr->ntfds + 2;
	sim->low = 0;
	sim->open = calloc((size_t)sim->size, sizeof(*sim->open));
	sim->place = calloc((size_t)sim->size, sizeof(*sim->place));
	if (!sim->open || !sim->place) {
		fdsim_free(sim);
		free(fds);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		sim->open[fds[i]] = true;
	for (size_t i = 0; i < kr->ntfds; i++)
		if (kr->tfds[i].how == TFD_CREATE)
			sim->place[kr->tfds[i].want->fd] = true;
	free(fds);
	return 0;
}

static void fdsim_close(struct fdsim *sim, int fd)
{
	sim->open[fd] = false;
	if (fd < sim->low)
		sim->low = fd;
}

static int fdsim_lowest_free(struct fdsim *sim)
{
	while (sim->low < sim->size - 1 && sim->open[sim->low])
		sim->low++;
	return sim->low;
}

/* Whether @fd is free and a new timerfd's place, one not there yet. */
static bool is_place(const struct fdsim *sim, int fd)
{
	return !sim->open[fd] && sim->place[fd];
}

/*
 * Every new timerfd, made and moved to its fd without ever holding many
 * descriptors at once, nor any above the dumped ones (RLIMIT_NOFILE bounds
 * descriptor numbers).  A new timerfd takes the lowest free number.  Each
 * batch first moves the timerfds the previous one made (dup3() onto their
 * fd, close()), then makes the next ones: each lands at its own fd, or at
 * a free fd that no timerfd goes to; the batch ends before one would land
 * at another's fd, unless it is the first, then made alone: the next
 * batch moves it away before it makes the other.  Where a timerfd lands is foreseen from
 * the descriptors /proc lists, the target being held, but only what
 * timerfd_create() returned is ever moved or closed: a timerfd that lands
 * elsewhere than foreseen means the descriptors changed under us, an
 * error, and rollback closes what was made.
 */
static int place_timerfds(struct kinds_restore *kr, struct kbatch *kb)
{
	size_t nmoving = 0, nmade, next = 0, *call = NULL;
	struct kr_tfd **moving = NULL, **made = NULL;
	struct fdsim sim = { 0 };
	int *want_fd = NULL, ret;
	char hint[192];

	ret = fdsim_init(kr, &sim);
	if (ret)
		return ret;
	moving = calloc(kr->ntfds + 1, sizeof(*moving));
	made = calloc(kr->ntfds + 1, sizeof(*made));
	call = calloc(kr->ntfds + 1, sizeof(*call));
	want_fd = calloc(kr->ntfds + 1, sizeof(*want_fd));
	if (!moving || !made || !call || !want_fd) {
		ret = -ENOMEM;
		goto free_all;
	}
	for (;;) {
		kb_reset(kb, true);
		for (size_t j = 0; j < nmoving; j++) {
			struct kr_tfd *e = moving[j];

			call[j] = kb_add(kb, KNR_DUP3, e->made, e->want->fd,
					 e->want->fd_flags & KO_CLOEXEC, 0);
			kb_add(kb, KNR_CLOSE, e->made, 0, 0, 0);
			sim.open[e->want->fd] = true;
			fdsim_close(&sim, e->made);
		}
		for (nmade = 0; next < kr->ntfds; next++) {
			struct kr_tfd *e = &kr->tfds[next];
			int fd = fdsim_lowest_free(&sim);
			bool on_later;

			if (e->how == TFD_REARM)
				continue;
			/* At its own fd, or at none's, or at another one's (not there yet). */
			on_later = fd != e->want->fd && is_place(&sim, fd);
			if (nmade && on_later)
				break;
			sim.open[fd] = true;
			want_fd[nmade] = fd;
			made[nmade++] = e;
			kb_add(kb, KNR_TIMERFD_CREATE, e->want->clockid,
			       e->want->fd_flags & (KO_NONBLOCK | KO_CLOEXEC), 0, 0);
			if (on_later) {
				next++;
				break;	/* alone: moved away before the other is made */
			}
		}
		if (!kb->b->count)
			break;
		/*
		 * After a failed run too, what it did is recorded, for rollback
		 * to undo: the batch stops at an error, so every call before
		 * the first that failed (or did not run) ran, and none after.
		 */
		ret = kb_run(kr, kb, false, "placing timerfds");
		for (size_t j = 0; j < nmoving; j++) {
			struct kr_tfd *e = moving[j];
			long r = kb_ret(kb, call[j]);

			if (r < 0) {
				if (!ret)
					ret = ctx_set_error(kr->ctx, (int)r, "cannot move a new"
							    " timerfd to fd %d in pid %d%s",
							    e->want->fd, kr->t->pid,
							    nofile_hint(kr, (long long)e->want->fd
									+ 1, hint, sizeof(hint)));
				goto free_all;
			}
			e->placed = true;
			r = kb_ret(kb, call[j] + 1);
			if (r < 0) {
				if (!ret)
					ret = ctx_set_error(kr->ctx, (int)r, "cannot close fd %d in"
							    " pid %d", e->made, kr->t->pid);
				goto free_all;
			}
			e->made = -1;
		}
		/* The creates follow the moves' dup3() and close() pairs. */
		for (size_t j = 0, first = 2 * nmoving; j < nmade; j++) {
			struct kr_tfd *e = made[j];
			long r = kb_ret(kb, first + j);

			if (r < 0) {
				if (!ret)
					ret = ctx_set_error(kr->ctx, (int)r, "timerfd_create(%s) in"
							    " pid %d",
							    ptimer_clock_name(e->want->clockid),
							    kr->t->pid);
				goto free_all;
			}
			e->made = (int)r;
			if (e->made == e->want->fd) {
				/* Made at its fd: the fd is what rollback closes. */
				e->placed = true;
				e->made = -1;
			}
		}
		if (ret)
			break;
		nmoving = 0;
		for (size_t j = 0; j < nmade; j++) {
			if (made[j]->made != want_fd[j] && !made[j]->placed) {
				ret = ctx_set_error(kr->ctx, -EAGAIN, "the descriptors of pid %d"
						    " changed during the restore (a new timerfd"
						    " is fd %d, not %d)", kr->t->pid,
						    made[j]->made, want_fd[j]);
				goto free_all;
			}
			if (made[j]->placed && made[j]->want->fd != want_fd[j]) {
				ret = ctx_set_error(kr->ctx, -EAGAIN, "the descriptors of pid %d"
						    " changed during the restore", kr->t->pid);
				goto free_all;
			}
			if (!made[j]->placed)
				moving[nmoving++] = made[j];
		}
	}
free_all:
	free(want_fd);
	free(call);
	free(made);
	free(moving);
	fdsim_free(&sim);
	return ret;
}

/* The clock a timerfd's absolute times are on: an alarm clock's base. */
static clockid_t timerfd_base(int clockid)
{
	return clockid == KCLOCK_REALTIME_ALARM ? CLOCK_REALTIME :
	       clockid == KCLOCK_BOOTTIME_ALARM ? CLOCK_BOOTTIME : (clockid_t)clockid;
}

static void timerfd_value(struct kinds_restore *kr, const struct ptimer_timerfd *w,
			  struct itimerspec *its, unsigned int *flags)
{
	enum arm_note note = arm_value(kr, w->clockid, w->value_ns, w->interval_ns,
				       w->settime_flags & KTFD_TIMER_ABSTIME, its);

	if (kr->frozen)
		arm_note_frozen(kr->frozen, note, "timerfd %d", w->fd);
	*flags = w->settime_flags & KTFD_SETTIME_FLAGS;
	/*
	 * fdinfo shows the time left even for an absolute timer: arm it
	 * absolute again, that far from now, so that TFD_TIMER_CANCEL_ON_SET
	 * still applies.
	 */
	if ((*flags & KTFD_TIMER_ABSTIME) && (its->it_value.tv_sec || its->it_value.tv_nsec))
		its->it_value = ns_to_ts(ns_add_sat(clock_now_ns(timerfd_base(w->clockid)),
						    ts_to_ns(&its->it_value)));
	else
		*flags &= ~KTFD_TIMER_ABSTIME;
}

/*
 * A re-armed timerfd's own setting back, for a rollback: what
 * timerfd_settime() returned when it replaced it, with its flags (an
 * absolute timer at the same deadline, so that TFD_TIMER_CANCEL_ON_SET
 * holds again), a relative one with what is left of it.
 */
static void timerfd_was(const struct kr_tfd *e, struct itimerspec *its, unsigned int *flags)
{
	int64_t left = ts_to_ns(&e->was.it_value);

	*its = e->was;
	*flags = e->old.settime_flags & KTFD_SETTIME_FLAGS;
	if (!left)
		return;
	if (*flags & KTFD_TIMER_ABSTIME) {
		its->it_value = ns_to_ts(ns_add_sat(e->was_at_ns, left));
		return;
	}
	left -= clock_now_ns(timerfd_base(e->old.clockid)) - e->was_at_ns;
	/* Due meanwhile: due at once, as it would have been. */
	its->it_value = ns_to_ts(left > 0 ? left : 1);
}

/*
 * A timerfd re-armed in place: its expirations, which timerfd_settime()
 * clears, are read just before it, in the same batch, for a rollback to
 * set back.  Those read with the prepare's fdinfo would miss the ones
 * that came since, and a periodic timerfd's fdinfo counts only those the
 * kernel has brought up to date.  preadv2() with RWF_NOWAIT takes them
 * (the settime would clear them all the same) without blocking on a
 * timerfd with none, and without touching the file's flags, which the
 * program and any process sharing the file see.  A kernel whose timerfd
 * cannot be read so (before 6.10, EOPNOTSUPP) keeps the prepare's count.
 * Not one that TFD_TIMER_CANCEL_ON_SET may have cancelled: a read would
 * take the cancellation, which nothing can give back.  Returns the
 * read's call, or SIZE_MAX.
 */
static size_t take_ticks(struct kinds_restore *kr, struct kbatch *kb, const struct kr_tfd *e,
			 uint64_t at)
{
	const struct iovec iov = { .iov_base = (void *)(uintptr_t)at, .iov_len = sizeof(uint64_t) };

	if (e->old.settime_flags & KTFD_TIMER_CANCEL_ON_SET)
		return SIZE_MAX;
	if (target_write(kr->t, at + 8, &iov, sizeof(iov)))
		return SIZE_MAX;
	/* The file's own position (-1), which a timerfd ignores. */
	return kb_add6(kb, KNR_PREADV2, e->want->fd, at + 8, 1, (uint64_t)-1, (uint64_t)-1,
		       RWF_NOWAIT);
}

/* What take_ticks() read: 8 bytes, or EAGAIN for none. */
static void note_ticks(struct kinds_restore *kr, struct kr_tfd *e, long r, uint64_t at)
{
	uint64_t ticks = 0;

	if (r != (long)sizeof(ticks) && r != -EAGAIN)
		return;
	if (r > 0 && target_read(kr->t, at, &ticks, sizeof(ticks)))
		return;
	e->old.ticks = ticks;
	e->ticks_taken = true;
}

/* Every timerfd, now at its fd, armed and its ticks set, in one batch. */
static int arm_timerfds(struct kinds_restore *kr, struct kbatch *kb)
{
	size_t *call;
	int ret;

	call = calloc(3 * kr->ntfds + 1, sizeof(*call));
	if (!call)
		return -ENOMEM;
	kb_reset(kb, false);
	for (size_t i = 0; i < kr->ntfds; i++) {
		const struct kr_tfd *e = &kr->tfds[i];
		const struct ptimer_timerfd *w = e->want;
		uint64_t slot = tfd_slot(kr, i);
		struct itimerspec its;
		unsigned int flags;

		timerfd_value(kr, w, &its, &flags);
		ret = target_write(kr->t, slot, &its, sizeof(its));
		if (!ret)
			ret = target_write(kr->t, slot + 64, &w->ticks, sizeof(w->ticks));
		if (ret)
			goto free_call;
		call[3 * i + 2] = SIZE_MAX;
		if (e->how == TFD_REARM && !kr->rearm)
			call[3 * i + 2] = take_ticks(kr, kb, e, slot + 72);
		call[3 * i] = kb_add(kb, KNR_TIMERFD_SETTIME, w->fd, flags, slot, slot + 32);
		call[3 * i + 1] = SIZE_MAX;
		if (w->ticks)
			call[3 * i + 1] = kb_add(kb, KNR_IOCTL, w->fd, KTFD_IOC_SET_TICKS,
						 slot + 64, 0);
	}
	/* Re-arming is an undo (dump.c, undo_disarm()): to its end. */
	ret = kb_run(kr, kb, kr->rearm, "arming timerfds");
	/* The batch goes on past a failure: whatever it armed, rollback sets back. */
	for (size_t i = 0; i < kr->ntfds && kb->b->done; i++) {
		struct kr_tfd *e = &kr->tfds[i];
		int fd = e->want->fd;
		long r;

		if (call[3 * i + 2] != SIZE_MAX)
			note_ticks(kr, e, kb_ret(kb, call[3 * i + 2]), tfd_slot(kr, i) + 72);
		r = kb_ret(kb, call[3 * i]);
		if (r < 0) {
			if (!ret)
				ret = ctx_set_error(kr->ctx, (int)r, "timerfd_settime() on fd %d"
						    " in pid %d", fd, kr->t->pid);
			/* The batch ran on: the ioctl after it set the program's count. */
			e->ticks_forced = call[3 * i + 1] != SIZE_MAX &&
					  !kb_ret(kb, call[3 * i + 1]);
			continue;
		}
		e->armed = true;
		if (e->how == TFD_REARM) {
			e->was_at_ns = clock_now_ns(timerfd_base(e->old.clockid));
			if (target_read(kr->t, tfd_slot(kr, i) + 32, &e->was, sizeof(e->was)))
				e->was = (struct itimerspec){
					.it_value = ns_to_ts(e->old.value_ns),
					.it_interval = ns_to_ts(e->old.interval_ns),
				};
		}
		if (call[3 * i + 1] == SIZE_MAX)
			continue;
		r = kb_ret(kb, call[3 * i + 1]);
		if (r == -ENOTTY || r == -EINVAL)
			warn(kr->ctx, "fd %d of pid %d: this kernel cannot set a timerfd's"
			     " expirations (TFD_IOC_SET_TICKS needs CONFIG_CHECKPOINT_RESTORE):"
			     " %llu pending expirations are lost", fd, kr->t->pid,
			     (unsigned long long)e->want->ticks);
		else if (r < 0 && !ret)
			ret = ctx_set_error(kr->ctx, (int)r, "TFD_IOC_SET_TICKS on fd %d in pid"
					    " %d", fd, kr->t->pid);
	}
free_call:
	free(call);
	return ret;
}

/* @fn with a batch of its own. */
static int with_batch(struct kinds_restore *kr,
		      int (*fn)(struct kinds_restore *kr, struct kbatch *kb))
{
	struct kbatch kb;
	int ret;

	ret = kb_init(&kb, kr);
	if (ret)
		return ret;
	ret = fn(kr, &kb);
	kb_free(&kb);
	return ret;
}

static int place_all(struct kinds_restore *kr, struct kbatch *kb)
{
	int hi = 0, ret;

	/* Above every dumped fd: a spare kept there collides with no timerfd. */
	for (size_t i = 0; i < kr->ntfds; i++)
		if (kr->tfds[i].want->fd >= hi)
			hi = kr->tfds[i].want->fd == INT_MAX ? INT_MAX : kr->tfds[i].want->fd + 1;
	ret = keep_replaced(kr, kb, hi);
	if (!ret)
		ret = place_timerfds(kr, kb);
	return ret;
}

int kinds_restore_place(struct kinds_restore *kr)
{
	return kr->ntfds ? with_batch(kr, place_all) : 0;
}

int kinds_restore_arm_timerfds(struct kinds_restore *kr)
{
	return kr->ntfds ? with_batch(kr, arm_timerfds) : 0;
}

int kinds_restore_arm_itimers(struct kinds_restore *kr)
{
	return kr->nitimers ? with_batch(kr, apply_itimers) : 0;
}

bool kinds_restore_armed_soon(const struct kinds_restore *kr)
{
	return kr->armed_soon;
}

/*
 * Re-arming: the signal of a POSIX timer that the program deleted since
 * the dump is not queued again.  The deletion would have made it stale,
 * and the kernel would have dropped it; queued again, it would come from
 * a timer the program no longer has.  timer_getoverrun() changes
 * nothing, and answers EINVAL for a timer that is gone.
 */
static int forget_deleted_timers(struct kinds_restore *kr, struct kbatch *kb)
{
	size_t n = 0;
	int ret;

	kb_reset(kb, false);
	for (size_t k = 0; k < kr->nsigs; k++)
		kb_add(kb, ARCH_NR_TIMER_GETOVERRUN, (uint64_t)kr->sigs[k].timerid, 0, 0, 0);
	ret = kb_run(kr, kb, true, "looking for the timers of the pending signals");
	if (ret)
		return ret;
	for (size_t k = 0; k < kr->nsigs; k++) {
		if (kb_ret(kb, k) == -EINVAL) {
			warn(kr->ctx, "%s of timer %d of pid %d is not queued again: the program"
			     " deleted that timer after the dump disarmed it",
			     ptimer_signal_name(kr->sigs[k].signo), kr->sigs[k].timerid,
			     kr->t->pid);
			continue;
		}
		kr->sigs[n++] = kr->sigs[k];
	}
	kr->nsigs = n;
	return 0;
}

/*
 * --replace, on a kernel that delivers stale signals: a dump's signal
 * that a changed timer of the target still has queued, identical, is
 * that one (the process restored into itself), not queued a second time.
 */
static void leave_live_copies(struct kinds_restore *kr)
{
	size_t n = 0;

	for (size_t k = 0; k < kr->nsigs; k++) {
		if (held_signals_take_live_copy(kr->held, &kr->sigs[k])) {
			dbg(kr->ctx, "%s of timer %d is still queued, live, in pid %d: not queued"
			    " again", ptimer_signal_name(kr->sigs[k].signo), kr->sigs[k].timerid,
			    kr->t->pid);
			continue;
		}
		kr->sigs[n++] = kr->sigs[k];
	}
	kr->nsigs = n;
}

/*
 * Where the kernel drops stale signals: a dump's standard signal bound
 * for a queue where a stale one of that number sits (of a timer that
 * --replace changed, or that the disarming dump of a re-arm disarmed)
 * would be dropped as its duplicate.  Take those out first, in a batch
 * of their own, before anything is queued that a purge could take, and
 * only where the purge takes nothing else (held_signals.h).
 */
static int purge_stale_standard(struct kinds_restore *kr)
{
	uint64_t mask = 0;

	for (size_t k = 0; k < kr->nsigs; k++) {
		const struct ptimer_pending_signal *s = &kr->sigs[k];

		if (!held_signals_stale_standard(kr->held, s->signo, s->tid))
			continue;
		if (held_signals_purge_reaches(kr->held, s->signo, s->tid))
			mask |= ksig_bit(s->signo);
		else
			warn(kr->ctx, "%s, queued for %s of pid %d, is lost: the stale one of a"
			     " timer %s holds its place, and cannot be taken out without the"
			     " risk of taking another", ptimer_signal_name(s->signo),
			     s->tid ? "a thread" : "the process", kr->t->pid,
			     kr->rearm ? "the dump disarmed" : "--replace changed");
	}
	return mask ? held_signals_purge(kr->t, kr->held, mask, kr->sigs, kr->nsigs) : 0;
}

void kinds_restore_skip_queued(struct kinds_restore *kr)
{
	for (size_t k = 0; kr && kr->held && kr->sig_queued && k < kr->nsigs; k++)
		if (kr->sig_queued[k])
			held_signals_skip_same(kr->held, &kr->sigs[k]);
}

static int queue_signals(struct kinds_restore *kr)
{
	siginfo_t *si = NULL;
	size_t *call = NULL;
	struct kbatch kb;
	int ret;

	if (!kr->nsigs)
		return 0;
	/*
	 * Before 6.13 a disarmed timer's queued signal stays live: re-armed,
	 * the process still has every signal it had, and one queued again
	 * would come twice.  Were the probe to fail, queueing them (the
	 * newer kernels' rule) risks a duplicate rather than a loss.
	 */
	if (kr->rearm && !kernel_drops_stale_timer_signals()) {
		dbg(kr->ctx, "pid %d: its %zu dumped signals are still queued and live (the"
		    " kernel delivers stale timer signals): none queued again", kr->t->pid,
		    kr->nsigs);
		return 0;
	}
	if (kr->held)
		leave_live_copies(kr);
	if (!kr->nsigs)
		return 0;
	kr->sig_queued = calloc(kr->nsigs, sizeof(*kr->sig_queued));
	if (!kr->sig_queued)
		return -ENOMEM;
	ret = kb_init(&kb, kr);
	if (ret)
		return ret;
	if (kr->rearm) {
		ret = forget_deleted_timers(kr, &kb);
		if (ret || !kr->nsigs)
			goto free_batch;
	}
	/* Of the signals still to queue: a deleted timer's is not said to be lost. */
	if (kr->held) {
		ret = purge_stale_standard(kr);
		if (ret)
			goto free_batch;
	}
	call = calloc(kr->nsigs, sizeof(*call));
	/* Every siginfo in one write: one a signal was a system call each, while stopped. */
	si = calloc(kr->nsigs, sizeof(*si));
	if (!call || !si) {
		ret = -ENOMEM;
		goto free_batch;
	}
	for (size_t k = 0; k < kr->nsigs; k++)
		pending_signal_siginfo(&kr->sigs[k], &si[k]);
	ret = target_write(kr->t, si_slot(kr, 0), si, kr->nsigs * sizeof(*si));
	if (ret)
		goto free_batch;
	kb_reset(&kb, false);
	for (size_t k = 0; k < kr->nsigs; k++) {
		const struct ptimer_pending_signal *s = &kr->sigs[k];

		if (s->tid)
			call[k] = kb_add(&kb, KNR_RT_TGSIGQUEUEINFO, kr->ns_pid, s->tid, s->signo,
					 si_slot(kr, k));
		else
			call[k] = kb_add(&kb, KNR_RT_SIGQUEUEINFO, kr->ns_pid, s->signo,
					 si_slot(kr, k), 0);
	}
	/*
	 * Past the point of no return: to its end.  The batch goes on past
	 * a failure: every signal it queued is counted.
	 */
	ret = kb_run(kr, &kb, true, "queueing pending signals");
	for (size_t k = 0; k < kr->nsigs && kb.b->done; k++)
		if (kb_ret(&kb, call[k]) >= 0) {
			kr->sig_queued[k] = true;
			kr->queued++;
		}
	for (size_t k = 0; !ret && k < kr->nsigs && kb.b->done; k++) {
		long r = kb_ret(&kb, call[k]);

		if (r < 0)
			ret = ctx_set_error(kr->ctx, (int)r, "queueing pending signal %zu (%s) in"
					    " pid %d; %zu others are queued", k,
					    ptimer_signal_name(kr->sigs[k].signo), kr->t->pid,
					    kr->queued);
	}
free_batch:
	free(si);
	free(call);
	kb_free(&kb);
	return ret;
}

/*
 * Each signal queued takes a queue entry of the target's real user, which
 * RLIMIT_SIGPENDING bounds (a real-time one fails with EAGAIN past it; a
 * legacy one is queued without its siginfo).  They are queued past the
 * point of no return, so whether they fit is asked before anything is
 * armed, with the restored timers, which hold one each, counted already.
 * Another process of the user may still queue one in between: then the
 * queueing fails, and says how many were queued.
 */
int kinds_restore_signals_fit(struct kinds_restore *kr)
{
	unsigned long long queued, limit;
	int ret;

	if (!kr->nsigs || kr->rearm)
		return 0;
	ret = procfs_sigq(kr->t->dirfd, &queued, &limit);
	if (ret)
		return ctx_set_error(kr->ctx, ret, "cannot read SigQ of /proc/%d/status",
				     kr->t->pid);
	if (queued + kr->nsigs <= limit)
		return 0;
	return ctx_set_error(kr->ctx, -EAGAIN, "queueing %zu pending signals would pass"
			     " RLIMIT_SIGPENDING of pid %d: %llu signals and timers of its user"
			     " are queued, of %llu", kr->nsigs, kr->t->pid, queued, limit);
}

/* The restore is done: the replaced descriptors kept aside for rollback go. */
static void close_spares(struct kinds_restore *kr)
{
	struct kbatch kb;
	bool any = false;

	for (size_t i = 0; i < kr->ntfds; i++)
		any |= kr->tfds[i].spare >= 0;
	if (!any || kb_init(&kb, kr))
		return;
	kb_reset(&kb, false);
	for (size_t i = 0; i < kr->ntfds; i++)
		if (kr->tfds[i].spare >= 0)
			kb_add(&kb, KNR_CLOSE, kr->tfds[i].spare, 0, 0, 0);
	if (kb_run(kr, &kb, true, "closing the descriptors kept aside"))
		warn(kr->ctx, "pid %d keeps a copy of each descriptor --replace replaced",
		     kr->t->pid);
	for (size_t i = 0, c = 0; i < kr->ntfds; i++)
		if (kr->tfds[i].spare >= 0 && kb_ret(&kb, c++) >= 0)
			kr->tfds[i].spare = -1;
	kb_free(&kb);
}

int kinds_restore_signals(struct kinds_restore *kr)
{
	int ret = queue_signals(kr);

	if (!ret)
		close_spares(kr);
	return ret;
}

/* What a rollback's first batch leaves to a second, for each timerfd. */
struct tfd_undo {
	size_t dup3;	/* its spare's dup3() back onto its fd, or SIZE_MAX */
	size_t read;	/* the read of the expirations forced on it, or SIZE_MAX */
};

/*
 * What waits on the first batch's results, run as a second.  A spare put
 * back is closed once its dup3() is known to have succeeded; where that
 * failed (a kept seccomp filter may refuse it), the spare is the
 * program's only hold on its file: it stays open, and is said.  A
 * timerfd whose count was read gets back the count it had, and the
 * expirations that came since from its own setting: those read past the
 * count that was forced on it.  Whether all of it went back.
 */
static bool finish_rollback(struct kinds_restore *kr, struct kbatch *kb,
			    const struct tfd_undo *undo)
{
	bool *close_spare, done = true;
	uint64_t *ticks;

	close_spare = calloc(kr->ntfds + 1, sizeof(*close_spare));
	ticks = calloc(kr->ntfds + 1, sizeof(*ticks));
	if (!close_spare || !ticks) {
		done = false;
		goto free_all;
	}
	for (size_t i = 0; i < kr->ntfds; i++) {
		const struct kr_tfd *e = &kr->tfds[i];
		uint64_t got = 0, forced = e->ticks_forced ? e->want->ticks : 0;
		long r;

		if (undo[i].dup3 != SIZE_MAX && kb_ret(kb, undo[i].dup3) >= 0) {
			close_spare[i] = true;
		} else if (undo[i].dup3 != SIZE_MAX) {
			err(kr->ctx, "rollback: the file of fd %d of pid %d could not be put back;"
			    " it stays open at fd %d", e->want->fd, kr->t->pid, e->spare);
			done = false;
		}
		if (undo[i].read == SIZE_MAX)
			continue;
		r = kb_ret(kb, undo[i].read);
		if (r != -EAGAIN && (r != (long)sizeof(got) ||
				     target_read(kr->t, tfd_slot(kr, i) + 72, &got, sizeof(got)))) {
			done = false;
			continue;
		}
		ticks[i] = e->old.ticks + (got > forced ? got - forced : 0);
	}
	kb_reset(kb, false);
	for (size_t i = 0; i < kr->ntfds; i++) {
		if (close_spare[i])
			kb_add(kb, KNR_CLOSE, kr->tfds[i].spare, 0, 0, 0);
		if (!ticks[i])
			continue;
		if (target_write(kr->t, tfd_slot(kr, i) + 64, &ticks[i], sizeof(ticks[i])))
			done = false;
		kb_add(kb, KNR_IOCTL, kr->tfds[i].want->fd, KTFD_IOC_SET_TICKS,
		       tfd_slot(kr, i) + 64, 0);
	}
	if (kb_run(kr, kb, true, "finishing the rollback of the timerfds"))
		done = false;
	for (size_t c = 0; c < kb->b->count; c++)
		if (kb_ret(kb, c) < 0)
			done = false;
free_all:
	free(ticks);
	free(close_spare);
	return done;
}

/*
 * Undo, in reverse: timerfds, then interval timers.  Best effort; each
 * failure is logged.  Whether all of it was undone.
 */
bool kinds_restore_rollback(struct kinds_restore *kr)
{
	struct tfd_undo *undo;
	struct kbatch kb;
	bool failed = false;

	if (!kr)
		return true;
	undo = calloc(kr->ntfds + 1, sizeof(*undo));
	if (!undo || kb_init(&kb, kr)) {
		free(undo);
		err(kr->ctx, "rollback: out of memory for the interval timers and timerfds"
		    " of pid %d", kr->t->pid);
		return false;
	}
	kb_reset(&kb, false);
	for (size_t i = kr->ntfds; i-- > 0;) {
		struct kr_tfd *e = &kr->tfds[i];
		int fd = e->want->fd;

		undo[i] = (struct tfd_undo){ .dup3 = SIZE_MAX, .read = SIZE_MAX };
		if (e->made >= 0)
			kb_add(&kb, KNR_CLOSE, e->made, 0, 0, 0);
		if (e->how == TFD_CREATE && e->placed)
			kb_add(&kb, KNR_CLOSE, fd, 0, 0, 0);
		/* A spare put back is closed once its dup3() is known done. */
		if (e->how == TFD_REPLACE && e->spare >= 0 && e->placed)
			undo[i].dup3 = kb_add(&kb, KNR_DUP3, e->spare, fd,
					      e->old_cloexec ? O_CLOEXEC : 0, 0);
		else if (e->how == TFD_REPLACE && e->spare >= 0)
			kb_add(&kb, KNR_CLOSE, e->spare, 0, 0, 0);
		/*
		 * Its setting not changed, its count taken (perhaps the
		 * dump's forced on it after): what it holds now is read, and
		 * what it had goes back, with those that came since
		 * (finish_rollback()).  No ioctl sets 0, and a read alone
		 * leaves 0.  Not taken, its count was never touched but by
		 * the forcing, which nothing then knows how to undo.
		 */
		if (e->how == TFD_REARM && !e->armed && e->ticks_taken &&
		    (e->old.ticks || e->ticks_forced))
			undo[i].read = take_ticks(kr, &kb, e, tfd_slot(kr, i) + 72);
		if (e->how == TFD_REARM && !e->armed && e->ticks_forced &&
		    undo[i].read == SIZE_MAX) {
			err(kr->ctx, "rollback: fd %d of pid %d keeps the %llu expirations the"
			    " dump gave it", fd, kr->t->pid, (unsigned long long)e->want->ticks);
			failed = true;
		} else if (e->how == TFD_REARM && !e->armed && e->ticks_taken && e->old.ticks &&
			   undo[i].read == SIZE_MAX) {
			err(kr->ctx, "rollback: the %llu expirations taken from fd %d of pid %d"
			    " cannot be given back", (unsigned long long)e->old.ticks, fd,
			    kr->t->pid);
			failed = true;
		}
		if (e->how == TFD_REARM && e->armed) {
			struct itimerspec its;
			unsigned int flags;

			timerfd_was(e, &its, &flags);
			if (target_write(kr->t, tfd_slot(kr, i), &its, sizeof(its)) ||
			    target_write(kr->t, tfd_slot(kr, i) + 64, &e->old.ticks,
					 sizeof(e->old.ticks)))
				failed = true;
			kb_add(&kb, KNR_TIMERFD_SETTIME, fd, flags, tfd_slot(kr, i), 0);
			if (e->old.ticks)
				kb_add(&kb, KNR_IOCTL, fd, KTFD_IOC_SET_TICKS, tfd_slot(kr, i) + 64, 0);
		}
	}
	for (size_t i = 0; i < kr->nitimers; i++) {
		struct kr_itimer *it = &kr->itimers[i];
		struct itimerval old;

		if (!it->set)
			continue;
		old = itv_was(it);
		if (target_write(kr->t, itv_slot(kr, it->want->which), &old, sizeof(old)))
			failed = true;
		kb_add(&kb, KNR_SETITIMER, it->want->which, itv_slot(kr, it->want->which), 0, 0);
	}
	if (kb_run(kr, &kb, true, "rolling back the interval timers and timerfds"))
		failed = true;
	/* The reads of forced counts are judged by finish_rollback(). */
	for (size_t c = 0; c < kb.b->count; c++)
		if (kb_ret(&kb, c) < 0 && kb.b->calls[c].nr != KNR_IOCTL &&
		    kb.b->calls[c].nr != KNR_PREADV2)
			failed = true;
	if (!finish_rollback(kr, &kb, undo))
		failed = true;
	free(undo);
	if (failed)
		err(kr->ctx, "rollback: could not put back every interval timer and timerfd"
		    " of pid %d", kr->t->pid);
	if (kr->queued)
		err(kr->ctx, "rollback: %zu pending signals queued in pid %d stay queued",
		    kr->queued, kr->t->pid);
	kb_free(&kb);
	return !failed && !kr->queued;
}
