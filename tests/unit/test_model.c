// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * lib/model.c: a dump's timers sorted by id, whatever order /proc gave
 * them in, and found by id, one search each or one merge for a pass.
 */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "internal.h"

TestSuite(model);

static struct ptimer_dump *dump_of(const int *ids, size_t n)
{
	struct ptimer_dump *d = ptimer_dump_new();

	cr_assert_not_null(d);
	for (size_t i = 0; i < n; i++) {
		/* The sigval says where each came from: a sort moves the whole timer. */
		struct ptimer_timer t = { .id = ids[i], .sigval = (uint64_t)ids[i] << 8 | i };

		cr_assert_eq(ptimer_dump_add_timer(d, &t), 0);
	}
	return d;
}

static void assert_sorted_whole(const struct ptimer_dump *d, const int *ids, size_t n)
{
	cr_assert_eq(d->ntimers, n);
	for (size_t i = 0; i < n; i++) {
		const struct ptimer_timer *t = &d->timers[i];
		size_t from = t->sigval & 0xff;

		if (i)
			cr_assert_leq(d->timers[i - 1].id, t->id, "not sorted at %zu", i);
		cr_assert_lt(from, n);
		cr_assert_eq(ids[from], t->id, "timer %zu came apart from its fields", i);
	}
}

static void check_sort(const int *ids, size_t n)
{
	struct ptimer_dump *d = dump_of(ids, n);

	ptimer_dump_sort(d);
	assert_sorted_whole(d, ids, n);
	ptimer_dump_free(d);
}

/* /proc's order: newest first, the kernel's counter ascending, so descending ids. */
Test(model, sort_reverses_newest_first)
{
	static const int even[] = { 9, 7, 5, 3 }, odd[] = { 40, 30, 20, 10, 0 };

	check_sort(even, 4);
	check_sort(odd, 5);
}

Test(model, sort_of_other_orders)
{
	static const int asc[] = { 1, 2, 3 }, mixed[] = { 5, 9, 1, 7, 3 },
			 dup[] = { 8, 8, 4 }, almost[] = { 9, 7, 8, 1 }, one[] = { 42 };

	check_sort(asc, 3);
	check_sort(mixed, 5);
	/* Equal ids are not strictly descending: left to qsort(), which keeps both. */
	check_sort(dup, 3);
	check_sort(almost, 4);
	check_sort(one, 1);
	check_sort(NULL, 0);
}

Test(model, find_next_id_in_ascending_order)
{
	static const int ids[] = { 2, 4, 6, 8 };
	struct ptimer_dump *d = dump_of(ids, 4);
	size_t pos = 0;

	cr_assert_null(timers_find_next_id(d->timers, d->ntimers, &pos, 1));
	cr_assert_eq(timers_find_next_id(d->timers, d->ntimers, &pos, 2), &d->timers[0]);
	/* Asked twice in a row: still found. */
	cr_assert_eq(timers_find_next_id(d->timers, d->ntimers, &pos, 2), &d->timers[0]);
	cr_assert_null(timers_find_next_id(d->timers, d->ntimers, &pos, 5));
	cr_assert_eq(timers_find_next_id(d->timers, d->ntimers, &pos, 8), &d->timers[3]);
	cr_assert_null(timers_find_next_id(d->timers, d->ntimers, &pos, 9));
	cr_assert_null(timers_find_next_id(d->timers, d->ntimers, &pos, 100));
	ptimer_dump_free(d);
}

/* An id asked behind the cursor is searched for, not missed. */
Test(model, find_next_id_out_of_order)
{
	static const int ids[] = { 2, 4, 6, 8 };
	struct ptimer_dump *d = dump_of(ids, 4);
	size_t pos = 0;

	cr_assert_eq(timers_find_next_id(d->timers, d->ntimers, &pos, 6), &d->timers[2]);
	cr_assert_eq(timers_find_next_id(d->timers, d->ntimers, &pos, 8), &d->timers[3]);
	cr_assert_eq(timers_find_next_id(d->timers, d->ntimers, &pos, 2), &d->timers[0]);
	cr_assert_null(timers_find_next_id(d->timers, d->ntimers, &pos, 100));
	cr_assert_eq(timers_find_next_id(d->timers, d->ntimers, &pos, 4), &d->timers[1]);
	cr_assert_null(timers_find_next_id(d->timers, d->ntimers, &pos, 3));
	/* Just behind the cursor: the timer it passed last. */
	pos = 0;
	cr_assert_null(timers_find_next_id(d->timers, d->ntimers, &pos, 7));
	cr_assert_eq(timers_find_next_id(d->timers, d->ntimers, &pos, 6), &d->timers[2]);
	pos = 0;
	cr_assert_null(timers_find_next_id(d->timers, d->ntimers, &pos, 100));
	cr_assert_eq(timers_find_next_id(d->timers, d->ntimers, &pos, 8), &d->timers[3]);
	ptimer_dump_free(d);
}

Test(model, find_next_id_in_nothing)
{
	size_t pos = 0;

	cr_assert_null(timers_find_next_id(NULL, 0, &pos, 0));
	cr_assert_null(timers_find_next_id(NULL, 0, &pos, -1));
}
