/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * Where in an array a thread id sits: an open-addressed hash of thread
 * ids to positions, so that a process of thousands of threads is not
 * searched from its first thread for each of them while it is held
 * (seize.c seizes, waits for and orders every thread by id).
 */
#ifndef PTIMER_TID_INDEX_H
#define PTIMER_TID_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct tid_slot {
	pid_t tid;		/* 0: empty (no thread has id 0) */
	size_t pos;
};

struct tid_index {
	struct tid_slot *slots;	/* mask + 1 of them, a power of two, or NULL */
	size_t mask;
	size_t count;
};

/* Say that @tid is at @pos, in place of where it was: 0, -EINVAL (@tid <= 0) or -ENOMEM. */
int tid_index_set(struct tid_index *ix, pid_t tid, size_t pos);

/*
 * Index @tids[0..@n) at their positions, passing over ids <= 0 (no
 * thread's): 0 or -ENOMEM, which leaves @ix freed.
 */
int tid_index_of(struct tid_index *ix, const pid_t *tids, size_t n);

/* Where @tid is, into @pos: false if it is not indexed. */
bool tid_index_find(const struct tid_index *ix, pid_t tid, size_t *pos);

/* Forget @tid, if it is indexed. */
void tid_index_remove(struct tid_index *ix, pid_t tid);

/* Forget every id, and the memory. */
void tid_index_free(struct tid_index *ix);

#endif
