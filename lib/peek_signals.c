// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * A stale timer signal (its timer re-armed, disarmed or deleted since it
 * was queued, which since 6.13 the kernel drops at delivery) is read too:
 * nothing tells it apart.  As measured on 6.18 its siginfo is the same,
 * byte for byte, _sys_private 0; the sequence numbers the kernel compares
 * stay in the timer, which no interface shows.
 */
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/ptrace.h>

#include "internal.h"
#include "kabi.h"
#include "peek_signals.h"

#define PEEK_CHUNK 64

int peek_timer_signals(struct target *t, pid_t tid, bool shared,
		       int (*fn)(void *data, const struct ptimer_pending_signal *s), void *data,
		       unsigned int *count)
{
	struct __ptrace_peeksiginfo_args args = {
		.flags = shared ? PTRACE_PEEKSIGINFO_SHARED : 0,
		.nr = PEEK_CHUNK,
	};
	siginfo_t si[PEEK_CHUNK];
	long got;

	if (count)
		memset(count, 0, (KSIGMAX + 1) * sizeof(*count));
	do {
		got = ptrace(PTRACE_PEEKSIGINFO, tid, &args, si);
		if (got < 0)
			return ctx_set_error(t->ctx, -errno, "cannot read the %s signal queue"
					     " of tid %d", shared ? "process" : "thread", tid);
		for (long i = 0; i < got; i++) {
			struct ptimer_pending_signal s = {
				.tid = shared ? 0 : tid,
				.signo = si[i].si_signo,
				.timerid = si[i].si_timerid,
				.overrun = si[i].si_overrun,
			};
			int ret;

			if (count && si[i].si_signo >= 1 && si[i].si_signo <= KSIGMAX)
				count[si[i].si_signo]++;
			if (si[i].si_code != SI_TIMER)
				continue;
			memcpy(&s.sigval, &si[i].si_value, sizeof(s.sigval));
			ret = fn(data, &s);
			if (ret)
				return ret;
		}
		args.off += (uint64_t)got;
	} while (got == PEEK_CHUNK);
	return 0;
}

void pending_signal_siginfo(const struct ptimer_pending_signal *s, siginfo_t *si)
{
	memset(si, 0, sizeof(*si));
	si->si_signo = s->signo;
	si->si_code = SI_TIMER;
	si->si_timerid = s->timerid;
	si->si_overrun = s->overrun;
	memcpy(&si->si_value, &s->sigval, sizeof(s->sigval));
}

bool pending_signal_same(const struct ptimer_pending_signal *a,
			 const struct ptimer_pending_signal *b)
{
	return a->signo == b->signo && a->tid == b->tid && a->timerid == b->timerid &&
	       a->sigval == b->sigval;
}
