// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * "signal" and "signal_name" on input (ptimerctl-dump(5)): a name in
 * "signal" means its kernel number, and a "signal_name" that disagrees
 * is refused by its field path (the bad-signal-name-*.json fixtures,
 * which test_json.c runs); here the accepted forms decode to the right
 * numbers, and every signal's own name reads back as its number.
 */
#include <criterion/criterion.h>
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
