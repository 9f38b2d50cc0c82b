// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * lib/arming.c: the value a restored timer is armed with.  The clocks of
 * "now" are given, not read, so that every case is exact.
 */
#include <criterion/criterion.h>

#include "arming.h"
#include "internal.h"
#include "kabi.h"

#define S NSEC_PER_SEC

struct arming_case {
	const char *name;
	enum ptimer_time_mode mode;
	int clockid;
	int64_t value_ns, interval_ns;
	bool same_boot;
	int64_t elapsed_ns;		/* since the dump, on every clock */
	enum arm_note note;
	int64_t want_value_ns, want_interval_ns;
};

/* Every case's dump (or undo's reading) was stamped at these. */
static const struct ptimer_dump stamped_at = {
	.realtime_ns = 1000 * S, .monotonic_ns = 50 * S, .boottime_ns = 60 * S,
};

/* The clocks @wall_ns (the wall clock) and @mono_ns (the others) after stamped_at. */
static struct arm_clocks clocks_after(int64_t wall_ns, int64_t mono_ns, bool same_boot)
{
	return (struct arm_clocks){
		.realtime_ns = stamped_at.realtime_ns + wall_ns,
		.monotonic_ns = stamped_at.monotonic_ns + mono_ns,
		.boottime_ns = stamped_at.boottime_ns + mono_ns,
		.same_boot = same_boot,
		.stamped = true,
	};
}

static void run_case(const struct arming_case *c)
{
	const struct ptimer_dump d = stamped_at;
	struct arm_clocks now = clocks_after(c->elapsed_ns, c->elapsed_ns, c->same_boot);
	struct ptimer_timer t = {
		.clockid = c->clockid, .value_ns = c->value_ns, .interval_ns = c->interval_ns,
	};
	struct itimerspec out;
	enum arm_note note = arm_compute(&d, &t, c->mode, &now, &out);

	cr_expect_eq(note, c->note, "%s: note %d, want %d", c->name, note, c->note);
	cr_expect_eq(ts_to_ns(&out.it_value), c->want_value_ns, "%s: value %lld, want %lld",
		     c->name, (long long)ts_to_ns(&out.it_value), (long long)c->want_value_ns);
	cr_expect_eq(ts_to_ns(&out.it_interval), c->want_interval_ns,
		     "%s: interval %lld, want %lld", c->name,
		     (long long)ts_to_ns(&out.it_interval), (long long)c->want_interval_ns);
}

Test(arming, table)
{
	const enum ptimer_time_mode F = PTIMER_TIME_FROZEN, D = PTIMER_TIME_DEADLINE;
	const int cpu = ptimer_cpu_clock_make(42, false, PTIMER_CPU_SCHED);
	const struct arming_case cases[] = {
		{ "frozen keeps the value", F, KCLOCK_MONOTONIC, 5 * S, S, true, 3 * S,
		  ARM_EXACT, 5 * S, S },
		{ "disarmed stays disarmed", D, KCLOCK_MONOTONIC, 0, S, true, 3 * S,
		  ARM_EXACT, 0, S },
		{ "deadline subtracts", D, KCLOCK_MONOTONIC, 5 * S, 0, true, 3 * S,
		  ARM_EXACT, 2 * S, 0 },
		{ "realtime subtracts across boots", D, KCLOCK_REALTIME, 5 * S, 0, false, 3 * S,
		  ARM_EXACT, 2 * S, 0 },
		{ "tai follows realtime", D, KCLOCK_TAI, 5 * S, 0, false, S, ARM_EXACT, 4 * S, 0 },
		{ "boottime alarm", D, KCLOCK_BOOTTIME_ALARM, 5 * S, 0, true, S, ARM_EXACT,
		  4 * S, 0 },
		{ "a one-shot past due fires at once", D, KCLOCK_MONOTONIC, 2 * S, 0, true, 3 * S,
		  ARM_PAST_DUE, 1, 0 },
		{ "due exactly now", D, KCLOCK_BOOTTIME, 3 * S, 0, true, 3 * S, ARM_PAST_DUE,
		  1, 0 },
		{ "a periodic one keeps its phase", D, KCLOCK_MONOTONIC, 2 * S, 2 * S, true,
		  5 * S, ARM_PERIOD_SKIPPED, S, 2 * S },
		{ "periodic, landing on the grid", D, KCLOCK_MONOTONIC, 2 * S, 2 * S, true,
		  4 * S, ARM_PERIOD_SKIPPED, 2 * S, 2 * S },
		{ "monotonic from another boot", D, KCLOCK_MONOTONIC, 5 * S, 0, false, 3 * S,
		  ARM_FROZEN_OTHER_BOOT, 5 * S, 0 },
		/* A wall clock stepped back since the dump: no boot is to blame. */
		{ "realtime stepped back", D, KCLOCK_REALTIME, 5 * S, 0, true, -3 * S,
		  ARM_FROZEN_CLOCK_BACK, 5 * S, 0 },
		{ "tai stepped back, across boots", D, KCLOCK_TAI, 5 * S, 0, false, -3 * S,
		  ARM_FROZEN_CLOCK_BACK, 5 * S, 0 },
		{ "process cputime does not elapse", D, KCLOCK_PROCESS_CPUTIME_ID, 5 * S, 0, true,
		  3 * S, ARM_FROZEN_CPU_CLOCK, 5 * S, 0 },
		{ "thread cputime does not elapse", D, KCLOCK_THREAD_CPUTIME_ID, 5 * S, 0, true,
		  3 * S, ARM_FROZEN_CPU_CLOCK, 5 * S, 0 },
		{ "a CPU clock does not elapse", D, cpu, 5 * S, 0, true, 3 * S,
		  ARM_FROZEN_CPU_CLOCK, 5 * S, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
}

/* The boot instant, BOOTTIME minus REALTIME, tells one boot from another. */
Test(arming, same_boot)
{
	struct ptimer_dump d = { .realtime_ns = 1000 * S, .monotonic_ns = 50 * S,
				 .boottime_ns = 60 * S };
	struct ptimer_dump later = d, other = d;
	struct arm_clocks now;

	/* Taken now: the same boot, whatever the clocks read. */
	later.realtime_ns = clock_now_ns(CLOCK_REALTIME) - S;
	later.monotonic_ns = clock_now_ns(CLOCK_MONOTONIC) - S;
	later.boottime_ns = clock_now_ns(CLOCK_BOOTTIME) - S;
	arm_clocks_now(&now, &later);
	cr_expect(now.same_boot, "a dump of a second ago is from this boot");
	/* Monotonic time from the future: another boot. */
	other.realtime_ns = later.realtime_ns;
	other.monotonic_ns = later.monotonic_ns + 3600 * S;
	other.boottime_ns = later.boottime_ns + 3600 * S;
	arm_clocks_now(&now, &other);
	cr_expect_not(now.same_boot, "clocks that ran backwards mean another boot");
}

/* A dump with no capture times (a program's own, or JSON's 0): frozen, whatever the clock. */
Test(arming, an_unstamped_dump_is_frozen)
{
	struct ptimer_dump d = { 0 };
	struct ptimer_timer t = { .clockid = KCLOCK_REALTIME, .value_ns = 5 * S };
	struct itimerspec out;
	struct arm_clocks now;

	arm_clocks_now(&now, &d);
	cr_expect_not(now.stamped);
	cr_expect_eq(arm_compute(&d, &t, PTIMER_TIME_DEADLINE, &now, &out), ARM_FROZEN_UNSTAMPED);
	cr_expect_eq(ts_to_ns(&out.it_value), 5 * S, "fired %lld ns after a re-arm",
		     (long long)ts_to_ns(&out.it_value));
}

struct undo_case {
	const char *name;
	int clockid;
	bool absolute;
	int64_t value_ns, interval_ns;
	int64_t wall_ns, mono_ns;	/* elapsed on the wall clock, on the others */
	enum arm_note note;
	int64_t want_value_ns;
};

/*
 * An undo puts a timer back as if never changed, and never early: a wall
 * clock stepped meanwhile moves neither a relative realtime timer (it
 * runs on CLOCK_MONOTONIC) nor an absolute one's deadline, and a step
 * does not make this boot's clocks look like another boot's.
 */
Test(arming, undo)
{
	const struct undo_case cases[] = {
		{ "relative realtime, wall stepped forward", KCLOCK_REALTIME, false, 5 * S, 0,
		  3600 * S, S, ARM_EXACT, 4 * S },
		{ "relative realtime, wall stepped back", KCLOCK_REALTIME, false, 5 * S, 0,
		  -3600 * S, S, ARM_EXACT, 4 * S },
		{ "absolute realtime, wall stepped back", KCLOCK_REALTIME, true, 5 * S, 0,
		  -10 * S, S, ARM_EXACT, 15 * S },
		{ "absolute realtime, wall went on", KCLOCK_REALTIME, true, 5 * S, 0, 2 * S, 2 * S,
		  ARM_EXACT, 3 * S },
		{ "monotonic, wall stepped forward", KCLOCK_MONOTONIC, false, 5 * S, 0, 3600 * S,
		  S, ARM_EXACT, 4 * S },
		{ "a period that came meanwhile fires at once", KCLOCK_MONOTONIC, false, S,
		  60 * S, 2 * S, 2 * S, ARM_PERIOD_SKIPPED, 1 },
		{ "a one-shot due meanwhile fires at once", KCLOCK_BOOTTIME, false, S, 0, 2 * S,
		  2 * S, ARM_PAST_DUE, 1 },
		{ "CPU time is frozen", KCLOCK_PROCESS_CPUTIME_ID, false, 5 * S, 0, 2 * S, 2 * S,
		  ARM_FROZEN_CPU_CLOCK, 5 * S },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct undo_case *c = &cases[i];
		/* A step of the wall clock makes the boot check fail. */
		struct arm_clocks now = clocks_after(c->wall_ns, c->mono_ns,
						     c->wall_ns == c->mono_ns);
		struct ptimer_timer t = {
			.clockid = c->clockid, .value_ns = c->value_ns,
			.interval_ns = c->interval_ns,
		};
		struct itimerspec out;
		enum arm_note note = arm_undo(&stamped_at, &t, c->absolute, &now, &out);

		cr_expect_eq(note, c->note, "%s: note %d, want %d", c->name, note, c->note);
		cr_expect_eq(ts_to_ns(&out.it_value), c->want_value_ns, "%s: value %lld, want %lld",
			     c->name, (long long)ts_to_ns(&out.it_value),
			     (long long)c->want_value_ns);
		cr_expect_eq(ts_to_ns(&out.it_interval), c->interval_ns, "%s: interval", c->name);
	}
}
