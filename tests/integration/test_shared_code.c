// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * Memory the target shares with another process is never written.
 * ptimerctl borrows a slot of the injecting thread's code page and the
 * room below its stack pointer; when the thread runs in code mapped
 * MAP_SHARED (a JIT's memfd, mapped once to write and once to run) or on
 * a shared stack, or with a shared page just below its stack, those
 * bytes would be seen by every process that maps the memory, and reach
 * its file.  tests/helpers/shared_code's main thread spins in such code,
 * and a watcher process that maps the same memory counts the times it
 * finds it changed; each injected call is held 100 ms
 * (--slow getitimer, or mmap), long enough for the watcher to see
 * whatever was written for it.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "harness.h"
#include "restore_util.h"
#include "tool_trace.h"

static void fini(void)
{
	harness_kill_all();
}

TestSuite(shared_code, .fini = fini, .timeout = 60);

static struct victim *start(const char *const *args)
{
	const char *argv[16] = { helper_path("shared_code") };
	struct victim *v;
	size_t n = 1;

	for (; *args && n < 15; args++)
		argv[n++] = *args;
	v = victim_spawn(argv, (uid_t)-1);
	cr_assert(v, "cannot fork shared_code");
	cr_assert(v->ready, "shared_code: %s", v->error);
	return v;
}

/*
 * Neither the code nor the stack, nor the page below it, changed for the
 * watcher, and the main thread is let go.
 */
static void expect_unseen(struct victim *v, const char *when)
{
	long long code = -1, stack = -1;
	char line[128];

	/* Past the watcher's next look. */
	sleep_ms(20);
	cr_assert_eq(victim_cmd(v, "changes", line, sizeof(line)), 0, "%s: no answer", when);
	cr_assert(kv_ll(line, "code", &code) && kv_ll(line, "stack", &stack), "%s: %s", when,
		  line);
	cr_expect_eq(code, 0, "%s: the shared code changed under another process (%s)", when,
		     line);
	cr_expect_eq(stack, 0, "%s: the shared stack memory changed under another process (%s)",
		     when, line);
	cr_expect_eq(proc_tracer_pid(v->pid), 0, "%s: still traced", when);
}

/* The same, and the main thread spins on. */
static void expect_untouched(struct victim *v, const char *when)
{
	expect_unseen(v, when);
	cr_expect_eq(proc_state(v->pid), 'R', "%s: the main thread spins no more", when);
}

static void dump_leaves_untouched(const char *const *args, const char *when)
{
	struct victim *v = start(args);
	struct run_result r;
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", (int)v->pid);
	cr_assert_eq(run_ptimerctl(&r, "dump", "--keep-seccomp", pid, NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s: %s", when, run_describe(&r));
	run_result_free(&r);
	expect_untouched(v, when);
	victim_kill(v);
}

Test(shared_code, writable_shared_code_is_not_written)
{
	static const char *const args[] = { "--code=shared-rwx", "--slow", "getitimer=100000",
					    NULL };

	dump_leaves_untouched(args, "a thread in read+write+exec shared code");
}

/*
 * Read-only shared code, as a JIT's run view: the kernel refuses a
 * tracer's write there, which failed the job ("Input/output error").
 */
Test(shared_code, read_only_shared_code_is_dumped)
{
	static const char *const args[] = { "--code=shared-rx", "--timers", "3", NULL };
	struct victim *v = start(args);
	struct run_result r;
	json_object *root;
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", (int)v->pid);
	cr_assert_eq(run_ptimerctl(&r, "dump", pid, NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	root = json_parse_text(r.out);
	cr_assert(root, "not one JSON document: %.300s", r.out);
	cr_expect_eq(json_object_array_length(json_object_object_get(root, "timers")), 3);
	json_object_put(root);
	run_result_free(&r);
	expect_untouched(v, "a thread in read+exec shared code");
	victim_kill(v);
}

Test(shared_code, a_shared_stack_is_not_written)
{
	static const char *const args[] = { "--code=private", "--stack=shared", "--slow",
					    "getitimer=100000", NULL };

	dump_leaves_untouched(args, "a thread on a shared stack");
}

/*
 * A signal frame would not fit above the page below: nothing goes there.
 * 16 bytes, less than any red zone, so that all of what a job would
 * put below the stack pointer lands in that page, however little.
 */
Test(shared_code, the_page_below_a_short_stack_is_not_written)
{
	static const char *const args[] = { "--code=private", "--stack-room", "16", "--slow",
					    "getitimer=100000", NULL };

	dump_leaves_untouched(args, "a thread with 16 bytes of stack");
}

/* A restore's every step runs through the same injection: a job with a mapping too. */
Test(shared_code, a_restore_into_shared_code_writes_none_of_it)
{
	static const char *const src_args[] = { "--code=private", "--timers", "300", NULL };
	static const char *const dst_args[] = { "--code=shared-rwx", "--slow", "mmap=100000",
						NULL };
	struct victim *src = start(src_args), *dst;
	struct run_result r;
	char pid[16];
	char *dump;

	dump = ru_dump_file(src->pid, NULL);
	victim_kill(src);
	dst = start(dst_args);
	cr_assert_eq(proc_count_timers(dst->pid), 0);
	snprintf(pid, sizeof(pid), "%d", (int)dst->pid);
	cr_assert_eq(run_ptimerctl(&r, "restore", "--keep-seccomp", "-i", dump, pid, NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	run_result_free(&r);
	cr_expect_eq(proc_count_timers(dst->pid), 300);
	expect_untouched(dst, "a restore into read+write+exec shared code");
	victim_kill(dst);
	ru_file_free(dump);
}

/* The main thread asleep in the helper's ppoll(): the page its pc is in. */
static unsigned long long wait_in_ppoll(struct victim *v, long pagesz)
{
	unsigned long long pc = 0;

	cr_assert(proc_wait_syscall(v->pid, v->pid, SYS_ppoll, &pc, HARNESS_TIMEOUT_MS),
		  "the main thread never slept in ppoll()");
	return pc & ~(unsigned long long)(pagesz - 1);
}

/* The exit of each call of ptimerctl that writes the target's memory, or NULL. */
static const char *write_call(const struct tt_call *c)
{
	if (c->nr == SYS_pwrite64)
		return "pwrite64";
	if (c->nr == SYS_process_vm_writev)
		return "process_vm_writev";
	if (c->nr == SYS_ptrace && (c->args[0] == PTRACE_POKETEXT ||
				    c->args[0] == PTRACE_POKEDATA))
		return "PTRACE_POKETEXT";
	return NULL;
}

static bool pick_write(const struct tt_call *c, void *data)
{
	(void)data;
	return !c->entry && write_call(c);
}

/*
 * A thread asleep in a call made from shared code.  A stop interrupts the
 * call, which the kernel restarts once the thread runs again; on arm64 it
 * moves the ip back onto the svc, and the injector settles that restart
 * by running the thread onto a trap written over it, which would be
 * written into the shared page (lib/inject.c settle_restart()): the
 * thread is passed over for another.  Such a trap is there for a few
 * microseconds only, so the test holds ptimerctl at each write it makes
 * to the target's memory, and reads the page there itself.
 */
Test(shared_code, a_call_asleep_in_shared_code_is_not_written)
{
	static const char *const args[] = { "--code=shared-rwx", "--in-call", NULL };
	struct victim *v = start(args);
	long pagesz = sysconf(_SC_PAGESIZE);
	unsigned char *before = malloc((size_t)pagesz), *now = malloc((size_t)pagesz);
	unsigned long long at, pc = 0;
	struct tool_trace t;
	char pid[16], path[64];
	int fd, writes = 0;

	cr_assert(before && now);
	at = wait_in_ppoll(v, pagesz);
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)v->pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0, "%s: %s", path, strerror(errno));
	cr_assert_eq(pread(fd, before, (size_t)pagesz, (off_t)at), pagesz);

	snprintf(pid, sizeof(pid), "%d", (int)v->pid);
	tt_start(&t, "dump", "--keep-seccomp", pid, NULL);
	while (tt_run_until(&t, pick_write, NULL, 60000)) {
		writes++;
		cr_assert_eq(pread(fd, now, (size_t)pagesz, (off_t)at), pagesz);
		cr_expect(!memcmp(now, before, (size_t)pagesz), "write %d of the dump (%s) changed"
			  " the shared page at %#llx", writes, write_call(&t.at), at);
	}
	ru_bg_wait(&t.bg, 60000);
	cr_assert_eq(t.bg.res.exit_code, 0, "%s", run_describe(&t.bg.res));
	cr_assert_gt(writes, 0, "the dump wrote nothing into the target: the test tests nothing");
	run_result_free(&t.bg.res);

	expect_unseen(v, "a thread asleep in a call in shared code");
	/* Its call was restarted where it was made. */
	cr_expect_eq(proc_sleeping_syscall(v->pid, v->pid, &pc), SYS_ppoll);
	cr_expect_eq(pc & ~(unsigned long long)(pagesz - 1), at, "the main thread sleeps at %#llx,"
		     " not in its page", pc);
	close(fd);
	free(before);
	free(now);
	victim_kill(v);
}

/* The one child of @pid (the helper's watcher), from /proc. */
static pid_t only_child(pid_t pid)
{
	char path[64], buf[64] = "";
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, (int)pid);
	f = fopen(path, "r");
	cr_assert(f, "%s: %s", path, strerror(errno));
	cr_assert(fgets(buf, sizeof(buf), f), "%s is empty", path);
	fclose(f);
	return (pid_t)atoi(buf);
}

/*
 * A process that shares the target's memory without being one of its
 * threads (clone(2) with CLONE_VM alone), which ptimerctl does not stop:
 * it would run on while ptimerctl writes into the code page and below the
 * stack pointer of the thread it injects through, as private as those
 * are.  The watcher is such a process here, and sees every byte.  dump,
 * restore and check refuse the target (exit 5) and name the process.
 */
Test(shared_code, a_process_sharing_the_memory_is_refused)
{
	static const char *const args[] = { "--code=private", "--sibling", "--slow",
					    "getitimer=100000", NULL };
	static const char *const src_args[] = { "--code=private", "--timers", "2", NULL };
	struct victim *src = start(src_args), *v;
	char pid[16], want[64], *dump;
	struct run_result r;

	dump = ru_dump_file(src->pid, NULL);
	victim_kill(src);
	v = start(args);
	snprintf(pid, sizeof(pid), "%d", (int)v->pid);
	snprintf(want, sizeof(want), "shares its memory with pid %d,", (int)only_child(v->pid));

	cr_assert_eq(run_ptimerctl(&r, "dump", pid, NULL), 0);
	cr_expect_eq(r.exit_code, PX_UNSUPPORTED, "dump: %s", run_describe(&r));
	cr_expect(strstr(r.err, want), "dump: no \"%s\": %s", want, r.err);
	run_result_free(&r);
	cr_assert_eq(run_ptimerctl(&r, "restore", "-i", dump, pid, NULL), 0);
	cr_expect_eq(r.exit_code, PX_UNSUPPORTED, "restore: %s", run_describe(&r));
	cr_expect(strstr(r.err, want), "restore: no \"%s\": %s", want, r.err);
	run_result_free(&r);
	cr_assert_eq(run_ptimerctl(&r, "check", pid, NULL), 0);
	cr_expect_eq(r.exit_code, PX_UNSUPPORTED, "check: %s", run_describe(&r));
	cr_expect(strstr(r.out, want), "check: no \"%s\": %s", want, r.out);
	run_result_free(&r);

	cr_expect_eq(proc_count_timers(v->pid), 0, "the restore made timers");
	expect_untouched(v, "a process sharing the target's memory");
	victim_kill(v);
	ru_file_free(dump);
}

/* The entry of ptimerctl's first kcmp(): it compares the target's memory with others'. */
static bool pick_first_kcmp(const struct tt_call *c, void *data)
{
	(void)data;
	return c->entry && c->nr == SYS_kcmp;
}

/*
 * kcmp() compares memory by pointer: a target that dies as it is
 * compared has none, as no kernel thread has, and "shared" it with every
 * one of them ("shares its memory with 63 processes (pid 2 and others"),
 * as a test of pid reuse once found by chance.  The test holds ptimerctl
 * at its first kcmp() and kills the target there, left a zombie: that is
 * a target gone, not one sharing its memory.  ptimerctl's message then
 * names the zombie whatever the scan found; -v shows the scan's own.
 */
Test(shared_code, a_target_dying_as_it_is_compared_shares_nothing)
{
	static const char *const args[] = { "--code=private", NULL };
	struct victim *v = start(args);
	struct tool_trace t;
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", (int)v->pid);
	tt_start(&t, "-v", "dump", pid, NULL);
	cr_assert(tt_run_until(&t, pick_first_kcmp, NULL, 60000),
		  "ptimerctl ended before its first kcmp()");
	kill(v->pid, SIGKILL);
	cr_assert(proc_wait_state(v->pid, "Z", HARNESS_TIMEOUT_MS), "the target is no zombie");
	tt_release(&t);
	ru_bg_wait(&t.bg, 60000);
	cr_expect(!strstr(t.bg.res.err, "shares its memory"), "%s", run_describe(&t.bg.res));
	cr_expect_neq(t.bg.res.exit_code, 0, "%s", run_describe(&t.bg.res));
	cr_expect_neq(t.bg.res.exit_code, PX_UNSUPPORTED, "%s", run_describe(&t.bg.res));
	run_result_free(&t.bg.res);
	victim_kill(v);
}

/*
 * A process that shares the memory, made by a thread of the target after
 * ptimerctl compared every process and before it stopped the threads: the
 * test holds ptimerctl at its first PTRACE_SEIZE and has the control
 * thread make one there.  Once stopped, ptimerctl sees that a process was
 * made meanwhile (/proc/loadavg), and finds it among the threads'
 * children.
 */
Test(shared_code, a_process_sharing_the_memory_made_before_the_stop_is_refused)
{
	static const char *const args[] = { "--code=private", "--slow", "getitimer=100000",
					    NULL };
	struct victim *v = start(args);
	char pid[16], line[64], want[64];
	struct tool_trace t;
	long long sib = 0;

	snprintf(pid, sizeof(pid), "%d", (int)v->pid);
	tt_start(&t, "dump", pid, NULL);
	cr_assert(tt_run_until(&t, tt_pick_first_seize, NULL, 60000),
		  "ptimerctl ended before its first PTRACE_SEIZE");
	cr_assert_eq(victim_cmd(v, "sibling", line, sizeof(line)), 0);
	cr_assert(sscanf(line, "SIBLING %lld", &sib) == 1 && sib > 0, "%s", line);
	tt_release(&t);
	ru_bg_wait(&t.bg, 60000);
	snprintf(want, sizeof(want), "shares its memory with pid %lld,", sib);
	cr_expect_eq(t.bg.res.exit_code, PX_UNSUPPORTED, "%s", run_describe(&t.bg.res));
	cr_expect(strstr(t.bg.res.err, want), "no \"%s\": %s", want, t.bg.res.err);
	run_result_free(&t.bg.res);
	expect_untouched(v, "a process sharing the memory, made before the stop");
	victim_kill(v);
}

/*
 * Where kcmp() is refused (a container's default seccomp profile), no
 * memory can be compared: the dump goes on, as it did before ptimerctl
 * compared any, and says that it could not tell.
 */
Test(shared_code, a_dump_that_cannot_compare_memory_says_so)
{
	static const char *const args[] = { "--code=private", NULL };
	struct victim *v = start(args);
	const char *argv[] = { helper_path("deny_kcmp"), ptimerctl_path(), "dump", NULL, NULL };
	struct run_result r;
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", (int)v->pid);
	argv[3] = pid;
	cr_assert_eq(run_argv(&r, NULL, argv), 0);
	cr_expect_eq(r.exit_code, 0, "%s", run_describe(&r));
	cr_expect(strstr(r.err, "cannot tell whether a process") &&
		  strstr(r.err, "kcmp() is not allowed"), "no warning: %s", r.err);
	run_result_free(&r);
	expect_untouched(v, "a dump that could not compare memory");
	victim_kill(v);
}
