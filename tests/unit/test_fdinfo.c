// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* The strict parser of a timerfd's /proc/PID/fdinfo/N. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>

#include "procfs_fd.h"

/* As 6.18 prints it, for TFD_NONBLOCK | TFD_CLOEXEC, ABSTIME | CANCEL_ON_SET. */
static const char good[] =
	"pos:\t0\n"
	"flags:\t02004002\n"
	"mnt_id:\t17\n"
	"ino:\t1038\n"
	"clockid: 0\n"
	"ticks: 12\n"
	"settime flags: 03\n"
	"it_value: (99, 88112843)\n"
	"it_interval: (1, 500)\n";

static int parse(const char *text, struct ptimer_timerfd *t, unsigned int *line)
{
	memset(t, 0, sizeof(*t));
	t->fd = 77;
	return procfs_parse_timerfd_fdinfo(text, strlen(text), t, line);
}

Test(fdinfo, good)
{
	struct ptimer_timerfd t;
	unsigned int line = 9;

	cr_assert_eq(parse(good, &t, &line), 0);
	cr_assert_eq(line, 0);
	cr_assert_eq(t.fd, 77, "the fd is the caller's");
	cr_assert_eq(t.clockid, 0);
	cr_assert_eq(t.ticks, 12);
	cr_assert_eq(t.settime_flags, 3);
	cr_assert_eq(t.fd_flags, O_NONBLOCK | O_CLOEXEC, "O_RDWR is not kept");
	cr_assert_eq(t.value_ns, 99088112843LL);
	cr_assert_eq(t.interval_ns, 1000000500LL);
}

Test(fdinfo, unknown_keys_and_no_final_newline)
{
	static const char text[] =
		"clockid: 7\nticks: 0\nlock:\tsomething new\nsettime flags: 0\n"
		"it_value: (0, 0)\nit_interval: (0, 0)\nflags:\t02";
	struct ptimer_timerfd t;

	cr_assert_eq(parse(text, &t, NULL), 0);
	cr_assert_eq(t.clockid, 7);
	cr_assert_eq(t.fd_flags, 0);
}

/* Each line of @good replaced by @bad in turn must fail at that line. */
static void expect_bad_line(const char *key, const char *bad, unsigned int want_line)
{
	char text[1024];
	const char *at = strstr(good, key), *eol;
	struct ptimer_timerfd t;
	unsigned int line = 0;

	cr_assert_not_null(at, "%s", key);
	eol = strchr(at, '\n');
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - good), good, bad, eol);
	cr_assert_eq(parse(text, &t, &line), -EINVAL, "%s accepted", bad);
	cr_assert_eq(line, want_line, "%s: line %u", bad, line);
}

Test(fdinfo, strict_values)
{
	expect_bad_line("flags:\t", "flags:\t09", 2);
	expect_bad_line("flags:\t", "flags:\t-1", 2);
	expect_bad_line("clockid", "clockid: 2", 5);		/* a CPU clock: no timerfd */
	expect_bad_line("clockid", "clockid: 1x", 5);
	expect_bad_line("clockid", "clockid:", 5);
	expect_bad_line("ticks", "ticks: 18446744073709551615", 6);
	expect_bad_line("ticks", "ticks: +1", 6);
	expect_bad_line("settime", "settime flags: 04", 7);
	expect_bad_line("settime", "settime flags: 8", 7);
	expect_bad_line("it_value", "it_value: (1, 1000000000)", 8);
	expect_bad_line("it_value", "it_value: (1,2)", 8);
	expect_bad_line("it_value", "it_value: (-1, 2)", 8);
	expect_bad_line("it_value", "it_value: (1, 2) ", 8);
	expect_bad_line("it_interval", "it_interval: 1", 9);
	expect_bad_line("ino", "no colon here", 4);
}

Test(fdinfo, each_key_once)
{
	char text[1024];
	struct ptimer_timerfd t;
	unsigned int line = 0;

	snprintf(text, sizeof(text), "%sticks: 3\n", good);
	cr_assert_eq(parse(text, &t, &line), -EINVAL);
	cr_assert_eq(line, 10, "the repeated key");
	/* Without it_interval: missing, line 0. */
	snprintf(text, sizeof(text), "%.*s", (int)(strstr(good, "it_interval") - good), good);
	line = 5;
	cr_assert_eq(parse(text, &t, &line), -EINVAL);
	cr_assert_eq(line, 0);
	cr_assert_eq(parse("", &t, NULL), -EINVAL);
}
