// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * The time scale of the tests (time_scale.h), linked into every test
 * binary so that its hook stretches the unit tests' limits too.
 */
#include <stdlib.h>

#include <criterion/criterion.h>
#include <criterion/hooks.h>
#include <criterion/internal/ordered-set.h>

#include "time_scale.h"

int harness_time_scale(void)
{
	static int scale;

	if (!scale) {
		const char *e = getenv("PTIMER_TIME_SCALE");
		long n = e ? strtol(e, NULL, 10) : 1;

		scale = n >= 1 && n <= 1000 ? (int)n : 1;
	}
	return scale;
}

/*
 * Criterion's per-test limits (.timeout) are hang guards like the
 * harness's deadlines: in the runner, before any test starts, stretch
 * them by the same factor.
 */
ReportHook(PRE_ALL)(struct criterion_test_set *set)
{
	int scale = harness_time_scale();

	if (scale == 1)
		return;
	for (struct criterion_ordered_set_node *sn = set->suites->first; sn; sn = sn->next) {
		struct criterion_suite_set *ss = (void *)(sn + 1);

		/* a TestSuite()'s .timeout applies to its tests that set none */
		if (ss->suite.data && ss->suite.data->timeout > 0)
			ss->suite.data->timeout *= scale;
		if (!ss->tests)
			continue;
		for (struct criterion_ordered_set_node *tn = ss->tests->first; tn; tn = tn->next) {
			struct criterion_test *t = (void *)(tn + 1);

			if (t->data && t->data->timeout > 0)
				t->data->timeout *= scale;
		}
	}
}
