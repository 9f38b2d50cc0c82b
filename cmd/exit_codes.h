/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/* ptimerctl's exit codes; ptimerctl(1) EXIT STATUS documents each one. */
#ifndef PTIMERCTL_EXIT_CODES_H
#define PTIMERCTL_EXIT_CODES_H

enum ptimerctl_exit {
	EXIT_OK = 0,
	EXIT_FAILURE_GENERIC = 1,	/* anything not listed below */
	EXIT_USAGE = 2,			/* bad command line */
	EXIT_NO_PROCESS = 3,		/* no such process */
	EXIT_PERMISSION = 4,		/* not allowed to trace the target */
	EXIT_UNSUPPORTED = 5,		/* kernel lacks /proc/PID/timers or the method asked for */
	EXIT_ZOMBIE = 6,		/* the target is a zombie */
	EXIT_KERNEL_THREAD = 7,		/* the target is a kernel thread */
	EXIT_COMPAT = 8,		/* the target is a 32-bit process */
	EXIT_TRACED = 9,		/* the target already has a tracer */
	EXIT_BAD_INPUT = 10,		/* the dump document is invalid */
	EXIT_COLLISION = 11,		/* a timer ID is already in use in the target */
	EXIT_INTERRUPTED = 12,		/* a signal; the target was left, or put back, as it was */
	EXIT_TARGET_DIED = 13,		/* the target exited during the operation */
	EXIT_TIMEOUT = 14,		/* a thread did not stop, or our code did not trap, in time */
};

#endif
