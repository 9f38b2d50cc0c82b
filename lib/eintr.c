// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* The system calls a ptrace stop makes fail with -EINTR (eintr.h). */
#include <asm/unistd.h>
#include <linux/io_uring.h>

#include "arch.h"
#include "eintr.h"

struct eintr_wait {
	unsigned char timeout;	/* enum wait_timeout */
	unsigned char arg;	/* the argument that holds it */
};

/*
 * The system calls that end with a plain -EINTR, not a restart code, when
 * a stop interrupts them, and where each keeps its timeout.  Re-issuing
 * one is exact only when it has no timeout: a relative timeout would
 * start afresh, and what is left of it is not known.  Every other
 * blocking call (read, poll, futex, nanosleep, msgrcv, flock, ...) gets a
 * restart code that the kernel acts on by itself.  The calls only some
 * architectures have (x86_64's epoll_wait) come from ARCH_EINTR_WAITS.
 */
static const struct eintr_wait eintr_waits[] = {
	[__NR_semop]		= { WAIT_NO_TIMEOUT, 0 },
	[__NR_rt_sigtimedwait]	= { WAIT_TS_NULL, 2 },
	[__NR_io_getevents]	= { WAIT_TS_NULL, 4 },
	[__NR_semtimedop]	= { WAIT_TS_NULL, 3 },
	[__NR_epoll_pwait]	= { WAIT_MS_NEGATIVE, 3 },
	[__NR_io_uring_enter]	= { WAIT_IO_URING, 3 },
	[__NR_epoll_pwait2]	= { WAIT_TS_NULL, 3 },
	ARCH_EINTR_WAITS
};

bool eintr_wait_forever(long nr, const uint64_t args[6])
{
	const struct eintr_wait *w;
	uint64_t arg;

	if (nr < 0 || (unsigned long)nr >= sizeof(eintr_waits) / sizeof(eintr_waits[0]))
		return false;
	w = &eintr_waits[nr];
	arg = args[w->arg];
	switch (w->timeout) {
	case WAIT_NO_TIMEOUT:
		return true;
	case WAIT_MS_NEGATIVE:
		return (int)arg < 0;
	case WAIT_TS_NULL:
		return arg == 0;
	case WAIT_IO_URING:
		/*
		 * It returns -EINTR only when it submitted nothing, so a
		 * re-issue only waits again.  An extended argument may hold
		 * a timeout, in memory we do not read.
		 */
		return (arg & IORING_ENTER_GETEVENTS) && !(arg & IORING_ENTER_EXT_ARG);
	}
	return false;
}
