/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * ptimerctl under the test's own ptrace, held at a chosen system call.
 *
 * A test that must act "while ptimerctl is attached" or "while the walk
 * runs" cannot find that moment by polling /proc: a dump holds its target
 * for a few hundred microseconds, and a loaded machine deschedules the
 * poller for longer than that.  Here the test is ptimerctl's tracer: it
 * sees every system call ptimerctl makes, stops it at the one a predicate
 * picks (the 7th ptrace() call, the write of the "plan:" line, ...), acts
 * while ptimerctl is frozen there, and lets it go.  The window is hit
 * every time, whatever the load.
 *
 * Being traced does not change what ptimerctl does: it may trace other
 * processes while it is traced itself, and it never looks at its own
 * TracerPid.  Signals sent to it while it is held stay pending and are
 * delivered normally once it is released.
 */
#ifndef PTIMER_TEST_TOOL_TRACE_H
#define PTIMER_TEST_TOOL_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "restore_util.h"

/* One system-call stop of ptimerctl. */
struct tt_call {
	bool entry;			/* syscall entry; else its exit */
	long nr;			/* the call (SYS_*), at the exit too */
	unsigned long long args[6];	/* its arguments, at the exit too */
	long long ret;			/* its return value (exit only) */
	long nptrace;			/* ptrace() calls entered so far, this one included */
	/* The start of the buffer of a write(2) to fd 2, NUL-terminated; else "". */
	char text[256];
};

/* Whether to hold ptimerctl at @c. */
typedef bool (*tt_pick_fn)(const struct tt_call *c, void *data);

struct tool_trace {
	struct ru_bg bg;		/* pid and pipes; ru_bg_wait() it once released */
	long nptrace;			/* its ptrace() calls so far */
	bool held;			/* stopped at a picked call */
	bool ended;			/* it exited while traced (not reaped: ru_bg_wait does) */
	struct tt_call at;		/* the call it is held at */
};

/* Start ptimerctl with these arguments (NULL-terminated), traced and not yet running. */
void tt_start(struct tool_trace *t, const char *arg, ...) __attribute__((sentinel));
/*
 * Let it run until @pick returns true (then it is held there: returns
 * true) or it ends (returns false).  Asserts on a deadline of @timeout_ms.
 */
bool tt_run_until(struct tool_trace *t, tt_pick_fn pick, void *data, int timeout_ms);
/* Stop tracing it: it runs on by itself (or has ended); then ru_bg_wait(&t->bg, ...). */
void tt_release(struct tool_trace *t);

/* ---- pickers ---- */

/* Hold at the exit of its n-th ptrace() call (@data: a long *). */
bool tt_pick_nth_ptrace(const struct tt_call *c, void *data);
/*
 * Hold at the entry of its first PTRACE_SEIZE: every check it makes before
 * the attach is made, and nothing is attached yet.  @data: unused.
 */
bool tt_pick_first_seize(const struct tt_call *c, void *data);
/* Hold at the write(2) to stderr whose text contains @data (a const char *). */
bool tt_pick_stderr(const struct tt_call *c, void *data);
/*
 * Hold once the walk runs in the target: at the exit of the first
 * ptrace(PTRACE_CONT) after the "plan:" line, so the target is inside a
 * walk chunk and ptimerctl has not yet waited for it.  @data: a
 * struct tt_walk_pick, zeroed.
 */
struct tt_walk_pick {
	bool planned;
	char plan[256];			/* the plan line */
};
bool tt_pick_walking(const struct tt_call *c, void *data);

/* Whether a thread of @pid is traced by @tracer right now. */
bool tt_traces_a_thread(pid_t tracer, pid_t pid);

#endif
