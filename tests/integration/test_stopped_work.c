// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * What ptimerctl does while its target is stopped, seen from its own
 * system calls: the files of /proc/PID that a dump reads once the target
 * is stopped (stat, task/, fdinfo/, and the timers list, whose head is
 * read anew) were opened before the stop, so that the stopped target waits
 * for no path walk and no access check.  Only the memory the injection
 * writes through is opened then, and what it opened is closed after the
 * detach.  And a process with many descriptors, or with few where the
 * stack has room for the calls, has them told apart in the injected
 * batch, not by reading each one's fd/ link.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>

#include "arch.h"
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
	int fds[MAX_OPENS];	/* what each returned */
	size_t readlinks;	/* readlinkat() calls there */
	size_t closes;		/* close() calls there, but of a file may_close_stopped() */
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

/*
 * Where a thread's interrupted wait can only be restarted from what /proc
 * showed of it just before our interrupt (arm64: arch_wait_needs_snapshot),
 * each later thread's task/TID/syscall is read once it is seized and
 * before it is interrupted, while the threads seized before it are
 * stopped: opened and closed there.  And when the kernel made a process
 * while the target was being stopped, each thread's task/TID/children is
 * read, for one that shares its memory (lib/target_sharers.c): on a busy
 * host, at any run.
 */
static bool may_close_stopped(const char *name)
{
	int tid, end = 0;

	if (sscanf(name, "task/%d/children%n", &tid, &end) == 1 && !name[end])
		return true;
	end = 0;
	return arch_wait_needs_snapshot && sscanf(name, "task/%d/syscall%n", &tid, &end) == 1 &&
	       !name[end];
}

/* What a stopped dump may open: the memory, and the snapshots above. */
static bool may_open_stopped(const char *name)
{
	return !strcmp(name, "mem") || may_close_stopped(name);
}

static const char *opened_name(const struct stopped_opens *s, int fd)
{
	for (size_t i = s->n; i-- > 0;)
		if (s->fds[i] == fd)
			return s->names[i];
	return "";
}

/* Never holds ptimerctl: it only watches. */
static bool note_stopped_opens(const struct tt_call *c, void *data)
{
	struct stopped_opens *s = data;
	bool stopped = s->seized && !s->detached;

	if (!c->entry && c->nr == SYS_openat && stopped && s->n < MAX_OPENS) {
		read_name(s->tool, c->args[1], s->names[s->n], sizeof(s->names[0]));
		s->fds[s->n++] = (int)c->ret;
	}
	if (!c->entry)
		return false;
	if (c->nr == SYS_ptrace && c->args[0] == PTRACE_SEIZE)
		s->seized = true;
	else if (c->nr == SYS_ptrace && c->args[0] == PTRACE_DETACH && s->seized)
		s->detached = true;
	else if (c->nr == SYS_readlinkat && stopped)
		s->readlinks++;
	else if (c->nr == SYS_close && stopped &&
		 !may_close_stopped(opened_name(s, (int)c->args[0])))
		s->closes++;
	return false;
}

/* ptimerctl dump of @pid, watched; returns its output (free it). */
static char *watched_dump(pid_t pid, struct stopped_opens *s)
{
	struct tool_trace t;
	char arg[16], *out;

	tt_start(&t, "dump", ru_pidstr(arg, pid), NULL);
	s->tool = t.bg.pid;
	cr_assert_not(tt_run_until(&t, note_stopped_opens, s, RUN_MS));
	tt_release(&t);
	ru_bg_wait(&t.bg, RUN_MS);
	cr_assert_eq(t.bg.res.exit_code, 0, "%s", run_describe(&t.bg.res));
	cr_assert(s->seized && s->detached, "no seize and detach seen");
	out = strdup(t.bg.res.out);
	run_result_free(&t.bg.res);
	cr_assert(out);
	return out;
}

Test(stopped_work, a_dump_opens_only_the_memory_and_closes_nothing_once_stopped)
{
	struct victim *v = victim_start("--timer", "id=3,clock=monotonic,notify=signal,sig=10,"
					"value_ms=60000,interval_ms=60000",
					"--timer", "id=5,clock=realtime,notify=none,value_ms=90000",
					NULL);
	struct stopped_opens s = { 0 };
	char *out;

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	out = watched_dump(v->pid, &s);
	cr_assert(strstr(out, "\"id\":5"), "the dump lacks a timer: %s", out);
	for (size_t i = 0; i < s.n; i++) {
		cr_log_info("opened while stopped: %s", s.names[i]);
		cr_expect(may_open_stopped(s.names[i]), "opened \"%s\" with the target stopped",
			  s.names[i]);
	}
	cr_expect_eq(s.closes, 0, "%zu descriptors closed with the target stopped", s.closes);
	free(out);
	victim_kill(v);
}

/*
 * A process with no POSIX timer and a few descriptors: their probes, a
 * call and a result each (96 bytes), fit the room below its stack pointer
 * that the kernel's signal frame needs, AT_MINSIGSTKSZ (1776 bytes on an
 * x86-64 with AVX2, more with AVX-512 or on arm64), with the interval
 * timers' batch; so the stopped dump reads no descriptor link.
 */
Test(stopped_work, a_small_dump_reads_no_descriptor_link_once_stopped)
{
	struct victim *v = victim_start("--threads", "1", NULL);
	struct stopped_opens s = { 0 };
	char *out;

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	cr_log_info("%d descriptors, AT_MINSIGSTKSZ %lu", proc_count_fds(v->pid),
		    getauxval(AT_MINSIGSTKSZ));
	out = watched_dump(v->pid, &s);
	cr_expect_eq(s.readlinks, 0, "%zu descriptor links read with the target stopped",
		     s.readlinks);
	free(out);
	victim_kill(v);
}

/* kinds_holder crowded: two timerfds, at fds 40 and 41, among 64 other descriptors. */
Test(stopped_work, a_crowded_dump_reads_no_descriptor_link_once_stopped)
{
	const char *argv[] = { helper_path("kinds_holder"), "crowded", NULL };
	struct stopped_opens s = { 0 };
	struct victim *v;
	char *out;

	argv[0] = strdup(argv[0]);
	v = victim_spawn(argv, (uid_t)-1);
	free((char *)argv[0]);
	cr_assert(v && v->ready, "kinds_holder crowded: %s", v ? v->error : "fork");
	out = watched_dump(v->pid, &s);
	cr_expect(strstr(out, "\"fd\":40") && strstr(out, "\"fd\":41"),
		  "the dump lacks a timerfd: %s", out);
	cr_expect_eq(s.readlinks, 0, "%zu descriptor links read with the target stopped",
		     s.readlinks);
	free(out);
	victim_kill(v);
}
