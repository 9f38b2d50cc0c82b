// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * ptimerctl help [COMMAND] prints what --help prints, and a mistyped
 * command is refused with the nearest one named when it is a likely typo.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

TestSuite(help, .timeout = 60);

Test(help, help_command_is_command_help)
{
	static const char *const commands[] = { "dump", "show", "check", "restore", "migrate" };

	for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++) {
		struct run_result h, r;

		cr_assert_eq(run_ptimerctl(&h, "help", commands[i], NULL), 0);
		cr_assert_eq(run_ptimerctl(&r, commands[i], "--help", NULL), 0);
		cr_expect_eq(h.exit_code, 0, "help %s: %s", commands[i], run_describe(&h));
		cr_expect(h.out && r.out && !strcmp(h.out, r.out),
			  "help %s differs from %s --help:\n%s\n----\n%s", commands[i],
			  commands[i], h.out, r.out);
		cr_expect(h.out && strstr(h.out, commands[i]), "%s", h.out);
		run_result_free(&h);
		run_result_free(&r);
	}
}

Test(help, help_alone_is_global_help)
{
	struct run_result h, r;

	cr_assert_eq(run_ptimerctl(&h, "help", NULL), 0);
	cr_assert_eq(run_ptimerctl(&r, "--help", NULL), 0);
	cr_expect_eq(h.exit_code, 0, "%s", run_describe(&h));
	cr_expect(h.out && r.out && !strcmp(h.out, r.out), "help:\n%s\n----\n--help:\n%s",
		  h.out, r.out);
	cr_expect(h.out && strstr(h.out, "help COMMAND"), "%s", h.out);
	run_result_free(&h);
	run_result_free(&r);
}

static void expect_refused(const char *a, const char *b, const char *suggestion)
{
	struct run_result r;

	cr_assert_eq(run_ptimerctl(&r, a, b, NULL), 0);
	cr_expect_eq(r.exit_code, PX_USAGE, "%s %s: %s", a, b ? b : "", run_describe(&r));
	cr_expect(strstr(r.err, "unknown command"), "%s", r.err);
	if (suggestion) {
		char want[64];

		snprintf(want, sizeof(want), "did you mean '%s'?", suggestion);
		cr_expect(strstr(r.err, want), "%s %s: no \"%s\": %s", a, b ? b : "", want,
			  r.err);
	} else {
		cr_expect(!strstr(r.err, "did you mean"), "%s %s: %s", a, b ? b : "", r.err);
	}
	cr_expect(strstr(r.err, "Try 'ptimerctl --help'"), "%s", r.err);
	run_result_free(&r);
}

Test(help, did_you_mean)
{
	expect_refused("shwo", NULL, "show");		/* a swap */
	expect_refused("dmp", "1", "dump");		/* a letter left out */
	expect_refused("restroe", NULL, "restore");
	expect_refused("migrat", NULL, "migrate");
	expect_refused("checks", NULL, "check");	/* a letter more */
	expect_refused("help", "dmup", "dump");
	expect_refused("x", NULL, NULL);		/* nothing near */
	expect_refused("frobnicate", NULL, NULL);
	expect_refused("help", "frobnicate", NULL);
}
