/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * The timer signals queued in a held target, read with
 * PTRACE_PEEKSIGINFO: for a dump (dump_kinds.c) and for what a --replace
 * would make stale (held_signals.c).
 */
#ifndef PTIMER_PEEK_SIGNALS_H
#define PTIMER_PEEK_SIGNALS_H

#include <signal.h>
#include <stdbool.h>

#include "ptimer.h"
#include "target.h"

/*
 * Each SI_TIMER siginfo queued for held thread @tid (@shared: its
 * process's queue) to @fn, in queue order, its .tid @tid (0 if @shared);
 * @fn's error ends the read.  @count, if not NULL, gets how many of each
 * signal are queued there, whatever sent them (KSIGMAX + 1 counters,
 * indexed by number).
 */
int peek_timer_signals(struct target *t, pid_t tid, bool shared,
		       int (*fn)(void *data, const struct ptimer_pending_signal *s), void *data,
		       unsigned int *count);

/*
 * The siginfo @s is queued again with, by rt_sigqueueinfo(2) or
 * rt_tgsigqueueinfo(2): an ordinary entry, which the kernel delivers
 * whatever becomes of the timer.
 */
void pending_signal_siginfo(const struct ptimer_pending_signal *s, siginfo_t *si);
/* Whether @a and @b are the same timer's signal for the same queue (its overrun aside). */
bool pending_signal_same(const struct ptimer_pending_signal *a,
			 const struct ptimer_pending_signal *b);

#endif
