/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/* Reading timers from an attached target; shared by dump and restore. */
#ifndef PTIMER_DUMP_H
#define PTIMER_DUMP_H

#include "ptimer.h"
#include "target.h"

/* Parse the target's /proc/PID/timers into @dump, sorted by id; attached or not. */
int dump_read_proc(struct target *t, struct ptimer_dump *dump);
/*
 * Fill in values, intervals and overruns with injected batches of at most
 * @cap timers, using the start of the scratch data region; @disarm
 * disarms atomically.
 */
int dump_read_values(struct target *t, struct ptimer_dump *dump, bool disarm, size_t cap);
/* The scratch bytes dump_read_values() needs for @ntimers timers. */
size_t dump_scratch_size(size_t ntimers);

struct proc_preread;
/*
 * The target's timers as they are while it is stopped, sorted by id, with
 * their values if @values (else some may have them, most not): @pr, read
 * before the stop, spares reading all of /proc/PID/timers again
 * (proc_head.c).  Injection must have begun, with scratch for
 * dump_read_values() of @cap timers.
 */
int dump_read_existing(struct target *t, struct proc_preread *pr, struct ptimer_dump *dump,
		       size_t cap, bool values);

#endif
