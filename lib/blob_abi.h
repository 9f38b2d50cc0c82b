/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * The memory layout shared between ptimerctl and the in-target blob
 * (lib/arch/<arch>/blob.S, which includes this header).  Fixed-width
 * fields only: the blob reads them at the offsets below, which the static
 * asserts check against the C structures.
 */
#ifndef PTIMER_BLOB_ABI_H
#define PTIMER_BLOB_ABI_H

/* struct blob_batch: a header, then count struct blob_call entries */
#define BLOB_BATCH_COUNT	0
#define BLOB_BATCH_FLAGS	8
#define BLOB_BATCH_DONE		16
#define BLOB_BATCH_CALLS	32
#define BLOB_BATCH_STOP_ON_ERROR	1	/* flags: stop after a failed call */

#define BLOB_CALL_NR		0
#define BLOB_CALL_ARGS		8	/* six 8-byte arguments */
#define BLOB_CALL_RET		56
#define BLOB_CALL_SIZE		64

#define BLOB_WALK_CLOCKID	0
#define BLOB_WALK_SIGEVENT	8
#define BLOB_WALK_ID_SLOT	16
#define BLOB_WALK_WANT		24
#define BLOB_WALK_MAX_STEPS	32
#define BLOB_WALK_STEPS		40
#define BLOB_WALK_LAST_ID	48
#define BLOB_WALK_ERROR		56

#ifndef __ASSEMBLER__
#include <assert.h>
#include <stddef.h>
#include <stdint.h>

struct blob_call {
	int64_t nr;
	uint64_t args[6];
	int64_t ret;
};

/*
 * What a call's ret holds before the blob stores the call's result
 * there: no system call returns it.  A run stopped part-way (past the
 * timeout) never writes the batch's done, and the calls that ran are
 * then those before the first ret still holding this, and perhaps that
 * one, whose result the registers at the stop hold (inject.c).
 */
#define BLOB_CALL_NOT_RUN	INT64_MIN

struct blob_batch {
	uint64_t count;
	uint64_t flags;
	uint64_t done;
	uint64_t reserved;
	struct blob_call calls[];
};

struct blob_walk {
	int64_t clockid;
	uint64_t sigevent;	/* target address of a struct sigevent */
	uint64_t id_slot;	/* target address of an int */
	int64_t want;
	uint64_t max_steps;
	uint64_t steps;		/* out */
	int64_t last_id;	/* out */
	int64_t error;		/* out: -errno of the failing call, or 0 */
};

#define BLOB_CHECK(type, field, off) \
	static_assert(offsetof(type, field) == (off), #type "." #field " at " #off)
BLOB_CHECK(struct blob_batch, count, BLOB_BATCH_COUNT);
BLOB_CHECK(struct blob_batch, flags, BLOB_BATCH_FLAGS);
BLOB_CHECK(struct blob_batch, done, BLOB_BATCH_DONE);
BLOB_CHECK(struct blob_batch, calls, BLOB_BATCH_CALLS);
BLOB_CHECK(struct blob_call, nr, BLOB_CALL_NR);
BLOB_CHECK(struct blob_call, args, BLOB_CALL_ARGS);
BLOB_CHECK(struct blob_call, ret, BLOB_CALL_RET);
static_assert(sizeof(struct blob_call) == BLOB_CALL_SIZE, "blob.S strides BLOB_CALL_SIZE");
static_assert(sizeof(((struct blob_call *)0)->args[0]) == 8, "8-byte arguments");
BLOB_CHECK(struct blob_walk, clockid, BLOB_WALK_CLOCKID);
BLOB_CHECK(struct blob_walk, sigevent, BLOB_WALK_SIGEVENT);
BLOB_CHECK(struct blob_walk, id_slot, BLOB_WALK_ID_SLOT);
BLOB_CHECK(struct blob_walk, want, BLOB_WALK_WANT);
BLOB_CHECK(struct blob_walk, max_steps, BLOB_WALK_MAX_STEPS);
BLOB_CHECK(struct blob_walk, steps, BLOB_WALK_STEPS);
BLOB_CHECK(struct blob_walk, last_id, BLOB_WALK_LAST_ID);
BLOB_CHECK(struct blob_walk, error, BLOB_WALK_ERROR);
#undef BLOB_CHECK

#endif /* !__ASSEMBLER__ */
#endif
