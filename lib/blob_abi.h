/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * The memory layout shared between ptimerctl and the in-target blob
 * (lib/arch/<arch>/blob.S).  Fixed-width fields only: the blob reads them
 * at constant offsets, checked by the static asserts below.
 */
#ifndef PTIMER_BLOB_ABI_H
#define PTIMER_BLOB_ABI_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

enum blob_batch_flags {
	BLOB_BATCH_STOP_ON_ERROR = 1 << 0,
};

struct blob_call {
	int64_t nr;
	uint64_t args[6];
	int64_t ret;
};

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

static_assert(sizeof(struct blob_call) == 64, "blob.S strides 64 bytes");
static_assert(offsetof(struct blob_batch, calls) == 32, "blob.S header size");
static_assert(offsetof(struct blob_walk, max_steps) == 32, "blob.S offsets");
static_assert(offsetof(struct blob_walk, error) == 56, "blob.S offsets");

#endif
