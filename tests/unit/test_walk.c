// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * lib/create.c: how many timer creations a walk of the id counter needs.
 * The counter hands out the id it stands on and moves one on, wrapping
 * from INT_MAX back to 0 (kernel/time/posix-timers.c).
 */
#include <criterion/criterion.h>
#include <limits.h>

#include "create.h"
#include "kabi.h"

#define MAXT 4

Test(walk, plan_walk_table)
{
	static const struct {
		const char *name;
		int64_t counter;
		size_t n;
		int ids[MAXT];
		uint64_t steps;
	} cases[] = {
		{ "nothing to create", 5, 0, { 0 }, 0 },
		{ "the id the counter stands on", 5, 1, { 5 }, 1 },
		{ "a few ahead", 5, 1, { 8 }, 4 },
		{ "consecutive ids", 0, 3, { 0, 1, 2 }, 3 },
		{ "gaps add up", 0, 3, { 1, 4, 10 }, 2 + 3 + 6 },
		{ "behind the counter: round the id space", 10, 1, { 9 },
		  (uint64_t)KTIMER_ID_SPACE },
		{ "INT_MAX, then wrap to 0", INT_MAX, 2, { INT_MAX, 0 }, 2 },
		{ "wrap to a low id", INT_MAX - 1, 1, { 3 }, 2 + 4 },
		{ "a whole round and one", 0, 2, { 5, 5 }, 6 + (uint64_t)KTIMER_ID_SPACE },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ptimer_timer t[MAXT] = { 0 };
		uint64_t got;

		for (size_t k = 0; k < cases[i].n; k++)
			t[k].id = cases[i].ids[k];
		got = plan_walk(cases[i].counter, t, cases[i].n);
		cr_expect_eq(got, cases[i].steps, "%s: %llu steps, want %llu", cases[i].name,
			     (unsigned long long)got, (unsigned long long)cases[i].steps);
	}
}
