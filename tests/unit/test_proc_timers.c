// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * ptimer_parse_proc_timers() on captured and hand-made /proc/PID/timers
 * texts.  The fixtures live in $PTIMER_FIXTURES/proc_timers: good-*.txt
 * must parse to exactly the timers listed here, bad-*.txt must fail with
 * -EINVAL at the line listed here.  A fixture without an entry in these
 * tables fails the "every fixture is listed" test, so none goes unchecked.
 */
#include <criterion/criterion.h>
#include <criterion/parameterized.h>
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define SIG	PTIMER_NOTIFY_SIGNAL
#define NONE	PTIMER_NOTIFY_NONE
#define THR	PTIMER_NOTIFY_THREAD
#define TID	PTIMER_NOTIFY_THREAD_ID

/* The fields the parser fills, in the order a record is read. */
struct exp_timer {
	int id;
	int signo;
	uint64_t sigval;
	int notify;
	int notify_pid;
	int clockid;
};

struct fixture {
	char *text;
	size_t len;
};

static const char *fixture_dir(void)
{
	const char *dir = getenv("PTIMER_FIXTURES");

	return dir && *dir ? dir : "tests/fixtures";
}

static struct fixture load_fixture(const char *name)
{
	struct fixture f = { 0 };
	char path[PATH_MAX];
	size_t cap = 4096;
	FILE *fp;
	size_t n;

	snprintf(path, sizeof(path), "%s/proc_timers/%s", fixture_dir(), name);
	fp = fopen(path, "rb");
	cr_assert_not_null(fp, "cannot open fixture '%s': %s (set PTIMER_FIXTURES)",
			   path, strerror(errno));
	f.text = malloc(cap);
	cr_assert_not_null(f.text);
	while ((n = fread(f.text + f.len, 1, cap - f.len, fp)) > 0) {
		f.len += n;
		if (f.len == cap) {
			cap *= 2;
			f.text = realloc(f.text, cap);
			cr_assert_not_null(f.text);
		}
	}
	cr_assert(!ferror(fp), "read error on '%s'", path);
	fclose(fp);
	return f;
}

static void expect_timer(const struct ptimer_timer *t,
			 const struct exp_timer *e, const char *what, size_t i)
{
	cr_expect_eq(t->id, e->id, "%s[%zu].id: %d != %d", what, i, t->id, e->id);
	cr_expect_eq(t->signo, e->signo, "%s[%zu].signo: %d != %d", what, i,
		     t->signo, e->signo);
	cr_expect_eq(t->sigval, e->sigval, "%s[%zu].sigval: %#llx != %#llx",
		     what, i, (unsigned long long)t->sigval,
		     (unsigned long long)e->sigval);
	cr_expect_eq(t->notify, e->notify, "%s[%zu].notify: %d != %d", what, i,
		     t->notify, e->notify);
	cr_expect_eq(t->notify_pid, e->notify_pid,
		     "%s[%zu].notify_pid: %d != %d", what, i, t->notify_pid,
		     e->notify_pid);
	cr_expect_eq(t->clockid, e->clockid, "%s[%zu].clockid: %d != %d",
		     what, i, t->clockid, e->clockid);
	/* These need the live process; the parser must leave them zero. */
	cr_expect_eq(t->value_ns, 0);
	cr_expect_eq(t->interval_ns, 0);
	cr_expect_eq(t->overrun, 0);
}

/*
 * Parse a fixture and compare against the concatenation of up to three
 * expectation arrays (captures taken one after another share a tail).
 */
static void expect_fixture(const char *name,
			   const struct exp_timer *a, size_t na,
			   const struct exp_timer *b, size_t nb,
			   const struct exp_timer *c, size_t nc)
{
	struct fixture f = load_fixture(name);
	struct ptimer_dump *dump = ptimer_dump_new();
	unsigned int line = 12345;
	int ret;

	cr_assert_not_null(dump);
	ret = ptimer_parse_proc_timers(f.text, f.len, dump, &line);
	cr_assert_eq(ret, 0, "%s: returned %d at line %u", name, ret, line);
	cr_expect_eq(line, 0, "%s: err_line %u on success", name, line);
	cr_assert_eq(dump->ntimers, na + nb + nc, "%s: %zu timers, expected %zu",
		     name, dump->ntimers, na + nb + nc);
	for (size_t i = 0; i < na; i++)
		expect_timer(&dump->timers[i], &a[i], name, i);
	for (size_t i = 0; i < nb; i++)
		expect_timer(&dump->timers[na + i], &b[i], name, na + i);
	for (size_t i = 0; i < nc; i++)
		expect_timer(&dump->timers[na + nb + i], &c[i], name,
			     na + nb + i);
	ptimer_dump_free(dump);
	free(f.text);
}

#define EXPECT1(name, a) \
	expect_fixture(name, a, ARRAY_SIZE(a), NULL, 0, NULL, 0)

/*
 * Captured on Linux 6.18 by a program with pid 7161, a helper thread 7162
 * and a child 7163 whose CPU clocks it used.  The alarm clocks failed with
 * EOPNOTSUPP (no RTC), which is why IDs 6 and 7 are missing.
 */
static const struct exp_timer cap_clocks[] = {
	{ 12, 0, 0, NONE, 7161, -57294 },	/* own pid's process CPU clock */
	{ 11, 12, 0x564cf6ded124, SIG, 7161, -57298 },	/* thread 7162 sched */
	{ 10, 26, 0, SIG, 7161, -57311 },	/* pid 7163 virt */
	{ 9, 27, 0, SIG, 7161, -57312 },	/* pid 7163 prof */
	{ 8, 10, 0, SIG, 7161, -57310 },	/* pid 7163 sched */
	{ 5, 39, 0x1005, SIG, 7161, -2 },	/* CLOCK_THREAD_CPUTIME_ID */
	{ 4, 38, 0x1004, SIG, 7161, -6 },	/* CLOCK_PROCESS_CPUTIME_ID */
	{ 3, 37, 0x1003, SIG, 7161, 11 },	/* CLOCK_TAI */
	{ 2, 36, 0x1002, SIG, 7161, 7 },	/* CLOCK_BOOTTIME */
	{ 1, 35, 0x1001, SIG, 7161, 1 },	/* CLOCK_MONOTONIC */
	{ 0, 34, 0x1000, SIG, 7161, 0 },	/* CLOCK_REALTIME */
};

/* Then every notify mode, created after the clocks above. */
static const struct exp_timer cap_notify[] = {
	{ 20, 32, 0x564d0d1e3d50, TID, 7164, 1 },	/* glibc SIGEV_THREAD */
	{ 19, 14, 0, TID, 7161, 7 },	/* SIGEV_THREAD_ID alone is 4 */
	{ 18, 10, 0x1234, TID, 7162, 1 },
	{ 17, 64, 0xdeadbeefcafe, THR, 7161, 1 },	/* raw SIGEV_THREAD */
	{ 16, 12345, 0, NONE, 7161, 1 },	/* NONE keeps any signo */
	{ 15, -5, 0xffffffffffffffff, NONE, 7161, 1 },
	{ 14, 0, 0, NONE, 7161, 1 },
	{ 13, 14, 13, SIG, 7161, 1 },	/* NULL sevp: SIGALRM, sival = id */
};

/* Then IDs chosen with PR_TIMER_CREATE_RESTORE_IDS. */
static const struct exp_timer cap_high[] = {
	{ 65536, 33, 0xfffffffffffffffe, THR, 7161, -2 },
	{ 1000000, 34, 0x7fffffffffffffff, TID, 7162, -57310 },
	{ 2147483646, 12, 0, NONE, 7161, 7 },
	{ 2147483647, 10, 0, SIG, 7161, 1 },
};

Test(proc_timers, good_clocks)
{
	EXPECT1("good-clocks-6.18.txt", cap_clocks);
}

Test(proc_timers, good_notify)
{
	expect_fixture("good-notify-6.18.txt", cap_notify,
		       ARRAY_SIZE(cap_notify), cap_clocks,
		       ARRAY_SIZE(cap_clocks), NULL, 0);
}

Test(proc_timers, good_high_ids)
{
	expect_fixture("good-high-ids-6.18.txt", cap_high, ARRAY_SIZE(cap_high),
		       cap_notify, ARRAY_SIZE(cap_notify), cap_clocks,
		       ARRAY_SIZE(cap_clocks));
}

/* The CPU clock ids in the capture decode to the pids that made them. */
Test(proc_timers, captured_cpu_clocks_decode)
{
	cr_expect_eq(ptimer_cpu_clock_pid(-57294), 7161);
	cr_expect_eq(ptimer_cpu_clock_which(-57294), PTIMER_CPU_SCHED);
	cr_expect(!ptimer_cpu_clock_is_thread(-57294));
	cr_expect_eq(ptimer_cpu_clock_pid(-57298), 7162);
	cr_expect(ptimer_cpu_clock_is_thread(-57298));
	cr_expect_eq(ptimer_cpu_clock_which(-57298), PTIMER_CPU_SCHED);
	cr_expect_eq(ptimer_cpu_clock_pid(-57310), 7163);
	cr_expect_eq(ptimer_cpu_clock_which(-57310), PTIMER_CPU_SCHED);
	cr_expect_eq(ptimer_cpu_clock_which(-57311), PTIMER_CPU_VIRT);
	cr_expect_eq(ptimer_cpu_clock_which(-57312), PTIMER_CPU_PROF);
	cr_expect_eq(ptimer_cpu_clock_make(7163, false, PTIMER_CPU_PROF),
		     -57312);
}

Test(proc_timers, good_sample)
{
	static const struct exp_timer e[] = {
		{ 2147483646, 10, 0, NONE, 4868, 7 },
		{ 3, 12, 0x1234, TID, 4868, -38950 },
		{ 2, 32, 0x562d77a23460, TID, 4869, 7 },
		{ 0, 0, 0, NONE, 4868, 1 },
	};

	EXPECT1("good-sample-6.18.txt", e);
}

/*
 * A thread (7585) made process-directed timers, which show the tgid, and
 * one aimed at itself, then exited: the tid is still printed.
 */
Test(proc_timers, good_dead_thread)
{
	static const struct exp_timer e[] = {
		{ 3, 10, 77, TID, 7584, 1 },
		{ 2, 12, 77, TID, 7585, 1 },
		{ 1, 0, 77, NONE, 7584, 1 },
		{ 0, 10, 77, SIG, 7584, 1 },
	};

	EXPECT1("good-dead-thread-6.18.txt", e);
}

/* One process in a child pid namespace, read from inside and outside. */
Test(proc_timers, good_pidns_inside)
{
	static const struct exp_timer e[] = {
		{ 3, 35, 0x30, TID, 1, 1 },
		{ 2, 34, 0x20, TID, 2, 1 },
		{ 1, 0, 0, NONE, 1, 1 },
		{ 0, 10, 0x10, SIG, 1, 1 },
	};

	EXPECT1("good-pidns-inside-6.18.txt", e);
}

Test(proc_timers, good_pidns_outside)
{
	static const struct exp_timer e[] = {
		{ 3, 35, 0x30, TID, 10287, 1 },
		{ 2, 34, 0x20, TID, 10289, 1 },
		{ 1, 0, 0, NONE, 10287, 1 },
		{ 0, 10, 0x10, SIG, 10287, 1 },
	};

	EXPECT1("good-pidns-outside-6.18.txt", e);
}

Test(proc_timers, good_empty)
{
	expect_fixture("good-empty.txt", NULL, 0, NULL, 0, NULL, 0);
}

Test(proc_timers, good_old_null_64bit)
{
	static const struct exp_timer e[] = {
		{ 1, 14, 0, SIG, 812, 0 },
		{ 0, 10, 0x7ffd5e1c2a40, TID, 813, 1 },
	};

	EXPECT1("good-old-null-64bit.txt", e);
}

Test(proc_timers, good_old_null_32bit)
{
	static const struct exp_timer e[] = {
		{ 1, 14, 0, SIG, 812, 0 },
		{ 0, 10, 0xbfd5e1c0, THR, 812, -6 },
	};

	EXPECT1("good-old-null-32bit.txt", e);
}

Test(proc_timers, good_null_unpadded)
{
	static const struct exp_timer e[] = {
		{ 0, 14, 0, NONE, 1, 7 },
	};

	EXPECT1("good-null-unpadded.txt", e);
}

Test(proc_timers, good_sigval_forms)
{
	static const struct exp_timer e[] = {
		{ 0, 10, 0x7ffd5e1c2a40, SIG, 100, 0 },
		{ 1, 10, 0, SIG, 100, 0 },
		{ 2, 10, 0xffffffffffffffff, SIG, 100, 0 },
		{ 3, 10, 0xdeadbeef, SIG, 100, 0 },
	};

	EXPECT1("good-sigval-forms.txt", e);
}

Test(proc_timers, good_no_final_newline)
{
	static const struct exp_timer e[] = {
		{ 5, 10, 1, SIG, 42, 1 },
	};

	EXPECT1("good-no-final-newline.txt", e);
}

Test(proc_timers, good_reordered_keys)
{
	static const struct exp_timer e[] = {
		{ 7, 33, 0xff, THR, 9, -2 },
		{ 8, 0, 0, NONE, 9, 11 },
	};

	EXPECT1("good-reordered-keys.txt", e);
}

Test(proc_timers, good_pid_zero)
{
	static const struct exp_timer e[] = {
		{ 4, 12, 0, TID, 0, 1 },
		{ 3, 0, 0, NONE, 0, 1 },
	};

	EXPECT1("good-pid-zero.txt", e);
}

Test(proc_timers, good_int_limits)
{
	static const struct exp_timer e[] = {
		{ INT_MAX, INT_MIN, UINT64_MAX, NONE, INT_MAX, INT_MIN },
		{ 0, INT_MAX, 0, TID, 4194304, INT_MAX },
	};

	EXPECT1("good-int-limits.txt", e);
}

/*
 * The name is held inline: Criterion runs each parameterized test in a
 * freshly exec'd process, where a pointer into the parent's static data
 * would be stale under ASLR.
 */
struct bad_case {
	char file[48];
	unsigned int line;
};

/* Each bad fixture and the line the error must be reported at. */
static const struct bad_case bad_cases[] = {
	{ "bad-missing-key.txt", 1 },		/* record's own first line */
	{ "bad-missing-key-at-eof.txt", 5 },
	{ "bad-truncated.txt", 7 },
	{ "bad-truncated-record.txt", 5 },
	{ "bad-duplicate-key.txt", 8 },
	{ "bad-unknown-key.txt", 9 },
	{ "bad-number.txt", 5 },
	{ "bad-overflow-id.txt", 5 },
	{ "bad-overflow-clockid.txt", 4 },
	{ "bad-overflow-signal.txt", 2 },
	{ "bad-overflow-pid.txt", 3 },
	{ "bad-sigval-too-long.txt", 2 },
	{ "bad-sigval-not-hex.txt", 2 },
	{ "bad-sigval-empty.txt", 2 },
	{ "bad-sigval-ptrval.txt", 2 },
	{ "bad-null-padding.txt", 2 },
	{ "bad-garbage.txt", 9 },
	{ "bad-leading-garbage.txt", 1 },
	{ "bad-blank-line.txt", 5 },
	{ "bad-trailing-blank-line.txt", 5 },
	{ "bad-crlf.txt", 1 },
	{ "bad-nul.txt", 6 },
	{ "bad-notify-mode.txt", 3 },
	{ "bad-notify-none-tid.txt", 3 },
	{ "bad-notify-who.txt", 3 },
	{ "bad-notify-no-dot.txt", 3 },
	{ "bad-negative-id.txt", 1 },
	{ "bad-negative-pid.txt", 3 },
	{ "bad-leading-zero.txt", 4 },
	{ "bad-minus-zero.txt", 4 },
	{ "bad-plus-sign.txt", 4 },
	{ "bad-key-before-id.txt", 1 },
	{ "bad-duplicate-id.txt", 9 },		/* the later of the two */
	{ "bad-no-space.txt", 1 },
	{ "bad-trailing-space.txt", 4 },
	{ "bad-empty-value.txt", 4 },
	{ "bad-key-case.txt", 4 },
};

ParameterizedTestParameters(proc_timers, bad)
{
	return cr_make_param_array(struct bad_case, (struct bad_case *)bad_cases,
				   ARRAY_SIZE(bad_cases));
}

ParameterizedTest(const struct bad_case *c, proc_timers, bad)
{
	struct fixture f = load_fixture(c->file);
	struct ptimer_dump *dump = ptimer_dump_new();
	unsigned int line = 0;
	int ret;

	cr_assert_not_null(dump);
	ret = ptimer_parse_proc_timers(f.text, f.len, dump, &line);
	cr_expect_eq(ret, -EINVAL, "%s: returned %d, expected -EINVAL",
		     c->file, ret);
	cr_expect_eq(line, c->line, "%s: error at line %u, expected %u",
		     c->file, line, c->line);
	cr_expect_eq(dump->ntimers, 0, "%s: %zu timers left after an error",
		     c->file, dump->ntimers);
	ptimer_dump_free(dump);
	free(f.text);
}

/* The good fixtures the Test()s above read; keep in step with them. */
static const char *const good_files[] = {
	"good-clocks-6.18.txt", "good-notify-6.18.txt",
	"good-high-ids-6.18.txt", "good-sample-6.18.txt",
	"good-dead-thread-6.18.txt", "good-pidns-inside-6.18.txt",
	"good-pidns-outside-6.18.txt", "good-empty.txt",
	"good-old-null-64bit.txt", "good-old-null-32bit.txt",
	"good-null-unpadded.txt", "good-sigval-forms.txt",
	"good-no-final-newline.txt", "good-reordered-keys.txt",
	"good-pid-zero.txt", "good-int-limits.txt",
};

static bool fixture_listed(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(good_files); i++)
		if (!strcmp(good_files[i], name))
			return true;
	for (size_t i = 0; i < ARRAY_SIZE(bad_cases); i++)
		if (!strcmp(bad_cases[i].file, name))
			return true;
	return false;
}

Test(proc_timers, every_fixture_is_listed)
{
	char path[PATH_MAX];
	struct dirent *de;
	unsigned int seen = 0;
	DIR *d;

	snprintf(path, sizeof(path), "%s/proc_timers", fixture_dir());
	d = opendir(path);
	cr_assert_not_null(d, "cannot open '%s': %s", path, strerror(errno));
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "good-", 5) &&
		    strncmp(de->d_name, "bad-", 4))
			continue;
		seen++;
		cr_expect(fixture_listed(de->d_name),
			  "fixture '%s' has no test", de->d_name);
	}
	closedir(d);
	cr_expect_eq(seen, ARRAY_SIZE(good_files) + ARRAY_SIZE(bad_cases),
		     "%u fixtures on disk, %zu listed", seen,
		     ARRAY_SIZE(good_files) + ARRAY_SIZE(bad_cases));
}

/* A text that is only a prefix of a good file (len cut short) is checked. */
Test(proc_timers, len_bounds_the_text)
{
	static const char text[] =
		"ID: 1\nsignal: 10/0000000000000000\nnotify: none/pid.1\n"
		"ClockID: 1\nID: 2\nsignal: 10/0000000000000000\n";
	struct ptimer_dump *dump = ptimer_dump_new();
	unsigned int line = 0;

	/* Just the first record: the second one is beyond len. */
	cr_assert_eq(ptimer_parse_proc_timers(text, 64, dump, &line), 0);
	cr_assert_eq(dump->ntimers, 1);
	cr_expect_eq(dump->timers[0].id, 1);
	/* Cut inside the ClockID value: "ClockID: " has no value. */
	cr_expect_eq(ptimer_parse_proc_timers(text, 62, dump, &line), -EINVAL);
	cr_expect_eq(line, 4);
	cr_expect_eq(dump->ntimers, 1, "a failed parse must not change the dump");
	/* The whole text: the second record is incomplete. */
	cr_expect_eq(ptimer_parse_proc_timers(text, sizeof(text) - 1, dump,
					      &line), -EINVAL);
	cr_expect_eq(line, 5);
	ptimer_dump_free(dump);
}

Test(proc_timers, nul_inside_len)
{
	static const char text[] = "ID: 1\nsignal: 10/0\nnotify: none/pid.1\n"
				   "ClockID: 1\0\n";
	struct ptimer_dump *dump = ptimer_dump_new();
	unsigned int line = 0;

	cr_expect_eq(ptimer_parse_proc_timers(text, sizeof(text) - 1, dump,
					      &line), -EINVAL);
	cr_expect_eq(line, 4);
	/* Without the NUL (len stops before it) the same text parses. */
	cr_expect_eq(ptimer_parse_proc_timers(text, sizeof(text) - 3, dump,
					      &line), 0);
	cr_expect_eq(dump->ntimers, 1);
	ptimer_dump_free(dump);
}

Test(proc_timers, appends_and_rolls_back)
{
	static const char good[] = "ID: 9\nsignal: 1/1\nnotify: none/pid.1\n"
				   "ClockID: 0\n";
	static const char bad[] = "ID: 10\nsignal: 1/1\nnotify: none/pid.1\n"
				  "ClockID: 0\nID: 11\n";
	struct ptimer_timer pre = { .id = 3, .clockid = 1 };
	struct ptimer_dump *dump = ptimer_dump_new();
	unsigned int line;

	cr_assert_eq(ptimer_dump_add_timer(dump, &pre), 0);
	cr_assert_eq(ptimer_parse_proc_timers(good, sizeof(good) - 1, dump,
					      NULL), 0);
	cr_assert_eq(dump->ntimers, 2);
	cr_expect_eq(dump->timers[0].id, 3);
	cr_expect_eq(dump->timers[1].id, 9);
	cr_expect_eq(ptimer_parse_proc_timers(bad, sizeof(bad) - 1, dump,
					      &line), -EINVAL);
	cr_expect_eq(line, 5);
	cr_expect_eq(dump->ntimers, 2);
	/* The dump still grows normally after a rollback. */
	cr_expect_eq(ptimer_parse_proc_timers(good, sizeof(good) - 1, dump,
					      NULL), 0);
	cr_expect_eq(dump->ntimers, 3);
	ptimer_dump_free(dump);
}

/* The duplicate check spans only the text parsed, not earlier timers. */
Test(proc_timers, duplicate_check_is_per_call)
{
	static const char text[] = "ID: 9\nsignal: 1/1\nnotify: none/pid.1\n"
				   "ClockID: 0\n";
	struct ptimer_dump *dump = ptimer_dump_new();

	cr_assert_eq(ptimer_parse_proc_timers(text, sizeof(text) - 1, dump,
					      NULL), 0);
	cr_expect_eq(ptimer_parse_proc_timers(text, sizeof(text) - 1, dump,
					      NULL), 0);
	cr_expect_eq(dump->ntimers, 2);
	ptimer_dump_free(dump);
}

Test(proc_timers, bad_arguments)
{
	struct ptimer_dump *dump = ptimer_dump_new();
	unsigned int line = 77;

	cr_expect_eq(ptimer_parse_proc_timers("ID: 1", 5, NULL, &line),
		     -EINVAL);
	cr_expect_eq(ptimer_parse_proc_timers(NULL, 5, dump, &line), -EINVAL);
	cr_expect_eq(ptimer_parse_proc_timers(NULL, 0, dump, &line), 0);
	cr_expect_eq(line, 0);
	cr_expect_eq(dump->ntimers, 0);
	ptimer_dump_free(dump);
}

/* The kernel allows up to INT_MAX timers; 100k must parse in a blink. */
Test(proc_timers, many_timers, .timeout = 20)
{
	const size_t n = 100000;
	const size_t rec_max = 96;
	char *text = malloc(n * rec_max);
	struct ptimer_dump *dump = ptimer_dump_new();
	unsigned int line = 0;
	size_t len = 0;

	cr_assert_not_null(text);
	for (size_t i = 0; i < n; i++) {
		/* Descending, as a kernel walking its hash list might print. */
		len += (size_t)snprintf(text + len, rec_max,
					"ID: %zu\nsignal: 14/%016zx\n"
					"notify: signal/pid.%zu\nClockID: %d\n",
					n - i, i, i % 4194304, -(int)(i % 64));
	}
	cr_assert_eq(ptimer_parse_proc_timers(text, len, dump, &line), 0,
		     "line %u", line);
	cr_assert_eq(dump->ntimers, n);
	cr_expect_eq(dump->timers[n - 1].id, 1);
	cr_expect_eq(dump->timers[n - 1].sigval, n - 1);
	cr_expect_eq(dump->timers[0].clockid, 0);
	cr_expect_eq(dump->timers[63].clockid, -63);
	ptimer_dump_free(dump);
	free(text);
}
