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

/* A batch's part in the dump's timestamps. */
struct stamp {
	size_t calls;		/* the batch's first calls it took: STAMP_CALLS, or 0 */
	uint64_t at;		/* where the target's reading goes */
	/* Our clocks, read just before the batch ran. */
	int64_t realtime_ns;
	int64_t monotonic_ns;
	int64_t boottime_ns;
};

/*
 * The batch whose calls start at @calls takes @dump's stamp if @dump has
 * none yet: its first call reads the target's CLOCK_REALTIME into @at.
 * Returns how many calls that took, STAMP_CALLS or 0; with 0 the other
 * stamp_*() calls do nothing.
 */
size_t stamp_prepare(struct stamp *s, const struct ptimer_dump *dump, struct blob_call *calls,
		     uint64_t at);
/* Just before the batch runs: our clocks, the stamp if the target's read fails. */
void stamp_begin(struct stamp *s);
/* The batch, whose calls start at @calls, ran: set @dump's clocks to its reading. */
void stamp_end(struct target *t, const struct stamp *s, const struct blob_call *calls,
	       struct ptimer_dump *dump);
/* No batch took the stamp (none read the target): our clocks, now. */
void stamp_here(struct ptimer_dump *dump);
/* Every value of @dump is read: our clocks, now, kept apart (kinds.h, read_by_*). */
void stamp_read_by(struct ptimer_dump *dump);

#endif
