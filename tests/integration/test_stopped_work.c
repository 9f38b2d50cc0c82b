// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * What ptimerctl does while its target is stopped, seen from its own
 * system calls: the files of /proc/PID that a dump reads again once the
 * target is stopped (stat, task/, fdinfo/) were opened before the stop,
 * so that the stopped target waits for no path walk and no access check.
 * Only the timers list, whose head must be read anew, and the memory the
 * injection writes through are opened then.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <stdio.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "harness.h"
#include "restore_util.h"
#include "tool_trace.h"

/* A deadline for one ptimerctl run: it costs time only when something hangs. */
#define RUN_MS	60000
#define MAX_OPENS	32

static void fini(void)
{
	harness_kill_all();
}

TestSuite(stopped_work, .fini = fini, .timeout = 120);

/* The openat() calls ptimerctl makes between its first seize and its first detach. */
struct stopped_opens {
	pid_t tool;
	bool seized, detached;
	size_t n;
	char names[MAX_OPENS][64];
};

static void read_name(pid_t tool, unsigned long long addr, char *name, size_t size)
{
	struct iovec local = { name, size - 1 }, remote = { (void *)(uintptr_t)addr, size - 1 };
	ssize_t got;

	memset(name, 0, size);
	got = process_vm_readv(tool, &local, 1, &remote, 1, 0);
	if (got <= 0)
		snprintf(name, size, "(unreadable)");
}

/* Never holds ptimerctl: it only watches. */
static bool note_stopped_opens(const struct tt_call *c, void *data)
{
	struct stopped_opens *s = data;

	if (!c->entry)
		return false;
	if (c->nr == SYS_ptrace && c->args[0] == PTRACE_SEIZE)
		s->seized = true;
	else if (c->nr == SYS_ptrace && c->args[0] == PTRACE_DETACH && s->seized)
		s->detached = true;
	else if (c->nr == SYS_openat && s->seized && !s->detached && s->n < MAX_OPENS)
		read_name(s->tool, c->args[1], s->names[s->n++], sizeof(s->names[0]));
	return false;
}

Test(stopped_work, a_dump_opens_only_the_timers_and_memory_once_stopped)
{
	struct victim *v = victim_start("--timer", "id=3,clock=monotonic,notify=signal,sig=10,"
					"value_ms=60000,interval_ms=60000",
					"--timer", "id=5,clock=realtime,notify=none,value_ms=90000",
					NULL);
	struct stopped_opens s = { 0 };
	struct tool_trace t;
	char pid[16];

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	tt_start(&t, "dump", ru_pidstr(pid, v->pid), NULL);
	s.tool = t.bg.pid;
	cr_assert_not(tt_run_until(&t, note_stopped_opens, &s, RUN_MS));
	tt_release(&t);
	ru_bg_wait(&t.bg, RUN_MS);
	cr_assert_eq(t.bg.res.exit_code, 0, "%s", run_describe(&t.bg.res));
	cr_assert(strstr(t.bg.res.out, "\"id\":5"), "the dump lacks a timer: %s", t.bg.res.out);
	cr_assert(s.seized && s.detached, "no seize and detach seen");
	for (size_t i = 0; i < s.n; i++) {
		cr_log_info("opened while stopped: %s", s.names[i]);
		cr_expect(!strcmp(s.names[i], "timers") || !strcmp(s.names[i], "mem"),
			  "opened \"%s\" with the target stopped", s.names[i]);
	}
	run_result_free(&t.bg.res);
	victim_kill(v);
}
