// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * Dumping the interval timers, the timerfds and the queued timer signals
 * of a held target.  What /proc and ptrace can read comes first and
 * changes nothing; the interval timers need getitimer() (or, disarming,
 * setitimer()) inside the target, in one batch with the timerfd disarms.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/time.h>
#include <time.h>

#include "internal.h"
#include "kinds.h"
#include "kinds_live.h"
#include "peek_signals.h"
#include "procfs_fd.h"
#include "stamp.h"

static int add_signal(void *dump, const struct ptimer_pending_signal *s)
{
	return ptimer_dump_add_signal(dump, s);
}

/* The SI_TIMER siginfos queued for @tid (@shared: its process's queue), stale ones too. */
static int peek_queue(struct target *t, struct ptimer_dump *dump, pid_t tid, bool shared)
{
	return peek_timer_signals(t, tid, shared, add_signal, dump, NULL);
}

static int read_signals(struct target *t, struct ptimer_dump *dump)
{
	pid_t via = target_live_tid(t);
	int ret;

	for (size_t i = 0; i < dump->nthreads; i++) {
		ret = peek_queue(t, dump, dump->tids[i], false);
		if (ret)
			return ret;
	}
	if (!via)
		return ctx_set_error(t->ctx, -ESRCH, "pid %d has no live thread", t->pid);
	return peek_queue(t, dump, via, true);
}

/* Timerfd @fd, from its fdinfo; one closed since the listing is not there. */
static int read_timerfd(struct target *t, struct ptimer_dump *dump, int fd)
{
	struct ptimer_timerfd tfd = { 0 };
	unsigned int line = 0;
	int ret;

	ret = procfs_read_timerfd(t->dirfd, fd, &tfd, &line);
	if (ret == -ENOENT)
		return 0;
	if (ret == -EINVAL)
		return ctx_set_error(t->ctx, ret, "/proc/%d/fdinfo/%d: cannot parse line %u",
				     t->pid, fd, line);
	if (ret)
		return ctx_set_error(t->ctx, ret, "cannot read /proc/%d/fdinfo/%d", t->pid, fd);
	return ptimer_dump_add_timerfd(dump, &tfd);
}

/*
 * Which descriptors are timerfds.  Reading a descriptor's fd/ link costs
 * the stopped target a path walk and an access check in /proc: about
 * 3.5 us each here, so that a dump of an idle process with 200 descriptors
 * stopped it 1.05 ms, against 0.25 ms without timerfds (AMD EPYC, SRSO
 * mitigated, 2026-12-04).  A timerfd_gettime() in the batch that reads the
 * timerfds anyway answers EINVAL for anything but a timerfd, for a small
 * part of that (a system call in the target, and no /proc at all).  But
 * each probe takes scratch memory (a call, and a struct itimerspec for
 * its answer; a rider's call more when POSIX timers are read too), and a
 * job whose data no longer fits the room the stack lends (AT_MINSIGSTKSZ,
 * inject_stack_room()) needs a mapping of its own: three round trips
 * more.  So the descriptors are probed when they fit that room, or when
 * the job needs a mapping anyway, and otherwise from PROBE_MIN_FDS on:
 * measured on the host above, with the mapping, links against probes:
 * 0.22 against 0.51 ms with 8 descriptors, 0.46 against 0.59 ms with 40,
 * 0.67 against 0.52 ms with 100, 1.05 against 0.68 ms with 200.  (Where a
 * round trip costs a seventh of that and a link a third, the Intel host
 * of the earlier figures, the same arithmetic puts the turn near 25.)
 * Not when a seccomp filter judges our calls (a caller who keeps one took
 * the risk of the calls a dump needs, not of one per descriptor), nor
 * when disarming, which must have read every fdinfo before it changes
 * anything (struct probe_policy).
 */
#define PROBE_MIN_FDS	64

static bool probe_fds(const struct probe_policy *pp, size_t nfds)
{
	return pp->may && (nfds >= PROBE_MIN_FDS || nfds <= pp->stack_fits);
}

static int read_timerfds(struct target *t, struct ptimer_dump *dump,
			 const struct probe_policy *pp)
{
	size_t n = 0;
	int *fds = NULL, ret;

	ret = procfs_list_fds_kept(t->dirfd, &t->fdinfofd, &fds, &n);
	if (ret)
		return ctx_set_error(t->ctx, ret, "cannot list the descriptors of pid %d", t->pid);
	if (probe_fds(pp, n)) {
		for (size_t i = 0; i < n && !ret; i++) {
			struct ptimer_timerfd tfd = { .fd = fds[i] };

			ret = ptimer_dump_add_timerfd(dump, &tfd);
		}
		dump_kinds_of(dump)->fds_unprobed = true;
		free(fds);
		return ret;
	}
	for (size_t i = 0; i < n && !ret; i++) {
		int kind = procfs_fd_kind(t->dirfd, fds[i]);

		if (kind < 0)
			ret = ctx_set_error(t->ctx, kind, "cannot list the descriptors of pid %d",
					    t->pid);
		else if (kind == PROCFS_FD_TIMERFD)
			ret = read_timerfd(t, dump, fds[i]);
	}
	free(fds);
	return ret;
}

/*
 * The first look at /proc/PID/fd/N makes the kernel build an entry per
 * descriptor; a second finds them cached, and re-checks only that each
 * descriptor is still open (measured, 7 descriptors: 35 us cold, 10 to
 * 20 us warm).  Only where the stopped dump will look: not where it
 * probes them instead (probe_fds(), with @pp as the dump will likely have
 * it).  What is found here counts for nothing: the target runs and may
 * open or close any; only the stopped listing is the dump's.
 */
void kinds_dump_warm(struct target *t, unsigned int kinds, const struct probe_policy *pp)
{
	size_t n = 0;
	int *fds = NULL;

	if (!(kinds & PTIMER_KIND_TIMERFD) ||
	    procfs_list_fds_kept(t->dirfd, &t->fdinfofd, &fds, &n))
		return;
	if (!probe_fds(pp, n))
		for (size_t i = 0; i < n; i++)
			procfs_fd_kind(t->dirfd, fds[i]);
	free(fds);
}

int kinds_dump_read_proc(struct target *t, struct ptimer_dump *dump, unsigned int kinds,
			 const struct probe_policy *pp)
{
	int ret = 0;

	ptimer_dump_set_kinds(dump, kinds);
	if (kinds & PTIMER_KIND_SIGNALS)
		ret = read_signals(t, dump);
	if (!ret && (kinds & PTIMER_KIND_TIMERFD))
		ret = read_timerfds(t, dump, pp);
	return ret;
}

/*
 * The batch, then the itimers' old values, a zero itimerval, the
 * timerfds' old values, a zero itimerspec, and the stamp's clock reading.
 * Riding with another batch (kinds_dump_fill()), the kinds' own later
 * batches (settle_due()'s re-reads, the disarm) run where that one ran,
 * done by then and larger (its timers' calls and ours): @batch_at, and
 * only the data is laid out at @base.  Alone, @batch_at is 0 and the
 * batch comes first.
 */
struct kinds_layout {
	size_t ncalls;
	uint64_t batch;
	uint64_t itimers;
	uint64_t zero_itv;
	uint64_t timerfds;
	uint64_t zero_its;
	uint64_t stamp;
	size_t total;
};

static void plan_layout(struct kinds_layout *l, size_t ntimerfds, uint64_t base,
			uint64_t batch_at)
{
	/* More: the prctl and the stamp, when they ride with this batch */
	l->ncalls = KITIMER_COUNT + ntimerfds + 1 + STAMP_CALLS;
	l->batch = batch_at ? batch_at : base;
	l->itimers = batch_at ? base :
		     base + sizeof(struct blob_batch) + l->ncalls * sizeof(struct blob_call);
	l->zero_itv = l->itimers + KITIMER_COUNT * sizeof(struct itimerval);
	l->timerfds = l->zero_itv + sizeof(struct itimerval);
	l->zero_its = l->timerfds + ntimerfds * sizeof(struct itimerspec);
	l->stamp = l->zero_its + sizeof(struct itimerspec);
	l->total = l->stamp + STAMP_LEN - base;
}

size_t kinds_dump_ncalls_for(unsigned int kinds, size_t ntimerfds)
{
	return (kinds & PTIMER_KIND_ITIMER ? KITIMER_COUNT : 0) + ntimerfds;
}

static size_t kinds_dump_ncalls_of(const struct dump_kinds *k, unsigned int kinds)
{
	return kinds_dump_ncalls_for(kinds, k->ntimerfds);
}

size_t kinds_dump_scratch_for(size_t ntimerfds, bool riding)
{
	struct kinds_layout l;

	/* Any address but 0 stands for the batch ridden with. */
	plan_layout(&l, ntimerfds, 0, riding ? 1 : 0);
	return l.total;
}

/*
 * Batch A: getitimer() of the interval timers, and timerfd_gettime() of
 * every timerfd, which (as a read() would) counts the expirations of a
 * periodic timerfd that fdinfo does not show yet: the kernel adds them to
 * the ticks only when someone looks.  Batch B, when disarming, once A's
 * values are settled (settle_due()): setitimer() and timerfd_settime() to
 * zero, each of which returns the old value in the same step.
 */
static void fill_calls_a(struct blob_call *calls, const struct dump_kinds *k,
			 const struct kinds_layout *l, unsigned int kinds)
{
	size_t c = 0;

	for (int which = 0; (kinds & PTIMER_KIND_ITIMER) && which < KITIMER_COUNT; which++) {
		struct blob_call *call = &calls[c++];

		memset(call, 0, sizeof(*call));
		call->nr = KNR_GETITIMER;
		call->args[0] = which;
		call->args[1] = l->itimers + which * sizeof(struct itimerval);
	}
	for (size_t i = 0; i < k->ntimerfds; i++) {
		struct blob_call *call = &calls[c++];

		memset(call, 0, sizeof(*call));
		call->nr = KNR_TIMERFD_GETTIME;
		call->args[0] = k->timerfds[i].fd;
		call->args[1] = l->timerfds + i * sizeof(struct itimerspec);
	}
}

static void fill_batch_b(struct blob_batch *b, const struct dump_kinds *k,
			 const struct kinds_layout *l, unsigned int kinds)
{
	size_t c = 0;

	b->flags = 0;
	for (int which = 0; (kinds & PTIMER_KIND_ITIMER) && which < KITIMER_COUNT; which++) {
		struct blob_call *call = &b->calls[c++];

		memset(call, 0, sizeof(*call));
		call->nr = KNR_SETITIMER;
		call->args[0] = which;
		call->args[1] = l->zero_itv;
		call->args[2] = l->itimers + which * sizeof(struct itimerval);
	}
	for (size_t i = 0; i < k->ntimerfds; i++) {
		struct blob_call *call = &b->calls[c++];

		memset(call, 0, sizeof(*call));
		call->nr = KNR_TIMERFD_SETTIME;
		call->args[0] = k->timerfds[i].fd;
		call->args[1] = 0;
		call->args[2] = l->zero_its;
		call->args[3] = l->timerfds + i * sizeof(struct itimerspec);
	}
	b->count = c;
}

/*
 * Disarming resets a timerfd's ticks, so the ticks come from fdinfo,
 * read just before.  An expiry between the two reads shows as a value
 * that went up (a periodic timer reloaded) or to zero (a one-shot fired):
 * count it, so that it is not lost.  A periodic one that fell due in
 * between and whose expiry the kernel has not handled yet reads 0 with
 * its interval, as if disarmed: count it too, and carry it reloaded.
 */
static void merge_disarmed(struct ptimer_timerfd *tfd, const struct itimerspec *old)
{
	int64_t value = ts_to_ns(&old->it_value);
	int64_t interval = ts_to_ns(&old->it_interval);

	if ((tfd->interval_ns && value > tfd->value_ns) ||
	    (tfd->value_ns && !value))
		tfd->ticks++;
	if (tfd->value_ns && !value && interval)
		value = interval;
	tfd->value_ns = value;
	tfd->interval_ns = interval;
}

static int calls_ok(struct target *t, const struct blob_call *calls, size_t n, const char *what)
{
	for (size_t i = 0; i < n; i++)
		if (calls[i].ret < 0)
			return ctx_set_error(t->ctx, (int)calls[i].ret, "%s in pid %d (call %zu)",
					     what, t->pid, i);
	return 0;
}

static int batch_ok(struct target *t, const struct blob_batch *b, const char *what)
{
	if (b->done != b->count)
		return ctx_set_error(t->ctx, -EIO, "batch stopped after %llu of %llu calls",
				     (unsigned long long)b->done, (unsigned long long)b->count);
	return calls_ok(t, b->calls, b->count, what);
}

static int64_t tv_to_ns(const struct timeval *tv)
{
	return (int64_t)tv->tv_sec * NSEC_PER_SEC + tv->tv_usec * 1000;
}

/*
 * Value 0 with an interval is what getitimer() reads of a disarmed
 * interval timer that kept its interval, and of one that fell due while
 * the kernel has yet to handle the expiry (which then reloads it).  For
 * ITIMER_REAL the expiry waits for its SIGALRM (collect_itimers()); for
 * the CPU ones it waits for the task work of a thread we hold, or (not
 * settled) for the kernel to run it.
 */
static bool cpu_itimer_unsure(int which, const struct itimerval *itv)
{
	return which != KITIMER_REAL && !tv_to_ns(&itv->it_value) &&
	       tv_to_ns(&itv->it_interval) > 0;
}

/* The same for a timerfd: its hrtimer's expiry not handled yet. */
static bool timerfd_unsure(const struct itimerspec *its)
{
	return !ts_to_ns(&its->it_value) && ts_to_ns(&its->it_interval) > 0;
}

/* What the reads of this dump saw of a timer: armed, "unsure", or both. */
#define SEEN_ARMED	1
#define SEEN_UNSURE	2
#define SEEN_DUE	(SEEN_ARMED | SEEN_UNSURE)

/* What batch A (or its re-read) found. */
struct kinds_read {
	struct itimerval itv[KITIMER_COUNT];
	uint8_t itv_seen[KITIMER_COUNT];
	struct itimerspec *its;		/* one per timerfd */
	uint8_t *its_seen;
};

/*
 * A re-read's values replace only those of the timers no read has
 * settled yet: what the others had left is as of the first read, which
 * the dump's timestamps date (stamp.c), and not as of a re-read that came
 * milliseconds later.
 */
static int read_again(struct target *t, const struct dump_kinds *k,
		      const struct kinds_layout *l, unsigned int kinds, struct kinds_read *r)
{
	struct itimerval itv[KITIMER_COUNT];
	struct itimerspec its;
	int ret = 0;

	if (kinds & PTIMER_KIND_ITIMER)
		ret = target_read(t, l->itimers, itv, sizeof(itv));
	for (int which = 0; !ret && (kinds & PTIMER_KIND_ITIMER) && which < KITIMER_COUNT;
	     which++)
		if (r->itv_seen[which] == SEEN_UNSURE)
			r->itv[which] = itv[which];
	for (size_t i = 0; !ret && i < k->ntimerfds; i++) {
		if (r->its_seen[i] != SEEN_UNSURE)
			continue;
		ret = target_read(t, l->timerfds + i * sizeof(its), &its, sizeof(its));
		r->its[i] = its;
	}
	return ret;
}

static int read_back(struct target *t, const struct dump_kinds *k, const struct kinds_layout *l,
		     unsigned int kinds, struct kinds_read *r, bool again, int *unsure_itimers,
		     int *unsure_timerfds)
{
	int ret = 0;

	*unsure_itimers = 0;
	*unsure_timerfds = 0;
	if (again)
		ret = read_again(t, k, l, kinds, r);
	else if (kinds & PTIMER_KIND_ITIMER)
		ret = target_read(t, l->itimers, r->itv, sizeof(r->itv));
	if (!ret && !again && k->ntimerfds)
		ret = target_read(t, l->timerfds, r->its, k->ntimerfds * sizeof(*r->its));
	if (ret)
		return ret;
	for (int which = 0; (kinds & PTIMER_KIND_ITIMER) && which < KITIMER_COUNT; which++) {
		bool unsure = cpu_itimer_unsure(which, &r->itv[which]);

		r->itv_seen[which] |= unsure ? SEEN_UNSURE :
				      tv_to_ns(&r->itv[which].it_value) ? SEEN_ARMED : 0;
		/* One seen armed is settled: due. */
		*unsure_itimers += r->itv_seen[which] == SEEN_UNSURE;
	}
	for (size_t i = 0; i < k->ntimerfds; i++) {
		bool unsure = timerfd_unsure(&r->its[i]);

		*unsure_timerfds += unsure;
		r->its_seen[i] |= unsure ? SEEN_UNSURE :
				  ts_to_ns(&r->its[i].it_value) ? SEEN_ARMED : 0;
	}
	return 0;
}

/*
 * Nudging the threads takes them through the kernel, which costs the
 * process CPU time: in a slow (emulated) machine, enough for the timer
 * to fall due again in another held thread's stop.  So a few rounds.
 */
#define NUDGE_ROUNDS	3

/*
 * How long a due hrtimer may wait for its interrupt: a tick without high
 * resolution, and, with it, what a virtual CPU that the host did not run
 * at once may add (milliseconds, in a loaded emulated guest).
 */
static int64_t hrtimer_grace_ns(void)
{
	struct timespec res = { 0 };

	clock_getres(CLOCK_MONOTONIC, &res);
	return 2 * ts_to_ns(&res) + 2 * NSEC_PER_SEC / 1000;
}

/*
 * Tell "due, expiry not handled yet" from "disarmed" before carrying a
 * timer that reads value 0 with an interval: the first kind is armed and
 * must be carried; the second is not.  A CPU interval timer's pending
 * expiry runs once every other thread we hold has passed through the
 * kernel's return to user mode (target_nudge_others()); a timerfd's, in
 * the hrtimer interrupt, at the latest a tick after it fell due.  Then
 * read again.  Nothing but our calls runs in the held target, so a timer
 * that reads armed at one read and so at another was due: a CPU interval
 * timer is carried due at once (its expiry was pending at the stop; the
 * nudge fired it in the source too, as the SIGALRM of a waiting
 * ITIMER_REAL stays with the source), a timerfd still unhandled is
 * counted and carried reloaded.  What reads so at every read is
 * disarmed.  Only a process holding such a timer pays for this.
 */
static int settle_due(struct target *t, const struct dump_kinds *k, const struct kinds_layout *l,
		      unsigned int kinds, struct blob_batch *b, struct kinds_read *r)
{
	/* Each read is a round trip; the hrtimer interrupt takes a few microseconds. */
	const struct timespec pause = { .tv_nsec = 50 * 1000 };
	int unsure_itimers, unsure_timerfds, rounds = 0, ret;
	int64_t deadline = 0;

	ret = read_back(t, k, l, kinds, r, false, &unsure_itimers, &unsure_timerfds);
	if (ret || (!unsure_itimers && !unsure_timerfds))
		return ret;
	do {
		if (unsure_itimers) {
			ret = target_nudge_others(t);
			if (ret)
				return ret;
			rounds++;
		}
		if (unsure_timerfds) {
			if (!deadline)
				deadline = clock_now_ns(CLOCK_MONOTONIC) + hrtimer_grace_ns();
			nanosleep(&pause, NULL);
		}
		b->flags = 0;
		b->count = kinds_dump_ncalls_of(k, kinds);
		fill_calls_a(b->calls, k, l, kinds);
		ret = target_batch(t, b, l->batch);
		if (ret)
			return ctx_set_error(t->ctx, ret, "reading the interval timers and timerfds"
					     " again in pid %d", t->pid);
		ret = batch_ok(t, b, "reading interval timers and timerfds again");
		if (!ret)
			ret = read_back(t, k, l, kinds, r, true, &unsure_itimers,
					&unsure_timerfds);
	} while (!ret && ((unsure_itimers && rounds < NUDGE_ROUNDS) ||
			  (unsure_timerfds &&
			   (!deadline || clock_now_ns(CLOCK_MONOTONIC) < deadline))));
	return ret;
}

/* A timerfd seen armed, then due and still unhandled: its expiry counted, reloaded. */
static void settle_timerfds(struct dump_kinds *k, const struct kinds_read *r)
{
	for (size_t i = 0; i < k->ntimerfds; i++) {
		struct ptimer_timerfd *tfd = &k->timerfds[i];

		if (r->its_seen[i] != SEEN_DUE || !timerfd_unsure(&r->its[i]))
			continue;
		tfd->ticks++;
		tfd->value_ns = tfd->interval_ns;
	}
}

/*
 * @r: what settle_due() left; @old, when disarming: what the disarm
 * returned, later, and so the values carried, but for a timer due: armed
 * at one read and "unsure" at another, the disarm's included.
 */
static struct ptimer_itimer itimer_of(const struct kinds_read *r, const struct itimerval *old,
				      int which)
{
	const struct itimerval *v = old ? &old[which] : &r->itv[which];
	uint8_t seen = r->itv_seen[which];
	struct ptimer_itimer it = {
		.which = which,
		.value_ns = tv_to_ns(&v->it_value),
		.interval_ns = tv_to_ns(&v->it_interval),
	};

	if (old && cpu_itimer_unsure(which, v))
		seen |= SEEN_UNSURE;
	if (seen == SEEN_DUE)
		it.value_ns = 1000;
	return it;
}

static int collect_itimers(struct ptimer_dump *dump, const struct kinds_read *r,
			   const struct itimerval *old)
{
	for (int which = 0; which < KITIMER_COUNT; which++) {
		struct ptimer_itimer it = itimer_of(r, old, which);
		int ret;

		/*
		 * A periodic ITIMER_REAL that expired and whose SIGALRM is still
		 * pending reads as value 0 with its interval: the kernel re-arms
		 * it only when SIGALRM is dequeued.  It is armed, and carried.
		 */
		if (!kinds_itimer_armed(&it))
			continue;	/* disarmed: nothing to carry */
		ret = ptimer_dump_add_itimer(dump, &it);
		if (ret)
			return ret;
	}
	return 0;
}

/*
 * fdinfo again, now that timerfd_gettime() has brought the ticks up to
 * date.  The time left is timerfd_gettime()'s: fdinfo shows 0 for a
 * periodic timerfd that expired and that nobody has looked at since,
 * which would read as disarmed.
 */
static int refresh_timerfds(struct target *t, struct dump_kinds *k,
			    const struct itimerspec *its)
{
	int ret = 0;

	for (size_t i = 0; i < k->ntimerfds; i++) {
		unsigned int line = 0;

		ret = procfs_read_timerfd(t->dirfd, k->timerfds[i].fd, &k->timerfds[i], &line);
		if (ret) {
			ret = ctx_set_error(t->ctx, ret, "cannot read /proc/%d/fdinfo/%d (line %u)",
					    t->pid, k->timerfds[i].fd, line);
			break;
		}
		k->timerfds[i].value_ns = ts_to_ns(&its[i].it_value);
		k->timerfds[i].interval_ns = ts_to_ns(&its[i].it_interval);
	}
	return ret;
}

/*
 * Batch B; the old values land where A's did.  Each timer a call of it
 * disarmed is noted in @rearm with the setting it had, after a run
 * stopped part-way too (inject.h: the calls that ran are known), for a
 * dump that fails to re-arm (dump.c, undo_disarm()).
 */
static int disarm_kinds(struct target *t, struct dump_kinds *k, struct blob_batch *b,
			const struct kinds_layout *l, unsigned int kinds,
			const struct kinds_read *r, struct itimerval *old_itv,
			struct ptimer_dump *rearm)
{
	const size_t nit = kinds & PTIMER_KIND_ITIMER ? KITIMER_COUNT : 0;
	struct itimerspec *its;
	int ret, rc = 0;

	its = calloc(k->ntimerfds + 1, sizeof(*its));
	if (!its)
		return -ENOMEM;
	fill_batch_b(b, k, l, kinds);
	ret = target_batch(t, b, l->batch);
	if (ret)
		ctx_set_error(t->ctx, ret, "disarming the interval timers and timerfds in pid %d",
			      t->pid);
	if (nit)
		rc = target_read(t, l->itimers, old_itv, nit * sizeof(*old_itv));
	if (!rc && k->ntimerfds)
		rc = target_read(t, l->timerfds, its, k->ntimerfds * sizeof(*its));
	for (size_t c = 0; !rc && c < b->done; c++) {
		if (b->calls[c].ret < 0)
			continue;
		if (c < nit) {
			struct ptimer_itimer it = itimer_of(r, old_itv, (int)c);

			if (kinds_itimer_armed(&it))
				rc = ptimer_dump_add_itimer(rearm, &it);
			continue;
		}
		merge_disarmed(&k->timerfds[c - nit], &its[c - nit]);
		/* Its ticks too: a disarm clears them. */
		if (k->timerfds[c - nit].value_ns || k->timerfds[c - nit].ticks)
			rc = ptimer_dump_add_timerfd(rearm, &k->timerfds[c - nit]);
	}
	free(its);
	if (!ret)
		ret = rc ? rc : batch_ok(t, b, "disarming an interval timer or a timerfd");
	return ret;
}

/*
 * The descriptors probed in batch A (read_timerfds()): those that
 * timerfd_gettime() answered are the timerfds.  EINVAL is any other
 * file, EBADF an O_PATH descriptor (or one closed by a process that
 * shares the table and that we do not hold).  The timerfds and their
 * values move to the front, in the dump and in the scratch, where a
 * later batch reads them again by index.
 */
static int keep_timerfds(struct target *t, struct dump_kinds *k, const struct kinds_layout *l,
			 const struct blob_call *calls)
{
	struct itimerspec *its;
	size_t kept = 0;
	int ret;

	k->fds_unprobed = false;
	if (!k->ntimerfds)
		return 0;
	its = calloc(k->ntimerfds, sizeof(*its));
	if (!its)
		return -ENOMEM;
	ret = target_read(t, l->timerfds, its, k->ntimerfds * sizeof(*its));
	for (size_t i = 0; !ret && i < k->ntimerfds; i++) {
		if (calls[i].ret == -EINVAL || calls[i].ret == -EBADF)
			continue;
		if (calls[i].ret < 0) {
			ret = ctx_set_error(t->ctx, (int)calls[i].ret, "probing fd %d of pid %d",
					    k->timerfds[i].fd, t->pid);
			break;
		}
		k->timerfds[kept] = k->timerfds[i];
		its[kept++] = its[i];
	}
	if (!ret)
		k->ntimerfds = kept;
	if (!ret && kept)
		ret = target_write(t, l->timerfds, its, kept * sizeof(*its));
	free(its);
	return ret;
}

size_t kinds_dump_ncalls(const struct ptimer_dump *dump, unsigned int kinds)
{
	return kinds_dump_ncalls_of(dump_kinds_of((struct ptimer_dump *)dump), kinds);
}

int kinds_dump_fill(struct target *t, struct ptimer_dump *dump, unsigned int kinds,
		    struct blob_call *calls, uint64_t base, uint64_t batch_at)
{
	struct dump_kinds *k = dump_kinds_of(dump);
	struct itimerval zero_itv = { 0 };
	struct itimerspec zero_its = { 0 };
	struct kinds_layout l;
	int ret;

	if (!kinds_dump_ncalls(dump, kinds))
		return 0;
	plan_layout(&l, k->ntimerfds, base, batch_at);
	fill_calls_a(calls, k, &l, kinds);
	ret = target_write(t, l.zero_itv, &zero_itv, sizeof(zero_itv));
	if (!ret)
		ret = target_write(t, l.zero_its, &zero_its, sizeof(zero_its));
	return ret;
}

int kinds_dump_collect(struct target *t, struct ptimer_dump *dump, unsigned int kinds,
		       struct ptimer_dump *rearm, const struct blob_call *calls, uint64_t base,
		       uint64_t batch_at)
{
	struct dump_kinds *k = dump_kinds_of(dump);
	struct itimerval old_itv[KITIMER_COUNT];
	struct kinds_read r = { 0 };
	struct kinds_layout l;
	struct blob_batch *b;
	int ret;

	if (!kinds_dump_ncalls(dump, kinds))
		return 0;
	/* The layout batch A ran with: the probed descriptors' too. */
	plan_layout(&l, k->ntimerfds, base, batch_at);
	if (k->fds_unprobed) {
		size_t nit = kinds & PTIMER_KIND_ITIMER ? KITIMER_COUNT : 0;

		ret = calls_ok(t, calls, nit, "reading interval timers");
		if (!ret)
			ret = keep_timerfds(t, k, &l, calls + nit);
	} else {
		ret = calls_ok(t, calls, kinds_dump_ncalls(dump, kinds),
			       "reading interval timers and timerfds");
	}
	if (ret)
		return ret;
	b = calloc(1, sizeof(*b) + l.ncalls * sizeof(b->calls[0]));
	r.its = calloc(k->ntimerfds + 1, sizeof(*r.its));
	r.its_seen = calloc(k->ntimerfds + 1, sizeof(*r.its_seen));
	if (!b || !r.its || !r.its_seen) {
		ret = -ENOMEM;
		goto free_read;
	}
	ret = settle_due(t, k, &l, kinds, b, &r);
	if (!ret)
		ret = refresh_timerfds(t, k, r.its);
	if (!ret)
		settle_timerfds(k, &r);
	if (!ret && rearm)
		ret = disarm_kinds(t, k, b, &l, kinds, &r, old_itv, rearm);
	if (!ret && (kinds & PTIMER_KIND_ITIMER))
		ret = collect_itimers(dump, &r, rearm ? old_itv : NULL);
free_read:
	free(r.its_seen);
	free(r.its);
	free(b);
	return ret;
}

int kinds_dump_read_injected(struct target *t, struct ptimer_dump *dump, unsigned int kinds,
			     struct ptimer_dump *rearm, long *prctl_ret)
{
	struct dump_kinds *k = dump_kinds_of(dump);
	size_t n = kinds_dump_ncalls(dump, kinds);
	struct blob_call *calls;
	struct kinds_layout l;
	struct blob_batch *b;
	struct stamp stamp;
	int ret;

	if (!n)
		return 0;
	plan_layout(&l, k->ntimerfds, target_scratch(t), 0);
	b = calloc(1, sizeof(*b) + l.ncalls * sizeof(b->calls[0]));
	if (!b)
		return -ENOMEM;
	/* The dump's timestamps, first, when no POSIX timer's read took them. */
	b->count = stamp_prepare(&stamp, dump, b->calls, l.stamp);
	calls = b->calls + b->count;
	b->count += n;
	ret = kinds_dump_fill(t, dump, kinds, calls, l.batch, 0);
	/* The prctl's state, when no read of the timers could ask it. */
	if (prctl_ret)
		target_call_get_restore_ids(&b->calls[b->count++]);
	stamp_begin(&stamp);
	if (!ret)
		ret = target_batch(t, b, l.batch);
	if (ret) {
		ctx_set_error(t->ctx, ret, "running the interval timer batch in pid %d", t->pid);
		goto free_batch;
	}
	if (b->done != b->count) {
		ret = ctx_set_error(t->ctx, -EIO, "batch stopped after %llu of %llu calls",
				    (unsigned long long)b->done, (unsigned long long)b->count);
		goto free_batch;
	}
	if (prctl_ret)
		*prctl_ret = (long)calls[n].ret;
	stamp_end(t, &stamp, b->calls, dump);
	ret = kinds_dump_collect(t, dump, kinds, rearm, calls, l.batch, 0);
free_batch:
	free(b);
	return ret;
}
