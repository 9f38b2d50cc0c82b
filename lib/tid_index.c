// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * Thread id to position, by linear probing.  Thread ids come mostly in
 * runs of consecutive numbers, so they are scattered by a multiplicative
 * hash first; the table is kept at most half full, and a removal shifts
 * the rest of its probe run back rather than leaving a tombstone, so
 * that a process whose threads come and go while it is seized keeps
 * short runs.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "tid_index.h"

#define TID_INDEX_MIN_SLOTS 16

static size_t home(const struct tid_index *ix, pid_t tid)
{
	/* The golden-ratio multiplier of Knuth's multiplicative hashing. */
	return (size_t)(((uint64_t)(uint32_t)tid * 0x9e3779b97f4a7c15ULL) >> 32) & ix->mask;
}

/* The slot holding @tid, or the empty one that ends its probe run. */
static size_t probe(const struct tid_index *ix, pid_t tid)
{
	size_t i = home(ix, tid);

	while (ix->slots[i].tid && ix->slots[i].tid != tid)
		i = (i + 1) & ix->mask;
	return i;
}

static int grow(struct tid_index *ix)
{
	size_t nslots = ix->slots ? 2 * (ix->mask + 1) : TID_INDEX_MIN_SLOTS;
	struct tid_index bigger = { .mask = nslots - 1, .count = ix->count };

	bigger.slots = calloc(nslots, sizeof(*bigger.slots));
	if (!bigger.slots)
		return -ENOMEM;
	for (size_t i = 0; ix->slots && i <= ix->mask; i++)
		if (ix->slots[i].tid)
			bigger.slots[probe(&bigger, ix->slots[i].tid)] = ix->slots[i];
	free(ix->slots);
	*ix = bigger;
	return 0;
}

int tid_index_set(struct tid_index *ix, pid_t tid, size_t pos)
{
	size_t i;

	if (tid <= 0)
		return -EINVAL;
	if (!ix->slots || 2 * (ix->count + 1) > ix->mask + 1) {
		int ret = grow(ix);

		if (ret)
			return ret;
	}
	i = probe(ix, tid);
	if (!ix->slots[i].tid)
		ix->count++;
	ix->slots[i] = (struct tid_slot){ .tid = tid, .pos = pos };
	return 0;
}

int tid_index_of(struct tid_index *ix, const pid_t *tids, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		int ret = tids[i] > 0 ? tid_index_set(ix, tids[i], i) : 0;

		if (ret) {
			tid_index_free(ix);
			return ret;
		}
	}
	return 0;
}

bool tid_index_find(const struct tid_index *ix, pid_t tid, size_t *pos)
{
	size_t i;

	if (!ix->slots || tid <= 0)
		return false;
	i = probe(ix, tid);
	if (!ix->slots[i].tid)
		return false;
	*pos = ix->slots[i].pos;
	return true;
}

/* Whether @k lies cyclically in (@i, @j]: the entry at @j may not move to @i. */
static bool between(size_t i, size_t k, size_t j)
{
	return i <= j ? (i < k && k <= j) : (i < k || k <= j);
}

void tid_index_remove(struct tid_index *ix, pid_t tid)
{
	size_t i, j;

	if (!ix->slots || tid <= 0)
		return;
	i = probe(ix, tid);
	if (!ix->slots[i].tid)
		return;
	ix->slots[i].tid = 0;
	ix->count--;
	/* Close the gap: a later entry of the run whose home is not past it moves in. */
	for (j = (i + 1) & ix->mask; ix->slots[j].tid; j = (j + 1) & ix->mask) {
		if (between(i, home(ix, ix->slots[j].tid), j))
			continue;
		ix->slots[i] = ix->slots[j];
		ix->slots[j].tid = 0;
		i = j;
	}
}

void tid_index_free(struct tid_index *ix)
{
	free(ix->slots);
	*ix = (struct tid_index){ 0 };
}
