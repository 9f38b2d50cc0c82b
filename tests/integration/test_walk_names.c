// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * One word for the ID walk: --method=walk and --max-walk-steps, with
 * their first names --method=loop and --max-iterations kept as aliases
 * (options once released never change meaning).  Each spelling reaches
 * the same plan, and each refuses the same bad values.
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

TestSuite(walk_names, .fini = fini, .timeout = 120);

static const struct ru_spec one = { 0, "monotonic", "none", 10, 0, 0x1, 60000, 0 };

/* The "plan: ..." line of a dry run with @method and @limit_opt, or "". */
static void plan_of(const char *dump, pid_t pid, const char *method, const char *limit_opt,
		    char *plan, size_t size)
{
	char pidbuf[16], *line, *end;
	struct run_result r;

	cr_assert_eq(run_ptimerctl(&r, "restore", "--dry-run", method, limit_opt, "1000000",
				   "-i", dump, ru_pidstr(pidbuf, pid), NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s %s: %s", method, limit_opt, run_describe(&r));
	line = strstr(r.err, "plan: ");
	cr_assert(line, "%s %s: no plan: %s", method, limit_opt, r.err);
	end = strchr(line, '\n');
	snprintf(plan, size, "%.*s", end ? (int)(end - line) : (int)strlen(line), line);
	run_result_free(&r);
}

Test(walk_names, walk_and_loop_are_one_method)
{
	struct victim *src = ru_start(&one, 1, NULL), *dst = ru_start(NULL, 0, NULL);
	char walk[256], loop[256], *dump;

	cr_assert(src && src->ready, "%s", src ? src->error : "fork");
	cr_assert(dst && dst->ready, "%s", dst ? dst->error : "fork");
	dump = ru_dump_file(src->pid, NULL);
	plan_of(dump, dst->pid, "--method=walk", "--max-walk-steps", walk, sizeof(walk));
	plan_of(dump, dst->pid, "--method=loop", "--max-iterations", loop, sizeof(loop));
	cr_expect(!strncmp(walk, "plan: method walk, ", 19), "%s", walk);
	cr_expect_str_eq(walk, loop);
	ru_file_free(dump);
	victim_kill(dst);
	victim_kill(src);
}

Test(walk_names, both_limit_names_refuse_bad_values)
{
	static const char *const bad[] = { "0", "-1", "abc", "1e6" };
	static const char *const names[] = { "--max-walk-steps", "--max-iterations" };
	struct run_result r;

	for (size_t n = 0; n < 2; n++)
		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			cr_assert_eq(run_ptimerctl(&r, "restore", names[n], bad[i], "1", NULL), 0);
			cr_expect_eq(r.exit_code, PX_USAGE, "%s %s: %s", names[n], bad[i],
				     run_describe(&r));
			run_result_free(&r);
		}
	cr_assert_eq(run_ptimerctl(&r, "restore", "--method=walking", "1", NULL), 0);
	cr_expect_eq(r.exit_code, PX_USAGE, "%s", run_describe(&r));
	cr_expect(strstr(r.err, "auto, prctl or walk"), "%s", r.err);
	run_result_free(&r);
}
