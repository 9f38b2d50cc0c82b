// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * lib/tid_index.c: thread ids to positions, which seize.c looks up for
 * every thread of a process it holds.  Checked against a plain array,
 * through removals in the middle of probe runs and the table's growth.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "tid_index.h"

TestSuite(tid_index);

Test(tid_index, an_empty_index_finds_nothing_and_refuses_no_thread)
{
	struct tid_index ix = { 0 };
	size_t pos = 7;

	cr_assert_not(tid_index_find(&ix, 1, &pos));
	tid_index_remove(&ix, 1);
	cr_assert_eq(tid_index_set(&ix, 0, 1), -EINVAL);
	cr_assert_eq(tid_index_set(&ix, -5, 1), -EINVAL);
	cr_assert_eq(pos, 7);
	tid_index_free(&ix);
}

Test(tid_index, thousands_of_threads_each_found_where_it_was_set)
{
	struct tid_index ix = { 0 };
	size_t pos;

	/* A run of consecutive ids, as a process's threads get them, and the top of the range. */
	for (pid_t t = 1000; t < 11000; t++)
		cr_assert_eq(tid_index_set(&ix, t, (size_t)(t - 1000)), 0);
	cr_assert_eq(tid_index_set(&ix, 4194304, 10000), 0);
	cr_assert_eq(ix.count, 10001);
	for (pid_t t = 1000; t < 11000; t++) {
		cr_assert(tid_index_find(&ix, t, &pos), "tid %d lost", t);
		cr_assert_eq(pos, (size_t)(t - 1000));
	}
	cr_assert(tid_index_find(&ix, 4194304, &pos));
	cr_assert_eq(pos, 10000);
	cr_assert_not(tid_index_find(&ix, 999, &pos));
	cr_assert_not(tid_index_find(&ix, 11000, &pos));
	/* Set again: moved, not added. */
	cr_assert_eq(tid_index_set(&ix, 5000, 3), 0);
	cr_assert_eq(ix.count, 10001);
	cr_assert(tid_index_find(&ix, 5000, &pos));
	cr_assert_eq(pos, 3);
	tid_index_free(&ix);
	cr_assert_null(ix.slots);
	cr_assert_not(tid_index_find(&ix, 5000, &pos));
}

/* The slot @tid lands in alone, in a table of the first size: its home there. */
static size_t home_of(pid_t tid)
{
	struct tid_index ix = { 0 };
	size_t home = SIZE_MAX;

	cr_assert_eq(tid_index_set(&ix, tid, 0), 0);
	for (size_t i = 0; i <= ix.mask; i++)
		if (ix.slots[i].tid == tid)
			home = i;
	tid_index_free(&ix);
	return home;
}

/*
 * A probe run that wraps past the table's end: A's home is the
 * second-to-last slot, B's and C's the last, so C sits in slot 0.  Once A
 * is removed, C may not move back into A's slot, before its home.
 */
Test(tid_index, a_run_that_wraps_keeps_its_ids_after_a_removal)
{
	pid_t a = 0, b = 0, c = 0;
	struct tid_index ix = { 0 };
	size_t last, pos;

	cr_assert_eq(tid_index_set(&ix, 1, 0), 0);
	last = ix.mask;
	tid_index_free(&ix);
	for (pid_t t = 1; t < 100000 && !(a && b && c); t++) {
		size_t h = home_of(t);

		if (h == last - 1 && !a)
			a = t;
		else if (h == last && !b)
			b = t;
		else if (h == last && !c)
			c = t;
	}
	cr_assert(a && b && c, "no ids with those homes");
	cr_assert_eq(tid_index_set(&ix, a, 10), 0);
	cr_assert_eq(tid_index_set(&ix, b, 11), 0);
	cr_assert_eq(tid_index_set(&ix, c, 12), 0);
	cr_assert_eq(ix.slots[0].tid, c, "C did not wrap to slot 0");
	tid_index_remove(&ix, a);
	cr_assert_not(tid_index_find(&ix, a, &pos));
	cr_assert(tid_index_find(&ix, b, &pos));
	cr_assert_eq(pos, 11);
	cr_assert(tid_index_find(&ix, c, &pos), "C lost once A was removed");
	cr_assert_eq(pos, 12);
	tid_index_free(&ix);
}

/* A tiny xorshift: the same sequence in every run. */
static uint32_t next_random(uint32_t *state)
{
	*state ^= *state << 13;
	*state ^= *state >> 17;
	*state ^= *state << 5;
	return *state;
}

/*
 * Threads come and go while a process is seized: sets and removals of
 * ids from a small range, so that probe runs are long and a removal
 * often opens a gap in the middle of one, checked after each against
 * where a plain array says each id is.
 */
Test(tid_index, threads_that_come_and_go_leave_every_other_one_found)
{
	enum { RANGE = 380, OPS = 200000 };
	static size_t where[RANGE + 1];	/* 0: absent, else position + 1 */
	struct tid_index ix = { 0 };
	uint32_t seed = 2463534242u;
	size_t count = 0, pos;

	for (unsigned int op = 0; op < OPS; op++) {
		pid_t tid = (pid_t)(next_random(&seed) % RANGE) + 1;

		if (next_random(&seed) % 3) {
			size_t p = next_random(&seed) % 100000;

			cr_assert_eq(tid_index_set(&ix, tid, p), 0);
			count += !where[tid];
			where[tid] = p + 1;
		} else {
			tid_index_remove(&ix, tid);
			count -= !!where[tid];
			where[tid] = 0;
		}
		cr_assert_eq(ix.count, count);
		if (op % 97)
			continue;
		for (pid_t t = 1; t <= RANGE; t++) {
			bool found = tid_index_find(&ix, t, &pos);

			cr_assert_eq(found, where[t] != 0, "op %u: tid %d %s", op, t,
				     found ? "found after its removal" : "lost");
			if (found)
				cr_assert_eq(pos + 1, where[t]);
		}
	}
	tid_index_free(&ix);
}
