// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * lib/mm_sharers.c's parser of /proc/loadavg: the running count and the
 * last pid, from the whole text, or -EINVAL.
 */
#include <criterion/criterion.h>
#include <errno.h>

#include "mm_sharers.h"

struct loadavg_case {
	const char *text;
	int ret;
	unsigned long running, last;
};

static const struct loadavg_case cases[] = {
	{ "0.00 0.01 0.05 1/123 4567\n", 0, 1, 4567 },
	{ "12.34 5.60 0.70 17/2048 4194303\n", 0, 17, 4194303 },
	{ "0.41 1.68 1.89 1/113 23546\n", 0, 1, 23546 },
	{ "0.00 0.01 0.05 1/123 4567", -EINVAL, 0, 0 },		/* no newline */
	{ "0.00 0.01 0.05 1/123 4567\nmore", -EINVAL, 0, 0 },	/* text after */
	{ "0.00 0.01 1/123 4567\n", -EINVAL, 0, 0 },		/* two averages */
	{ "0.00 0.01 0.05 /123 4567\n", -EINVAL, 0, 0 },		/* no running */
	{ "0.00 0.01 0.05 1 123 4567\n", -EINVAL, 0, 0 },		/* no slash */
	{ "0.00 0.01 0.05 -1/123 4567\n", -EINVAL, 0, 0 },	/* a sign */
	{ "0.00 0.01 0.05 1/123 99999999999999999999999\n", -EINVAL, 0, 0 },	/* ERANGE */
	{ "/123 4567\n", -EINVAL, 0, 0 },
	{ "", -EINVAL, 0, 0 },
};

Test(loadavg, parse_table)
{
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct loadavg_case *c = &cases[i];
		unsigned long running = 0, last = 0;
		int ret = mm_parse_loadavg(c->text, &running, &last);

		cr_expect_eq(ret, c->ret, "case %zu: %d", i, ret);
		if (ret || c->ret)
			continue;
		cr_expect_eq(running, c->running, "case %zu: running %lu", i, running);
		cr_expect_eq(last, c->last, "case %zu: last %lu", i, last);
	}
}
