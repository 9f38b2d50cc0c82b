// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * check -J always prints one JSON document on stdout, whatever goes
 * wrong: a script reads stdout alone.  Its "error" is null exactly when
 * the exit status is 0, and "exit_status" is the exit status.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"

static void fini(void)
{
	harness_kill_all();
}

TestSuite(check_json, .fini = fini, .timeout = 60);

/* The document on stdout, with "error" and "exit_status" agreeing with the exit code. */
static json_object *report(const struct run_result *r, int want_status)
{
	json_object *root = json_parse_text(r->out);
	int64_t status = -1;

	cr_assert(root, "check -J printed no JSON document: stdout [%s], %s", r->out,
		  run_describe(r));
	cr_expect_eq(r->exit_code, want_status, "%s", run_describe(r));
	cr_expect(json_get_int64(root, "exit_status", &status) && status == r->exit_code,
		  "exit_status %lld, exit code %d: %s", (long long)status, r->exit_code, r->out);
	if (want_status)
		cr_expect(json_get_str(root, "error") && *json_get_str(root, "error"),
			  "no error member: %s", r->out);
	else
		cr_expect(json_is_null_member(root, "error"), "error is not null: %s", r->out);
	return root;
}

Test(check_json, no_such_process)
{
	pid_t gone = reaped_pid();
	char pidbuf[16];
	struct run_result r;
	json_object *root, *target;
	int64_t pid = 0;

	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)gone);
	cr_assert_eq(run_ptimerctl(&r, "check", "-J", pidbuf, NULL), 0);
	root = report(&r, PX_NO_PROCESS);
	cr_expect(json_get_str(root, "kernel_release"), "the kernel part is missing: %s", r.out);
	cr_assert(json_object_object_get_ex(root, "target", &target), "no target: %s", r.out);
	cr_expect(json_get_int64(target, "pid", &pid) && pid == gone, "%s", r.out);
	cr_expect(!json_object_get_boolean(json_object_object_get(target, "usable")), "%s",
		  r.out);
	cr_expect(json_get_str(target, "error"), "no target.error: %s", r.out);
	/* Still a message for people on stderr. */
	cr_expect(strstr(r.err, pidbuf), "%s", r.err);
	json_object_put(root);
	run_result_free(&r);
}

Test(check_json, invalid_pid_and_extra_argument)
{
	static const char *const cases[][3] = {
		{ "-J", "abc", NULL }, { "abc", "-J", NULL }, { "-J", "0", NULL },
		{ "-J", "1", "2" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct run_result r;
		json_object *root;

		cr_assert_eq(run_ptimerctl(&r, "check", cases[i][0], cases[i][1], cases[i][2],
					   NULL), 0);
		root = report(&r, PX_USAGE);
		cr_expect(strstr(r.err, "Try 'ptimerctl check --help'"), "%s", r.err);
		json_object_put(root);
		run_result_free(&r);
	}
}

Test(check_json, fine_without_pid_and_with_a_victim)
{
	struct victim *v = victim_start("--threads", "1", NULL);
	struct run_result r;
	char pidbuf[16];
	json_object *root;

	cr_assert_eq(run_ptimerctl(&r, "check", "--json", NULL), 0);
	json_object_put(report(&r, PX_OK));
	run_result_free(&r);

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)v->pid);
	cr_assert_eq(run_ptimerctl(&r, "check", "--json", pidbuf, NULL), 0);
	root = report(&r, PX_OK);
	json_object_put(root);
	run_result_free(&r);
	victim_kill(v);
}
