// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * show's tables (libsmartcols): -o with +COL, --list-columns, -n, -r,
 * --nanoseconds, --json=table, and -J keeping its first meaning, the dump
 * document.  A long table goes out in batches: one header, every row once,
 * in order, aligned across batches.  The other kinds (itimers, timerfds,
 * queued timer signals) through the same tables: a titled section each
 * for people, one table for a script, one JSON array each.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "kinds_util.h"
#include "restore_util.h"

static void fini(void)
{
	harness_kill_all();
}

TestSuite(tables, .fini = fini, .timeout = 60);

static struct victim *two_timer_victim(void)
{
	struct victim *v = victim_start("--threads", "1", "--timer",
					"id=7,clock=monotonic,sig=10,sigval=0xbeef,value_ms=60000,"
					"interval_ms=500", "--timer",
					"id=42,clock=realtime,notify=thread_id,thread=1,sig=12,"
					"value_ms=90000", NULL);

	cr_assert(v->ready, "%s", v->error);
	return v;
}

static void run_ok(struct run_result *r, const char *what, const char *const *argv)
{
	const char *args[16] = { ptimerctl_path() };
	size_t n = 1;

	for (; argv[n - 1]; n++)
		args[n] = argv[n - 1];
	args[n] = NULL;
	cr_assert_eq(run_argv(r, NULL, args), 0);
	cr_assert_eq(r->exit_code, 0, "%s: %s", what, run_describe(r));
}

Test(tables, default_header_is_the_documented_one)
{
	struct victim *v = two_timer_victim();
	struct run_result r;
	char pid[16];

	run_ok(&r, "show", (const char *[]){ "show", ru_pidstr(pid, v->pid), NULL });
	/* The README and ptimerctl(1) show this line; scripts may grep it. */
	cr_assert(strstr(r.out, "\n        ID CLOCK                NOTIFY    SIGNAL          TID"
			 "            REMAINING             INTERVAL OVERRUN\n"), "%s", r.out);
	cr_assert(strstr(r.out, "         7 monotonic            signal    SIGUSR1           -"),
		  "%s", r.out);
	run_result_free(&r);
}

Test(tables, raw_noheadings_nanoseconds_columns)
{
	struct victim *v = two_timer_victim();
	struct run_result r;
	long long id, rem, itv, tid;
	char pid[16], line[256];
	pid_t tids[4];
	FILE *f;

	cr_assert_geq(victim_tids(v, tids, 4), 2);
	run_ok(&r, "show -rn", (const char *[]){ "show", "-rn", "--nanoseconds", "-o",
			"id,REMAINING,interval,TID", ru_pidstr(pid, v->pid), NULL });
	f = fmemopen(r.out, r.out_len, "r");
	cr_assert(fgets(line, sizeof(line), f));
	cr_assert_eq(sscanf(line, "%lld %lld %lld -", &id, &rem, &itv), 3, "%s", r.out);
	cr_assert_eq(id, 7);
	cr_assert(rem > 0 && rem <= 60 * RU_SEC, "%s", line);
	cr_assert_eq(itv, 500 * RU_MS);
	cr_assert(fgets(line, sizeof(line), f));
	cr_assert_eq(sscanf(line, "%lld %lld %lld %lld", &id, &rem, &itv, &tid), 4, "%s", r.out);
	cr_assert_eq(id, 42);
	cr_assert_eq(itv, 0, "a one-shot is 0 in nanoseconds, not '-': %s", line);
	cr_assert_eq(tid, tids[1], "%s", line);
	cr_assert(!fgets(line, sizeof(line), f), "no process line, no header: %s", r.out);
	fclose(f);
	run_result_free(&r);

	/* +COL appends to the defaults. */
	run_ok(&r, "show -o +", (const char *[]){ "show", "-o", "+SIGVAL,SIGNO",
			ru_pidstr(pid, v->pid), NULL });
	cr_assert(strstr(r.out, "OVERRUN             SIGVAL SIGNO\n"), "%s", r.out);
	cr_assert(strstr(r.out, "0x000000000000beef    10"), "%s", r.out);
	run_result_free(&r);
}

Test(tables, json_table_and_dump_document)
{
	struct victim *v = two_timer_victim();
	json_object *root, *rows, *row, *val;
	struct run_result r;
	char pid[16];

	run_ok(&r, "--json=table", (const char *[]){ "show", "--json=table", "-o",
			"ID,TID,REMAINING,SIGVAL", ru_pidstr(pid, v->pid), NULL });
	root = json_parse_text(r.out);
	cr_assert(root, "%s", r.out);
	cr_assert(json_object_object_get_ex(root, "timers", &rows));
	cr_assert_eq(json_object_array_length(rows), 2);
	row = json_object_array_get_idx(rows, 0);
	cr_assert(json_object_object_get_ex(row, "id", &val) && json_object_is_type(val, json_type_int));
	cr_assert_eq(json_object_get_int(val), 7);
	cr_assert(json_is_null_member(row, "tid"), "no thread is null: %s", r.out);
	cr_assert(json_object_object_get_ex(row, "remaining", &val) &&
		  json_object_is_type(val, json_type_double), "%s", r.out);
	cr_assert(json_object_get_double(val) > 0 && json_object_get_double(val) <= 60);
	cr_assert_str_eq(json_get_str(row, "sigval"), "0x000000000000beef");
	json_object_put(root);
	run_result_free(&r);

	/* -J alone is the dump document, as before tables existed. */
	run_ok(&r, "-J", (const char *[]){ "show", "-J", ru_pidstr(pid, v->pid), NULL });
	root = json_parse_text(r.out);
	cr_assert(root && json_object_object_get_ex(root, "version", NULL), "%s", r.out);
	cr_assert(dump_timer(root, 42));
	json_object_put(root);
	run_result_free(&r);

	/* The dump document has no columns: -o with it is misuse, not ignored. */
	cr_assert_eq(run_ptimerctl(&r, "show", "-J", "-o", "ID", pid, NULL), 0);
	cr_assert_eq(r.exit_code, PX_USAGE, "%s", run_describe(&r));
	cr_assert(strstr(r.err, "--json=table"), "%s", r.err);
	cr_assert_eq(r.out_len, 0);
	run_result_free(&r);
}

Test(tables, column_names)
{
	static const char *const names[] = { "ID", "CLOCK", "NOTIFY", "SIGNAL", "TID",
					     "REMAINING", "INTERVAL", "OVERRUN", "SIGVAL",
					     "CLOCKID", "SIGNO" };
	struct run_result r;

	cr_assert_eq(run_ptimerctl(&r, "show", "--list-columns", NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		cr_expect(strstr(r.out, names[i]), "%s missing: %s", names[i], r.out);
	run_result_free(&r);

	cr_assert_eq(run_ptimerctl(&r, "show", "-o", "ID,NOPE", "-i", "/dev/null", NULL), 0);
	cr_assert_eq(r.exit_code, PX_USAGE, "%s", run_describe(&r));
	cr_assert(strstr(r.err, "unknown column 'NOPE'"), "%s", r.err);
	run_result_free(&r);
}

/* 1500 rows: three batches of 512 and a partial one. */
Test(tables, long_table_in_batches)
{
	struct victim *v = victim_start("--timer", "id=1,value_ms=60000", NULL);
	enum { N = 1500 };
	static int ids[N];
	struct run_result r;
	char *dump, *big, *line, *save;
	size_t len = 0, lines = 0;

	cr_assert(v->ready, "%s", v->error);
	dump = ru_dump_file(v->pid, NULL);
	for (int i = 0; i < N; i++)
		ids[i] = i * 997 + 1;	/* widths from 1 to 7 digits */
	big = ru_dump_with_ids(dump, ids, N);
	run_ok(&r, "show big", (const char *[]){ "show", "-o", "NOTIFY,ID", "-i", big, NULL });
	for (line = strtok_r(r.out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (!lines++) {
			cr_assert(!strncmp(line, "pid ", 4), "%s", line);
			continue;
		}
		/* Every line, header included, as wide as the first: aligned across batches. */
		if (!len)
			len = strlen(line);
		cr_assert_eq(strlen(line), len, "line %zu: '%s'", lines, line);
		if (lines == 2) {
			cr_assert_str_eq(line, "NOTIFY            ID");
			continue;
		}
		cr_assert_eq(atoi(line + 9), ids[lines - 3], "line %zu: '%s'", lines, line);
	}
	cr_assert_eq(lines, N + 2, "one process line, one header, every row once");
	run_result_free(&r);
	ru_file_free(big);
	ru_file_free(dump);
}

/* allkinds with its one-shot timer signals fired while blocked: every kind has rows. */
static struct victim *every_kind_victim(void)
{
	struct victim *v = ak_start(NULL, NULL);

	ak_ok(v, "pend", NULL, 0);
	cr_assert(ak_wait_pending(v->pid, 0, AK_SIG_OPROC, true), "39 never pending");
	cr_assert(ak_wait_pending(v->pid, ak_worker(v), AK_SIG_OTHR, true), "38 never pending");
	return v;
}

static json_object *json_array(json_object *root, const char *key, size_t want)
{
	json_object *a = NULL;

	cr_assert(json_object_object_get_ex(root, key, &a) &&
		  json_object_is_type(a, json_type_array), "no array \"%s\"", key);
	cr_assert_geq(json_object_array_length(a), want, "\"%s\" has %zu rows", key,
		      json_object_array_length(a));
	return a;
}

/* The row of @rows whose integer @key is @val. */
static json_object *json_row(json_object *rows, const char *key, int64_t val)
{
	for (size_t i = 0; i < json_object_array_length(rows); i++) {
		json_object *row = json_object_array_get_idx(rows, i);
		int64_t got;

		if (json_get_int64(row, key, &got) && got == val)
			return row;
	}
	cr_assert_fail("no row with %s %lld", key, (long long)val);
	return NULL;
}

/*
 * The pending section lists the two signals the victim holds, and may
 * list the signal of a periodic timer (0 or 1) that the stop caught
 * between its expiry and its delivery.
 */
static bool pending_rows_are_held_ones(const char *out)
{
	static const char *const held[] = { "SIGRTMIN+6           2", "SIGRTMIN+7           3" };
	static const char *const live[] = { "SIGRTMIN+4           0", "SIGRTMIN+5           1" };
	const char *p = strstr(out, "\n\npending timer signals: ");
	unsigned int seen = 0;

	if (!p || !(p = strstr(p, "SIGVAL\n")))
		return false;
	p += strlen("SIGVAL\n");
	while (*p && *p != '\n') {
		const char *end = strchrnul(p, '\n');
		bool known = false;

		for (size_t k = 0; k < 2; k++) {
			const char *h = memmem(p, end - p, held[k], strlen(held[k]));
			const char *l = memmem(p, end - p, live[k], strlen(live[k]));

			seen |= h ? 1u << k : 0;
			known |= h || l;
		}
		if (!known)
			return false;
		p = *end ? end + 1 : end;
	}
	return seen == 3;
}

Test(tables, every_kind_as_sections_for_people)
{
	struct victim *v = every_kind_victim();
	struct run_result r;
	char pid[16];

	run_ok(&r, "show", (const char *[]){ "show", ru_pidstr(pid, v->pid), NULL });
	/* The README shows these headers; check-readme greps them. */
	cr_expect(strstr(r.out, "\n\nitimers: 3 armed\nWHICH               REMAINING"
			 "             INTERVAL\nreal "), "%s", r.out);
	cr_expect(strstr(r.out, "\n\ntimerfds: 4\n     FD CLOCK           SETTIME"
			 "               FDFLAGS               TICKS            REMAINING"
			 "             INTERVAL\n    100 monotonic       -                     "
			 "nonblock  "), "%s", r.out);
	cr_expect(strstr(r.out, "    101 realtime        abstime,cancel_on_set cloexec   "),
		  "%s", r.out);
	cr_expect(pending_rows_are_held_ones(r.out), "%s", r.out);
	cr_expect(strstr(r.out, "process       - SIGRTMIN+7           3       0"
			 " 0x000000000a110027\n"), "%s", r.out);
	run_result_free(&r);
}

Test(tables, every_kind_in_one_json_object)
{
	struct victim *v = every_kind_victim();
	json_object *root, *rows, *row, *val;
	struct run_result r;
	char pid[16];

	run_ok(&r, "--json=table", (const char *[]){ "show", "--json=table", "--nanoseconds",
			"-o", "ID", ru_pidstr(pid, v->pid), NULL });
	root = json_parse_text(r.out);
	cr_assert(root, "not one JSON document: %s", r.out);
	cr_assert_eq(json_object_object_length(root), 4, "%s", r.out);
	/* -o is the POSIX table's; the others keep their default columns. */
	row = json_object_array_get_idx(json_array(root, "timers", 4), 0);
	cr_assert_eq(json_object_object_length(row), 1, "%s", r.out);
	row = json_row(json_array(root, "itimers", 3), "interval", 100 * RU_MS);
	cr_expect_str_eq(json_get_str(row, "which"), "real");
	rows = json_array(root, "timerfds", 4);
	row = json_row(rows, "fd", 101);
	cr_expect_str_eq(json_get_str(row, "settime"), "abstime,cancel_on_set");
	cr_expect_str_eq(json_get_str(row, "fdflags"), "cloexec");
	cr_expect(json_object_object_get_ex(row, "clockid", NULL) == false, "%s", r.out);
	row = json_row(rows, "fd", 102);
	/* No flags is null; with --nanoseconds a disarmed timer is 0, as for POSIX timers. */
	cr_expect(json_is_null_member(row, "settime") &&
		  json_object_object_get_ex(row, "remaining", &val) &&
		  json_object_get_int64(val) == 0, "%s", r.out);
	cr_expect(json_object_object_get_ex(row, "ticks", &val) &&
		  json_object_get_int(val) == 1, "%s", r.out);
	rows = json_array(root, "pending_signals", 2);
	row = json_row(rows, "timer", 3);
	cr_expect_str_eq(json_get_str(row, "queue"), "process");
	cr_expect(json_is_null_member(row, "tid"), "%s", r.out);
	cr_expect_str_eq(json_get_str(row, "sigval"), "0x000000000a110027");
	row = json_row(rows, "timer", 2);
	cr_expect(json_object_object_get_ex(row, "tid", &val) &&
		  json_object_get_int(val) == ak_worker(v), "%s", r.out);
	json_object_put(root);
	run_result_free(&r);

	/* --kinds narrows the object to the kinds named. */
	run_ok(&r, "--kinds", (const char *[]){ "show", "--json=table", "--kinds=itimer,signals",
			pid, NULL });
	root = json_parse_text(r.out);
	cr_assert(root, "%s", r.out);
	cr_expect_eq(json_object_object_length(root), 2, "%s", r.out);
	json_array(root, "itimers", 3);
	json_array(root, "pending_signals", 2);
	json_object_put(root);
	run_result_free(&r);
}

Test(tables, one_table_for_scripts)
{
	struct victim *v = every_kind_victim();
	struct run_result r;
	long long fd, ticks;
	char pid[16], line[256], flags[64];
	FILE *f;
	int n = 0;

	/* -r without --kinds: the POSIX timers alone, as before the other kinds. */
	run_ok(&r, "-rn", (const char *[]){ "show", "-rn", "-o", "ID", ru_pidstr(pid, v->pid),
			NULL });
	cr_assert_str_eq(r.out, "0\n1\n2\n3\n");
	run_result_free(&r);

	/* --kinds=timerfd: -o names a timerfd's columns. */
	run_ok(&r, "timerfd", (const char *[]){ "show", "--kinds=timerfd", "-rn", "-o",
			"fd,TICKS,settime", pid, NULL });
	f = fmemopen(r.out, r.out_len, "r");
	while (fgets(line, sizeof(line), f)) {
		cr_assert_eq(sscanf(line, "%lld %lld %63s", &fd, &ticks, flags), 3, "%s", r.out);
		cr_assert_eq(fd, AK_TFD_FIRST + n, "%s", r.out);
		if (fd == 101)
			cr_expect_str_eq(flags, "abstime,cancel_on_set");
		if (fd == 102)
			cr_expect_eq(ticks, 1, "%s", r.out);
		n++;
	}
	fclose(f);
	cr_assert_eq(n, AK_NTFD, "%s", r.out);
	run_result_free(&r);

	run_ok(&r, "signals", (const char *[]){ "show", "--kinds=signals", "-r", "-o",
			"QUEUE,SIGNO,TIMER", pid, NULL });
	cr_expect(strstr(r.out, "QUEUE SIGNO TIMER\n") && strstr(r.out, "\nprocess 39 3\n") &&
		  strstr(r.out, "\nthread 38 2\n"), "%s", r.out);
	run_result_free(&r);

	/* A column of another kind is unknown; two kinds without posix is no one table. */
	cr_assert_eq(run_ptimerctl(&r, "show", "--kinds=itimer", "-o", "FD", pid, NULL), 0);
	cr_assert_eq(r.exit_code, PX_USAGE, "%s", run_describe(&r));
	cr_assert(strstr(r.err, "unknown column 'FD'"), "%s", r.err);
	run_result_free(&r);
	cr_assert_eq(run_ptimerctl(&r, "show", "--kinds=itimer,timerfd", "-r", pid, NULL), 0);
	cr_assert_eq(r.exit_code, PX_USAGE, "%s", run_describe(&r));
	cr_assert(strstr(r.err, "one table"), "%s", r.err);
	run_result_free(&r);
}

Test(tables, every_kind_has_its_columns)
{
	static const char *const names[] = { "WHICH", "SETTIME", "FDFLAGS", "TICKS", "QUEUE",
					     "TIMER" };
	struct run_result r;

	cr_assert_eq(run_ptimerctl(&r, "show", "--list-columns", NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		cr_expect(strstr(r.out, names[i]), "%s missing: %s", names[i], r.out);
	cr_expect(strstr(r.out, "\ntimerfds (--kinds=timerfd):\n"), "%s", r.out);
	run_result_free(&r);

	cr_assert_eq(run_ptimerctl(&r, "show", "--kinds=itimer", "--list-columns", NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	cr_expect(strstr(r.out, "WHICH") && !strstr(r.out, "NOTIFY"), "%s", r.out);
	run_result_free(&r);
}

/*
 * A dump taken with --kinds carries only those kinds: asked for another,
 * show says which it lacks and how it was taken, rather than print none
 * as if there were none (text), or fail with "the dump is invalid" (-J).
 */
Test(tables, a_kind_the_dump_does_not_carry_is_refused)
{
	struct victim *v = two_timer_victim();
	const char *const kinds[] = { "timerfd", "itimer", "signals", "posix,timerfd" };
	struct run_result r;
	char *dump = ru_dump_file(v->pid, "--kinds=posix");

	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
		for (int json = 0; json < 2; json++) {
			char opt[32];

			snprintf(opt, sizeof(opt), "--kinds=%s", kinds[i]);
			cr_assert_eq(run_ptimerctl(&r, "show", opt, json ? "-J" : "-r", "-i", dump,
						   NULL), 0);
			cr_expect_eq(r.exit_code, 2, "show %s: %s", opt, run_describe(&r));
			cr_expect(strstr(r.err, "does not carry kind") &&
				  strstr(r.err, "--kinds=posix"), "show %s: %s", opt, r.err);
			cr_expect_str_eq(r.out, "", "show %s printed %s", opt, r.out);
			run_result_free(&r);
		}
	}
	run_ok(&r, "posix", (const char *[]){ "show", "--kinds=posix", "-i", dump, NULL });
	cr_expect(strstr(r.out, "2 timers"), "%s", r.out);
	run_result_free(&r);
	ru_file_free(dump);
	victim_kill(v);
}
