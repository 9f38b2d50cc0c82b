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

#include "internal.h"
#include "kinds.h"
#include "kinds_live.h"
#include "procfs_fd.h"

#define PEEK_CHUNK 64

/*
 * The SI_TIMER siginfos queued for @tid (@shared: its process's queue).
 * A stale one (its timer re-armed, disarmed or deleted since it was
 * queued, which since 6.13 the kernel drops at delivery) is read too:
 * nothing tells it apart.  As measured on 6.18 its siginfo is the same,
 * byte for byte, _sys_private 0; the sequence numbers the kernel compares
 * stay in the timer, which no interface shows.
 */
static int peek_queue(struct target *t, struct ptimer_dump *dump, pid_t tid, bool shared)
{
	struct __ptrace_peeksiginfo_args args = {
		.flags = shared ? PTRACE_PEEKSIGINFO_SHARED : 0,
		.nr = PEEK_CHUNK,
	};
	siginfo_t si[PEEK_CHUNK];
	long got;

	do {
		got = ptrace(PTRACE_PEEKSIGINFO, tid, &args, si);
		if (got < 0)
			return ctx_set_error(t->ctx, -errno, "cannot read the %s signal queue"
					     " of tid %d", shared ? "process" : "thread", tid);
		for (long i = 0; i < got; i++) {
			struct ptimer_pending_signal s = {
				.tid = shared ? 0 : tid,
				.signo = si[i].si_signo,
				.timerid = si[i].si_timerid,
				.overrun = si[i].si_overrun,
			};
			int ret;

			if (si[i].si_code != SI_TIMER)
				continue;
			memcpy(&s.sigval, &si[i].si_value, sizeof(s.sigval));
			ret = ptimer_dump_add_signal(dump, &s);
			if (ret)
				return ret;
		}
		args.off += (uint64_t)got;
	} while (got == PEEK_CHUNK);
	return 0;
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

static int read_timerfds(struct target *t, struct ptimer_dump *dump)
{
	size_t n = 0;
	int *fds = NULL, ret;

	ret = procfs_list_timerfds(t->dirfd, &fds, &n);
	if (ret)
		return ctx_set_error(t->ctx, ret, "cannot list the descriptors of pid %d", t->pid);
	for (size_t i = 0; i < n && !ret; i++) {
		struct ptimer_timerfd tfd = { 0 };
		unsigned int line = 0;

		ret = procfs_read_timerfd(t->dirfd, fds[i], &tfd, &line);
		/* Closed since the listing: it is not there any more. */
		if (ret == -ENOENT) {
			ret = 0;
			continue;
		}
		if (ret == -EINVAL)
			ret = ctx_set_error(t->ctx, ret, "/proc/%d/fdinfo/%d: cannot parse line %u",
					    t->pid, fds[i], line);
		else if (ret)
			ret = ctx_set_error(t->ctx, ret, "cannot read /proc/%d/fdinfo/%d", t->pid,
					    fds[i]);
		else
			ret = ptimer_dump_add_timerfd(dump, &tfd);
	}
	free(fds);
	return ret;
}

/*
 * The first look at /proc/PID/fd/N makes the kernel build an entry per
 * descriptor; a second finds them cached, and re-checks only that each
 * descriptor is still open (measured, 7 descriptors: 35 us cold, 10 to
 * 20 us warm).
 * What is found here counts for nothing: the target runs and may open or
 * close any; only the stopped listing is the dump's.
 */
void kinds_dump_warm(struct target *t, unsigned int kinds)
{
	size_t n = 0;
	int *fds = NULL;

	if ((kinds & PTIMER_KIND_TIMERFD) && !procfs_list_timerfds(t->dirfd, &fds, &n))
		free(fds);
}

int kinds_dump_read_proc(struct target *t, struct ptimer_dump *dump, unsigned int kinds)
{
	int ret = 0;

	ptimer_dump_set_kinds(dump, kinds);
	if (kinds & PTIMER_KIND_SIGNALS)
		ret = read_signals(t, dump);
	if (!ret && (kinds & PTIMER_KIND_TIMERFD))
		ret = read_timerfds(t, dump);
	return ret;
}

/* The batch, then the itimers' old values, a zero itimerval, the timerfds' old values, a zero itimerspec. */
struct kinds_layout {
	size_t ncalls;
	uint64_t batch;
	uint64_t itimers;
	uint64_t zero_itv;
	uint64_t timerfds;
	uint64_t zero_its;
	size_t total;
};

static void plan_layout(struct kinds_layout *l, size_t ntimerfds, uint64_t base)
{
	/* One more: the prctl, when it rides with this batch */
	l->ncalls = KITIMER_COUNT + ntimerfds + 1;
	l->batch = base;
	l->itimers = base + sizeof(struct blob_batch) + l->ncalls * sizeof(struct blob_call);
	l->zero_itv = l->itimers + KITIMER_COUNT * sizeof(struct itimerval);
	l->timerfds = l->zero_itv + sizeof(struct itimerval);
	l->zero_its = l->timerfds + ntimerfds * sizeof(struct itimerspec);
	l->total = l->zero_its + sizeof(struct itimerspec) - base;
}

size_t kinds_dump_scratch_size(const struct ptimer_dump *dump)
{
	struct kinds_layout l;
	size_t n;

	ptimer_dump_timerfds(dump, &n);
	plan_layout(&l, n, 0);
	return l.total;
}

/*
 * Batch A: the interval timers, and timerfd_gettime() of every timerfd,
 * which (as a read() would) counts the expirations of a periodic timerfd
 * that fdinfo does not show yet: the kernel adds them to the ticks only
 * when someone looks.  Batch B, when disarming: timerfd_settime() to zero.
 */
static void fill_calls_a(struct blob_call *calls, const struct dump_kinds *k,
			 const struct kinds_layout *l, unsigned int kinds, bool disarm)
{
	size_t c = 0;

	for (int which = 0; (kinds & PTIMER_KIND_ITIMER) && which < KITIMER_COUNT; which++) {
		struct blob_call *call = &calls[c++];
		uint64_t old = l->itimers + which * sizeof(struct itimerval);

		memset(call, 0, sizeof(*call));
		call->nr = disarm ? KNR_SETITIMER : KNR_GETITIMER;
		call->args[0] = which;
		call->args[1] = disarm ? l->zero_itv : old;
		call->args[2] = disarm ? old : 0;
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
			 const struct kinds_layout *l)
{
	b->flags = 0;
	for (size_t i = 0; i < k->ntimerfds; i++) {
		struct blob_call *call = &b->calls[i];

		memset(call, 0, sizeof(*call));
		call->nr = KNR_TIMERFD_SETTIME;
		call->args[0] = k->timerfds[i].fd;
		call->args[1] = 0;
		call->args[2] = l->zero_its;
		call->args[3] = l->timerfds + i * sizeof(struct itimerspec);
	}
	b->count = k->ntimerfds;
}

/*
 * Disarming resets a timerfd's ticks, so the ticks come from fdinfo,
 * read just before.  An expiry between the two reads shows as a value
 * that went up (a periodic timer reloaded) or to zero (a one-shot fired):
 * count it, so that it is not lost.
 */
static void merge_disarmed(struct ptimer_timerfd *tfd, const struct itimerspec *old)
{
	int64_t value = ts_to_ns(&old->it_value);

	if ((tfd->interval_ns && value > tfd->value_ns) ||
	    (!tfd->interval_ns && tfd->value_ns && !value))
		tfd->ticks++;
	tfd->value_ns = value;
	tfd->interval_ns = ts_to_ns(&old->it_interval);
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

static int collect_itimers(struct target *t, struct ptimer_dump *dump,
			   const struct kinds_layout *l)
{
	struct itimerval itv[KITIMER_COUNT];
	int ret;

	ret = target_read(t, l->itimers, itv, sizeof(itv));
	if (ret)
		return ret;
	for (int which = 0; which < KITIMER_COUNT; which++) {
		struct ptimer_itimer it = {
			.which = which,
			.value_ns = (int64_t)itv[which].it_value.tv_sec * NSEC_PER_SEC +
				    itv[which].it_value.tv_usec * 1000,
			.interval_ns = (int64_t)itv[which].it_interval.tv_sec * NSEC_PER_SEC +
				       itv[which].it_interval.tv_usec * 1000,
		};

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
			    const struct kinds_layout *l)
{
	struct itimerspec *its;
	int ret;

	its = calloc(k->ntimerfds + 1, sizeof(*its));
	if (!its)
		return -ENOMEM;
	ret = target_read(t, l->timerfds, its, k->ntimerfds * sizeof(*its));
	for (size_t i = 0; !ret && i < k->ntimerfds; i++) {
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
	free(its);
	return ret;
}

static int disarm_timerfds(struct target *t, struct dump_kinds *k, struct blob_batch *b,
			   const struct kinds_layout *l)
{
	struct itimerspec *its;
	int ret;

	fill_batch_b(b, k, l);
	ret = target_batch(t, b, l->batch);
	if (!ret)
		ret = batch_ok(t, b, "disarming a timerfd");
	if (ret)
		return ret;
	its = calloc(k->ntimerfds, sizeof(*its));
	if (!its)
		return -ENOMEM;
	ret = target_read(t, l->timerfds, its, k->ntimerfds * sizeof(*its));
	for (size_t i = 0; !ret && i < k->ntimerfds; i++)
		merge_disarmed(&k->timerfds[i], &its[i]);
	free(its);
	return ret;
}

size_t kinds_dump_ncalls(const struct ptimer_dump *dump, unsigned int kinds)
{
	const struct dump_kinds *k = dump_kinds_of((struct ptimer_dump *)dump);

	return (kinds & PTIMER_KIND_ITIMER ? KITIMER_COUNT : 0) + k->ntimerfds;
}

int kinds_dump_fill(struct target *t, struct ptimer_dump *dump, unsigned int kinds, bool disarm,
		    struct blob_call *calls, uint64_t base)
{
	struct dump_kinds *k = dump_kinds_of(dump);
	struct itimerval zero_itv = { 0 };
	struct itimerspec zero_its = { 0 };
	struct kinds_layout l;
	int ret;

	if (!kinds_dump_ncalls(dump, kinds))
		return 0;
	plan_layout(&l, k->ntimerfds, base);
	fill_calls_a(calls, k, &l, kinds, disarm);
	ret = target_write(t, l.zero_itv, &zero_itv, sizeof(zero_itv));
	if (!ret)
		ret = target_write(t, l.zero_its, &zero_its, sizeof(zero_its));
	return ret;
}

int kinds_dump_collect(struct target *t, struct ptimer_dump *dump, unsigned int kinds,
		       bool disarm, const struct blob_call *calls, uint64_t base)
{
	struct dump_kinds *k = dump_kinds_of(dump);
	struct kinds_layout l;
	struct blob_batch *b;
	int ret;

	if (!kinds_dump_ncalls(dump, kinds))
		return 0;
	plan_layout(&l, k->ntimerfds, base);
	ret = calls_ok(t, calls, kinds_dump_ncalls(dump, kinds),
		       "reading interval timers and timerfds");
	if (!ret && (kinds & PTIMER_KIND_ITIMER))
		ret = collect_itimers(t, dump, &l);
	if (!ret)
		ret = refresh_timerfds(t, k, &l);
	if (ret || !disarm || !k->ntimerfds)
		return ret;
	b = calloc(1, sizeof(*b) + l.ncalls * sizeof(b->calls[0]));
	if (!b)
		return -ENOMEM;
	ret = disarm_timerfds(t, k, b, &l);
	free(b);
	return ret;
}

int kinds_dump_read_injected(struct target *t, struct ptimer_dump *dump, unsigned int kinds,
			     bool disarm, long *prctl_ret)
{
	struct dump_kinds *k = dump_kinds_of(dump);
	size_t n = kinds_dump_ncalls(dump, kinds);
	struct kinds_layout l;
	struct blob_batch *b;
	int ret;

	if (!n)
		return 0;
	plan_layout(&l, k->ntimerfds, target_scratch(t));
	b = calloc(1, sizeof(*b) + l.ncalls * sizeof(b->calls[0]));
	if (!b)
		return -ENOMEM;
	b->count = n;
	ret = kinds_dump_fill(t, dump, kinds, disarm, b->calls, l.batch);
	/* The prctl's state, when no read of the timers could ask it. */
	if (prctl_ret)
		target_call_get_restore_ids(&b->calls[b->count++]);
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
		*prctl_ret = (long)b->calls[n].ret;
	ret = kinds_dump_collect(t, dump, kinds, disarm, b->calls, l.batch);
free_batch:
	free(b);
	return ret;
}
