// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * --replace of a timer that the target already has with the dump's clock
 * and notification: one timer_settime() in place, instead of reading its
 * value (for a rollback), deleting it, and creating and arming it again.
 *
 * The kernel timer that results is the one a re-creation would make: the
 * same id, clock, signal, sigval and target; timer_settime() clears the
 * overrun count, as creation does; and the old timer's queued signal, if
 * any, fares as it would on deletion (delivered before 6.13, dropped at
 * delivery since).  The setting it replaces comes back from the same
 * call, to be set back should the restore fail.
 *
 * It also spares a walk: a replaced id is behind the target's counter,
 * and without the prctl only a lap of the whole id space creates it
 * again, where re-arming needs no creation at all.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "arming.h"
#include "create.h"
#include "internal.h"
#include "kabi.h"

bool same_kernel_timer(const struct ptimer_timer *have, const struct ptimer_timer *want)
{
	if (have->id != want->id || have->clockid != want->clockid ||
	    have->notify != want->notify || have->signo != want->signo ||
	    have->sigval != want->sigval)
		return false;
	/*
	 * A CPU clock of "the thread that created it" (pid 0) is equal too:
	 * re-armed in place, the timer keeps measuring that thread, which
	 * /proc does not name, where one made again would measure the
	 * thread we inject into.
	 */
	return want->notify != PTIMER_NOTIFY_THREAD_ID || have->notify_pid == want->notify_pid;
}

static struct blob_batch *settime_batch(size_t n)
{
	struct blob_batch *b = calloc(1, sizeof(*b) + n * sizeof(b->calls[0]));

	if (!b)
		return NULL;
	b->count = n;
	b->flags = BLOB_BATCH_STOP_ON_ERROR;
	return b;
}

int rearm_in_place(struct creator *c, const struct ptimer_dump *from,
		   const struct ptimer_timer *timers, size_t n, enum ptimer_time_mode mode)
{
	struct itimerspec *values, *old;
	struct arm_clocks now;
	struct blob_batch *b;
	enum arm_note note;
	int ret = -ENOMEM, rc;

	if (!n)
		return 0;
	values = calloc(n, sizeof(*values));
	old = calloc(n, sizeof(*old));
	b = settime_batch(n);
	if (!values || !old || !b)
		goto free_all;
	arm_clocks_now(&now, from);
	for (size_t i = 0; i < n; i++) {
		/* Disarmed, as a timer just created is: its interval goes too. */
		if (timers[i].value_ns) {
			note = arm_compute(from, &timers[i], mode, &now, &values[i]);
			arm_note_frozen(&c->frozen, note, "timer %d", timers[i].id);
		}
		b->calls[i] = (struct blob_call){
			.nr = ARCH_NR_TIMER_SETTIME,
			.args = { (uint64_t)timers[i].id, 0,
				  c->at.values + i * sizeof(struct itimerspec),
				  c->at.old_values + i * sizeof(struct itimerspec) },
		};
	}
	ret = target_write(c->t, c->at.values, values, n * sizeof(*values));
	if (ret)
		goto free_all;
	creator_arming(c);
	ret = target_batch(c->t, b, c->at.batch);
	/*
	 * After the batch, which read what each had left: a put-back then
	 * comes late, by as long as the batch took, never early, as no
	 * timer may expire.
	 */
	c->rearmed_at.realtime_ns = clock_now_ns(CLOCK_REALTIME);
	c->rearmed_at.monotonic_ns = clock_now_ns(CLOCK_MONOTONIC);
	c->rearmed_at.boottime_ns = clock_now_ns(CLOCK_BOOTTIME);
	/*
	 * What ran is in b->done, even after a failed run: each call that
	 * succeeded changed a timer, whose old setting is needed back.
	 * Unread, those settings are unknown: no rollback may set a timer
	 * to the zeros in their place, which would disarm it.
	 */
	rc = b->done ? target_read(c->t, c->at.old_values, old, b->done * sizeof(*old)) : 0;
	if (rc)
		err(c->ctx, "pid %d: the old settings of the timers re-armed in place could not"
		    " be read back; those timers keep the dump's", c->t->pid);
	for (size_t i = 0; !rc && i < b->done; i++) {
		if (b->calls[i].ret)
			continue;
		c->rearmed[c->nrearmed] = timers[i].id;
		c->rearmed_clockid[c->nrearmed] = timers[i].clockid;
		c->rearmed_old[c->nrearmed++] = old[i];
		creator_note_armed(c, &values[i]);
	}
	if (!ret)
		ret = rc;
	if (ret) {
		ret = ctx_set_error(c->ctx, ret, "re-arming timers in place in pid %d", c->t->pid);
		goto free_all;
	}
	for (size_t i = 0; i < b->done; i++)
		if (b->calls[i].ret) {
			ret = ctx_set_error(c->ctx, (int)b->calls[i].ret, "timer_settime of id %d"
					    " in pid %d", timers[i].id, c->t->pid);
			goto free_all;
		}
	if (b->done != n)
		ret = ctx_set_error(c->ctx, -EIO, "re-arm batch stopped early");
free_all:
	free(b);
	free(old);
	free(values);
	return ret;
}

/*
 * Timer @i's old setting as it stands now: what it had left, less the
 * time since the in-place batch read it, on its own clock, as if it had
 * never been touched; an expiry that came meanwhile fires at once, late,
 * as a rollback's replaced timers do (restore.c).  A CPU clock's time
 * left stays as read: the process's, or its thread's, barely ran since.
 */
static struct itimerspec old_setting_now(const struct creator *c, size_t i,
					 const struct arm_clocks *now)
{
	struct itimerspec v = c->rearmed_old[i];
	struct ptimer_timer t = {
		.id = c->rearmed[i],
		.clockid = c->rearmed_clockid[i],
		.value_ns = ts_to_ns(&v.it_value),
		.interval_ns = ts_to_ns(&v.it_interval),
	};

	if (!t.value_ns)
		return v;
	/* What timer_settime() returned is relative. */
	arm_undo(&c->rearmed_at, &t, false, now, &v);
	return v;
}

int put_back_in_place(struct creator *c)
{
	struct itimerspec *values;
	struct arm_clocks now;
	struct blob_batch *b;
	size_t n = c->nrearmed;
	int ret;

	if (!n)
		return 0;
	b = settime_batch(n);
	values = calloc(n, sizeof(*values));
	if (!b || !values) {
		free(values);
		free(b);
		return -ENOMEM;
	}
	arm_clocks_now(&now, &c->rearmed_at);
	for (size_t i = 0; i < n; i++)
		values[i] = old_setting_now(c, i, &now);
	b->flags = 0;	/* best effort: every timer that can be put back is */
	for (size_t i = 0; i < n; i++)
		b->calls[i] = (struct blob_call){
			.nr = ARCH_NR_TIMER_SETTIME,
			.args = { (uint64_t)c->rearmed[i], 0,
				  c->at.old_values + i * sizeof(struct itimerspec) },
		};
	ret = target_write(c->t, c->at.old_values, values, n * sizeof(*values));
	if (!ret)
		ret = target_batch_through(c->t, b, c->at.batch);
	for (size_t i = 0; !ret && i < b->done; i++)
		ret = (int)b->calls[i].ret;
	if (!ret && b->done != n)
		ret = -EIO;
	if (!ret)
		c->nrearmed = 0;
	free(values);
	free(b);
	return ret;
}
