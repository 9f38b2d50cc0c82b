// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * The injecting thread's stack and code (lib/inject.c).  A small job puts
 * its data below the thread's stack pointer, past the red zone, and
 * borrows a slot of the thread's code page only while each call runs; a
 * thread without that room gets a scratch mapping instead.  The stackmark
 * victim fills the words below its stack pointer with a pattern and
 * hashes its code page, then checks both once woken: a tool that left a
 * byte of either changed is caught.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

#include "harness.h"

#define STACK_UID	40771	/* no account: a user of our own */

static const char *const from_code_page = "injecting from its code page";
static const char *const from_mapping = "injecting from a scratch mapping";
/* More than a restore --replace of two timers takes below the stack pointer. */
#define RESTORE_JOB_ROOM	4096

static struct victim *stackmark(const char *mode, uid_t uid)
{
	const char *argv[] = { helper_path("stackmark"), mode, NULL };
	struct victim *v = victim_spawn(argv, uid);

	cr_assert(v && v->ready, "stackmark did not start: %s", v ? v->error : "fork");
	return v;
}

/* Wake it and read its verdict on its stack and its code. */
static void expect_untouched(struct victim *v)
{
	long long stack = -1, code = -1;
	char line[256];

	cr_assert_eq(write(v->to_fd, "go\n", 3), 3);
	cr_assert_eq(victim_read_line(v, line, sizeof(line), 10000), 0, "no RESULT line");
	cr_assert(kv_ll(line, "stack", &stack) && kv_ll(line, "code", &code), "%s", line);
	cr_expect_eq(stack, 0, "%lld words below its stack pointer changed", stack);
	cr_expect_eq(code, 0, "its code page changed");
}

/* ptimerctl -v dump: which way it injected, from its debug log. */
static void dump_expecting(struct victim *v, const char *how)
{
	struct run_result r;
	char pid[16];

	snprintf(pid, sizeof(pid), "%d", v->pid);
	cr_assert_eq(run_ptimerctl(&r, "-v", "dump", pid, NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	cr_expect(strstr(r.err, how), "not \"%s\": %s", how, r.err);
	run_result_free(&r);
}

TestSuite(stack, .fini = harness_kill_all, .timeout = 60);

Test(stack, a_dump_puts_back_the_stack_and_the_code_it_borrowed)
{
	struct victim *v = stackmark(NULL, (uid_t)-1);

	dump_expecting(v, from_code_page);
	dump_expecting(v, from_code_page);
	expect_untouched(v);
	victim_kill(v);
}

/* Root without CAP_DAC_OVERRIDE: the code goes in word by word with ptrace. */
Test(stack, the_same_in_another_users_process)
{
	struct victim *v = stackmark(NULL, STACK_UID);

	dump_expecting(v, from_code_page);
	expect_untouched(v);
	victim_kill(v);
}

/*
 * Its own dump restored into it with --replace: each timer is re-armed in
 * place, which needs no prctl now.  The test still runs only where the
 * prctl is (it was written when each timer was deleted and made again,
 * which without the prctl walks round the whole ID space); running it on
 * the unpatched guests too is left for a run that checks them.
 */
Test(stack, a_restore_into_it_the_same)
{
	char pid[16], path[] = "/tmp/ptimer-stack-XXXXXX";
	struct run_result r;
	struct victim *v;
	int fd;

	harness_need_restore_ids();
	v = stackmark(NULL, (uid_t)-1);
	fd = mkstemp(path);

	cr_assert_geq(fd, 0);
	close(fd);
	snprintf(pid, sizeof(pid), "%d", v->pid);
	cr_assert_eq(run_ptimerctl(&r, "dump", "-o", path, pid, NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	run_result_free(&r);
	cr_assert_eq(run_ptimerctl(&r, "-v", "restore", "--replace", "-i", path, pid, NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	/*
	 * A restore's job (3008 bytes for these two timers) fits below the
	 * stack pointer only where the CPU's signal frame is that big: an
	 * AVX-512 machine's AT_MINSIGSTKSZ is near 12 KiB, a TCG guest's CPU
	 * may give under 3 KiB.  Either way nothing of the target may change.
	 */
	if (getauxval(AT_MINSIGSTKSZ) >= RESTORE_JOB_ROOM)
		cr_expect(strstr(r.err, from_code_page), "%s", r.err);
	else
		cr_expect(strstr(r.err, from_code_page) || strstr(r.err, from_mapping), "%s",
			  r.err);
	run_result_free(&r);
	unlink(path);
	expect_untouched(v);
	victim_kill(v);
}

/* Too little room below its stack pointer: nothing may land past the stack's end. */
Test(stack, a_thread_on_a_tiny_stack_gets_a_mapping)
{
	struct victim *v = stackmark("--tiny-stack", (uid_t)-1);

	dump_expecting(v, from_mapping);
	expect_untouched(v);
	victim_kill(v);
}
