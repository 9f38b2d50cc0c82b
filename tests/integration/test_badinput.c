// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * Hostile input: every bad dump fixture, broken documents on stdin, a
 * document over PTIMER_JSON_MAX_BYTES through a pipe, and wrong command
 * lines.  Each is refused with its exit code and a message naming the
 * problem, and the target is never attached: a thread polls its
 * TracerPid all the while, and its timers are compared before and after.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include <ptimer.h>

#include "harness.h"
#include "restore_util.h"

static void fini(void)
{
	harness_kill_all();
}

TestSuite(badinput, .fini = fini, .timeout = 120);

/* A live target with a few timers of different kinds. */
static const struct ru_spec held[] = {
	{ 3, "monotonic", "signal", 10, 0, 0x3, 60000, 0 },
	{ 5, "realtime", "thread_id", 12, 1, 0x5, 50000, 1000 },
	{ 8, "boottime", "none", 34, 0, 0x8, 0, 0 },
};
#define NHELD (sizeof(held) / sizeof(held[0]))

struct target {
	struct victim *v;
	char pid[16];
	struct vtimer before[RU_MAX_TIMERS];
	int nbefore;
	int64_t t0;			/* CLOCK_MONOTONIC before @before was read */
	struct vstate st0;
};

static void target_start(struct target *t)
{
	const char *extra[] = { "--threads", "1", NULL };

	t->v = ru_start(held, NHELD, extra);
	ru_pidstr(t->pid, t->v->pid);
	t->t0 = clock_ns(CLOCK_MONOTONIC);
	t->nbefore = ru_timers(t->v, t->before, RU_MAX_TIMERS);
	cr_assert_eq(t->nbefore, (int)NHELD, "%s", ru_timers_str(t->before, t->nbefore));
	cr_assert_eq(victim_state(t->v, &t->st0), 0);
}

/* The target is as it was: same timers, untraced, no EINTR, no signal. */
static void target_check(struct target *t, const char *what)
{
	struct vtimer after[RU_MAX_TIMERS];
	struct vstate st;
	char why[256];
	int na = ru_timers(t->v, after, RU_MAX_TIMERS);

	/* A one-shot timer ran down by the time since @before was read, no more. */
	cr_assert(ru_timers_same(t->before, t->nbefore, after, na,
				 clock_ns(CLOCK_MONOTONIC) - t->t0, why, sizeof(why)),
		  "%s: the target's timers changed (%s): %s", what, why,
		  ru_timers_str(after, na));
	cr_assert_eq(proc_tracer_pid(t->v->pid), 0, "%s: the target is still traced", what);
	cr_assert_eq(victim_state(t->v, &st), 0, "%s: the target does not answer", what);
	cr_assert_eq(st.eintr, 0, "%s: the target saw EINTR", what);
	cr_assert_eq(st.restore_ids, t->st0.restore_ids, "%s", what);
	cr_assert_eq(st.sigmask, t->st0.sigmask, "%s", what);
}

/* Run @argv (argv[0] a path) while polling the target's TracerPid. */
static void run_watched(struct target *t, struct run_result *r, const char *const *argv,
			const char *what)
{
	struct ru_watch w;
	long traced;

	ru_watch_start(&w, t->v->pid);
	for (int i = 0; i < 5000 && !atomic_load(&w.samples); i++)
		usleep(100);
	/* A deadline against a hang, not a speed limit. */
	cr_assert_eq(run_argv(r, &(struct run_opts){ .timeout_ms = 60000 }, argv), 0);
	sleep_ms(2);
	traced = ru_watch_stop(&w);
	cr_assert_not(r->timed_out, "%s: ptimerctl hung", what);
	cr_assert_gt(atomic_load(&w.samples), 0, "%s: the watcher never sampled", what);
	cr_assert_eq(traced, 0, "%s: the target was attached (TracerPid %ld) for a bad input",
		     what, traced);
}

static char *read_expect(const char *path)
{
	char buf[1024];
	size_t n;
	FILE *f = fopen(path, "r");

	cr_assert(f, "%s: %s", path, strerror(errno));
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
		n--;
	buf[n] = '\0';
	cr_assert_gt(n, 0, "%s is empty", path);
	return strdup(buf);
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static int is_bad_json(const struct dirent *d)
{
	size_t n = strlen(d->d_name);

	return !strncmp(d->d_name, "bad-", 4) && n > 5 && !strcmp(d->d_name + n - 5, ".json");
}

static const char *fixtures_dir(void)
{
	const char *d = getenv("PTIMER_FIXTURES");

	return d && *d ? d : "tests/fixtures";
}

Test(badinput, every_bad_fixture_is_refused_before_attaching)
{
	struct dirent **names;
	struct target t;
	char dir[4096];
	int n, checked = 0;

	snprintf(dir, sizeof(dir), "%s/dumps", fixtures_dir());
	n = scandir(dir, &names, is_bad_json, by_name);
	cr_assert_geq(n, 0, "%s: %s", dir, strerror(errno));
	cr_assert_gt(n, 10, "only %d bad-*.json fixtures in %s", n, dir);
	target_start(&t);
	for (int i = 0; i < n; i++) {
		char file[4096 + 256], expect_path[4096 + 256], *expect;
		const char *argv[] = { ptimerctl_path(), "restore", "-i", file, t.pid, NULL };
		struct run_result r;

		snprintf(file, sizeof(file), "%s/%s", dir, names[i]->d_name);
		snprintf(expect_path, sizeof(expect_path), "%.*s.expect",
			 (int)(strlen(file) - 5), file);
		expect = read_expect(expect_path);
		run_watched(&t, &r, argv, names[i]->d_name);
		cr_expect_eq(r.exit_code, PX_BAD_INPUT, "%s: want exit 10, got %s",
			     names[i]->d_name, run_describe(&r));
		cr_expect(strstr(r.err, expect), "%s: stderr lacks '%s': %s", names[i]->d_name,
			  expect, r.err);
		cr_expect(!strncmp(r.err, "ptimerctl: ", 11), "%s: stderr: %s",
			  names[i]->d_name, r.err);
		cr_expect_eq(r.out_len, 0, "%s: stdout: %.200s", names[i]->d_name, r.out);
		run_result_free(&r);
		free(expect);
		free(names[i]);
		checked++;
	}
	free(names);
	target_check(&t, "after every fixture");
	cr_log_info("%d bad fixtures refused, the target never attached", checked);
	victim_kill(t.v);
}

/*
 * `cat FILE | ptimerctl restore -i - PID`, through a shell, so that the
 * input really is a pipe.
 */
static void restore_from_pipe(struct target *t, struct run_result *r, const char *file,
			      const char *what)
{
	const char *argv[] = { "/bin/sh", "-c", "cat \"$1\" | exec \"$0\" restore -i - \"$2\"",
			       ptimerctl_path(), file, t->pid, NULL };

	run_watched(t, r, argv, what);
}

static char *bytes_file(const void *data, size_t len)
{
	char *path = ru_text_file("");
	FILE *f = fopen(path, "w");

	cr_assert(f);
	cr_assert_eq(fwrite(data, 1, len, f), len);
	cr_assert_eq(fclose(f), 0);
	return path;
}

Test(badinput, broken_documents_on_stdin)
{
	static const char truncated[] =
		"{\"version\": 1, \"generator\": \"ptimerctl\", \"pid\": 42, \"comm\": \"x\",\n"
		" \"threads\": [42], \"timers\": [ { \"id\": 3, \"clock\": \"monot";
	static const char with_nul[] =
		"{\"version\": 1, \"pid\": 42, \"comm\": \"a\0b\", \"threads\": [42], \"timers\": []}";
	static const char bad_utf8[] =
		"{\"version\": 1, \"pid\": 42, \"comm\": \"\xc3\x28\xff\xfe\", \"threads\": [42], "
		"\"timers\": []}";
	static const struct {
		const char *what;
		const char *data;
		size_t len;
		const char *expect;
	} cases[] = {
		{ "truncated", truncated, sizeof(truncated) - 1, "end of data" },
		{ "NUL byte", with_nul, sizeof(with_nul) - 1, "NUL" },
		{ "invalid UTF-8", bad_utf8, sizeof(bad_utf8) - 1, "utf-8" },
		{ "empty", "", 0, "" },
	};
	struct target t;

	target_start(&t);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *file = bytes_file(cases[i].data, cases[i].len);
		struct run_result r;

		restore_from_pipe(&t, &r, file, cases[i].what);
		cr_expect_eq(r.exit_code, PX_BAD_INPUT, "%s on stdin: want 10, got %s",
			     cases[i].what, run_describe(&r));
		cr_expect(strcasestr(r.err, cases[i].expect), "%s on stdin: stderr lacks '%s': %s",
			  cases[i].what, cases[i].expect, r.err);
		cr_expect(!strncmp(r.err, "ptimerctl: ", 11), "%s: stderr: %s", cases[i].what,
			  r.err);
		run_result_free(&r);
		ru_file_free(file);
	}
	target_check(&t, "after the stdin documents");
	victim_kill(t.v);
}

/*
 * An endless document through a pipe: refused at the size limit.  The
 * input never ends, so only a ptimerctl that stops reading at the limit
 * ends at all (a time limit would say the same less surely, and fail on a
 * slow machine).  It reads one byte past the limit and no more: its peak
 * RSS stays near the limit, not at the 256 MiB a buffer doubling past it
 * reaches (the test's children are only this run and its victim).
 */
Test(badinput, huge_input_through_a_pipe)
{
	const char *argv[] = {
		"/bin/sh", "-c",
		"{ printf '{\"version\": 1, \"comm\": \"'; tr '\\0' a </dev/zero; } | "
		"exec \"$0\" restore -i - \"$1\"", ptimerctl_path(), NULL, NULL
	};
	struct target t;
	struct run_result r;
	int64_t t0, ms;

	target_start(&t);
	argv[4] = t.pid;
	t0 = clock_ns(CLOCK_MONOTONIC);
	run_watched(&t, &r, argv, "an endless stdin");
	ms = (clock_ns(CLOCK_MONOTONIC) - t0) / RU_MS;
	cr_expect_eq(r.exit_code, PX_BAD_INPUT, "want 10, got %s", run_describe(&r));
	cr_expect(strstr(r.err, "limit"), "the message does not name the size limit: %s", r.err);
	cr_log_info("an endless stdin refused in %lld ms", (long long)ms);
	{
		struct rusage ru;
		long limit_kib = PTIMER_JSON_MAX_BYTES / 1024;

		cr_assert_eq(getrusage(RUSAGE_CHILDREN, &ru), 0);
		cr_log_info("peak RSS of ptimerctl reading it: %ld KiB", ru.ru_maxrss);
#ifdef __SANITIZE_ADDRESS__
		/* ASan's shadow and quarantine keep far more resident, as in test_soak. */
		(void)limit_kib;
#else
		cr_expect_lt(ru.ru_maxrss, limit_kib + 32 * 1024,
			     "reading the pipe took %ld KiB, beyond the %ld KiB limit", ru.ru_maxrss,
			     limit_kib);
#endif
	}
	run_result_free(&r);

	/* The same from a file (-i FILE): stat or read, still 10 and no attach. */
	{
		char *file = ru_text_file("");
		FILE *f = fopen(file, "w");
		const char *fargv[] = { ptimerctl_path(), "restore", "-i", file, t.pid, NULL };

		cr_assert(f);
		cr_assert_eq(fputs("{\"version\": 1, \"comm\": \"", f) < 0, false);
		cr_assert_eq(ftruncate(fileno(f), (off_t)PTIMER_JSON_MAX_BYTES + (1 << 20)), 0);
		cr_assert_eq(fclose(f), 0);
		run_watched(&t, &r, fargv, "a file over the limit");
		cr_expect_eq(r.exit_code, PX_BAD_INPUT, "file over the limit: want 10, got %s",
			     run_describe(&r));
		cr_expect(strstr(r.err, "limit"), "file over the limit: %s", r.err);
		run_result_free(&r);
		ru_file_free(file);
	}
	target_check(&t, "after the huge inputs");
	victim_kill(t.v);
}

/* A wrong command line: exit 2, "Try 'ptimerctl ... --help'", target untouched. */
static void usage_expect(struct target *t, const char *const *args)
{
	const char *argv[24];
	struct run_result r;
	char shown[512] = "";
	size_t n = 0;

	argv[n++] = ptimerctl_path();
	for (; *args && n < 23; args++) {
		argv[n++] = *args;
		strncat(shown, *args, sizeof(shown) - strlen(shown) - 2);
		strcat(shown, " ");
	}
	argv[n] = NULL;
	run_watched(t, &r, argv, shown);
	cr_expect_eq(r.exit_code, PX_USAGE, "ptimerctl %s: want 2, got %s", shown,
		     run_describe(&r));
	cr_expect(strstr(r.err, "Try 'ptimerctl") && strstr(r.err, "--help'"),
		  "ptimerctl %s: no \"Try 'ptimerctl ... --help'\": %s", shown, r.err);
	cr_expect_eq(r.out_len, 0, "ptimerctl %s: stdout: %.200s", shown, r.out);
	run_result_free(&r);
}

Test(badinput, bad_command_lines)
{
	struct target t;
	char *dump;
	const char *f;
	const char *p;

	target_start(&t);
	dump = ru_dump_file(t.v->pid, NULL);
	f = dump;
	p = t.pid;
	/* the PID */
	usage_expect(&t, (const char *[]){ "restore", "-i", f, NULL });
	usage_expect(&t, (const char *[]){ "restore", "-i", f, "abc", NULL });
	usage_expect(&t, (const char *[]){ "restore", "-i", f, "12abc", NULL });
	usage_expect(&t, (const char *[]){ "restore", "-i", f, "0", NULL });
	usage_expect(&t, (const char *[]){ "restore", "-i", f, "--", "-1", NULL });
	usage_expect(&t, (const char *[]){ "restore", "-i", f, "-1", NULL });
	usage_expect(&t, (const char *[]){ "restore", "-i", f, "", NULL });
	usage_expect(&t, (const char *[]){ "restore", "-i", f, "4294967296", NULL });
	usage_expect(&t, (const char *[]){ "restore", "-i", f, p, p, NULL });
	usage_expect(&t, (const char *[]){ "dump", NULL });
	usage_expect(&t, (const char *[]){ "dump", "-0", NULL });
	usage_expect(&t, (const char *[]){ "migrate", p, NULL });
	usage_expect(&t, (const char *[]){ "migrate", "abc", p, NULL });
	usage_expect(&t, (const char *[]){ "migrate", p, "0", NULL });
	/* conflicts */
	usage_expect(&t, (const char *[]){ "show", "-i", f, p, NULL });
	usage_expect(&t, (const char *[]){ "migrate", p, p, NULL });
	usage_expect(&t, (const char *[]){ "migrate", "5", "5", NULL });
	/* option values */
	usage_expect(&t, (const char *[]){ "restore", "--method=fast", "-i", f, p, NULL });
	usage_expect(&t, (const char *[]){ "restore", "--method=", "-i", f, p, NULL });
	usage_expect(&t, (const char *[]){ "restore", "--method=PRCTL", "-i", f, p, NULL });
	usage_expect(&t, (const char *[]){ "migrate", "--method=walking", p, "1", NULL });
	usage_expect(&t, (const char *[]){ "restore", "--time=later", "-i", f, p, NULL });
	usage_expect(&t, (const char *[]){ "restore", "--time=", "-i", f, p, NULL });
	usage_expect(&t, (const char *[]){ "restore", "--tid-map=abc", "-i", f, p, NULL });
	usage_expect(&t, (const char *[]){ "restore", "--tid-map=", "-i", f, p, NULL });
	usage_expect(&t, (const char *[]){ "restore", "--tid-map=1:", "-i", f, p, NULL });
	usage_expect(&t, (const char *[]){ "restore", "--tid-map=:2", "-i", f, p, NULL });
	usage_expect(&t, (const char *[]){ "restore", "--tid-map=1:0", "-i", f, p, NULL });
	usage_expect(&t, (const char *[]){ "restore", "--tid-map=-1:2", "-i", f, p, NULL });
	usage_expect(&t, (const char *[]){ "restore", "--tid-map=1:2,", "-i", f, p, NULL });
	usage_expect(&t, (const char *[]){ "restore", "--tid-map=1:2:3", "-i", f, p, NULL });
	usage_expect(&t, (const char *[]){ "restore", "--tid-map=1:99999999999", "-i", f, p,
					   NULL });
	usage_expect(&t, (const char *[]){ "restore", "--max-iterations=abc", "-i", f, p, NULL });
	usage_expect(&t, (const char *[]){ "restore", "--max-iterations=-1", "-i", f, p, NULL });
	usage_expect(&t, (const char *[]){ "restore", "--max-iterations=0", "-i", f, p, NULL });
	usage_expect(&t, (const char *[]){ "restore", "--max-iterations=1e6", "-i", f, p, NULL });
	usage_expect(&t, (const char *[]){ "restore", "--max-iterations=99999999999999999999999",
					   "-i", f, p, NULL });
	usage_expect(&t, (const char *[]){ "restore", "--max-iterations", "-i", f, p, NULL });
	usage_expect(&t, (const char *[]){ "restore", "--no-such-option", "-i", f, p, NULL });
	usage_expect(&t, (const char *[]){ "restore", "-i", NULL });
	target_check(&t, "after the bad command lines");
	ru_file_free(dump);
	victim_kill(t.v);
}

/*
 * A --tid-map that maps one dumped thread twice is ambiguous: it must be
 * refused (as a usage error, or as a bad input) before attaching.
 */
Test(badinput, tid_map_with_a_duplicate_old_tid)
{
	struct target t;
	struct run_result r;
	pid_t tids[8];
	char *dump, map[96];
	json_object *root;
	int64_t old1;

	target_start(&t);
	cr_assert_eq(victim_tids(t.v, tids, 8), 3);
	dump = ru_dump_file(t.v->pid, NULL);
	root = ru_json_load(dump);
	old1 = json_object_get_int64(json_object_array_get_idx(
		json_object_object_get(root, "threads"), 1));
	json_object_put(root);
	snprintf(map, sizeof(map), "--tid-map=%lld:%d,%lld:%d", (long long)old1, (int)tids[1],
		 (long long)old1, (int)tids[0]);
	run_watched(&t, &r, (const char *[]){ ptimerctl_path(), "restore", "--replace", map, "-i",
					      dump, t.pid, NULL }, map);
	cr_expect(r.exit_code == PX_USAGE || r.exit_code == PX_BAD_INPUT,
		  "%s maps thread %lld twice: want exit 2 or 10, got %s", map, (long long)old1,
		  run_describe(&r));
	/* The message says what is wrong: not the syntax, the repeated OLD. */
	cr_expect(strstr(r.err, "each OLD once"), "%s", r.err);
	run_result_free(&r);
	target_check(&t, map);

	/* A NEW that is no thread of the target: 10, still before attaching. */
	snprintf(map, sizeof(map), "--tid-map=%lld:%d", (long long)old1, (int)reaped_pid());
	run_watched(&t, &r, (const char *[]){ ptimerctl_path(), "restore", "--replace", map, "-i",
					      dump, t.pid, NULL }, map);
	cr_expect_eq(r.exit_code, PX_BAD_INPUT, "%s: %s", map, run_describe(&r));
	cr_expect(strstr(r.err, "not a thread"), "%s: %s", map, r.err);
	run_result_free(&r);
	target_check(&t, map);
	ru_file_free(dump);
	victim_kill(t.v);
}

/* The soft RLIMIT_NOFILE of @pid, from its limits file. */
static long long nofile_of(pid_t pid)
{
	char path[64], line[256];
	long long soft = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/limits", (int)pid);
	f = fopen(path, "r");
	cr_assert(f, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "Max open files", 14))
			cr_assert_eq(sscanf(line + 14, "%lld", &soft), 1, "%s", line);
	fclose(f);
	cr_assert_gt(soft, 0, "no Max open files in %s", path);
	return soft;
}

/*
 * A timerfd to make at a number the target's RLIMIT_NOFILE does not reach:
 * refused before the attach, naming the field and the limit, exit 10.  It
 * was found only once attached (dup3()'s EBADF), with exit 1.
 */
Test(badinput, a_timerfd_beyond_the_targets_nofile_is_refused_before_attaching)
{
	static const char *const emptied[] = { "timers", "itimers", "pending_signals" };
	struct target t;
	struct run_result r;
	json_object *root, *tfd;
	char *dump, *file;
	long long fd;

	target_start(&t);
	fd = nofile_of(t.v->pid);
	dump = ru_dump_file(t.v->pid, NULL);
	root = ru_json_load(dump);
	for (size_t i = 0; i < sizeof(emptied) / sizeof(emptied[0]); i++)
		json_object_object_add(root, emptied[i], json_object_new_array());
	tfd = json_tokener_parse("{ \"clockid\": 1, \"clock\": \"monotonic\","
				 " \"settime_flags\": [], \"fd_flags\": [], \"ticks\": 0,"
				 " \"value_ns\": 0, \"interval_ns\": 0 }");
	cr_assert(tfd);
	json_object_object_add(tfd, "fd", json_object_new_int64(fd));
	json_object_object_add(root, "timerfds", json_object_new_array());
	json_object_array_add(json_object_object_get(root, "timerfds"), tfd);
	file = ru_json_file(root);
	json_object_put(root);
	run_watched(&t, &r, (const char *[]){ ptimerctl_path(), "restore", "-i", file, t.pid,
					      NULL }, "a timerfd beyond RLIMIT_NOFILE");
	cr_expect_eq(r.exit_code, PX_BAD_INPUT, "%s", run_describe(&r));
	cr_expect(strstr(r.err, "timerfds[0].fd: ") && strstr(r.err, "RLIMIT_NOFILE"), "%s",
		  r.err);
	cr_expect(!strstr(r.err, "--tid-map"), "a hint about threads: %s", r.err);
	run_result_free(&r);
	target_check(&t, "after a timerfd beyond RLIMIT_NOFILE");
	ru_file_free(file);
	ru_file_free(dump);
	victim_kill(t.v);
}
