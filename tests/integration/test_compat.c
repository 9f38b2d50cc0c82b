// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * A program of the architecture's 32-bit compat mode that exists already
 * built among the helpers (a32_pause, an AArch32 program that
 * kernel-patch/scripts/vm-check-arm64.sh builds for the arm64 guests) is
 * refused, with the message and exit code that say why, and left running
 * untouched.  test_errors.c compiles its own i386 program on x86_64.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"

#define A32 "a32_pause"

static void fini(void)
{
	harness_kill_all();
}

TestSuite(compat, .fini = fini, .timeout = 60);

Test(compat, a32_program_is_refused_unharmed)
{
	const char *path = helper_path(A32);
	char pid[16], bin[512], c;
	struct run_result r;
	int running[2];
	pid_t child;

	if (access(path, X_OK) < 0)
		cr_skip_test("no prebuilt 32-bit program (%s; vm-check-arm64.sh builds it)", path);
	snprintf(bin, sizeof(bin), "%s", path);
	cr_assert_eq(pipe2(running, O_CLOEXEC), 0);
	child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		harness_die_with_parent(getppid());
		dup2(running[1], STDOUT_FILENO);
		execl(bin, bin, (char *)NULL);
		_exit(127);
	}
	harness_track(child);
	close(running[1]);
	/* It writes once its exec is complete: a 32-bit process by then. */
	if (read(running[0], &c, 1) != 1) {
		close(running[0]);
		cr_skip_test("the kernel or CPU runs no 32-bit program (%s did not start)", bin);
	}
	close(running[0]);
	cr_assert(proc_wait_state(child, "S", 10000), "it does not pause (state %c)",
		  proc_state(child));

	snprintf(pid, sizeof(pid), "%d", (int)child);
	cr_assert_eq(run_ptimerctl(&r, "dump", pid, NULL), 0);
	cr_assert_not(r.timed_out, "ptimerctl hung");
	cr_expect_eq(r.exit_code, PX_COMPAT, "dump: want exit %d, got %s", PX_COMPAT,
		     run_describe(&r));
	/* "pid N is not a 64-bit aarch64 process" */
	cr_expect(strstr(r.err, "not a 64-bit"), "the message does not say why: %s", r.err);
	cr_expect(strstr(r.err, pid), "the message does not name the pid: %s", r.err);
	run_result_free(&r);

	/* Never attached, still pausing where it was. */
	cr_expect_eq(proc_tracer_pid(child), 0);
	cr_expect(proc_wait_state(child, "S", 10000), "state %c after the refusal",
		  proc_state(child));
}
