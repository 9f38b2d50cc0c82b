// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * The dump document codec: round trips, the exact encoding, and every
 * document in tests/fixtures/dumps.  A bad-NAME.json fixture must fail
 * with the message substring in bad-NAME.expect; a good-*.json must decode.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "ptimer.h"

#define MAX_TIME_NS (36525LL * 86400 * 1000000000LL)

static struct ptimer_ctx *ctx;

static void setup(void)
{
	cr_assert_eq(ptimer_new(&ctx), 0);
}

static void teardown(void)
{
	ptimer_free(ctx);
}

TestSuite(json, .init = setup, .fini = teardown);

static void add(struct ptimer_dump *d, int id, int clockid, int notify,
		int signo, uint64_t sigval, int notify_pid, int64_t value,
		int64_t interval, int overrun)
{
	struct ptimer_timer t = {
		.id = id, .clockid = clockid, .notify = notify, .signo = signo,
		.sigval = sigval, .notify_pid = notify_pid, .value_ns = value,
		.interval_ns = interval, .overrun = overrun,
	};

	cr_assert_eq(ptimer_dump_add_timer(d, &t), 0);
}

/* Every clock that can carry a timer, every notify mode, the extremes. */
static struct ptimer_dump *every_kind(void)
{
	static const int clocks[] = { 0, 1, 2, 3, 7, 8, 9, 11 };
	struct ptimer_dump *d = ptimer_dump_new();
	const pid_t pid = 4868;

	cr_assert_not_null(d);
	d->pid = pid;
	strcpy(d->comm, "victim");
	strcpy(d->kernel_release, "6.18.44-rc1+");
	strcpy(d->arch, "x86_64");
	d->restore_ids_state = 1;
	d->realtime_ns = 1764150000123456789LL;
	d->monotonic_ns = 123456789;
	d->boottime_ns = 123456999;
	d->nthreads = 3;
	d->tids = calloc(3, sizeof(*d->tids));
	cr_assert_not_null(d->tids);
	d->tids[0] = pid;
	d->tids[1] = pid + 1;
	d->tids[2] = pid + 7;

	for (size_t i = 0; i < sizeof(clocks) / sizeof(clocks[0]); i++)
		add(d, (int)i, clocks[i], PTIMER_NOTIFY_SIGNAL, 34 + (int)i,
		    0x7ffd00000000ULL + i, pid, 1000000 * (int64_t)(i + 1),
		    500000 * (int64_t)i, (int)i);
	add(d, 20, ptimer_cpu_clock_make(pid, false, PTIMER_CPU_SCHED),
	    PTIMER_NOTIFY_THREAD_ID, 12, 0, pid + 1, 0, 0, 0);
	add(d, 21, ptimer_cpu_clock_make(pid + 7, true, PTIMER_CPU_PROF),
	    PTIMER_NOTIFY_NONE, 0, UINT64_MAX, pid, 5, 0, 0);
	add(d, 22, ptimer_cpu_clock_make(0, false, PTIMER_CPU_VIRT),
	    PTIMER_NOTIFY_THREAD, 64, 0x1234, pid, MAX_TIME_NS, MAX_TIME_NS,
	    2147483647);
	add(d, 2147483647, 1, PTIMER_NOTIFY_THREAD_ID, 1, 1, pid + 7, 1, 1, 0);
	return d;
}

static void assert_dump_eq(const struct ptimer_dump *a, const struct ptimer_dump *b)
{
	/* A version-1 document re-encodes at version 2, with the same kinds. */
	cr_assert_eq(ptimer_dump_kinds(a), ptimer_dump_kinds(b));
	cr_assert_eq(a->pid, b->pid);
	cr_assert_str_eq(a->comm, b->comm);
	cr_assert_str_eq(a->kernel_release, b->kernel_release);
	cr_assert_str_eq(a->arch, b->arch);
	cr_assert_eq(a->restore_ids_state, b->restore_ids_state);
	cr_assert_eq(a->realtime_ns, b->realtime_ns);
	cr_assert_eq(a->monotonic_ns, b->monotonic_ns);
	cr_assert_eq(a->boottime_ns, b->boottime_ns);
	cr_assert_eq(a->nthreads, b->nthreads);
	for (size_t i = 0; i < a->nthreads; i++)
		cr_assert_eq(a->tids[i], b->tids[i], "tids[%zu]", i);
	cr_assert_eq(a->ntimers, b->ntimers);
	for (size_t i = 0; i < a->ntimers; i++) {
		const struct ptimer_timer *x = &a->timers[i], *y = &b->timers[i];

		cr_assert_eq(x->id, y->id, "timers[%zu]", i);
		cr_assert_eq(x->clockid, y->clockid, "timers[%zu]", i);
		cr_assert_eq(x->notify, y->notify, "timers[%zu]", i);
		cr_assert_eq(x->signo, y->signo, "timers[%zu]", i);
		cr_assert_eq(x->sigval, y->sigval, "timers[%zu]", i);
		cr_assert_eq(x->notify_pid, y->notify_pid, "timers[%zu]", i);
		cr_assert_eq(x->value_ns, y->value_ns, "timers[%zu]", i);
		cr_assert_eq(x->interval_ns, y->interval_ns, "timers[%zu]", i);
		cr_assert_eq(x->overrun, y->overrun, "timers[%zu]", i);
	}
}

static struct ptimer_dump *decode_ok(const char *text, size_t len)
{
	struct ptimer_dump *d = NULL;
	int r = ptimer_dump_from_json(ctx, text, len, &d);

	cr_assert_eq(r, 0, "decode failed (%d): %s", r, ptimer_last_error(ctx));
	cr_assert_not_null(d);
	return d;
}

static void round_trip(bool pretty)
{
	struct ptimer_dump *d = every_kind(), *back;
	char *text;

	cr_assert_eq(ptimer_dump_to_json(ctx, d, pretty, &text), 0);
	back = decode_ok(text, strlen(text));
	assert_dump_eq(d, back);
	free(text);
	ptimer_dump_free(back);
	ptimer_dump_free(d);
}

Test(json, round_trip_compact)
{
	round_trip(false);
}

Test(json, round_trip_pretty)
{
	round_trip(true);
}

Test(json, pretty_and_compact_layout)
{
	struct ptimer_dump *d = every_kind();
	char *compact, *pretty;
	size_t clen, plen;

	cr_assert_eq(ptimer_dump_to_json(ctx, d, false, &compact), 0);
	cr_assert_eq(ptimer_dump_to_json(ctx, d, true, &pretty), 0);
	clen = strlen(compact);
	plen = strlen(pretty);
	cr_assert_eq(compact[clen - 1], '\n');
	cr_assert_eq(pretty[plen - 1], '\n');
	cr_assert_null(memchr(compact, '\n', clen - 1), "compact output is one line");
	cr_assert_not_null(strstr(pretty, "\n  \"version\": 2,\n"));
	cr_assert_null(strstr(compact, "\\/"), "slashes are not escaped");
	cr_assert_gt(plen, clen);
	free(compact);
	free(pretty);
	ptimer_dump_free(d);
}

static struct json_object *field(struct json_object *obj, const char *key)
{
	struct json_object *val;

	cr_assert(json_object_object_get_ex(obj, key, &val), "no \"%s\"", key);
	return val;
}

static void assert_keys(struct json_object *obj, const char *const *keys)
{
	size_t n = 0;

	while (keys[n]) {
		field(obj, keys[n]);
		n++;
	}
	cr_assert_eq((size_t)json_object_object_length(obj), n,
		     "unexpected extra keys in %s", json_object_to_json_string(obj));
}

static int64_t int_field(struct json_object *obj, const char *key)
{
	struct json_object *val = field(obj, key);

	cr_assert(json_object_is_type(val, json_type_int), "\"%s\" is not an integer", key);
	return json_object_get_int64(val);
}

static const char *str_field(struct json_object *obj, const char *key)
{
	struct json_object *val = field(obj, key);

	cr_assert(json_object_is_type(val, json_type_string), "\"%s\" is not a string", key);
	return json_object_get_string(val);
}

Test(json, exact_encoding)
{
	static const char *const top_keys[] = {
		"version", "generator", "pid", "comm", "kernel_release", "arch",
		"restore_ids", "captured", "threads", "timers", "kinds", "itimers",
		"timerfds", "pending_signals", NULL
	};
	static const char *const timer_keys[] = {
		"id", "clockid", "clock", "notify", "signal", "signal_name",
		"sigval", "tid", "value_ns", "interval_ns", "overrun", NULL
	};
	static const char *const cpu_timer_keys[] = {
		"id", "clockid", "clock", "cpu", "notify", "signal", "signal_name",
		"sigval", "tid", "value_ns", "interval_ns", "overrun", NULL
	};
	static const char *const cpu_keys[] = { "pid", "thread", "which", NULL };
	struct ptimer_dump *d = every_kind();
	struct json_object *root, *cap, *threads, *timers, *t, *cpu;
	char *text;

	cr_assert_eq(ptimer_dump_to_json(ctx, d, false, &text), 0);
	root = json_tokener_parse(text);
	cr_assert_not_null(root);
	assert_keys(root, top_keys);
	cr_assert_eq(int_field(root, "version"), 2);
	cr_assert_eq(strncmp(str_field(root, "generator"), "ptimerctl ", 10), 0);
	cr_assert_eq(int_field(root, "pid"), 4868);
	cr_assert_str_eq(str_field(root, "comm"), "victim");
	cr_assert_str_eq(str_field(root, "kernel_release"), "6.18.44-rc1+");
	cr_assert_str_eq(str_field(root, "arch"), "x86_64");
	cr_assert_eq(int_field(root, "restore_ids"), 1);

	cap = field(root, "captured");
	cr_assert_eq(int_field(cap, "realtime_ns"), 1764150000123456789LL);
	cr_assert_eq(int_field(cap, "monotonic_ns"), 123456789);
	cr_assert_eq(int_field(cap, "boottime_ns"), 123456999);
	cr_assert_eq(json_object_object_length(cap), 3);

	threads = field(root, "threads");
	cr_assert_eq(json_object_array_length(threads), 3);
	cr_assert_eq(json_object_get_int(json_object_array_get_idx(threads, 0)), 4868);
	cr_assert_eq(json_object_get_int(json_object_array_get_idx(threads, 2)), 4875);

	timers = field(root, "timers");
	cr_assert_eq(json_object_array_length(timers), d->ntimers);

	t = json_object_array_get_idx(timers, 1);
	assert_keys(t, timer_keys);
	cr_assert_eq(int_field(t, "clockid"), 1);
	cr_assert_str_eq(str_field(t, "clock"), "monotonic");
	cr_assert_str_eq(str_field(t, "notify"), "signal");
	cr_assert_eq(int_field(t, "signal"), 35);
	cr_assert_str_eq(str_field(t, "signal_name"), "SIGRTMIN+3");
	cr_assert_str_eq(str_field(t, "sigval"), "0x00007ffd00000001");
	cr_assert(json_object_is_type(field(t, "tid"), json_type_null));
	cr_assert_eq(int_field(t, "value_ns"), 2000000);
	cr_assert_eq(int_field(t, "interval_ns"), 500000);
	cr_assert_eq(int_field(t, "overrun"), 1);

	/* timers[8]: a process CPU clock with a thread-directed signal. */
	t = json_object_array_get_idx(timers, 8);
	assert_keys(t, cpu_timer_keys);
	cr_assert_eq(int_field(t, "clockid"), -38950);
	cr_assert_str_eq(str_field(t, "clock"), "process_cpu");
	cpu = field(t, "cpu");
	assert_keys(cpu, cpu_keys);
	cr_assert_eq(int_field(cpu, "pid"), 4868);
	cr_assert_eq(json_object_get_boolean(field(cpu, "thread")), 0);
	cr_assert_str_eq(str_field(cpu, "which"), "sched");
	cr_assert_str_eq(str_field(t, "notify"), "thread_id");
	cr_assert_str_eq(str_field(t, "signal_name"), "SIGUSR2");
	cr_assert_eq(int_field(t, "tid"), 4869);

	/* timers[9]: signal 0 has no name, so signal_name is left out. */
	t = json_object_array_get_idx(timers, 9);
	cr_assert_str_eq(str_field(t, "clock"), "thread_cpu");
	cr_assert_str_eq(str_field(t, "notify"), "none");
	cr_assert_not(json_object_object_get_ex(t, "signal_name", NULL));
	cr_assert_str_eq(str_field(t, "sigval"), "0xffffffffffffffff");
	cr_assert(json_object_get_boolean(field(field(t, "cpu"), "thread")));
	cr_assert_str_eq(str_field(field(t, "cpu"), "which"), "prof");

	t = json_object_array_get_idx(timers, 10);
	cr_assert_str_eq(str_field(t, "notify"), "thread");
	cr_assert_eq(int_field(field(t, "cpu"), "pid"), 0);
	cr_assert_eq(int_field(t, "value_ns"), MAX_TIME_NS);

	json_object_put(root);
	free(text);
	ptimer_dump_free(d);
}

Test(json, restore_ids_unsupported_is_null)
{
	struct ptimer_dump *d = every_kind(), *back;
	struct json_object *root;
	char *text;

	d->restore_ids_state = -1;
	cr_assert_eq(ptimer_dump_to_json(ctx, d, true, &text), 0);
	root = json_tokener_parse(text);
	cr_assert(json_object_is_type(field(root, "restore_ids"), json_type_null));
	back = decode_ok(text, strlen(text));
	cr_assert_eq(back->restore_ids_state, -1);
	json_object_put(root);
	free(text);
	ptimer_dump_free(back);
	ptimer_dump_free(d);
}

/* A process may name itself with any bytes; the document must stay UTF-8. */
Test(json, comm_not_utf8_is_replaced)
{
	struct ptimer_dump *d = every_kind(), *back;
	char *text;

	memcpy(d->comm, "a\xff\xc0\xafz\xe2\x82\xac\xe2\x82", 11);
	d->comm[11] = '\0';
	cr_assert_eq(ptimer_dump_to_json(ctx, d, false, &text), 0);
	back = decode_ok(text, strlen(text));
	cr_assert_str_eq(back->comm, "a???z\xe2\x82\xac??");
	free(text);
	ptimer_dump_free(back);
	ptimer_dump_free(d);
}

Test(json, full_length_strings)
{
	struct ptimer_dump *d = every_kind(), *back;
	char *text;

	memset(d->comm, 'c', 16);
	memset(d->kernel_release, 'k', 64);
	memset(d->arch, 'a', 16);
	cr_assert_eq(ptimer_dump_to_json(ctx, d, false, &text), 0);
	back = decode_ok(text, strlen(text));
	assert_dump_eq(d, back);
	free(text);
	ptimer_dump_free(back);
	ptimer_dump_free(d);
}

Test(json, encode_refuses_unknown_notify)
{
	struct ptimer_dump *d = every_kind();
	char *text = (char *)1;

	d->timers[3].notify = 3;
	cr_assert_eq(ptimer_dump_to_json(ctx, d, false, &text), -PTIMER_ERR_BAD_DUMP);
	cr_assert_null(text);
	cr_assert_str_eq(ptimer_last_error(ctx), "timers[3].notify: mode 3 has no name");
	ptimer_dump_free(d);
}

Test(json, decode_sorts_by_id)
{
	static const char doc[] =
		"{\"version\":1,\"pid\":7,\"threads\":[7],"
		"\"captured\":{\"realtime_ns\":0,\"monotonic_ns\":0,\"boottime_ns\":0},"
		"\"timers\":["
		"{\"id\":9,\"clockid\":0,\"notify\":\"none\",\"signal\":0,\"sigval\":\"0x0\",\"value_ns\":0,\"interval_ns\":0},"
		"{\"id\":2,\"clockid\":1,\"notify\":\"signal\",\"signal\":14,\"sigval\":\"0xABC\",\"value_ns\":5,\"interval_ns\":0}]}";
	struct ptimer_dump *d = decode_ok(doc, sizeof(doc) - 1);

	cr_assert_eq(d->ntimers, 2);
	cr_assert_eq(d->timers[0].id, 2);
	cr_assert_eq(d->timers[0].sigval, 0xabc);
	cr_assert_eq(d->timers[0].notify_pid, 7, "the process is the signal target");
	cr_assert_eq(d->timers[1].id, 9);
	cr_assert_eq(d->restore_ids_state, -1, "absent means unknown");
	cr_assert_str_eq(d->comm, "");
	ptimer_dump_free(d);
}

Test(json, syntax_error_position)
{
	static const char doc[] = "{\n  \"version\": 1,\n  \"pid\": 42 43\n}\n";
	struct ptimer_dump *d = (struct ptimer_dump *)1;

	cr_assert_eq(ptimer_dump_from_json(ctx, doc, sizeof(doc) - 1, &d), -PTIMER_ERR_BAD_DUMP);
	cr_assert_null(d);
	cr_assert_str_eq(ptimer_last_error(ctx),
			 "malformed JSON at line 3, column 13: object value separator ',' expected");
}

/* The length bounds the text: nothing past it is read. */
Test(json, length_is_honoured)
{
	static const char doc[] = "{\"version\":1}garbage";

	cr_assert_eq(ptimer_dump_from_json(ctx, doc, 13, &(struct ptimer_dump *){ NULL }),
		     -PTIMER_ERR_BAD_DUMP);
	cr_assert_str_eq(ptimer_last_error(ctx), "pid: missing required field");
}

Test(json, null_ctx)
{
	struct ptimer_dump *d;

	cr_assert_eq(ptimer_dump_from_json(NULL, "[]", 2, &d), -PTIMER_ERR_BAD_DUMP);
	cr_assert_null(d);
}

Test(json, size_limit)
{
	size_t len = (size_t)PTIMER_JSON_MAX_BYTES + 1;
	char *big = malloc(len);
	struct ptimer_dump *d;
	char want[96];

	cr_assert_not_null(big);
	memset(big, ' ', len);
	cr_assert_eq(ptimer_dump_from_json(ctx, big, len, &d), -EFBIG);
	snprintf(want, sizeof(want), "document is %zu bytes; the limit is %u",
		 len, PTIMER_JSON_MAX_BYTES);
	cr_assert_str_eq(ptimer_last_error(ctx), want);

	/* Exactly at the limit is fine: a valid document padded with blanks. */
	static const char doc[] =
		"{\"version\":1,\"pid\":7,\"threads\":[7],\"timers\":[],"
		"\"captured\":{\"realtime_ns\":0,\"monotonic_ns\":0,\"boottime_ns\":0}}";
	memcpy(big, doc, sizeof(doc) - 1);
	d = decode_ok(big, len - 1);
	ptimer_dump_free(d);
	free(big);
}

/* Tens of thousands of timers: duplicate detection must not be quadratic. */
Test(json, many_timers, .timeout = 20)
{
	struct ptimer_dump *d = ptimer_dump_new(), *back;
	const size_t n = 100000;
	char *text;

	d->pid = 100;
	d->nthreads = 1;
	d->tids = calloc(1, sizeof(*d->tids));
	d->tids[0] = 100;
	for (size_t i = 0; i < n; i++)
		add(d, (int)i, 1, PTIMER_NOTIFY_SIGNAL, 10, i, 100, (int64_t)i, 0, 0);
	cr_assert_eq(ptimer_dump_to_json(ctx, d, false, &text), 0);
	back = decode_ok(text, strlen(text));
	assert_dump_eq(d, back);
	free(text);
	ptimer_dump_free(back);
	ptimer_dump_free(d);
}

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long size;

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

static const char *fixtures_dir(char *buf, size_t size)
{
	const char *root = getenv("PTIMER_FIXTURES");

	cr_assert_not_null(root, "PTIMER_FIXTURES is not set");
	snprintf(buf, size, "%s/dumps", root);
	return buf;
}

static bool has_affixes(const char *name, const char *prefix, const char *suffix)
{
	size_t n = strlen(name), p = strlen(prefix), s = strlen(suffix);

	return n > p + s && !strncmp(name, prefix, p) && !strcmp(name + n - s, suffix);
}

Test(json, bad_fixtures)
{
	char dir[2048], path[2048 + 256 + 16];
	unsigned int checked = 0;
	struct dirent *de;
	DIR *dp;

	dp = opendir(fixtures_dir(dir, sizeof(dir)));
	cr_assert_not_null(dp, "cannot open %s", dir);
	while ((de = readdir(dp))) {
		struct ptimer_dump *d = (struct ptimer_dump *)1;
		char *text, *expect;
		size_t len, elen;
		int r;

		if (!has_affixes(de->d_name, "bad-", ".json"))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
		text = read_file(path, &len);
		strcpy(path + strlen(path) - 5, ".expect");
		expect = read_file(path, &elen);
		expect[strcspn(expect, "\n")] = '\0';
		cr_expect_gt(strlen(expect), 0, "%s is empty", path);

		r = ptimer_dump_from_json(ctx, text, len, &d);
		cr_expect_eq(r, -PTIMER_ERR_BAD_DUMP, "%s: got %d, want -PTIMER_ERR_BAD_DUMP",
			     de->d_name, r);
		cr_expect_null(d, "%s: dump is set on failure", de->d_name);
		cr_expect_not_null(strstr(ptimer_last_error(ctx), expect),
				   "%s: message \"%s\" lacks \"%s\"", de->d_name,
				   ptimer_last_error(ctx), expect);
		if (r == 0)
			ptimer_dump_free(d);
		free(text);
		free(expect);
		checked++;
	}
	closedir(dp);
	cr_assert_geq(checked, 40, "only %u bad fixtures found", checked);
}

static struct ptimer_dump *decode_fixture(const char *name)
{
	char dir[2048], path[2048 + 256 + 16];
	struct ptimer_dump *d;
	size_t len;
	char *text;

	snprintf(path, sizeof(path), "%s/%s", fixtures_dir(dir, sizeof(dir)), name);
	text = read_file(path, &len);
	d = decode_ok(text, len);
	free(text);
	return d;
}

Test(json, good_fixtures)
{
	char dir[2048];
	unsigned int checked = 0;
	struct dirent *de;
	DIR *dp;

	dp = opendir(fixtures_dir(dir, sizeof(dir)));
	cr_assert_not_null(dp, "cannot open %s", dir);
	while ((de = readdir(dp))) {
		if (!has_affixes(de->d_name, "good-", ".json"))
			continue;
		ptimer_dump_free(decode_fixture(de->d_name));
		checked++;
	}
	closedir(dp);
	cr_assert_geq(checked, 4);
}

Test(json, good_example_values)
{
	struct ptimer_dump *d = decode_fixture("good-example.json");

	cr_assert_eq(d->version, 1);
	cr_assert_eq(d->pid, 4868);
	cr_assert_str_eq(d->comm, "victim");
	cr_assert_str_eq(d->kernel_release, "6.18.44");
	cr_assert_str_eq(d->arch, "x86_64");
	cr_assert_eq(d->restore_ids_state, 0);
	cr_assert_eq(d->realtime_ns, 1764150000123456789LL);
	cr_assert_eq(d->nthreads, 2);
	cr_assert_eq(d->tids[1], 4869);
	cr_assert_eq(d->ntimers, 2);
	cr_assert_eq(d->timers[0].sigval, 0x1234);
	cr_assert_eq(d->timers[0].value_ns, 1500000000);
	cr_assert_eq(d->timers[1].id, 3);
	cr_assert_eq(d->timers[1].clockid, -38950);
	cr_assert_eq(d->timers[1].notify, PTIMER_NOTIFY_THREAD_ID);
	cr_assert_eq(d->timers[1].notify_pid, 4869);
	ptimer_dump_free(d);
}

/*
 * A thread_id timer aimed at a thread not in the dump, one that had
 * exited, says so with "tid_exited", and only it; both read back.
 */
Test(json, a_timer_of_an_exited_thread_says_so)
{
	struct ptimer_dump *d = ptimer_dump_new(), *back;
	struct json_object *root, *timers;
	char *text = NULL;
	size_t len;

	cr_assert_not_null(d);
	d->pid = 100;
	d->tids = calloc(2, sizeof(*d->tids));
	cr_assert_not_null(d->tids);
	d->tids[0] = 100;
	d->tids[1] = 101;
	d->nthreads = 2;
	add(d, 1, 1, PTIMER_NOTIFY_THREAD_ID, 10, 0x1, 101, 5, 5, 0);
	add(d, 2, 1, PTIMER_NOTIFY_THREAD_ID, 12, 0x2, 150, 5, 5, 0);
	cr_assert_eq(ptimer_dump_to_json(ctx, d, false, &text), 0, "%s",
		     ptimer_last_error(ctx));
	len = strlen(text);
	root = json_tokener_parse(text);
	cr_assert_not_null(root);
	timers = field(root, "timers");
	cr_expect_not(json_object_object_get_ex(json_object_array_get_idx(timers, 0),
						"tid_exited", NULL));
	cr_assert(json_object_get_boolean(field(json_object_array_get_idx(timers, 1),
						"tid_exited")));
	back = decode_ok(text, len);
	assert_dump_eq(d, back);
	json_object_put(root);
	free(text);
	ptimer_dump_free(back);
	ptimer_dump_free(d);
}

Test(json, unknown_fields_are_ignored)
{
	struct ptimer_dump *a = decode_fixture("good-example.json");
	struct ptimer_dump *b = decode_fixture("good-unknown-fields.json");
	struct ptimer_dump *c = decode_fixture("good-short-forms.json");
	struct ptimer_dump *e = decode_fixture("good-compact-crlf.json");

	assert_dump_eq(a, b);
	assert_dump_eq(a, c);
	assert_dump_eq(a, e);
	ptimer_dump_free(a);
	ptimer_dump_free(b);
	ptimer_dump_free(c);
	ptimer_dump_free(e);
}

/*
 * A key given twice counts by its last value (ptimerctl-dump(5)), for
 * "timers" too, whose first array the decoder streams before it knows.
 */
Test(json, the_last_timers_member_counts)
{
	static const char head[] =
		"{\"version\":1,\"pid\":1,\"captured\":{\"realtime_ns\":0,"
		"\"monotonic_ns\":0,\"boottime_ns\":0},\"threads\":[1],";
	static const char timer[] =
		"{\"id\":7,\"clockid\":1,\"notify\":\"none\",\"signal\":0,"
		"\"sigval\":\"0x0\",\"value_ns\":0,\"interval_ns\":0}";
	static const struct {
		const char *before, *after;	/* the text around one timer */
		const char *error;		/* NULL: decodes to that timer */
	} cases[] = {
		{ "\"timers\":[", "],\"kinds\":[\"posix\"],\"timers\":null}",
		  "timers: expected array, got null" },
		{ "\"timers\":[", "],\"timers\":{}}", "timers: expected array, got object" },
		{ "\"timers\":[", "],\"timers\":7}", "timers: expected array, got integer" },
		{ "\"timers\":null,\"timers\":[", "]}", NULL },
		{ "\"timers\":[],\"timers\":null,\"timers\":[", "]}", NULL },
	};
	char text[1024];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ptimer_dump *d = NULL;
		int r;

		snprintf(text, sizeof(text), "%s%s%s%s", head, cases[i].before, timer,
			 cases[i].after);
		r = ptimer_dump_from_json(ctx, text, strlen(text), &d);
		if (!cases[i].error) {
			cr_assert_eq(r, 0, "%s: %s", text, ptimer_last_error(ctx));
			cr_expect_eq(d->ntimers, 1, "%s", text);
			cr_expect_eq(d->timers[0].id, 7, "%s", text);
			ptimer_dump_free(d);
			continue;
		}
		cr_expect_eq(r, -PTIMER_ERR_BAD_DUMP, "%s: got %d", text, r);
		cr_expect_null(d, "%s", text);
		cr_expect_str_eq(ptimer_last_error(ctx), cases[i].error, "%s", text);
		if (!r)
			ptimer_dump_free(d);
	}
}

/*
 * The decoder scans the document rather than parse it whole, but reports
 * a syntax error as json-c's parse of the whole document does: its
 * reason, at the same line and column, wherever the scan stopped.
 */
Test(json, syntax_errors_read_as_a_whole_parse_has_them)
{
	static const struct {
		const char *text, *error;
	} cases[] = {
		{ "{\"version\":1x}", "line 1, column 13: number expected" },
		{ "{\"version\":1", "line 1, column 13: unexpected end of data" },
		{ "{\"version\":1 \"pid\":2}",
		  "line 1, column 14: object value separator ',' expected" },
		{ "{\"timers\":[{\"id\":1} {\"id\":2}]}",
		  "line 1, column 21: array value separator ',' expected" },
		{ "{\"timers\":[1 2]}", "line 1, column 14: array value separator ',' expected" },
		{ "{\"timers\":[{\"id\":1}", "line 1, column 20: unexpected end of data" },
		{ "{\"timers\":[{\"id\":1}\n,\n{\"id\":",
		  "line 3, column 7: unexpected end of data" },
		{ "{\"timers\":[] \"x\":1}",
		  "line 1, column 14: object value separator ',' expected" },
		{ "{\"timers\":[{\"id\":1}]x}",
		  "line 1, column 21: object value separator ',' expected" },
		{ "{\"a\" 1}", "line 1, column 6: object property name separator ':' expected" },
		{ "{,}", "line 1, column 2: quoted object property name expected" },
		{ "{\"a\":1,}", "line 1, column 8: unexpected character" },
		{ "{\"timers\":[1,]}", "line 1, column 14: unexpected character" },
		{ "{} x", "line 1, column 4: unexpected character" },
	};
	char want[256];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ptimer_dump *d = (struct ptimer_dump *)1;
		int r;

		r = ptimer_dump_from_json(ctx, cases[i].text, strlen(cases[i].text), &d);
		cr_expect_eq(r, -PTIMER_ERR_BAD_DUMP, "%s: got %d", cases[i].text, r);
		cr_expect_null(d, "%s", cases[i].text);
		snprintf(want, sizeof(want), "malformed JSON at %s", cases[i].error);
		cr_expect_str_eq(ptimer_last_error(ctx), want, "%s", cases[i].text);
		if (!r)
			ptimer_dump_free(d);
	}
}

/* Decode, encode, decode: a fixture written by hand survives our encoder. */
Test(json, every_kind_fixture_round_trips)
{
	struct ptimer_dump *a = decode_fixture("good-every-kind.json"), *b;
	char *text;

	cr_assert_eq(a->ntimers, 12);
	cr_assert_eq(a->timers[0].id, 0);
	cr_assert_eq(a->restore_ids_state, -1);
	cr_assert_eq(ptimer_dump_to_json(ctx, a, true, &text), 0);
	b = decode_ok(text, strlen(text));
	assert_dump_eq(a, b);
	free(text);
	ptimer_dump_free(a);
	ptimer_dump_free(b);
}
