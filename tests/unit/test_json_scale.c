// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * The dump document at the kernel's ceiling (issue 15): 96k timers are
 * encoded and decoded without a tree of the whole document.  json-c's tree
 * of 96k timers took over 200 MB; each test runs in a process of its own
 * (Criterion forks), so its peak RSS says what the codec held at most.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <ptimer.h>
#include "ptimer-private.h"

#define NTIMERS		96000
#define MIB		(1024L * 1024L)

static long peak_kib(void)
{
	struct rusage ru;

	cr_assert_eq(getrusage(RUSAGE_SELF, &ru), 0);
	return ru.ru_maxrss;
}

static struct ptimer_dump *big_dump(void)
{
	struct ptimer_dump *d = ptimer_dump_new();

	cr_assert_not_null(d);
	d->pid = 100;
	d->nthreads = 1;
	d->tids = calloc(1, sizeof(*d->tids));
	d->tids[0] = 100;
	for (int i = 0; i < NTIMERS; i++) {
		struct ptimer_timer t = {
			.id = i, .clockid = 1, .notify = PTIMER_NOTIFY_SIGNAL, .signo = 34,
			.sigval = 0x123456789abcdefull + (uint64_t)i, .notify_pid = 100,
			.value_ns = 59000000000ll + i, .interval_ns = 0,
		};

		cr_assert_eq(ptimer_dump_add_timer(d, &t), 0);
	}
	return d;
}

/* Encoding to a file holds one timer's objects at a time. */
/*
 * Peak RSS says what the codec held, except under AddressSanitizer, whose
 * quarantine and shadow memory keep far more resident: there its leak
 * check stands in, as in test_soak.
 */
static void expect_growth_below(long grew, long limit_kib, const char *what)
{
#ifdef __SANITIZE_ADDRESS__
	cr_log_info("%s: peak RSS not compared under AddressSanitizer (%ld KiB)", what, grew);
#else
	cr_expect_lt(grew, limit_kib, "the %s grew the peak RSS by %ld KiB", what, grew);
#endif
}

Test(json_scale, encode_streams)
{
	struct ptimer_dump *d = big_dump();
	struct ptimer_ctx *ctx;
	FILE *f = tmpfile();
	long before, grew;

	cr_assert_not_null(f);
	cr_assert_eq(ptimer_new(&ctx), 0);
	before = peak_kib();
	cr_assert_eq(ptimer_private_dump_write_json(ctx, d, true, f), 0);
	grew = peak_kib() - before;
	cr_log_info("encoding %d timers (%ld bytes) grew the peak by %ld KiB", NTIMERS,
		    ftell(f), grew);
	expect_growth_below(grew, 4 * 1024, "encoder");
	fclose(f);
	ptimer_free(ctx);
	ptimer_dump_free(d);
}

/* Decoding holds the dump and one timer's objects, not the document's tree. */
Test(json_scale, decode_streams)
{
	struct ptimer_dump *d = big_dump(), *back;
	struct ptimer_ctx *ctx;
	long before, grew;
	size_t len;
	char *text;

	cr_assert_eq(ptimer_new(&ctx), 0);
	cr_assert_eq(ptimer_dump_to_json(ctx, d, false, &text), 0);
	len = strlen(text);
	cr_assert_lt(len, (size_t)PTIMER_JSON_MAX_BYTES);
	before = peak_kib();
	cr_assert_eq(ptimer_dump_from_json(ctx, text, len, &back), 0, "%s",
		     ptimer_last_error(ctx));
	grew = peak_kib() - before;
	cr_log_info("decoding %d timers (%zu bytes) grew the peak by %ld KiB", NTIMERS, len,
		    grew);
	/* The dump itself: 96k timers of 48 bytes, grown by doubling. */
	expect_growth_below(grew, 16 * 1024, "decoder");
	cr_assert_eq(back->ntimers, (size_t)NTIMERS);
	cr_assert_eq(memcmp(back->timers, d->timers, NTIMERS * sizeof(*d->timers)), 0);
	free(text);
	ptimer_dump_free(back);
	ptimer_free(ctx);
	ptimer_dump_free(d);
}

/*
 * A truncated dump is refused with the scanner's own error, where it
 * stopped: no tree of the whole document for json-c's message, which
 * for 96k timers took over 200 MB.
 */
Test(json_scale, truncated_is_refused_without_a_tree)
{
	struct ptimer_dump *d = big_dump(), *back = (struct ptimer_dump *)1;
	struct ptimer_ctx *ctx;
	char want[128];
	long before, grew;
	size_t len;
	char *text;

	cr_assert_eq(ptimer_new(&ctx), 0);
	cr_assert_eq(ptimer_dump_to_json(ctx, d, false, &text), 0);
	ptimer_dump_free(d);
	/* Inside the last timer: every other one decodes before the end. */
	len = strlen(text) - 10;
	snprintf(want, sizeof(want),
		 "malformed JSON at line 1, column %zu: unexpected end of data", len + 1);
	before = peak_kib();
	cr_assert_eq(ptimer_dump_from_json(ctx, text, len, &back), -PTIMER_ERR_BAD_DUMP);
	grew = peak_kib() - before;
	cr_log_info("refusing %zu bytes truncated grew the peak by %ld KiB", len, grew);
	cr_expect_null(back);
	cr_expect_str_eq(ptimer_last_error(ctx), want);
	/* The dump being decoded, as in decode_streams, and no more. */
	expect_growth_below(grew, 16 * 1024, "refused decode");
	free(text);
	ptimer_free(ctx);
}

/*
 * A member this reader does not know (a later version's) is checked and
 * stepped over: json-c's tree of 3 MB of empty objects took 770 MB, and
 * the 144 MiB a document may have would have taken about 37 GB.
 */
Test(json_scale, an_unknown_member_is_stepped_over)
{
	static const char head[] = "{\"version\": 2, \"later\": [";
	static const char tail[] = "], \"pid\": 1, \"captured\": {\"realtime_ns\": 0,"
				   " \"monotonic_ns\": 0, \"boottime_ns\": 0}, \"threads\": [1],"
				   " \"timers\": [], \"kinds\": [\"posix\"]}";
	const size_t n = 1000000;
	struct ptimer_dump *back = NULL;
	struct ptimer_ctx *ctx;
	long before, grew;
	size_t len = 0;
	char *text;

	text = malloc(sizeof(head) + 3 * n + sizeof(tail));
	cr_assert_not_null(text);
	memcpy(text, head, sizeof(head) - 1);
	len = sizeof(head) - 1;
	for (size_t i = 0; i < n; i++) {
		memcpy(text + len, i ? ",{}" : "{}", i ? 3 : 2);
		len += i ? 3 : 2;
	}
	memcpy(text + len, tail, sizeof(tail) - 1);
	len += sizeof(tail) - 1;
	cr_assert_eq(ptimer_new(&ctx), 0);
	before = peak_kib();
	cr_assert_eq(ptimer_dump_from_json(ctx, text, len, &back), 0, "%s",
		     ptimer_last_error(ctx));
	grew = peak_kib() - before;
	cr_log_info("stepping over %zu empty objects (%zu bytes) grew the peak by %ld KiB", n,
		    len, grew);
	expect_growth_below(grew, 4 * 1024, "unknown member");
	cr_expect_eq(back->pid, 1);
	free(text);
	ptimer_dump_free(back);
	ptimer_free(ctx);
}

static void add_signals(struct ptimer_dump *d)
{
	ptimer_dump_set_kinds(d, PTIMER_KIND_POSIX | PTIMER_KIND_SIGNALS);
	for (int i = 0; i < NTIMERS; i++) {
		struct ptimer_pending_signal s = {
			.signo = 34, .timerid = i, .sigval = 0x123456789abcdefull + (uint64_t)i,
		};

		cr_assert_eq(ptimer_dump_add_signal(d, &s), 0);
	}
}

/*
 * The same member followed by what is no separator: the error is found
 * after it, without json-c's tree of it either (310 MB for 6 MB of [],
 * when the error was reported by a parse of the member with what follows).
 */
Test(json_scale, an_error_after_an_unknown_member_builds_no_tree)
{
	static const char head[] = "{\"version\": 2, \"later\": [";
	static const char tail[] = "] x, \"pid\": 1}";
	const size_t n = 1000000;
	struct ptimer_dump *back = NULL;
	struct ptimer_ctx *ctx;
	long before, grew;
	size_t len;
	char *text;

	text = malloc(sizeof(head) + 3 * n + sizeof(tail));
	cr_assert_not_null(text);
	memcpy(text, head, sizeof(head) - 1);
	len = sizeof(head) - 1;
	for (size_t i = 0; i < n; i++) {
		memcpy(text + len, i ? ",[]" : "[]", i ? 3 : 2);
		len += i ? 3 : 2;
	}
	memcpy(text + len, tail, sizeof(tail) - 1);
	len += sizeof(tail) - 1;
	cr_assert_eq(ptimer_new(&ctx), 0);
	before = peak_kib();
	cr_assert_eq(ptimer_dump_from_json(ctx, text, len, &back), -PTIMER_ERR_BAD_DUMP);
	grew = peak_kib() - before;
	cr_log_info("refusing it grew the peak by %ld KiB: %s", grew, ptimer_last_error(ctx));
	cr_expect(strstr(ptimer_last_error(ctx), "malformed JSON"), "%s", ptimer_last_error(ctx));
	expect_growth_below(grew, 4 * 1024, "refused unknown member");
	free(text);
	ptimer_free(ctx);
}

/* Encoding a signal queued for each of 96k timers holds one entry at a time too. */
Test(json_scale, pending_signals_encode_streams)
{
	struct ptimer_dump *d = big_dump();
	struct ptimer_ctx *ctx;
	FILE *f = tmpfile();
	long before, grew;

	add_signals(d);
	cr_assert_not_null(f);
	cr_assert_eq(ptimer_new(&ctx), 0);
	before = peak_kib();
	cr_assert_eq(ptimer_private_dump_write_json(ctx, d, true, f), 0);
	grew = peak_kib() - before;
	cr_log_info("encoding %d timers and as many signals (%ld bytes) grew the peak by %ld KiB",
		    NTIMERS, ftell(f), grew);
	expect_growth_below(grew, 4 * 1024, "encoder");
	fclose(f);
	ptimer_free(ctx);
	ptimer_dump_free(d);
}

/*
 * A signal queued for each of 96k timers: the kinds' sections stream too,
 * one element at a time.  A json-c tree of pending_signals took about
 * 1.6 KB an entry: 150 MB here, where a timer may take 0.5 KiB.
 */
Test(json_scale, pending_signals_stream)
{
	struct ptimer_dump *d = big_dump(), *back;
	struct ptimer_ctx *ctx;
	const struct ptimer_pending_signal *sigs;
	long before, grew;
	size_t len, n;
	char *text;

	add_signals(d);
	cr_assert_eq(ptimer_new(&ctx), 0);
	cr_assert_eq(ptimer_dump_to_json(ctx, d, false, &text), 0);
	len = strlen(text);
	cr_assert_lt(len, (size_t)PTIMER_JSON_MAX_BYTES);
	before = peak_kib();
	cr_assert_eq(ptimer_dump_from_json(ctx, text, len, &back), 0, "%s",
		     ptimer_last_error(ctx));
	grew = peak_kib() - before;
	cr_log_info("decoding %d timers and as many signals (%zu bytes) grew the peak by %ld KiB",
		    NTIMERS, len, grew);
	/* The dump itself: the timers as in decode_streams, the signals as much again. */
	expect_growth_below(grew, 24 * 1024, "decoder");
	sigs = ptimer_dump_signals(back, &n);
	cr_assert_eq(n, (size_t)NTIMERS);
	cr_expect_eq(sigs[NTIMERS - 1].timerid, NTIMERS - 1);
	free(text);
	ptimer_dump_free(back);
	ptimer_free(ctx);
	ptimer_dump_free(d);
}

/* The last write(2) a cookie stream was given, and how many there were. */
struct last_write {
	char last[64];
	size_t len;
	int writes;
};

static ssize_t note_write(void *cookie, const char *buf, size_t size)
{
	struct last_write *lw = cookie;

	lw->len = size < sizeof(lw->last) ? size : sizeof(lw->last);
	memcpy(lw->last, buf, lw->len);
	lw->writes++;
	return (ssize_t)size;
}

/*
 * The closing brace goes alone in the stream's last write, with its
 * newline: a reader that got the brace got the newline too.  Otherwise a
 * dump --disarm whose newline could not be written re-armed its timers
 * while its reader, holding a whole document, restored them elsewhere.
 */
Test(json_scale, the_closing_brace_is_written_alone)
{
	static const char *const closing[] = { "}\n", "\n}\n" };
	struct ptimer_dump *d = big_dump();
	struct ptimer_ctx *ctx;

	cr_assert_eq(ptimer_new(&ctx), 0);
	for (int pretty = 0; pretty < 2; pretty++) {
		cookie_io_functions_t io = { .write = note_write };
		struct last_write lw = { 0 };
		FILE *f = fopencookie(&lw, "w", io);

		cr_assert_not_null(f);
		cr_assert_eq(ptimer_private_dump_write_json(ctx, d, pretty, f), 0);
		cr_assert_eq(fclose(f), 0);
		cr_assert_gt(lw.writes, 1);
		cr_expect(lw.len == strlen(closing[pretty]) &&
			  !memcmp(lw.last, closing[pretty], lw.len),
			  "pretty=%d: the last write was %zu bytes, not the closing brace alone",
			  pretty, lw.len);
	}
	ptimer_free(ctx);
	ptimer_dump_free(d);
}
