// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * A dump's timestamps say when its remaining times were read: diff, the
 * tables and a deadline restore count from them.  Taken here before the
 * batch runs, they are early by however long the target takes to be
 * scheduled, microseconds on an idle machine but tens of milliseconds on
 * a loaded one (diff saw 15 ms in a TCG guest, three times its default
 * tolerance).  So the batch's first call is the target's own read of
 * CLOCK_REALTIME.
 *
 * Only that clock is read there: a target in a time namespace sees
 * MONOTONIC and BOOTTIME moved by its namespace's offsets, which our
 * clocks, and the restore's, do not have.  What the target's read adds to
 * ours is the delay, and that delay is added to our MONOTONIC and BOOTTIME
 * readings.  A read that failed (a seccomp filter answering an error) or
 * that a clock step put outside the time the batch took leaves our
 * readings as they were.
 */
#include <string.h>
#include <time.h>

#include "arch.h"
#include "internal.h"
#include "kinds.h"
#include "stamp.h"
#include "target.h"

size_t stamp_prepare(struct stamp *s, const struct ptimer_dump *dump, struct blob_call *calls,
		     uint64_t at)
{
	memset(s, 0, sizeof(*s));
	if (dump->realtime_ns)
		return 0;
	s->calls = STAMP_CALLS;
	s->at = at;
	memset(calls, 0, sizeof(*calls));
	calls->nr = ARCH_NR_CLOCK_GETTIME;
	calls->args[0] = CLOCK_REALTIME;
	calls->args[1] = at;
	return s->calls;
}

static void read_ours(struct stamp *s)
{
	s->realtime_ns = clock_now_ns(CLOCK_REALTIME);
	s->monotonic_ns = clock_now_ns(CLOCK_MONOTONIC);
	s->boottime_ns = clock_now_ns(CLOCK_BOOTTIME);
}

void stamp_begin(struct stamp *s)
{
	if (s->calls)
		read_ours(s);
}

void stamp_end(struct target *t, const struct stamp *s, const struct blob_call *calls,
	       struct ptimer_dump *dump)
{
	int64_t after_ns, delay = 0;
	struct timespec ts;

	if (!s->calls)
		return;
	after_ns = clock_now_ns(CLOCK_REALTIME);
	if (!calls->ret && !target_read(t, s->at, &ts, sizeof(ts))) {
		delay = ts_to_ns(&ts) - s->realtime_ns;
		if (delay < 0 || delay > after_ns - s->realtime_ns)
			delay = 0;
	}
	dump->realtime_ns = s->realtime_ns + delay;
	dump->monotonic_ns = s->monotonic_ns + delay;
	dump->boottime_ns = s->boottime_ns + delay;
}

void stamp_here(struct ptimer_dump *dump)
{
	struct stamp s;

	read_ours(&s);
	dump->realtime_ns = s.realtime_ns;
	dump->monotonic_ns = s.monotonic_ns;
	dump->boottime_ns = s.boottime_ns;
}

void stamp_read_by(struct ptimer_dump *dump)
{
	struct dump_kinds *k = dump_kinds_of(dump);
	struct stamp s;

	read_ours(&s);
	k->read_by_realtime_ns = s.realtime_ns;
	k->read_by_monotonic_ns = s.monotonic_ns;
	k->read_by_boottime_ns = s.boottime_ns;
}
