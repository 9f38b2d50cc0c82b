// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* Arm values for restored timers: frozen or deadline time. */
#include <stdarg.h>
#include <stdio.h>
#include <time.h>

#include "arming.h"
#include "internal.h"
#include "kabi.h"
#include "kinds.h"

/* Whether @clockid counts CPU time, which does not elapse with the wall. */
static bool is_cpu_time(int clockid)
{
	return ptimer_clock_is_cpu(clockid) || clockid == KCLOCK_PROCESS_CPUTIME_ID ||
	       clockid == KCLOCK_THREAD_CPUTIME_ID;
}

void arm_clocks_now(struct arm_clocks *now, const struct ptimer_dump *dump)
{
	int64_t boot_then, boot_now, drift;

	now->realtime_ns = clock_now_ns(CLOCK_REALTIME);
	now->monotonic_ns = clock_now_ns(CLOCK_MONOTONIC);
	now->boottime_ns = clock_now_ns(CLOCK_BOOTTIME);
	/*
	 * MONOTONIC and BOOTTIME restart at every boot.  BOOTTIME minus
	 * REALTIME is the boot instant: if it moved by more than a second,
	 * or the clocks ran backwards, the dump comes from another boot (or
	 * another machine), and their readings cannot be compared.
	 */
	boot_then = dump->realtime_ns - dump->boottime_ns;
	boot_now = now->realtime_ns - now->boottime_ns;
	drift = boot_now - boot_then;

	now->stamped = dump->realtime_ns != 0;
	now->same_boot = now->boottime_ns >= dump->boottime_ns &&
			 now->monotonic_ns >= dump->monotonic_ns &&
			 drift < NSEC_PER_SEC && drift > -NSEC_PER_SEC;
}

/* Whether @clockid reads the wall clock, which is stepped, not restarted. */
static bool is_wall(int clockid)
{
	/* TAI runs in step with REALTIME, a fixed offset apart */
	return clockid == KCLOCK_REALTIME || clockid == KCLOCK_REALTIME_ALARM ||
	       clockid == KCLOCK_TAI;
}

/* Time elapsed since the dump on @clockid, or -1 when it cannot be known. */
static int64_t elapsed_on(int clockid, const struct ptimer_dump *dump,
			  const struct arm_clocks *now)
{
	if (!now->stamped)
		return -1;
	switch (clockid) {
	case KCLOCK_REALTIME:
	case KCLOCK_REALTIME_ALARM:
	case KCLOCK_TAI:
		return now->realtime_ns - dump->realtime_ns;
	case KCLOCK_MONOTONIC:
		return now->same_boot ? now->monotonic_ns - dump->monotonic_ns : -1;
	case KCLOCK_BOOTTIME:
	case KCLOCK_BOOTTIME_ALARM:
		return now->same_boot ? now->boottime_ns - dump->boottime_ns : -1;
	default:
		return -1;
	}
}

enum arm_note arm_compute(const struct ptimer_dump *dump, const struct ptimer_timer *t,
			  enum ptimer_time_mode mode, const struct arm_clocks *now,
			  struct itimerspec *out)
{
	int64_t value = t->value_ns, elapsed;
	enum arm_note note = ARM_EXACT;

	out->it_interval = ns_to_ts(t->interval_ns);
	out->it_value = ns_to_ts(value);
	if (mode != PTIMER_TIME_DEADLINE || value == 0)
		return ARM_EXACT;
	elapsed = elapsed_on(t->clockid, dump, now);
	if (elapsed < 0 && !now->stamped)
		return ARM_FROZEN_UNSTAMPED;
	if (elapsed < 0 && is_wall(t->clockid))
		return ARM_FROZEN_CLOCK_BACK;	/* stepped back since, or the dump's was ahead */
	if (elapsed < 0)
		return is_cpu_time(t->clockid) ? ARM_FROZEN_CPU_CLOCK : ARM_FROZEN_OTHER_BOOT;
	if (elapsed < value) {
		value -= elapsed;
	} else if (t->interval_ns > 0) {
		/* Keep the phase: the next expiry on the original grid. */
		int64_t late = elapsed - value;

		value = t->interval_ns - late % t->interval_ns;
		note = ARM_PERIOD_SKIPPED;
	} else {
		value = 1;	/* due already: fire at once */
		note = ARM_PAST_DUE;
	}
	out->it_value = ns_to_ts(value);
	return note;
}

enum arm_note arm_undo(const struct ptimer_dump *at, const struct ptimer_timer *t, bool absolute,
		       const struct arm_clocks *now, struct itimerspec *out)
{
	struct ptimer_timer u = *t;
	struct arm_clocks same = *now;
	enum arm_note note;

	/*
	 * An undo's timers are its own process's, of this boot: a wall-clock
	 * step meanwhile, which the boot check would take for another boot,
	 * does not make MONOTONIC and BOOTTIME incomparable.
	 */
	same.same_boot = now->monotonic_ns >= at->monotonic_ns &&
			 now->boottime_ns >= at->boottime_ns;
	if (t->clockid == KCLOCK_REALTIME && !absolute)
		u.clockid = KCLOCK_MONOTONIC;
	/* An absolute one keeps its deadline, later after the clock stepped back. */
	if (absolute && is_wall(t->clockid) && now->stamped && t->value_ns &&
	    now->realtime_ns < at->realtime_ns) {
		out->it_interval = ns_to_ts(t->interval_ns);
		out->it_value = ns_to_ts(ns_add_sat(t->value_ns,
						    at->realtime_ns - now->realtime_ns));
		return ARM_EXACT;
	}
	note = arm_compute(at, &u, PTIMER_TIME_DEADLINE, &same, out);
	if (note == ARM_PERIOD_SKIPPED)
		out->it_value = ns_to_ts(1);
	return note;
}

void arm_undo_reference(struct ptimer_dump *at, const struct ptimer_dump *dump)
{
	const struct dump_kinds *k = dump_kinds_ro(dump);

	if (k->read_by_realtime_ns) {
		at->realtime_ns = k->read_by_realtime_ns;
		at->monotonic_ns = k->read_by_monotonic_ns;
		at->boottime_ns = k->read_by_boottime_ns;
	} else {
		at->realtime_ns = dump->realtime_ns;
		at->monotonic_ns = dump->monotonic_ns;
		at->boottime_ns = dump->boottime_ns;
	}
}

/* Why a timer is armed frozen, by note; NULL for the notes not warned of. */
static const char *const frozen_causes[ARM_NOTE_COUNT] = {
	[ARM_FROZEN_OTHER_BOOT] = "the dump is from another boot",
	[ARM_FROZEN_CLOCK_BACK] = "the wall clock reads earlier than when the dump was taken",
	[ARM_FROZEN_UNSTAMPED] = "the dump has no capture times",
};

void arm_note_frozen(struct arm_frozen *f, enum arm_note note, const char *fmt, ...)
{
	va_list ap;

	if (!frozen_causes[note])
		return;
	if (!f->n[note]++) {
		va_start(ap, fmt);
		vsnprintf(f->first[note], sizeof(f->first[note]), fmt, ap);
		va_end(ap);
	}
}

void arm_warn_frozen(struct ptimer_ctx *ctx, const struct arm_frozen *f)
{
	for (size_t note = 0; note < ARM_NOTE_COUNT; note++) {
		if (!f->n[note])
			continue;
		if (f->n[note] == 1)
			warn(ctx, "%s: %s; its remaining time is used unchanged",
			     f->first[note], frozen_causes[note]);
		else
			warn(ctx, "%s and %zu more: %s; their remaining time is used unchanged",
			     f->first[note], f->n[note] - 1, frozen_causes[note]);
	}
}

bool arm_is_soon(const struct itimerspec *v)
{
	int64_t ns = ts_to_ns(&v->it_value);

	return ns && ns < ARM_SOON_NS;
}
