// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * `ptimerctl dump` and `show` against a live victim: every clock, every
 * notify mode, several threads, sparse, high and churned IDs, and the
 * output options.  Each field of the dump is checked against what the
 * victim created and against its own view (/proc/self/timers and
 * timer_gettime from inside).
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "harness.h"
#include "ptimer.h"

#define SEC		1000000000LL
#define MAX_T		64

struct spec {
	int id;
	const char *clock;
	const char *notify;
	int sig;
	int thread;
	unsigned long long sigval;
	int value_ms;
	int interval_ms;
};

/* Three idle workers (indices 1..3); every clock and notify mode. */
static const struct spec every[] = {
	{ 0, "realtime", "signal", 10, 0, 0x1000, 10000, 1000 },
	{ 7, "monotonic", "none", 12, 0, 0xdeadbeefcafef00dULL, 10000, 250 },
	{ 1000, "boottime", "thread", 34, 0, 0x7fffffffffffffffULL, 10000, 0 },
	{ 65536, "tai", "thread_id", 35, 2, 0x42, 10000, 3000 },
	{ 2147483646, "process_cputime", "signal", 36, 0, 0, 10000, 0 },
	{ 3, "thread_cputime", "thread_id", 37, 0, 0x3, 10000, 500 },
	{ 4, "process_cpu_self", "signal", 38, 0, 0x4, 10000, 7 },
	{ 5, "thread_cpu:1", "thread_id", 39, 1, 0x5, 10000, 1 },
	{ 6, "monotonic", "thread_id", 40, 3, 0x6, 0, 0 },
	{ 8, "realtime", "signal", 41, 0, 0x8, 0, 0 },
};

static void fini(void)
{
	harness_kill_all();
}

TestSuite(dump, .fini = fini, .timeout = 60);

static void spec_arg(char *buf, size_t size, const struct spec *s)
{
	snprintf(buf, size, "id=%d,clock=%s,notify=%s,sig=%d,thread=%d,sigval=0x%llx,"
		 "value_ms=%d,interval_ms=%d", s->id, s->clock, s->notify, s->sig,
		 s->thread, s->sigval, s->value_ms, s->interval_ms);
}

/* CLOCK_MONOTONIC before the last victim was started: its timers were armed after. */
static int64_t armed_after;

/* Start a victim with --timer for each spec plus @extra arguments. */
static struct victim *start_specs(const struct spec *specs, size_t n,
				  const char *const *extra)
{
	static char bufs[MAX_T][256];
	const char *args[2 * MAX_T + 32];
	size_t k = 0;
	struct victim *v;

	cr_assert_lt(n, MAX_T);
	for (size_t i = 0; i < n; i++) {
		spec_arg(bufs[i], sizeof(bufs[i]), &specs[i]);
		args[k++] = "--timer";
		args[k++] = bufs[i];
	}
	for (; extra && *extra; extra++)
		args[k++] = *extra;
	args[k] = NULL;
	armed_after = clock_ns(CLOCK_MONOTONIC);
	v = victim_startv(args);
	cr_assert(v, "cannot fork the victim");
	cr_assert(v->ready, "%s", v->error);
	return v;
}

static unsigned int cpu_clock(pid_t pid, bool thread)
{
	return (~(unsigned int)pid << 3) | (thread ? 4u : 0u) | 2u;
}

/* The clock id /proc and the dump show for a spec. */
static int expected_clockid(const struct spec *s, pid_t pid, const pid_t *tids)
{
	static const struct { const char *name; int id; } fixed[] = {
		{ "realtime", 0 }, { "monotonic", 1 }, { "boottime", 7 },
		{ "tai", 11 }, { "realtime_alarm", 8 }, { "boottime_alarm", 9 },
		{ "process_cputime", -6 }, { "thread_cputime", -2 },
	};

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (!strcmp(s->clock, fixed[i].name))
			return fixed[i].id;
	if (!strcmp(s->clock, "process_cpu_self"))
		return (int)cpu_clock(pid, false);
	if (!strncmp(s->clock, "thread_cpu:", 11))
		return (int)cpu_clock(tids[atoi(s->clock + 11)], true);
	cr_assert_fail("no expected clock id for %s", s->clock);
	return 0;
}

static const char *expected_clock_name(int clockid)
{
	static const char *const names[] = {
		[0] = "realtime", [1] = "monotonic", [7] = "boottime",
		[8] = "realtime_alarm", [9] = "boottime_alarm", [11] = "tai",
	};

	if (clockid < 0)
		return (clockid & 4) ? "thread_cpu" : "process_cpu";
	return names[clockid];
}

/* Run `ptimerctl dump [extra...] PID`, check exit 0 and parse stdout. */
static json_object *dump_pid(struct run_result *r, pid_t pid, const char *opt)
{
	char pidbuf[16];
	json_object *root;

	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)pid);
	if (opt)
		cr_assert_eq(run_ptimerctl(r, "dump", opt, pidbuf, NULL), 0);
	else
		cr_assert_eq(run_ptimerctl(r, "dump", pidbuf, NULL), 0);
	cr_assert_eq(r->exit_code, 0, "dump %s: %s", pidbuf, run_describe(r));
	root = json_parse_text(r->out);
	cr_assert(root, "dump output is not one JSON document: %.300s", r->out);
	return root;
}

static int64_t must_int(json_object *obj, const char *key, const char *what)
{
	int64_t v;

	cr_assert(json_get_int64(obj, key, &v), "%s: \"%s\" missing or not an integer",
		  what, key);
	return v;
}

/* The dump's timers must be exactly the victim's, ascending by id. */
static size_t check_same_ids(json_object *root, const struct vtimer *vt, int nvt)
{
	json_object *arr;
	int64_t prev = -1;
	size_t n;

	cr_assert(json_object_object_get_ex(root, "timers", &arr) &&
		  json_object_is_type(arr, json_type_array), "no timers array");
	n = json_object_array_length(arr);
	cr_assert_eq(n, (size_t)nvt, "dump has %zu timers, the victim %d", n, nvt);
	for (size_t i = 0; i < n; i++) {
		int64_t id = must_int(json_object_array_get_idx(arr, i), "id", "timer");

		cr_assert_gt(id, prev, "timers not sorted by id: %lld after %lld",
			     (long long)id, (long long)prev);
		cr_assert(vtimer_find(vt, nvt, (int)id), "dump has id %lld, the victim not",
			  (long long)id);
		prev = id;
	}
	return n;
}

/* One dumped timer against the victim's own view of it. */
static void check_timer_vs_victim(json_object *t, const struct vtimer *vt, pid_t pid)
{
	char sv[24], what[32];
	const char *notify = json_get_str(t, "notify");
	const char *clock = json_get_str(t, "clock");
	int64_t clk, v;

	snprintf(what, sizeof(what), "timer %d", vt->id);
	clk = must_int(t, "clockid", what);
	cr_assert_eq(clk, vt->clockid, "%s: clockid %lld, the victim says %d", what,
		     (long long)clk, vt->clockid);
	cr_assert(clock, "%s: no clock name", what);
	cr_assert_str_eq(clock, expected_clock_name(vt->clockid), "%s", what);
	cr_assert(notify, "%s: no notify", what);
	cr_assert_str_eq(notify, vt->notify, "%s: notify", what);
	cr_assert_eq(must_int(t, "signal", what), vt->signo, "%s: signal", what);
	snprintf(sv, sizeof(sv), "0x%016llx", vt->sigval);
	cr_assert(json_get_str(t, "sigval"), "%s: sigval not a string", what);
	cr_assert_str_eq(json_get_str(t, "sigval"), sv, "%s: sigval", what);
	if (!strcmp(vt->notify, "thread_id")) {
		v = must_int(t, "tid", what);
		cr_assert_eq(v, vt->tid, "%s: tid %lld, the victim says %d", what,
			     (long long)v, vt->tid);
	} else {
		cr_assert(json_is_null_member(t, "tid"), "%s: tid must be null for %s",
			  what, vt->notify);
		cr_assert_eq(vt->tid, pid, "%s: the victim's /proc names %d", what, vt->tid);
	}
	v = must_int(t, "interval_ns", what);
	cr_assert_eq(v, vt->interval_ns, "%s: interval %lld, the victim says %lld", what,
		     (long long)v, vt->interval_ns);
	cr_assert_eq(must_int(t, "overrun", what), 0, "%s: overrun", what);
	if (clk < 0) {
		json_object *cpu;
		int64_t cpid;
		pid_t want = (pid_t)~((unsigned int)clk >> 3 | 0xe0000000u);

		cr_assert(json_object_object_get_ex(t, "cpu", &cpu) && cpu,
			  "%s: no cpu object for clock %lld", what, (long long)clk);
		cpid = must_int(cpu, "pid", what);
		cr_assert_eq(cpid, want, "%s: cpu.pid %lld, want %d", what, (long long)cpid,
			     (int)want);
		cr_assert(json_get_str(cpu, "which"), "%s: cpu.which", what);
		cr_assert_str_eq(json_get_str(cpu, "which"), "sched", "%s", what);
	} else {
		json_object *cpu = NULL;

		cr_assert_not(json_object_object_get_ex(t, "cpu", &cpu) && cpu,
			      "%s: a cpu object for clock %lld", what, (long long)clk);
	}
}

/*
 * The remaining time of a timer armed with @value_ms after armed_after:
 * it ran down by at most the time since then, or for a CPU clock by at
 * most that time on every CPU.  No fixed tolerance, which a loaded machine
 * would exceed.
 */
static void check_value(json_object *t, const char *what, int value_ms)
{
	int64_t v = must_int(t, "value_ns", what), clk = must_int(t, "clockid", what);
	int64_t ran = clock_ns(CLOCK_MONOTONIC) - armed_after;

	if (!value_ms) {
		cr_assert_eq(v, 0, "%s: unarmed but value %lld", what, (long long)v);
		return;
	}
	if (clk < 0)
		ran *= sysconf(_SC_NPROCESSORS_ONLN);
	cr_assert(v > (int64_t)value_ms * 1000000 - ran && v <= (int64_t)value_ms * 1000000,
		  "%s: value %lld ns, armed with %d ms at most %lld ms ago", what, (long long)v,
		  value_ms, (long long)(ran / 1000000));
}

static void check_threads(json_object *root, struct victim *v)
{
	pid_t all[256];
	int n = victim_alltids(v, all, 256);
	json_object *arr;

	cr_assert_gt(n, 0);
	cr_assert(json_object_object_get_ex(root, "threads", &arr) &&
		  json_object_is_type(arr, json_type_array), "no threads array");
	cr_assert_eq(json_object_array_length(arr), (size_t)n,
		     "dump lists %zu threads, the victim has %d",
		     json_object_array_length(arr), n);
	for (int i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, (size_t)i);

		cr_assert(json_object_is_type(e, json_type_int), "threads[%d]", i);
		cr_assert_eq(json_object_get_int(e), all[i], "threads[%d] is %d, want %d",
			     i, json_object_get_int(e), (int)all[i]);
	}
}

Test(dump, every_clock_and_notify_mode)
{
	static const char *const extra[] = {
		"--threads", "3",
		"--timer", "clock=monotonic,notify=glibc_thread,sigval=0x99,value_ms=10000",
		NULL,
	};
	struct vtimer vt[MAX_T];
	pid_t tids[16];
	struct run_result r;
	struct victim *v = start_specs(every, sizeof(every) / sizeof(every[0]), extra);
	struct utsname uts;
	int64_t rt0 = clock_ns(CLOCK_REALTIME), mono0 = clock_ns(CLOCK_MONOTONIC);
	int64_t boot0 = clock_ns(CLOCK_BOOTTIME), rt1, mono1, boot1;
	json_object *root, *cap;
	const struct vtimer *glibc = NULL;
	int nvt, ntids;

	ntids = victim_tids(v, tids, 16);
	cr_assert_eq(ntids, 5, "main + 3 workers + control, got %d", ntids);
	root = dump_pid(&r, v->pid, NULL);
	rt1 = clock_ns(CLOCK_REALTIME);
	mono1 = clock_ns(CLOCK_MONOTONIC);
	boot1 = clock_ns(CLOCK_BOOTTIME);
	nvt = victim_timers(v, vt, MAX_T);
	cr_assert_eq(nvt, (int)(sizeof(every) / sizeof(every[0])) + 1, "victim timers: %d", nvt);

	/* the header */
	uname(&uts);
	cr_assert_eq(must_int(root, "version", "root"), PTIMER_FORMAT_VERSION);
	cr_assert_eq(must_int(root, "pid", "root"), v->pid);
	cr_assert(json_get_str(root, "comm"));
	cr_assert_str_eq(json_get_str(root, "comm"), "victim");
	cr_assert(json_get_str(root, "kernel_release"));
	cr_assert_str_eq(json_get_str(root, "kernel_release"), uts.release);
	cr_assert(json_get_str(root, "arch"));
	cr_assert_str_eq(json_get_str(root, "arch"), uts.machine);
	if (harness_have_restore_ids())
		cr_assert_eq(must_int(root, "restore_ids", "root"), 0);
	else	/* the kernel lacks prctl(77) */
		cr_assert(json_is_null_member(root, "restore_ids"));
	cr_assert(json_object_object_get_ex(root, "captured", &cap) && cap, "no captured");
	cr_assert(must_int(cap, "realtime_ns", "captured") >= rt0 - SEC &&
		  must_int(cap, "realtime_ns", "captured") <= rt1 + SEC, "captured.realtime_ns");
	cr_assert(must_int(cap, "monotonic_ns", "captured") >= mono0 &&
		  must_int(cap, "monotonic_ns", "captured") <= mono1,
		  "captured.monotonic_ns %lld outside [%lld, %lld]",
		  (long long)must_int(cap, "monotonic_ns", "captured"), (long long)mono0,
		  (long long)mono1);
	cr_assert(must_int(cap, "boottime_ns", "captured") >= boot0 &&
		  must_int(cap, "boottime_ns", "captured") <= boot1, "captured.boottime_ns");
	check_threads(root, v);

	/* every timer: against the victim's view, then against what it created */
	check_same_ids(root, vt, nvt);
	for (int i = 0; i < nvt; i++)
		check_timer_vs_victim(dump_timer(root, vt[i].id), &vt[i], v->pid);
	for (size_t i = 0; i < sizeof(every) / sizeof(every[0]); i++) {
		const struct spec *s = &every[i];
		json_object *t = dump_timer(root, s->id);
		char what[32];

		snprintf(what, sizeof(what), "timer %d", s->id);
		cr_assert(t, "%s missing from the dump", what);
		cr_assert_eq(must_int(t, "clockid", what), expected_clockid(s, v->pid, tids),
			     "%s: clockid", what);
		cr_assert_str_eq(json_get_str(t, "notify"), s->notify, "%s", what);
		cr_assert_eq(must_int(t, "signal", what), s->sig, "%s", what);
		if (!strcmp(s->notify, "thread_id"))
			cr_assert_eq(must_int(t, "tid", what), tids[s->thread],
				     "%s: tid, want thread %d", what, s->thread);
		cr_assert_eq(must_int(t, "interval_ns", what), (int64_t)s->interval_ms * 1000000,
			     "%s: interval", what);
		check_value(t, what, s->value_ms);
	}

	/* the glibc SIGEV_THREAD timer: signal 32 to glibc's helper thread */
	for (int i = 0; i < nvt; i++) {
		bool known = false;

		for (size_t j = 0; j < sizeof(every) / sizeof(every[0]); j++)
			known |= every[j].id == vt[i].id;
		if (!known)
			glibc = &vt[i];
	}
	cr_assert(glibc, "the glibc timer is missing");
	{
		json_object *t = dump_timer(root, glibc->id);

		cr_assert_str_eq(json_get_str(t, "notify"), "thread_id");
		cr_assert_eq(must_int(t, "signal", "glibc timer"), 32);
		for (int i = 0; i < ntids; i++)
			cr_assert_neq(must_int(t, "tid", "glibc timer"), tids[i],
				      "glibc's timer must aim at glibc's helper thread");
		check_value(t, "glibc timer", 10000);
	}
	cr_assert_eq(proc_tracer_pid(v->pid), 0, "still traced after the dump");
	json_object_put(root);
	run_result_free(&r);
	victim_kill(v);
}

Test(dump, alarm_clocks)
{
	static const struct spec alarms[] = {
		{ 11, "realtime_alarm", "signal", 10, 0, 0x11, 10000, 2000 },
		{ 12, "boottime_alarm", "thread_id", 12, 0, 0x12, 10000, 0 },
	};
	struct vtimer vt[4];
	struct run_result r;
	struct victim *v;
	json_object *root;
	char arg[2][256];
	int nvt;

	spec_arg(arg[0], sizeof(arg[0]), &alarms[0]);
	spec_arg(arg[1], sizeof(arg[1]), &alarms[1]);
	armed_after = clock_ns(CLOCK_MONOTONIC);
	v = victim_start("--timer", arg[0], "--timer", arg[1], NULL);
	cr_assert(v);
	if (!v->ready && (v->error_errno == EPERM || v->error_errno == EOPNOTSUPP)) {
		int e = v->error_errno;

		victim_kill(v);
		cr_skip_test("alarm timers unavailable here (%s): no CAP_WAKE_ALARM or no RTC",
			     strerror(e));
	}
	cr_assert(v->ready, "%s", v->error);
	root = dump_pid(&r, v->pid, NULL);
	nvt = victim_timers(v, vt, 4);
	check_same_ids(root, vt, nvt);
	for (int i = 0; i < 2; i++) {
		json_object *t = dump_timer(root, alarms[i].id);

		check_timer_vs_victim(t, vtimer_find(vt, nvt, alarms[i].id), v->pid);
		check_value(t, "alarm timer", 10000);
	}
	json_object_put(root);
	run_result_free(&r);
	victim_kill(v);
}

Test(dump, sparse_and_high_ids)
{
	static const struct spec ids[] = {
		{ 0, "monotonic", "signal", 10, 0, 0, 0, 0 },
		{ 7, "monotonic", "signal", 10, 0, 7, 0, 0 },
		{ 1000, "monotonic", "signal", 10, 0, 1000, 0, 0 },
		{ 65536, "monotonic", "signal", 10, 0, 65536, 0, 0 },
		{ 2147483646, "monotonic", "signal", 10, 0, 2147483646, 0, 0 },
		{ 2147483647, "monotonic", "signal", 10, 0, 2147483647, 0, 0 },
	};
	struct vtimer vt[8];
	struct run_result r;
	struct victim *v = start_specs(ids, 6, NULL);
	json_object *root = dump_pid(&r, v->pid, NULL);
	int nvt = victim_timers(v, vt, 8);

	cr_assert_eq(nvt, 6);
	check_same_ids(root, vt, nvt);
	for (int i = 0; i < 6; i++) {
		json_object *t = dump_timer(root, ids[i].id);
		char sv[24];

		cr_assert(t, "id %d missing", ids[i].id);
		snprintf(sv, sizeof(sv), "0x%016llx", ids[i].sigval);
		cr_assert_str_eq(json_get_str(t, "sigval"), sv);
	}
	json_object_put(root);
	run_result_free(&r);
	victim_kill(v);
}

Test(dump, churned_ids)
{
	struct vtimer vt[4];
	struct run_result r;
	struct victim *v;
	json_object *root, *t;
	int nvt;

	armed_after = clock_ns(CLOCK_MONOTONIC);
	v = victim_start("--churn", "5000", "--timer",
			 "clock=realtime,sig=14,value_ms=10000,interval_ms=20", NULL);

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	nvt = victim_timers(v, vt, 4);
	cr_assert_eq(nvt, 1);
	cr_assert_geq(vt[0].id, 5000, "churning did not advance the ids: %d", vt[0].id);
	root = dump_pid(&r, v->pid, NULL);
	check_same_ids(root, vt, nvt);
	t = dump_timer(root, vt[0].id);
	check_timer_vs_victim(t, &vt[0], v->pid);
	check_value(t, "churned timer", 10000);
	json_object_put(root);
	run_result_free(&r);
	victim_kill(v);
}

Test(dump, restore_ids_state_reported_and_kept)
{
	struct run_result r;
	struct vstate st;
	struct victim *on = victim_start("--prctl-restore-ids", "on", "--timer", "id=42", NULL);
	struct victim *off = victim_start("--timer", "id=43", NULL);
	json_object *root;

	cr_assert(on && on->ready, "%s", on ? on->error : "fork");
	cr_assert(off && off->ready, "%s", off ? off->error : "fork");
	root = dump_pid(&r, on->pid, NULL);
	cr_assert_eq(must_int(root, "restore_ids", "root"), 1);
	cr_assert(dump_timer(root, 42));
	json_object_put(root);
	run_result_free(&r);
	cr_assert_eq(victim_state(on, &st), 0);
	cr_assert_eq(st.restore_ids, 1, "the dump changed the victim's prctl state");

	root = dump_pid(&r, off->pid, NULL);
	cr_assert_eq(must_int(root, "restore_ids", "root"), 0);
	json_object_put(root);
	run_result_free(&r);
	cr_assert_eq(victim_state(off, &st), 0);
	cr_assert_eq(st.restore_ids, 0, "the dump left the victim's prctl on");
	victim_kill(on);
	victim_kill(off);
}

/* Remove the fields that legitimately differ between two dumps. */
static void strip_volatile(json_object *root)
{
	json_object *arr;

	json_object_object_del(root, "captured");
	if (json_object_object_get_ex(root, "timers", &arr))
		for (size_t i = 0; i < json_object_array_length(arr); i++)
			json_object_object_del(json_object_array_get_idx(arr, i), "value_ns");
}

Test(dump, pretty_parses_the_same)
{
	struct run_result r1, r2;
	struct victim *v = start_specs(every, 4, (const char *const[]){ "--threads", "3", NULL });
	json_object *plain = dump_pid(&r1, v->pid, NULL);
	json_object *pretty = dump_pid(&r2, v->pid, "--pretty");

	cr_assert_gt(strlen(r2.out), strlen(r1.out), "--pretty output is not longer");
	cr_assert(strchr(r2.out, '\n') < r2.out + r2.out_len - 1,
		  "--pretty output is on one line");
	strip_volatile(plain);
	strip_volatile(pretty);
	cr_assert(json_object_equal(plain, pretty), "pretty and plain dumps differ:\n%s\n%s",
		  json_object_to_json_string(plain), json_object_to_json_string(pretty));
	json_object_put(plain);
	json_object_put(pretty);
	run_result_free(&r1);
	run_result_free(&r2);
	victim_kill(v);
}

Test(dump, library_decodes_the_output)
{
	struct ptimer_ctx *ctx;
	struct ptimer_dump *d = NULL;
	struct run_result r;
	struct victim *v = start_specs(every, sizeof(every) / sizeof(every[0]),
				       (const char *const[]){ "--threads", "3", NULL });
	json_object *root = dump_pid(&r, v->pid, NULL);
	int ret;

	cr_assert_eq(ptimer_new(&ctx), 0);
	ret = ptimer_dump_from_json(ctx, r.out, r.out_len, &d);
	cr_assert_eq(ret, 0, "ptimer_dump_from_json: %s", ptimer_last_error(ctx));
	cr_assert_eq(d->pid, v->pid);
	cr_assert_eq(d->ntimers, sizeof(every) / sizeof(every[0]));
	ptimer_dump_free(d);
	ptimer_free(ctx);
	json_object_put(root);
	run_result_free(&r);
	victim_kill(v);
}

Test(dump, output_file_and_stdout)
{
	char dir[] = "/tmp/ptimer-test-XXXXXX", path[64], pidbuf[16];
	struct run_result r;
	struct stat st;
	struct victim *v = start_specs(every, 2, NULL);
	json_object *root;
	FILE *f;
	char *text;
	long len;

	cr_assert(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/dump.json", dir);
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)v->pid);

	umask(022);
	cr_assert_eq(run_ptimerctl(&r, "dump", "-o", path, pidbuf, NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	cr_assert_eq(r.out_len, 0, "-o FILE also wrote stdout: %.200s", r.out);
	cr_assert_eq(stat(path, &st), 0, "-o did not create %s", path);
	cr_assert_eq(st.st_mode & 07777, 0600, "mode %o, want 0600", st.st_mode & 07777);
	f = fopen(path, "r");
	cr_assert(f);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	text = calloc(1, (size_t)len + 1);
	cr_assert_eq(fread(text, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	root = json_parse_text(text);
	cr_assert(root, "the file is not JSON: %.200s", text);
	cr_assert_eq(must_int(root, "pid", "root"), v->pid);
	cr_assert(dump_timer(root, every[0].id) && dump_timer(root, every[1].id));
	json_object_put(root);
	free(text);
	run_result_free(&r);
	unlink(path);
	rmdir(dir);

	root = dump_pid(&r, v->pid, "-o-");
	cr_assert_eq(must_int(root, "pid", "root"), v->pid);
	json_object_put(root);
	run_result_free(&r);
	cr_assert_eq(run_ptimerctl(&r, "dump", "-o", "-", pidbuf, NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	root = json_parse_text(r.out);
	cr_assert(root, "-o - did not write JSON to stdout: %.200s", r.out);
	json_object_put(root);
	run_result_free(&r);
	victim_kill(v);
}

/* Whether some line of @text starts with @id as a whole word. */
static bool table_has_id(const char *text, int id)
{
	char want[16];
	size_t n = (size_t)snprintf(want, sizeof(want), "%d", id);

	for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		const char *q = p + strspn(p, " ");

		if (!strncmp(q, want, n) && (q[n] == ' ' || q[n] == '\t' || q[n] == '\n'))
			return true;
	}
	return false;
}

Test(dump, show_lists_every_id)
{
	static const char *const cols[] = {
		"ID", "CLOCK", "NOTIFY", "SIGNAL", "TID", "REMAINING", "INTERVAL", "OVERRUN",
	};
	char pidbuf[16], dir[] = "/tmp/ptimer-test-XXXXXX", path[64];
	struct run_result r;
	struct vtimer vt[MAX_T];
	struct victim *v = start_specs(every, sizeof(every) / sizeof(every[0]),
				       (const char *const[]){ "--threads", "3", NULL });
	json_object *root;
	int nvt = victim_timers(v, vt, MAX_T);

	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)v->pid);
	cr_assert_eq(run_ptimerctl(&r, "show", pidbuf, NULL), 0);
	cr_assert_eq(r.exit_code, 0, "show: %s", run_describe(&r));
	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		cr_assert(strstr(r.out, cols[i]), "no %s column in:\n%s", cols[i], r.out);
	for (int i = 0; i < nvt; i++)
		cr_assert(table_has_id(r.out, vt[i].id), "show does not list id %d:\n%s",
			  vt[i].id, r.out);
	run_result_free(&r);

	cr_assert_eq(run_ptimerctl(&r, "show", "-J", pidbuf, NULL), 0);
	cr_assert_eq(r.exit_code, 0, "show -J: %s", run_describe(&r));
	root = json_parse_text(r.out);
	cr_assert(root, "show -J is not JSON: %.300s", r.out);
	for (int i = 0; i < nvt; i++)
		cr_assert(dump_timer(root, vt[i].id), "show -J lacks id %d", vt[i].id);
	json_object_put(root);
	run_result_free(&r);

	/* show -i FILE reads a dump instead of a process */
	cr_assert(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/d.json", dir);
	cr_assert_eq(run_ptimerctl(&r, "dump", "-o", path, pidbuf, NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	run_result_free(&r);
	victim_kill(v);
	cr_assert_eq(run_ptimerctl(&r, "show", "-i", path, NULL), 0);
	cr_assert_eq(r.exit_code, 0, "show -i: %s", run_describe(&r));
	for (int i = 0; i < nvt; i++)
		cr_assert(table_has_id(r.out, vt[i].id), "show -i does not list id %d:\n%s",
			  vt[i].id, r.out);
	run_result_free(&r);
	unlink(path);
	rmdir(dir);
}

Test(dump, disarm_reports_old_values_and_disarms)
{
	static const struct spec armed[] = {
		{ 1, "monotonic", "signal", 10, 0, 1, 10000, 1000 },
		{ 2, "realtime", "thread_id", 12, 1, 2, 10000, 0 },
		{ 3, "boottime", "none", 0, 0, 3, 10000, 500 },
		{ 4, "process_cputime", "signal", 34, 0, 4, 10000, 100 },
		{ 5, "monotonic", "signal", 35, 0, 5, 0, 0 },
	};
	struct vtimer vt[8];
	struct run_result r;
	struct victim *v = start_specs(armed, 5, (const char *const[]){ "--threads", "1", NULL });
	json_object *root = dump_pid(&r, v->pid, "--disarm");
	int nvt = victim_timers(v, vt, 8);

	cr_assert_eq(nvt, 5);
	check_same_ids(root, vt, nvt);
	for (int i = 0; i < 5; i++) {
		json_object *t = dump_timer(root, armed[i].id);
		char what[32];

		snprintf(what, sizeof(what), "timer %d", armed[i].id);
		check_value(t, what, armed[i].value_ms);
		cr_assert_eq(must_int(t, "interval_ns", what),
			     (int64_t)armed[i].interval_ms * 1000000, "%s", what);
	}
	for (int i = 0; i < nvt; i++) {
		/*
		 * Linux 6.18 keeps reporting the old remaining time of a
		 * SIGEV_NONE timer disarmed by timer_settime(0) (the hrtimer's
		 * expiry is not reset), so it cannot be checked from inside.
		 */
		if (!strcmp(vt[i].notify, "none"))
			continue;
		cr_assert_eq(vt[i].value_ns, 0, "timer %d still armed after --disarm: %lld ns",
			     vt[i].id, vt[i].value_ns);
	}
	cr_assert_eq(proc_tracer_pid(v->pid), 0);
	json_object_put(root);
	run_result_free(&r);
	victim_kill(v);
}

Test(dump, show_check_and_dump_leave_no_tracer)
{
	char pidbuf[16];
	struct run_result r;
	struct victim *v = start_specs(every, 3, NULL);

	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)v->pid);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(run_ptimerctl(&r, "dump", pidbuf, NULL), 0);
		cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
		run_result_free(&r);
		cr_assert_eq(proc_tracer_pid(v->pid), 0, "TracerPid after dump %d", i);
		cr_assert_neq(proc_state(v->pid), 't', "left in a tracing stop");
	}
	victim_kill(v);
}

Test(dump, many_threads)
{
	static const struct spec far[] = {
		{ 1, "monotonic", "thread_id", 10, 40, 0x40, 10000, 0 },
		{ 2, "thread_cpu:33", "thread_id", 12, 33, 0x33, 10000, 5 },
		{ 3, "realtime", "thread_id", 34, 1, 0x1, 0, 0 },
	};
	struct vtimer vt[4];
	pid_t tids[64];
	struct run_result r;
	struct victim *v = start_specs(far, 3, (const char *const[]){ "--threads", "40",
								      "--busy", "2", NULL });
	json_object *root = dump_pid(&r, v->pid, NULL);
	int nvt = victim_timers(v, vt, 4);
	int ntids = victim_tids(v, tids, 64);

	cr_assert_eq(ntids, 44);
	check_threads(root, v);
	check_same_ids(root, vt, nvt);
	for (int i = 0; i < 3; i++) {
		json_object *t = dump_timer(root, far[i].id);

		check_timer_vs_victim(t, vtimer_find(vt, nvt, far[i].id), v->pid);
		cr_assert_eq(must_int(t, "tid", "timer"), tids[far[i].thread]);
		cr_assert_eq(must_int(t, "clockid", "timer"),
			     expected_clockid(&far[i], v->pid, tids));
	}
	json_object_put(root);
	run_result_free(&r);
	victim_kill(v);
}

Test(dump, restore_ids_null_when_the_prctl_is_denied)
{
	struct run_result r;
	struct victim *v = victim_start("--seccomp-deny-prctl77", "--timer", "id=77,value_ms=10000",
					NULL);
	json_object *root;

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	/* --keep-seccomp: the target's filter judges the injected prctl. */
	root = dump_pid(&r, v->pid, "--keep-seccomp");
	cr_assert(json_is_null_member(root, "restore_ids"),
		  "restore_ids must be null when prctl(77) fails in the target: %.300s", r.out);
	cr_assert(dump_timer(root, 77));
	json_object_put(root);
	run_result_free(&r);

	/* By default the filter is suspended while ptimerctl injects. */
	root = dump_pid(&r, v->pid, NULL);
	cr_assert(!json_is_null_member(root, "restore_ids") || !harness_have_restore_ids(),
		  "with the filter suspended, prctl(77) GET must answer: %.300s", r.out);
	cr_assert(dump_timer(root, 77));
	json_object_put(root);
	run_result_free(&r);
	cr_assert_eq(proc_tracer_pid(v->pid), 0);
	victim_kill(v);
}

/*
 * A single injected call stopped past the timeout on its way back has
 * run, and its result is known: the job goes on.  3000 timers need a
 * scratch mapping, whose munmap() ends the dump, and each munmap() of
 * the target takes 0.25 s, past --timeout=0.2.  Failed, the dump would
 * be lost though it had read everything.
 */
Test(dump, a_last_call_past_the_timeout_is_done)
{
	char pidbuf[16];
	struct run_result r;
	struct victim *v;
	json_object *root;
	size_t n;

	if (harness_time_scale() > 1)
		cr_skip_test("under emulation (time scale %d)", harness_time_scale());
	v = victim_start("--many", "3000", "--slow", "munmap=250000", NULL);
	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	snprintf(pidbuf, sizeof(pidbuf), "%d", (int)v->pid);
	cr_assert_eq(run_ptimerctl(&r, "dump", "--keep-seccomp", "--timeout=0.2", pidbuf, NULL),
		     0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	root = json_parse_text(r.out);
	cr_assert(root, "dump output is not one JSON document: %.300s", r.out);
	n = json_object_array_length(json_object_object_get(root, "timers"));
	cr_expect_geq(n, 3000, "%zu timers dumped", n);
	json_object_put(root);
	run_result_free(&r);
	cr_assert_eq(proc_tracer_pid(v->pid), 0);
	victim_kill(v);
}
