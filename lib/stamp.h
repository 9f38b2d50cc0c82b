/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/* A dump's timestamps, taken by the target inside the batch that reads the values. */
#ifndef PTIMER_STAMP_H
#define PTIMER_STAMP_H

#include <stdint.h>
#include <time.h>

#include "blob_abi.h"
#include "ptimer.h"

struct target;

/* The calls a batch carries for the stamp, and the target memory they fill. */
enum { STAMP_CALLS = 1 };
#define STAMP_LEN	sizeof(struct timespec)

/* Our clocks, read just before the batch ran. */
struct stamp {
	int64_t realtime_ns;
	int64_t monotonic_ns;
	int64_t boottime_ns;
};

/* Our clocks, just before the batch: the stamp if the target's read fails. */
void stamp_begin(struct stamp *s);
/* The call that reads the target's CLOCK_REALTIME into @at. */
void stamp_fill(struct blob_call *c, uint64_t at);
/* The batch ran: set @dump's clocks to the moment the target read them. */
void stamp_end(struct target *t, const struct stamp *s, const struct blob_call *c, uint64_t at,
	       struct ptimer_dump *dump);

#endif
