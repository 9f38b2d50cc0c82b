/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/* The value a restored timer is armed with, under --time=frozen or deadline. */
#ifndef PTIMER_ARMING_H
#define PTIMER_ARMING_H

#include <stdbool.h>
#include <time.h>

#include "ptimer.h"

/*
 * A timer armed to expire sooner than this may fire while the restore
 * still runs, and its queued signal would outlive a rollback that
 * deletes it: create_armed() arms only those further off with their
 * creation (96k timers take about a second, and a rollback follows an
 * interrupt within one window), and an interrupt rolls a restore back
 * only until a sooner one is armed.
 */
#define ARM_SOON_NS	(10 * NSEC_PER_SEC)

/* Whether @v, as armed, may expire before a rollback could undo it. */
bool arm_is_soon(const struct itimerspec *v);

struct arm_clocks {
	int64_t realtime_ns;
	int64_t monotonic_ns;
	int64_t boottime_ns;
	bool same_boot;		/* MONOTONIC and BOOTTIME comparable with the dump's */
	bool stamped;		/* the dump has capture times (not 0, as ptimer_dump_new()) */
};

enum arm_note {
	ARM_EXACT = 0,
	ARM_FROZEN_CPU_CLOCK,	/* deadline asked, but CPU time does not elapse with it */
	ARM_FROZEN_OTHER_BOOT,	/* deadline asked, but the dump is from another boot */
	ARM_FROZEN_CLOCK_BACK,	/* deadline asked, but the wall clock reads before the dump */
	ARM_FROZEN_UNSTAMPED,	/* deadline asked, but the dump has no capture times */
	ARM_PAST_DUE,		/* one-shot already due: fires at once */
	ARM_PERIOD_SKIPPED,	/* periodic: expirations missed while away */
	ARM_NOTE_COUNT
};

/*
 * The timers of every kind armed frozen though a deadline was asked, by
 * cause, warned of in one line each once a restore has let its target
 * go: a dump from another machine has every monotonic timer so, and a
 * line for each, written while the target is held, would say nothing the
 * first does not.
 */
struct arm_frozen {
	char first[ARM_NOTE_COUNT][32];	/* the first one's name: "timer 5", "timerfd 7" */
	size_t n[ARM_NOTE_COUNT];
};

/*
 * Compute the itimerspec for @t (relative, flags 0).  Under deadline,
 * time elapsed since the dump is subtracted on the timer's own clock; a
 * one-shot timer already due fires at once (1 ns); a periodic one keeps
 * its phase.
 */
enum arm_note arm_compute(const struct ptimer_dump *dump, const struct ptimer_timer *t,
			  enum ptimer_time_mode mode, const struct arm_clocks *now,
			  struct itimerspec *out);

void arm_clocks_now(struct arm_clocks *now, const struct ptimer_dump *dump);

/*
 * The arm value of an undo (a rollback, a re-arm after a disarm), as of
 * @at's clock readings, which must be no earlier than the read of @t's
 * value: @t comes back as if never changed, never early.  The time since
 * is taken off on the clock the timer runs on: CLOCK_MONOTONIC for a
 * relative CLOCK_REALTIME one (common_hrtimer_arm()), the wall clock for
 * an @absolute one, whose deadline holds whichever way the clock stepped.
 * An expiry that came meanwhile fires at once, late, where a deadline
 * restore would skip to the next period: its signal would never come.
 * With @at unstamped, or from another boot, the timer is frozen: late.
 */
enum arm_note arm_undo(const struct ptimer_dump *at, const struct ptimer_timer *t, bool absolute,
		       const struct arm_clocks *now, struct itimerspec *out);

/*
 * Into @at (only its clock readings), the moment an undo of @dump counts
 * from: once the live dump that disarmed the timers had read them all
 * (stamp_read_by()), else its capture times.
 */
void arm_undo_reference(struct ptimer_dump *at, const struct ptimer_dump *dump);

/* Count the timer named by @fmt in @f if @note says it is armed frozen, deadline asked. */
void arm_note_frozen(struct arm_frozen *f, enum arm_note note, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Warn of each cause in @f, in a line: its first timer by name, the others counted. */
void arm_warn_frozen(struct ptimer_ctx *ctx, const struct arm_frozen *f);

#endif
