// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * The sized structs of libptimer's ABI (include/ptimer.h): a caller's
 * size is checked as openat2() checks struct open_how's, before anything
 * else is looked at.  An older, smaller struct works; a newer, larger one
 * works if it asks for nothing this library lacks and fails with -E2BIG
 * otherwise; reports into a larger struct zero what the library does not
 * know.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "ptimer.h"

static struct ptimer_ctx *ctx;

static void setup(void)
{
	cr_assert_eq(ptimer_new(&ctx), 0);
}

static void teardown(void)
{
	ptimer_free(ctx);
}

TestSuite(abi, .init = setup, .fini = teardown);

/* A struct as a caller built against a newer header would pass it. */
struct newer_opts {
	struct ptimer_restore_opts known;
	uint64_t future;
};

/* A dump version no library reads: a restore that passed the size check stops here. */
static struct ptimer_dump *unreadable_dump(void)
{
	struct ptimer_dump *d = ptimer_dump_new();

	cr_assert(d);
	d->version = PTIMER_FORMAT_VERSION + 1;
	return d;
}

static int restore_with(void *opts)
{
	struct ptimer_dump *d = unreadable_dump();
	int ret = ptimer_restore_pid(ctx, getpid(), d, opts, NULL, NULL);

	ptimer_dump_free(d);
	return ret;
}

Test(abi, first_version_sizes)
{
	cr_expect_eq(sizeof(struct ptimer_restore_opts), PTIMER_RESTORE_OPTS_SIZE_VER0);
	cr_expect_eq(sizeof(struct ptimer_dump_stats), PTIMER_DUMP_STATS_SIZE_VER0);
	cr_expect_eq(sizeof(struct ptimer_restore_stats), PTIMER_RESTORE_STATS_SIZE_VER0);
	cr_expect_eq(sizeof(struct ptimer_plan), PTIMER_PLAN_SIZE_VER0);
	cr_expect_eq(sizeof(struct ptimer_progress), PTIMER_PROGRESS_SIZE_VER0);
	cr_expect_eq(sizeof(struct ptimer_kernel_probe), PTIMER_KERNEL_PROBE_SIZE_VER0);
	cr_expect_eq(sizeof(struct ptimer_pid_probe), PTIMER_PID_PROBE_SIZE_VER0);
}

Test(abi, opts_size_below_first_version)
{
	struct ptimer_restore_opts o = { 0 };

	cr_expect_eq(restore_with(&o), -EINVAL, "size 0");
	cr_expect(strstr(ptimer_last_error(ctx), "sizeof"), "%s", ptimer_last_error(ctx));
	o.size = PTIMER_RESTORE_OPTS_SIZE_VER0 - 1;
	cr_expect_eq(restore_with(&o), -EINVAL, "size VER0 - 1");
}

Test(abi, opts_exact_size_and_null_pass)
{
	struct ptimer_restore_opts o = { .size = sizeof(o) };

	cr_expect_eq(restore_with(&o), -PTIMER_ERR_BAD_DUMP, "%s", ptimer_last_error(ctx));
	cr_expect_eq(restore_with(NULL), -PTIMER_ERR_BAD_DUMP, "%s", ptimer_last_error(ctx));
}

Test(abi, newer_opts_with_zero_tail_pass)
{
	struct newer_opts o = { .known.size = sizeof(o) };

	cr_expect_eq(restore_with(&o), -PTIMER_ERR_BAD_DUMP, "%s", ptimer_last_error(ctx));
}

Test(abi, newer_opts_asking_for_more_refused)
{
	struct newer_opts o = { .known.size = sizeof(o), .future = 1 };

	cr_expect_eq(restore_with(&o), -E2BIG);
	o.future = 0;
	o.known.size = 1 << 20;		/* garbage, not a struct */
	cr_expect_eq(restore_with(&o), -E2BIG);
}

Test(abi, report_sizes_checked)
{
	struct ptimer_dump *d = unreadable_dump();
	struct ptimer_restore_stats st = { 0 };
	struct ptimer_plan plan = { .size = 8 };
	struct ptimer_kernel_probe k = { 0 };

	cr_expect_eq(ptimer_restore_pid(ctx, getpid(), d, NULL, NULL, &st), -EINVAL);
	cr_expect_eq(ptimer_restore_pid(ctx, getpid(), d, NULL, &plan, NULL), -EINVAL);
	cr_expect_eq(ptimer_probe_kernel(&k), -EINVAL);
	cr_expect_eq(ptimer_probe_kernel(NULL), -EINVAL);
	ptimer_dump_free(d);
}

/* A newer caller's larger report: the library fills what it knows and zeroes the rest. */
Test(abi, newer_report_tail_zeroed)
{
	struct {
		struct ptimer_kernel_probe known;
		unsigned char future[40];
	} k;

	memset(&k, 0xa5, sizeof(k));
	k.known.size = sizeof(k);
	cr_assert_eq(ptimer_probe_kernel(&k.known), 0);
	cr_expect_eq(k.known.size, sizeof(k), "the caller's size is left as it set it");
	cr_expect(k.known.release[0] != (char)0xa5 && k.known.release[0], "release not filled");
	for (size_t i = 0; i < sizeof(k.future); i++)
		cr_assert_eq(k.future[i], 0, "future[%zu] not zeroed", i);
}

/* An older caller's smaller report: nothing is written past its end. */
Test(abi, older_report_not_overrun)
{
	union {
		struct ptimer_pid_probe p;
		unsigned char bytes[sizeof(struct ptimer_pid_probe)];
	} u;
	const size_t older = PTIMER_PID_PROBE_SIZE_VER0 - sizeof(size_t);

	/* A VER0 struct is the smallest there is; fake an older one by checking it is refused. */
	memset(&u, 0xa5, sizeof(u));
	u.p.size = older;
	cr_expect_eq(ptimer_probe_pid(ctx, getpid(), &u.p), -EINVAL);
	for (size_t i = sizeof(size_t); i < sizeof(u); i++)
		cr_assert_eq(u.bytes[i], 0xa5, "byte %zu written", i);
}
