// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * "signal" and "signal_name" on input (ptimerctl-dump(5)): a name in
 * "signal" means its kernel number, and a "signal_name" that disagrees
 * is refused by its field path (the bad-signal-name-*.json fixtures,
 * which test_json.c runs); here the accepted forms decode to the right
 * numbers, and every signal's own name reads back as its number.  A
 * SIGEV_NONE timer's "signal" is whatever int the program left there.
 */
#include <criterion/criterion.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

TestSuite(json_signal, .init = setup, .fini = teardown);

static char *fixture(const char *name, size_t *len)
{
	const char *root = getenv("PTIMER_FIXTURES");
	char path[4096];
	char *buf;
	long size;
	FILE *f;

	cr_assert_not_null(root, "PTIMER_FIXTURES is not set");
	snprintf(path, sizeof(path), "%s/dumps/%s", root, name);
	f = fopen(path, "rb");
	cr_assert_not_null(f, "cannot open %s", path);
	cr_assert_eq(fseek(f, 0, SEEK_END), 0);
	size = ftell(f);
	rewind(f);
	buf = malloc((size_t)size + 1);
	cr_assert_not_null(buf);
	cr_assert_eq(fread(buf, 1, (size_t)size, f), (size_t)size);
	buf[size] = '\0';
	fclose(f);
	*len = (size_t)size;
	return buf;
}

Test(json_signal, names_in_signal_decode_to_kernel_numbers)
{
	struct ptimer_dump *d = NULL;
	size_t len;
	char *text = fixture("good-signal-names.json", &len);

	cr_assert_eq(ptimer_dump_from_json(ctx, text, len, &d), 0, "%s", ptimer_last_error(ctx));
	cr_assert_eq(d->ntimers, 2);
	cr_expect_eq(d->timers[0].signo, 10, "SIGUSR1 decoded as %d", d->timers[0].signo);
	cr_expect_eq(d->timers[1].signo, 35, "SIGRTMIN+3 decoded as %d", d->timers[1].signo);
	ptimer_dump_free(d);
	free(text);
}

/* Every named signal, written as its name with a matching signal_name, reads back. */
Test(json_signal, every_name_round_trips)
{
	static const char fmt[] =
		"{\"version\":1,\"pid\":1,\"captured\":{\"realtime_ns\":0,\"monotonic_ns\":0,"
		"\"boottime_ns\":0},\"threads\":[1],\"timers\":[{\"id\":0,\"clockid\":1,"
		"\"notify\":\"signal\",\"signal\":\"%s\",\"signal_name\":\"%s\","
		"\"sigval\":\"0x0\",\"value_ns\":0,\"interval_ns\":0}]}";
	char text[1024];
	int named = 0;

	for (int sig = 1; sig <= 64; sig++) {
		const char *name = ptimer_signal_name(sig);
		struct ptimer_dump *d = NULL;
		int len;

		if (!name)
			continue;
		len = snprintf(text, sizeof(text), fmt, name, name);
		cr_assert_eq(ptimer_dump_from_json(ctx, text, len, &d), 0, "%s: %s", name,
			     ptimer_last_error(ctx));
		cr_expect_eq(d->timers[0].signo, sig, "%s decoded as %d", name,
			     d->timers[0].signo);
		ptimer_dump_free(d);
		named++;
	}
	cr_expect_geq(named, 60);
}

/*
 * The kernel leaves sigev_signo unchecked for SIGEV_NONE, so a dump of a
 * program that set only sigev_notify can carry any int: it must read back.
 */
Test(json_signal, none_keeps_any_int)
{
	static const int signos[] = { INT_MIN, -5, -1, 0, 65, INT_MAX };
	struct ptimer_dump *d = NULL, *back;
	size_t len;
	char *text = fixture("good-signal-none-negative.json", &len);

	cr_assert_eq(ptimer_dump_from_json(ctx, text, len, &d), 0, "%s", ptimer_last_error(ctx));
	cr_expect_eq(d->timers[0].notify, PTIMER_NOTIFY_NONE);
	cr_expect_eq(d->timers[0].signo, -5, "signal decoded as %d", d->timers[0].signo);
	free(text);
	for (size_t i = 0; i < sizeof(signos) / sizeof(signos[0]); i++) {
		d->timers[0].signo = signos[i];
		cr_assert_eq(ptimer_dump_to_json(ctx, d, false, &text), 0, "%s",
			     ptimer_last_error(ctx));
		back = NULL;
		cr_assert_eq(ptimer_dump_from_json(ctx, text, strlen(text), &back), 0,
			     "signal %d: %s", signos[i], ptimer_last_error(ctx));
		cr_expect_eq(back->timers[0].signo, signos[i], "signal %d decoded as %d",
			     signos[i], back->timers[0].signo);
		ptimer_dump_free(back);
		free(text);
	}
	ptimer_dump_free(d);
}

static const char one_timer[] =
	"{\"version\":1,\"pid\":1,\"captured\":{\"realtime_ns\":0,\"monotonic_ns\":0,"
	"\"boottime_ns\":0},\"threads\":[1],\"timers\":[{\"id\":0,\"clockid\":1,"
	"\"notify\":\"%s\",\"signal\":%s,\"sigval\":\"0x0\",\"value_ns\":0,"
	"\"interval_ns\":0}]}";

static void expect_refused(const char *notify, const char *signal, const char *want)
{
	struct ptimer_dump *d = (struct ptimer_dump *)1;
	char text[1024];
	int len;

	len = snprintf(text, sizeof(text), one_timer, notify, signal);
	cr_expect_eq(ptimer_dump_from_json(ctx, text, len, &d), -PTIMER_ERR_BAD_DUMP,
		     "%s %s: accepted", notify, signal);
	cr_expect_null(d);
	cr_expect_str_eq(ptimer_last_error(ctx), want);
}

/* Only SIGEV_NONE is unchecked: a timer that delivers needs a real signal. */
Test(json_signal, delivering_timers_keep_the_range)
{
	expect_refused("signal", "-5", "timers[0].signal: -5 is out of range 1..64");
	expect_refused("thread", "65", "timers[0].signal: 65 is out of range 1..64");
	expect_refused("none", "2147483648",
		       "timers[0].signal: 2147483648 is out of range -2147483648..2147483647");
}

/* A name is a C string: what follows an escaped NUL must not be dropped. */
Test(json_signal, name_with_a_nul_is_refused)
{
	expect_refused("signal", "\"SIGUSR1\\u0000junk\"",
		       "timers[0].signal: contains a NUL character");
	expect_refused("none", "\"SIGUSR1\\u0000\"",
		       "timers[0].signal: contains a NUL character");
}
