// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * The dump document's version-2 sections: interval timers, timerfds and
 * pending signals round trip exactly; "kinds" says which sections count;
 * version-1 documents still read, as POSIX timers only.  Each strictness
 * error is covered, with its field path, by the bad-*.json fixtures that
 * tests/unit/test_json.c and test_badinput run.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

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

TestSuite(json_kinds, .init = setup, .fini = teardown);

static struct ptimer_dump *base(void)
{
	struct ptimer_dump *d = ptimer_dump_new();

	cr_assert_not_null(d);
	d->pid = 100;
	d->nthreads = 2;
	d->tids = calloc(2, sizeof(pid_t));
	cr_assert_not_null(d->tids);
	d->tids[0] = 100;
	d->tids[1] = 101;
	return d;
}

static struct ptimer_dump *all_kinds(void)
{
	static const struct ptimer_itimer its[] = {
		{ 2, 5, 0 },
		{ 0, 1500000000, 100000000 },
		{ 1, 3155760000000000000LL, 3155760000000000000LL },
	};
	static const struct ptimer_timerfd tfds[] = {
		{ 9, 7, 0, O_CLOEXEC, 0, 0, 0 },
		{ 5, 1, 0, O_NONBLOCK | O_CLOEXEC, 3, 250000000, 250000000 },
		{ 2147483647, 0, 3, 0, 9223372036854775807ULL, 1, 0 },
		{ 0, 8, 1, O_NONBLOCK, 1, 2, 3 },
		{ 1, 9, 2, 0, 0, 0, 1 },
	};
	static const struct ptimer_pending_signal sigs[] = {
		{ 101, 34, 3, 0, 0x1234 },
		{ 0, 14, 0, 2147483647, UINT64_MAX },
		{ 100, 64, 2147483647, 7, 0 },
		{ 0, 1, 5, 0, 1 },
	};
	struct ptimer_dump *d = base();
	struct ptimer_timer t = { .id = 4, .clockid = 1, .notify = PTIMER_NOTIFY_NONE,
				  .notify_pid = 100 };

	cr_assert_eq(ptimer_dump_add_timer(d, &t), 0);
	for (size_t i = 0; i < sizeof(its) / sizeof(its[0]); i++)
		cr_assert_eq(ptimer_dump_add_itimer(d, &its[i]), 0);
	for (size_t i = 0; i < sizeof(tfds) / sizeof(tfds[0]); i++)
		cr_assert_eq(ptimer_dump_add_timerfd(d, &tfds[i]), 0);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		cr_assert_eq(ptimer_dump_add_signal(d, &sigs[i]), 0);
	ptimer_dump_sort(d);
	return d;
}

static struct ptimer_dump *round_trip(const struct ptimer_dump *d, bool pretty)
{
	struct ptimer_dump *back = NULL;
	char *text;
	int r;

	cr_assert_eq(ptimer_dump_to_json(ctx, d, pretty, &text), 0, "%s", ptimer_last_error(ctx));
	r = ptimer_dump_from_json(ctx, text, strlen(text), &back);
	cr_assert_eq(r, 0, "%s\n%s", ptimer_last_error(ctx), text);
	free(text);
	return back;
}

static void assert_kinds_eq(const struct ptimer_dump *a, const struct ptimer_dump *b)
{
	const struct ptimer_itimer *ia, *ib;
	const struct ptimer_timerfd *ta, *tb;
	const struct ptimer_pending_signal *sa, *sb;
	size_t na, nb;

	cr_assert_eq(ptimer_dump_kinds(a), ptimer_dump_kinds(b));
	ia = ptimer_dump_itimers(a, &na);
	ib = ptimer_dump_itimers(b, &nb);
	cr_assert_eq(na, nb);
	for (size_t i = 0; i < na; i++)
		cr_assert(!memcmp(&ia[i], &ib[i], sizeof(ia[i])), "itimers[%zu]", i);
	ta = ptimer_dump_timerfds(a, &na);
	tb = ptimer_dump_timerfds(b, &nb);
	cr_assert_eq(na, nb);
	for (size_t i = 0; i < na; i++)
		cr_assert(!memcmp(&ta[i], &tb[i], sizeof(ta[i])), "timerfds[%zu]", i);
	sa = ptimer_dump_signals(a, &na);
	sb = ptimer_dump_signals(b, &nb);
	cr_assert_eq(na, nb);
	for (size_t i = 0; i < na; i++)
		cr_assert(!memcmp(&sa[i], &sb[i], sizeof(sa[i])), "pending_signals[%zu]", i);
}

Test(json_kinds, every_field_round_trips)
{
	struct ptimer_dump *d = all_kinds(), *c, *p;
	size_t n;

	cr_assert_eq(ptimer_dump_kinds(d), PTIMER_KIND_ALL, "each add sets its kind");
	cr_assert_eq(ptimer_dump_itimers(d, &n)[0].which, 0, "sorted by which");
	cr_assert_eq(ptimer_dump_timerfds(d, &n)[0].fd, 0, "sorted by fd");
	cr_assert_eq(ptimer_dump_signals(d, &n)[0].signo, 34, "signals keep queue order");
	c = round_trip(d, false);
	p = round_trip(d, true);
	cr_assert_eq(c->version, 2);
	assert_kinds_eq(d, c);
	assert_kinds_eq(d, p);
	ptimer_dump_free(p);
	ptimer_dump_free(c);
	ptimer_dump_free(d);
}

Test(json_kinds, exact_section_encoding)
{
	struct ptimer_dump *d = all_kinds();
	struct json_object *root, *arr, *o, *v;
	char *text;

	cr_assert_eq(ptimer_dump_to_json(ctx, d, false, &text), 0);
	root = json_tokener_parse(text);
	cr_assert_not_null(root);
	cr_assert(json_object_object_get_ex(root, "kinds", &arr));
	cr_assert_str_eq(json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN),
			 "[\"posix\",\"itimer\",\"timerfd\",\"signals\"]");
	cr_assert(json_object_object_get_ex(root, "itimers", &arr));
	cr_assert_str_eq(json_object_to_json_string_ext(json_object_array_get_idx(arr, 1),
							JSON_C_TO_STRING_PLAIN),
			 "{\"which\":\"virtual\",\"value_ns\":3155760000000000000,"
			 "\"interval_ns\":3155760000000000000}");
	cr_assert(json_object_object_get_ex(root, "timerfds", &arr));
	cr_assert_str_eq(json_object_to_json_string_ext(json_object_array_get_idx(arr, 2),
							JSON_C_TO_STRING_PLAIN),
			 "{\"fd\":5,\"clockid\":1,\"clock\":\"monotonic\",\"settime_flags\":[],"
			 "\"fd_flags\":[\"nonblock\",\"cloexec\"],\"ticks\":3,"
			 "\"value_ns\":250000000,\"interval_ns\":250000000}");
	o = json_object_array_get_idx(arr, 4);
	cr_assert(json_object_object_get_ex(o, "settime_flags", &v));
	cr_assert_str_eq(json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN),
			 "[\"abstime\",\"cancel_on_set\"]");
	cr_assert(json_object_object_get_ex(root, "pending_signals", &arr));
	cr_assert_str_eq(json_object_to_json_string_ext(json_object_array_get_idx(arr, 0),
							JSON_C_TO_STRING_PLAIN),
			 "{\"queue\":\"thread\",\"tid\":101,\"signal\":34,"
			 "\"signal_name\":\"SIGRTMIN+2\",\"timerid\":3,\"overrun\":0,"
			 "\"sigval\":\"0x0000000000001234\"}");
	cr_assert_str_eq(json_object_to_json_string_ext(json_object_array_get_idx(arr, 1),
							JSON_C_TO_STRING_PLAIN),
			 "{\"queue\":\"process\",\"tid\":null,\"signal\":14,"
			 "\"signal_name\":\"SIGALRM\",\"timerid\":0,\"overrun\":2147483647,"
			 "\"sigval\":\"0xffffffffffffffff\"}");
	json_object_put(root);
	free(text);
	ptimer_dump_free(d);
}

/* A kind the dump does not carry: an empty section, read back as not carried. */
Test(json_kinds, kinds_not_carried_are_empty_sections)
{
	struct ptimer_dump *d = all_kinds(), *back;
	size_t n;

	ptimer_dump_set_kinds(d, PTIMER_KIND_POSIX | PTIMER_KIND_TIMERFD);
	back = round_trip(d, false);
	cr_assert_eq(ptimer_dump_kinds(back), PTIMER_KIND_POSIX | PTIMER_KIND_TIMERFD);
	ptimer_dump_itimers(back, &n);
	cr_assert_eq(n, 0);
	ptimer_dump_signals(back, &n);
	cr_assert_eq(n, 0);
	ptimer_dump_timerfds(back, &n);
	cr_assert_eq(n, 5);
	ptimer_dump_free(back);
	ptimer_dump_free(d);
}

Test(json_kinds, a_new_dump_carries_posix_only)
{
	struct ptimer_dump *d = base(), *back;
	char *text;

	cr_assert_eq(ptimer_dump_kinds(d), PTIMER_KIND_POSIX);
	cr_assert_eq(ptimer_dump_to_json(ctx, d, false, &text), 0);
	cr_assert_not_null(strstr(text, "\"kinds\":[\"posix\"],\"itimers\":[],\"timerfds\":[],"
				  "\"pending_signals\":[]"), "%s", text);
	free(text);
	back = round_trip(d, false);
	cr_assert_eq(ptimer_dump_kinds(back), PTIMER_KIND_POSIX);
	ptimer_dump_free(back);
	ptimer_dump_free(d);
}

Test(json_kinds, encoder_refuses_what_cannot_be_read_back)
{
	struct ptimer_dump *d = base();
	struct ptimer_timerfd t = { .fd = 3, .clockid = 1, .settime_flags = 4 };
	struct ptimer_itimer it = { .which = 3, .value_ns = 1 };
	char *text = (char *)1;

	cr_assert_eq(ptimer_dump_add_timerfd(d, &t), 0);
	cr_assert_eq(ptimer_dump_to_json(ctx, d, false, &text), -PTIMER_ERR_BAD_DUMP);
	cr_assert_null(text);
	cr_assert_not_null(strstr(ptimer_last_error(ctx), "timerfds[0]"), "%s",
			   ptimer_last_error(ctx));
	ptimer_dump_free(d);
	d = base();
	cr_assert_eq(ptimer_dump_add_itimer(d, &it), 0);
	cr_assert_eq(ptimer_dump_to_json(ctx, d, false, &text), -PTIMER_ERR_BAD_DUMP);
	cr_assert_not_null(strstr(ptimer_last_error(ctx), "itimers[0].which"), "%s",
			   ptimer_last_error(ctx));
	ptimer_dump_free(d);
}

static struct ptimer_dump *decode(const char *doc, int want)
{
	struct ptimer_dump *d = NULL;
	int r = ptimer_dump_from_json(ctx, doc, strlen(doc), &d);

	cr_assert_eq(r, want, "got %d: %s", r, ptimer_last_error(ctx));
	return d;
}

#define HEAD(v) "{\"version\":" #v ",\"pid\":7,\"threads\":[7],\"timers\":[]," \
	"\"captured\":{\"realtime_ns\":0,\"monotonic_ns\":0,\"boottime_ns\":0}"

/* Version 1 knew none of the new keys: they are ignored, whatever they hold. */
Test(json_kinds, version_1_ignores_the_new_keys)
{
	struct ptimer_dump *d = decode(HEAD(1) ",\"kinds\":7,\"itimers\":[{\"which\":\"x\"}],"
				       "\"timerfds\":null}", 0);
	size_t n;

	cr_assert_eq(d->version, 1);
	cr_assert_eq(ptimer_dump_kinds(d), PTIMER_KIND_POSIX);
	ptimer_dump_itimers(d, &n);
	cr_assert_eq(n, 0);
	ptimer_dump_free(d);
}

Test(json_kinds, version_2_sections)
{
	struct ptimer_dump *d;

	/* Only the sections of the kinds listed are needed. */
	d = decode(HEAD(2) ",\"kinds\":[\"posix\"]}", 0);
	ptimer_dump_free(d);
	d = decode(HEAD(2) ",\"kinds\":[\"itimer\"],\"itimers\":[]}", 0);
	cr_assert_eq(ptimer_dump_kinds(d), PTIMER_KIND_ITIMER);
	ptimer_dump_free(d);
	/* An empty section of a kind not listed is fine, as the encoder writes it. */
	d = decode(HEAD(2) ",\"kinds\":[\"posix\"],\"itimers\":[],\"timerfds\":[],"
		   "\"pending_signals\":[]}", 0);
	ptimer_dump_free(d);
	decode(HEAD(2) "}", -PTIMER_ERR_BAD_DUMP);
	cr_assert_str_eq(ptimer_last_error(ctx), "kinds: missing required field");
	decode(HEAD(2) ",\"kinds\":[\"signals\"]}", -PTIMER_ERR_BAD_DUMP);
	cr_assert_str_eq(ptimer_last_error(ctx), "pending_signals: missing required field");
	decode(HEAD(2) ",\"kinds\":[\"posix\"],\"timerfds\":null}", -PTIMER_ERR_BAD_DUMP);
	cr_assert_str_eq(ptimer_last_error(ctx),
			 "timerfds: present, but \"timerfd\" is not in kinds");
	decode(HEAD(2) ",\"kinds\":[\"timerfd\"],\"timerfds\":[{\"fd\":3,\"clockid\":1,"
		   "\"settime_flags\":[\"abstime\",\"abstime\"],\"fd_flags\":[],\"ticks\":0,"
		   "\"value_ns\":0,\"interval_ns\":0}]}", -PTIMER_ERR_BAD_DUMP);
	cr_assert_str_eq(ptimer_last_error(ctx),
			 "timerfds[0].settime_flags[1]: duplicate \"abstime\"");
}

Test(json_kinds, names)
{
	cr_assert_str_eq(ptimer_kind_name(PTIMER_KIND_SIGNALS), "signals");
	cr_assert_null(ptimer_kind_name(PTIMER_KIND_ALL));
	cr_assert_null(ptimer_kind_name(0));
	cr_assert_eq(ptimer_kind_from_name("timerfd"), PTIMER_KIND_TIMERFD);
	cr_assert_eq(ptimer_kind_from_name("all"), -EINVAL);
	cr_assert_str_eq(ptimer_itimer_name(1), "virtual");
	cr_assert_null(ptimer_itimer_name(3));
	cr_assert_null(ptimer_itimer_name(-1));
	cr_assert_eq(ptimer_itimer_from_name("prof"), 2);
	cr_assert_eq(ptimer_itimer_from_name("virt"), -EINVAL);
	cr_assert_eq(ptimer_get_kinds(ctx), PTIMER_KIND_ALL);
	cr_assert_eq(ptimer_set_kinds(ctx, PTIMER_KIND_POSIX), 0);
	cr_assert_eq(ptimer_get_kinds(ctx), PTIMER_KIND_POSIX);
	cr_assert_eq(ptimer_set_kinds(ctx, 0), -EINVAL);
	cr_assert_eq(ptimer_set_kinds(ctx, 1u << 4), -EINVAL);
	cr_assert_eq(ptimer_get_kinds(ctx), PTIMER_KIND_POSIX);
}
