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
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "restore_util.h"

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

/* Neither the code nor the stack, nor the page below it, changed for the watcher. */
static void expect_untouched(struct victim *v, const char *when)
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
	cr_expect_eq(proc_state(v->pid), 'R', "%s: the main thread spins no more", when);
	cr_expect_eq(proc_tracer_pid(v->pid), 0, "%s: still traced", when);
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
