// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * Do no harm, from the operator's side, against processes that are not
 * the easy case:
 *
 * - another user's process, plain (uid 65534) or living in a user
 *   namespace of its own (root inside, uid 12345 outside): root works on
 *   it with nothing but CAP_SYS_PTRACE, the user works on its own, is
 *   refused on root's, and `check` foretells each answer exactly;
 * - a process whose seccomp allowlist kills it for any call it did not
 *   name (tests/helpers/sandboxed): refused without CAP_SYS_ADMIN, worked
 *   on with the filter suspended with it, killed (SIGSYS) only when the
 *   operator asks for that risk with --keep-seccomp;
 * - a process with one thread traced by someone else, and one whose
 *   leader has exited (tests/helpers/oddproc).
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "restore_util.h"

#define NOBODY		65534
#define NS_OUTER_UID	12345	/* no account: nobody else owns its processes */
#define CAP_SYS_PTRACE_BIT	19
#define SETPRIV		"/usr/bin/setpriv"
#define UNSHARE		"/usr/bin/unshare"
#define MAX_ARGS	32

static void fini(void)
{
	harness_kill_all();
}

/* ---- who runs ptimerctl ---- */

enum runner {
	AS_ROOT,		/* all of root's capabilities */
	AS_PTRACE_ONLY,		/* uid 0 with CAP_SYS_PTRACE alone */
	AS_NOBODY,		/* uid 65534, no capability */
	AS_NS_OWNER,		/* uid 12345, which owns the namespaced victims */
};

static const char *const runner_names[] = {
	[AS_ROOT] = "root",
	[AS_PTRACE_ONLY] = "root with only CAP_SYS_PTRACE",
	[AS_NOBODY] = "uid 65534",
	[AS_NS_OWNER] = "uid 12345",
};

/*
 * The bounding set caps what root gains at exec: with only sys_ptrace in
 * it, ptimerctl starts with CapPrm = CapEff = CAP_SYS_PTRACE.
 */
static const char *const ptrace_only[] = {
	SETPRIV, "--bounding-set=-all,+sys_ptrace", "--inh-caps=-all", "--", NULL
};

/* ptimerctl as @who, with these arguments (NULL-terminated); asserts it ran. */
static void px(struct run_result *r, enum runner who, const char *arg, ...)
{
	struct run_opts o = { .as_user = who == AS_NOBODY || who == AS_NS_OWNER };
	const char *argv[MAX_ARGS + 8];
	size_t n = 0;
	va_list ap;

	o.uid = o.gid = who == AS_NOBODY ? NOBODY : NS_OUTER_UID;
	if (who == AS_PTRACE_ONLY)
		for (const char *const *p = ptrace_only; *p; p++)
			argv[n++] = *p;
	argv[n++] = ptimerctl_path();
	va_start(ap, arg);
	for (const char *a = arg; a && n < MAX_ARGS; a = va_arg(ap, const char *))
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	cr_assert_eq(run_argv(r, &o, argv), 0, "cannot run ptimerctl");
	if (r->exit_code == 126 || r->exit_code == 127)
		cr_skip_test("cannot run ptimerctl as %s: %s", runner_names[who], r->err);
}

static bool runnable(const char *path)
{
	return access(path, X_OK) == 0;
}

/* The capabilities a program run as AS_PTRACE_ONLY gets: CapEff of grep itself. */
static void require_ptrace_only(void)
{
	const char *argv[] = { SETPRIV, "--bounding-set=-all,+sys_ptrace", "--inh-caps=-all",
			       "--", "/bin/grep", "^CapEff:", "/proc/self/status", NULL };
	struct run_result r;
	unsigned long long eff;

	if (!runnable(SETPRIV))
		cr_skip_test("no %s", SETPRIV);
	cr_assert_eq(run_argv(&r, NULL, argv), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	eff = strtoull(r.out + strlen("CapEff:"), NULL, 16);
	cr_assert_eq(eff, 1ULL << CAP_SYS_PTRACE_BIT, "setpriv left CapEff %#llx", eff);
	run_result_free(&r);
}

/* ---- victims of other users ---- */

static struct victim *spawn_checked(const char *const *argv, uid_t uid, const char *what)
{
	struct victim *v = victim_spawn(argv, uid);

	cr_assert(v, "cannot fork %s", what);
	if (!v->ready && strstr(v->error, "cannot become"))
		cr_skip_test("cannot start a process as uid %u: %s", (unsigned int)uid, v->error);
	cr_assert(v->ready, "%s: %s", what, v->error);
	return v;
}

/* tests/helpers/victim as @uid, with @args (NULL-terminated). */
static struct victim *victim_as(uid_t uid, const char *const *args)
{
	const char *argv[MAX_ARGS + 2];
	struct victim *v;
	size_t n = 0;

	argv[n++] = strdup(helper_path("victim"));
	for (; args && *args && n < MAX_ARGS; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	v = spawn_checked(argv, uid, "victim");
	free((char *)argv[0]);
	cr_assert_eq(proc_status_long(v->pid, "Uid"), (long)uid);
	return v;
}

/*
 * tests/helpers/victim in a new user namespace made by uid 12345 with
 * `unshare --user --map-root-user`: root inside, 12345 outside.  unshare
 * executes the victim in its own process, so the pid is the victim's.
 */
static struct victim *victim_in_userns(const char *const *args)
{
	const char *argv[MAX_ARGS + 6];
	struct victim *v;
	char uid_map[64], path[64];
	size_t n = 0;
	FILE *f;

	if (!runnable(UNSHARE))
		cr_skip_test("no %s", UNSHARE);
	argv[n++] = UNSHARE;
	argv[n++] = "--user";
	argv[n++] = "--map-root-user";
	argv[n++] = "--";
	argv[n++] = strdup(helper_path("victim"));
	for (; args && *args && n < MAX_ARGS; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	v = victim_spawn(argv, NS_OUTER_UID);
	free((char *)argv[4]);
	cr_assert(v, "cannot fork the namespaced victim");
	if (!v->ready)
		cr_skip_test("no user namespace for uid %d: %s", NS_OUTER_UID, v->error);
	cr_assert_eq(proc_status_long(v->pid, "Uid"), NS_OUTER_UID);
	snprintf(path, sizeof(path), "/proc/%d/uid_map", (int)v->pid);
	f = fopen(path, "r");
	cr_assert(f);
	cr_assert(fgets(uid_map, sizeof(uid_map), f));
	fclose(f);
	{
		unsigned int inner, outer, count;

		cr_assert_eq(sscanf(uid_map, "%u %u %u", &inner, &outer, &count), 3, "%s",
			     uid_map);
		cr_assert(inner == 0 && outer == NS_OUTER_UID && count == 1,
			  "the victim's uid_map is %s", uid_map);
	}
	return v;
}


/* ---- what check says ---- */

struct check_answer {
	int exit_code;
	bool usable, may_trace;
	char error[512];
};

static struct check_answer check_pid(enum runner who, pid_t pid)
{
	struct check_answer a = { 0 };
	struct run_result r;
	json_object *root, *t, *v;
	const char *e;
	char p[16];

	px(&r, who, "check", "-J", ru_pidstr(p, pid), NULL);
	a.exit_code = r.exit_code;
	root = json_parse_text(r.out);
	cr_assert(root, "check -J printed no JSON: %s / %s", r.out, run_describe(&r));
	cr_assert(json_object_object_get_ex(root, "target", &t), "%s", r.out);
	cr_assert(json_object_object_get_ex(t, "may_trace", &v), "%s", r.out);
	a.may_trace = json_object_get_boolean(v);
	cr_assert(json_object_object_get_ex(t, "usable", &v), "%s", r.out);
	a.usable = json_object_get_boolean(v);
	e = json_get_str(t, "error");
	snprintf(a.error, sizeof(a.error), "%s", e ? e : "");
	json_object_put(root);
	run_result_free(&r);
	return a;
}

/* check must say yes exactly where the real work succeeds, and why not elsewhere. */
static void expect_check_foretells(enum runner who, pid_t pid, int real_exit, const char *what)
{
	struct check_answer a = check_pid(who, pid);

	cr_expect_eq(a.may_trace, real_exit == PX_OK, "%s, as %s: check says may_trace=%d, but"
		     " the work exits %d", what, runner_names[who], a.may_trace, real_exit);
	cr_expect_eq(a.exit_code, real_exit, "%s, as %s: check exits %d, the work %d", what,
		     runner_names[who], a.exit_code, real_exit);
}

/* ---- the timers, compared across processes ---- */

static const char *const src_timers[] = {
	"--threads", "1",
	"--timer", "id=4,clock=monotonic,notify=thread_id,sig=12,thread=1,sigval=0x4,"
		   "value_ms=60000,interval_ms=1000",
	"--timer", "id=9,clock=boottime,notify=signal,sig=10,sigval=0x9,value_ms=50000",
	"--timer", "id=17,clock=realtime,notify=none,sigval=0x11,value_ms=40000,interval_ms=2000",
	NULL
};

static const char *const bare[] = { "--threads", "1", NULL };

/*
 * @got holds every timer of @want, alike but for the tid (another
 * process); armed as dumped, or disarmed (value and interval 0) by a
 * migration.  A disarmed SIGEV_NONE timer is the exception: the kernel
 * never queues it, and timer_gettime() goes on reporting the time left
 * until its old expiry.
 */
static void expect_timers_moved(const struct vtimer *want, int nw, const struct vtimer *got,
				int ng, bool armed, const char *what)
{
	cr_expect_eq(ng, nw, "%s: %s", what, ru_timers_str(got, ng));
	for (int i = 0; i < nw; i++) {
		const struct vtimer *x = vtimer_find(got, ng, want[i].id);

		cr_assert(x, "%s: timer %d missing: %s", what, want[i].id, ru_timers_str(got, ng));
		cr_expect_eq(x->clockid, want[i].clockid, "%s: timer %d", what, x->id);
		cr_expect_str_eq(x->notify, want[i].notify, "%s: timer %d", what, x->id);
		cr_expect_eq(x->signo, want[i].signo, "%s: timer %d", what, x->id);
		cr_expect_eq(x->sigval, want[i].sigval, "%s: timer %d", what, x->id);
		cr_expect_eq(x->interval_ns, armed ? want[i].interval_ns : 0,
			     "%s: timer %d interval %lld", what, x->id, x->interval_ns);
		if (armed || strcmp(x->notify, "none"))
			cr_expect_eq(x->value_ns > 0, armed, "%s: timer %d value %lld", what,
				     x->id, x->value_ns);
	}
}

static void expect_untraced(const struct victim *v, const char *what)
{
	char line[64];

	cr_expect_eq(proc_tracer_pid(v->pid), 0, "%s: still traced", what);
	cr_expect(strchr("SR", proc_state(v->pid)), "%s: state %c", what, proc_state(v->pid));
	cr_expect_eq(victim_cmd((struct victim *)v, "ping", line, sizeof(line)), 0,
		     "%s: no answer", what);
	cr_expect_str_eq(line, "PONG", "%s", what);
}

/*
 * Everything that attaches, as @who, on victims that @start makes: show,
 * dump, restore into a second victim, migrate into a third; and check
 * foretells each answer.  With @works false, each must be refused (exit 4)
 * and nothing may change.
 */
static void work_on(enum runner who, struct victim *(*start)(const char *const *),
		    bool works, const char *what)
{
	struct victim *src = start(src_timers), *dst = start(bare), *mig = start(bare);
	struct vtimer ts[8], t[8];
	int want = works ? PX_OK : PX_PERMISSION, ns, n;
	struct run_result r;
	char ps[16], pd[16], pm[16], *dump;

	ru_pidstr(ps, src->pid);
	ru_pidstr(pd, dst->pid);
	ru_pidstr(pm, mig->pid);
	ns = ru_timers(src, ts, 8);
	cr_assert_eq(ns, 3, "%s: %s", what, ru_timers_str(ts, ns));

	px(&r, who, "show", ps, NULL);
	cr_expect_eq(r.exit_code, want, "%s: show as %s: %s", what, runner_names[who],
		     run_describe(&r));
	if (works)
		cr_expect(strstr(r.out, "3 timers"), "%s: show printed %s", what, r.out);
	run_result_free(&r);

	px(&r, who, "dump", ps, NULL);
	cr_expect_eq(r.exit_code, want, "%s: dump as %s: %s", what, runner_names[who],
		     run_describe(&r));
	if (!works && r.exit_code == PX_PERMISSION)
		cr_expect(strstr(r.err, "CAP_SYS_PTRACE"), "%s: %s", what, r.err);
	expect_check_foretells(who, src->pid, r.exit_code, what);
	if (r.exit_code == PX_OK) {
		json_object *doc = json_parse_text(r.out);

		cr_expect(doc && dump_timer(doc, 17), "%s: %s", what, r.out);
		json_object_put(doc);
		dump = ru_public_file(r.out);
	} else {
		/* Root's dump, so that the restore is refused for who it is. */
		run_result_free(&r);
		cr_assert_eq(run_ptimerctl(&r, "dump", ps, NULL), 0);
		cr_assert_eq(r.exit_code, 0, "%s: root's dump: %s", what, run_describe(&r));
		dump = ru_public_file(r.out);
	}
	run_result_free(&r);

	px(&r, who, "restore", "-i", dump, pd, NULL);
	cr_expect_eq(r.exit_code, want, "%s: restore as %s: %s", what, runner_names[who],
		     run_describe(&r));
	expect_check_foretells(who, dst->pid, r.exit_code, what);
	run_result_free(&r);
	n = ru_timers(dst, t, 8);
	if (works)
		expect_timers_moved(ts, ns, t, n, true, "restored");
	else
		cr_expect_eq(n, 0, "%s: refused, yet: %s", what, ru_timers_str(t, n));

	px(&r, who, "migrate", ps, pm, NULL);
	cr_expect_eq(r.exit_code, want, "%s: migrate as %s: %s", what, runner_names[who],
		     run_describe(&r));
	run_result_free(&r);
	n = ru_timers(mig, t, 8);
	if (works) {
		expect_timers_moved(ts, ns, t, n, true, "migrated");
		n = ru_timers(src, t, 8);
		expect_timers_moved(ts, ns, t, n, false, "migrated away");
	} else {
		cr_expect_eq(n, 0, "%s: refused, yet: %s", what, ru_timers_str(t, n));
		n = ru_timers(src, t, 8);
		expect_timers_moved(ts, ns, t, n, true, "refused, the source");
	}

	expect_untraced(src, what);
	expect_untraced(dst, what);
	expect_untraced(mig, what);
	ru_file_free(dump);
	victim_kill(src);
	victim_kill(dst);
	victim_kill(mig);
}

static struct victim *start_root(const char *const *args)
{
	return victim_as(0, args);
}

static struct victim *start_nobody(const char *const *args)
{
	return victim_as(NOBODY, args);
}

/* ---- A: another user's process ---- */

TestSuite(hostile_uid, .fini = fini, .timeout = 60);

Test(hostile_uid, root_on_nobodys_process)
{
	work_on(AS_ROOT, start_nobody, true, "uid 65534's victims");
}

Test(hostile_uid, root_on_a_user_namespace)
{
	work_on(AS_ROOT, victim_in_userns, true, "namespaced victims of uid 12345");
}

Test(hostile_uid, cap_sys_ptrace_alone_suffices)
{
	require_ptrace_only();
	work_on(AS_PTRACE_ONLY, start_nobody, true, "uid 65534's victims");
	work_on(AS_PTRACE_ONLY, victim_in_userns, true, "namespaced victims of uid 12345");
}

Test(hostile_uid, user_on_its_own_processes)
{
	work_on(AS_NOBODY, start_nobody, true, "its own victims");
	work_on(AS_NS_OWNER, victim_in_userns, true, "its own namespaced victims");
}

Test(hostile_uid, user_refused_on_roots_process)
{
	work_on(AS_NOBODY, start_root, false, "root's victims");
	work_on(AS_NS_OWNER, start_root, false, "root's victims");
	work_on(AS_NOBODY, victim_in_userns, false, "uid 12345's namespaced victims");
}

/* ---- B: a seccomp filter that kills ---- */

/* Timers that name no thread, for a target with any threads. */
static const struct ru_spec more[] = {
	{ 40, "monotonic", "signal", 10, 0, 0x40, 70000, 3000 },
	{ 41, "boottime", "none", 0, 0, 0x41, 80000, 0 },
};


TestSuite(hostile_seccomp, .fini = fini, .timeout = 60);

static struct victim *sandboxed_with(uid_t uid, const char *option)
{
	const char *argv[] = { strdup(helper_path("sandboxed")), option, NULL };
	struct victim *v = spawn_checked(argv, uid, "sandboxed");

	free((char *)argv[0]);
	cr_assert_eq(proc_status_long(v->pid, "Seccomp"), 2, "the helper is not confined");
	return v;
}

static struct victim *sandboxed_as(uid_t uid)
{
	return sandboxed_with(uid, NULL);
}

/*
 * A test's first look at its victim's timers, and when: a one-shot's value
 * falls by the time that passes until the next look, however long that is
 * on a slow machine, and by no more.
 */
static int64_t before_ns;

static int before_timers(struct victim *v, struct vtimer *t, int max)
{
	before_ns = clock_ns(CLOCK_MONOTONIC);
	return ru_timers(v, t, max);
}

static long long since_before(void)
{
	return clock_ns(CLOCK_MONOTONIC) - before_ns + RU_MS;
}

/* Alive, untraced, still confined, and its timers as they were. */
static void expect_unharmed(struct victim *v, const struct vtimer *before, int nb,
			    const char *what)
{
	struct vtimer after[8];
	char why[256];
	int na;

	expect_untraced(v, what);
	cr_expect_eq(proc_status_long(v->pid, "Seccomp"), 2, "%s: no longer confined", what);
	na = ru_timers(v, after, 8);
	cr_expect(ru_timers_same(before, nb, after, na, since_before(), why, sizeof(why)), "%s: %s",
		  what, why);
}

/* The refusal must say what it protects the process from. */
static void expect_seccomp_refusal(const struct run_result *r, const char *what)
{
	cr_expect_eq(r->exit_code, PX_PERMISSION, "%s: %s", what, run_describe(r));
	cr_expect(strstr(r->err, "seccomp"), "%s: seccomp not named: %s", what, r->err);
	cr_expect(strstr(r->err, "kill"), "%s: the risk (the filter may kill the process) is"
		  " not named: %s", what, r->err);
}

Test(hostile_seccomp, refused_without_cap_sys_admin)
{
	struct victim *v = sandboxed_as(NOBODY), *other = ru_start(more, 2, NULL);
	struct vtimer before[8];
	struct run_result r;
	char pid[16], *dump;
	int nb;

	ru_pidstr(pid, v->pid);
	nb = before_timers(v, before, 8);
	cr_assert_eq(nb, 3, "%s", ru_timers_str(before, nb));
	px(&r, AS_NOBODY, "show", pid, NULL);
	expect_seccomp_refusal(&r, "show");
	run_result_free(&r);
	expect_unharmed(v, before, nb, "after show");

	px(&r, AS_NOBODY, "dump", pid, NULL);
	expect_seccomp_refusal(&r, "dump");
	run_result_free(&r);
	expect_unharmed(v, before, nb, "after dump");

	cr_assert_eq(run_ptimerctl(&r, "dump", ru_pidstr(pid, other->pid), NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	dump = ru_public_file(r.out);
	run_result_free(&r);
	px(&r, AS_NOBODY, "restore", "-i", dump, ru_pidstr(pid, v->pid), NULL);
	expect_seccomp_refusal(&r, "restore");
	run_result_free(&r);
	expect_unharmed(v, before, nb, "after restore");

	ru_file_free(dump);
	victim_kill(other);
	victim_kill(v);
}

Test(hostile_seccomp, refusal_names_keep_seccomp)
{
	struct victim *v = sandboxed_as(NOBODY);
	struct run_result r;
	char pid[16];

	px(&r, AS_NOBODY, "show", ru_pidstr(pid, v->pid), NULL);
	cr_expect_eq(r.exit_code, PX_PERMISSION, "%s", run_describe(&r));
	cr_expect(strstr(r.err, "--keep-seccomp"), "the refusal does not name the way to"
		  " take the risk, --keep-seccomp: %s", r.err);
	run_result_free(&r);
	expect_untraced(v, "after show");
	victim_kill(v);
}

/* check must foretell that refusal, as it does a refusal for want of CAP_SYS_PTRACE. */
Test(hostile_seccomp, check_foretells_the_refusal)
{
	struct victim *v = sandboxed_as(NOBODY);
	struct check_answer a;
	struct run_result r;
	char pid[16];

	px(&r, AS_NOBODY, "show", ru_pidstr(pid, v->pid), NULL);
	cr_assert_eq(r.exit_code, PX_PERMISSION, "%s", run_describe(&r));
	run_result_free(&r);
	a = check_pid(AS_NOBODY, v->pid);
	cr_expect_eq(a.exit_code, PX_PERMISSION, "check exits %d where show exits 4",
		     a.exit_code);
	cr_expect(!a.usable && strstr(a.error, "seccomp"), "check calls it usable (%d) and"
		  " says \"%s\" where show is refused for the seccomp filter", a.usable, a.error);
	expect_untraced(v, "after check");
	victim_kill(v);
}

Test(hostile_seccomp, root_suspends_the_filter)
{
	struct victim *v = sandboxed_as(NOBODY), *dst = sandboxed_as(NOBODY);
	struct vtimer before[8], bdst[8], t[8];
	struct run_result r;
	char pid[16], pd[16], *dump;
	int nb, nd, n;

	ru_pidstr(pid, v->pid);
	ru_pidstr(pd, dst->pid);
	nb = before_timers(v, before, 8);
	nd = ru_timers(dst, bdst, 8);
	px(&r, AS_ROOT, "show", pid, NULL);
	cr_expect_eq(r.exit_code, 0, "%s", run_describe(&r));
	cr_expect(strstr(r.out, "3 timers"), "%s", r.out);
	run_result_free(&r);
	expect_unharmed(v, before, nb, "after root's show");

	px(&r, AS_ROOT, "dump", pid, NULL);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	dump = ru_public_file(r.out);
	run_result_free(&r);
	expect_unharmed(v, before, nb, "after root's dump");

	/*
	 * The same timers exist in a second sandboxed process: replace them.
	 * Each has the dumped clock and notification, so each is re-armed
	 * in place, with the prctl or without (no walk round the id space).
	 */
	px(&r, AS_ROOT, "restore", "--replace", "-i", dump, pd, NULL);
	cr_expect_eq(r.exit_code, 0, "%s", run_describe(&r));
	run_result_free(&r);
	expect_untraced(dst, "after root's restore");
	cr_expect_eq(proc_status_long(dst->pid, "Seccomp"), 2);
	n = ru_timers(dst, t, 8);
	cr_expect_eq(n, nd, "%s", ru_timers_str(t, n));
	expect_timers_moved(before, nb, t, n, true, "restored under a suspended filter");
	ru_file_free(dump);
	victim_kill(v);
	victim_kill(dst);
}

/* With --keep-seccomp the operator takes the risk, and the filter does kill. */
Test(hostile_seccomp, keep_seccomp_is_the_operators_risk)
{
	struct victim *v = sandboxed_as(NOBODY);
	int64_t deadline = harness_deadline(5000);
	struct run_result r;
	int status = 0;
	pid_t w;
	char pid[16];

	px(&r, AS_NOBODY, "show", "--keep-seccomp", ru_pidstr(pid, v->pid), NULL);
	cr_log_info("show --keep-seccomp: %s", run_describe(&r));
	cr_expect_neq(r.exit_code, 0, "%s", run_describe(&r));
	cr_expect(strstr(r.err, "seccomp"), "no warning: %s", r.err);
	run_result_free(&r);
	while ((w = waitpid(v->pid, &status, WNOHANG)) == 0 &&
	       clock_ns(CLOCK_MONOTONIC) < deadline)
		sleep_ms(2);
	cr_assert_eq(w, v->pid, "the sandboxed process survived the injected calls: the"
		     " victim is not hostile enough to prove anything");
	harness_untrack(v->pid);
	v->pid = 0;
	cr_expect(WIFSIGNALED(status) && WTERMSIG(status) == SIGSYS,
		  "it ended with status %#x, not SIGSYS", status);
	victim_kill(v);
}

/*
 * A filter written from ptimerctl(1)'s list of the calls it injects (the
 * program's own, and those): under --keep-seccomp, show, dump, a
 * disarming dump, the restore --replace that re-arms it in place, and a
 * restore that makes timers of a foreign dump all work, and the process
 * lives on, confined.  A call the list lacks kills it.
 */
Test(hostile_seccomp, a_filter_from_the_man_page_list_lets_every_job_through)
{
	struct victim *v = sandboxed_with(NOBODY, "--allow-injected");
	struct victim *dst = sandboxed_with(NOBODY, "--allow-injected");
	struct victim *other = ru_start(more, 2, NULL);
	char pid[16], pd[16], *mine, *disarmed, *foreign;
	struct run_result r;
	struct vtimer t[8];
	int n;

	ru_pidstr(pid, v->pid);
	ru_pidstr(pd, dst->pid);
	px(&r, AS_NOBODY, "show", "--keep-seccomp", pid, NULL);
	cr_expect_eq(r.exit_code, 0, "show: %s", run_describe(&r));
	run_result_free(&r);
	px(&r, AS_NOBODY, "dump", "--keep-seccomp", pid, NULL);
	cr_assert_eq(r.exit_code, 0, "dump: %s", run_describe(&r));
	mine = ru_public_file(r.out);
	run_result_free(&r);
	px(&r, AS_NOBODY, "dump", "--disarm", "--keep-seccomp", pid, NULL);
	cr_assert_eq(r.exit_code, 0, "dump --disarm: %s", run_describe(&r));
	disarmed = ru_public_file(r.out);
	run_result_free(&r);
	px(&r, AS_NOBODY, "restore", "--replace", "--keep-seccomp", "-i", mine, pid, NULL);
	cr_expect_eq(r.exit_code, 0, "restore --replace: %s", run_describe(&r));
	run_result_free(&r);
	expect_untraced(v, "after the jobs");
	cr_expect_eq(proc_status_long(v->pid, "Seccomp"), 2);
	n = ru_timers(v, t, 8);
	cr_expect_eq(n, 3, "%s", ru_timers_str(t, n));

	cr_assert_eq(run_ptimerctl(&r, "dump", ru_pidstr(pid, other->pid), NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	foreign = ru_public_file(r.out);
	run_result_free(&r);
	px(&r, AS_NOBODY, "restore", "--keep-seccomp", "-i", foreign, pd, NULL);
	cr_expect_eq(r.exit_code, 0, "restore: %s", run_describe(&r));
	run_result_free(&r);
	expect_untraced(dst, "after the restore");
	n = ru_timers(dst, t, 8);
	cr_expect_eq(n, 5, "%s", ru_timers_str(t, n));
	ru_file_free(mine);
	ru_file_free(disarmed);
	ru_file_free(foreign);
	victim_kill(other);
	victim_kill(dst);
	victim_kill(v);
}

/*
 * A kept filter that answers a refused call with SIGSYS (SECCOMP_RET_TRAP)
 * refuses ptimerctl's getitimer(): the dump fails, and the SIGSYS is never
 * delivered.  Nor may it cost the process its handler: with SIGSYS
 * blocked while the injected code runs, the kernel would have set the
 * action to SIG_DFL (force_sig_seccomp()), and the program's next refused
 * call would kill it.
 */
Test(hostile_seccomp, a_trapping_filter_kept_keeps_its_sigsys_handler)
{
	const char *argv[] = { strdup(helper_path("sandboxed")), "--trap", NULL };
	struct victim *v = spawn_checked(argv, NOBODY, "sandboxed --trap");
	struct ru_snap *before = calloc(1, sizeof(*before)), *after = calloc(1, sizeof(*after));
	char pid[16], line[128], why[256];
	struct run_result r;

	free((char *)argv[0]);
	cr_assert(before && after);
	ru_snap_take(v, before);
	for (int i = 0; i < 2; i++) {
		px(&r, AS_NOBODY, "dump", "--keep-seccomp", ru_pidstr(pid, v->pid), NULL);
		cr_log_info("dump --keep-seccomp: %s", run_describe(&r));
		cr_expect_neq(r.exit_code, 0, "%s", run_describe(&r));
		cr_expect(strstr(r.err, "trapped with SIGSYS"), "not said: %s", r.err);
		run_result_free(&r);
	}
	cr_assert_eq(victim_cmd(v, "sigsys", line, sizeof(line)), 0, "the victim died");
	cr_expect_str_eq(line, "SIGSYS action=ours taken=0",
			 "the victim's SIGSYS handler after the refused calls: %s", line);
	ru_snap_take(v, after);
	cr_expect(ru_snaps_same(before, after, RU_UNTOUCHED, why, sizeof(why)),
		  "the victim's timers changed: %s", why);
	free(before);
	free(after);
	victim_kill(v);
}

/* ---- C: a thread traced by someone else, a process without its leader ---- */

TestSuite(hostile_odd, .fini = fini, .timeout = 60);

struct tracer {
	pid_t pid;
	int hold_fd;		/* closing it lets the tracer exit, which detaches */
};

/* A separate process that PTRACE_SEIZEs the one thread @tid, and holds it. */
static struct tracer trace_thread(pid_t tid)
{
	int ready[2], hold[2], err = -1;
	pid_t parent = getpid();
	struct tracer t;

	cr_assert_eq(pipe2(ready, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(hold, O_CLOEXEC), 0);
	t.pid = fork();
	cr_assert_geq(t.pid, 0);
	if (t.pid == 0) {
		char c;

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		if (getppid() != parent)
			_exit(1);
		close(hold[1]);
		err = ptrace(PTRACE_SEIZE, tid, 0, 0) < 0 ? errno : 0;
		if (write(ready[1], &err, sizeof(err)) != sizeof(err))
			_exit(1);
		while (read(hold[0], &c, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	harness_track(t.pid);
	close(ready[1]);
	close(hold[0]);
	cr_assert_eq(read(ready[0], &err, sizeof(err)), (ssize_t)sizeof(err));
	close(ready[0]);
	cr_assert_eq(err, 0, "the tracer cannot seize thread %d: %s", tid, strerror(err));
	cr_assert_eq(proc_tracer_pid(tid), t.pid);
	t.hold_fd = hold[1];
	return t;
}

static void tracer_release(struct tracer *t)
{
	close(t->hold_fd);
	while (waitpid(t->pid, NULL, 0) < 0 && errno == EINTR)
		;
	harness_untrack(t->pid);
}

Test(hostile_odd, one_thread_traced_by_another)
{
	struct victim *v = victim_as(0, src_timers);
	struct vtimer before[8];
	struct run_result r;
	struct check_answer a;
	struct tracer tr;
	pid_t tids[8];
	char pid[16], want[128], why[256], *dump;
	int nb;

	cr_assert_geq(victim_tids(v, tids, 8), 3);
	ru_pidstr(pid, v->pid);
	nb = before_timers(v, before, 8);
	/* tids[1] is the worker: neither the leader nor the thread that answers us. */
	tr = trace_thread(tids[1]);
	snprintf(want, sizeof(want), "thread %d of pid %d is already traced by pid %d",
		 (int)tids[1], (int)v->pid, (int)tr.pid);

	a = check_pid(AS_ROOT, v->pid);
	cr_expect_eq(a.exit_code, PX_TRACED, "check exits %d: %s", a.exit_code, a.error);
	cr_expect(!a.usable, "check calls it usable");
	cr_expect(strstr(a.error, want), "check says \"%s\", not \"%s\"", a.error, want);

	px(&r, AS_ROOT, "dump", pid, NULL);
	cr_expect_eq(r.exit_code, PX_TRACED, "dump: %s", run_describe(&r));
	cr_expect(strstr(r.err, want), "dump says \"%s\", not \"%s\"", r.err, want);
	run_result_free(&r);

	px(&r, AS_ROOT, "show", pid, NULL);
	cr_expect_eq(r.exit_code, PX_TRACED, "show: %s", run_describe(&r));
	cr_expect(strstr(r.err, want), "show says \"%s\", not \"%s\"", r.err, want);
	run_result_free(&r);

	/* Unharmed, with its other tracer still in place. */
	cr_expect_eq(proc_tracer_pid(tids[1]), tr.pid, "the other tracer lost the thread");
	cr_expect_eq(proc_tracer_pid(v->pid), 0);
	cr_expect_eq(proc_tracer_pid(tids[2]), 0);
	{
		struct vtimer after[8];
		int na = ru_timers(v, after, 8);
		char line[64];

		cr_expect(ru_timers_same(before, nb, after, na, since_before(), why, sizeof(why)), "%s",
			  why);
		cr_expect_eq(victim_cmd(v, "ping", line, sizeof(line)), 0);
	}

	/* Once the other tracer is gone, everything works again. */
	tracer_release(&tr);
	cr_assert_eq(proc_tracer_pid(tids[1]), 0);
	dump = ru_dump_file(v->pid, NULL);
	ru_file_free(dump);
	expect_untraced(v, "after the other tracer left");
	victim_kill(v);
}

/* oddproc --leaderless once its leader has exited, as /proc shows it. */
static void wait_leaderless(struct victim *v)
{
	cr_assert(proc_wait_state(v->pid, "Z", 5000), "the leader did not exit (state %c)",
		  proc_state(v->pid));
}

Test(hostile_odd, process_without_its_leader)
{
	const char *argv[] = { strdup(helper_path("oddproc")), "--leaderless", NULL };
	struct victim *v = spawn_checked(argv, (uid_t)-1, "oddproc"), *src;
	struct vtimer before[8], t[8], ts[4];
	struct check_answer a;
	struct run_result r;
	json_object *doc;
	char pid[16], line[64], *dump;
	int nb, n, ns;

	free((char *)argv[0]);
	ru_pidstr(pid, v->pid);
	wait_leaderless(v);
	cr_assert_eq(victim_cmd(v, "ping", line, sizeof(line)), 0, "the process died");
	nb = before_timers(v, before, 8);
	cr_assert_eq(nb, 3, "%s", ru_timers_str(before, nb));

	a = check_pid(AS_ROOT, v->pid);
	cr_expect_eq(a.exit_code, 0, "check exits %d: %s", a.exit_code, a.error);
	cr_expect(a.usable && a.may_trace, "check: usable %d, may trace %d: %s", a.usable,
		  a.may_trace, a.error);

	px(&r, AS_ROOT, "show", pid, NULL);
	cr_expect_eq(r.exit_code, 0, "show: %s", run_describe(&r));
	cr_expect(strstr(r.out, "3 timers"), "show printed %s", r.out);
	run_result_free(&r);

	px(&r, AS_ROOT, "dump", pid, NULL);
	cr_expect_eq(r.exit_code, 0, "dump: %s", run_describe(&r));
	doc = json_parse_text(r.out);
	cr_expect(doc && json_object_array_length(json_object_object_get(doc, "timers")) == 3,
		  "dump printed %s", r.out);
	json_object_put(doc);
	run_result_free(&r);
	cr_assert_eq(victim_cmd(v, "ping", line, sizeof(line)), 0, "the process died");
	n = ru_timers(v, t, 8);
	{
		char why[256];

		cr_expect(ru_timers_same(before, nb, t, n, since_before(), why, sizeof(why)), "%s", why);
	}

	/* Restore two more timers into it; only a live thread can create them. */
	src = ru_start(more, 2, NULL);
	ns = ru_timers(src, ts, 4);
	dump = ru_dump_file(src->pid, NULL);
	px(&r, AS_ROOT, "restore", "-i", dump, pid, NULL);
	cr_expect_eq(r.exit_code, 0, "restore: %s", run_describe(&r));
	run_result_free(&r);
	cr_assert_eq(victim_cmd(v, "ping", line, sizeof(line)), 0, "the process died");
	n = ru_timers(v, t, 8);
	cr_expect_eq(n, nb + ns, "%s", ru_timers_str(t, n));
	for (int i = 0; i < ns; i++) {
		const struct vtimer *x = vtimer_find(t, n, ts[i].id);

		cr_expect(x && x->sigval == ts[i].sigval && x->signo == ts[i].signo &&
			  x->interval_ns == ts[i].interval_ns && x->value_ns > 0,
			  "timer %d not restored: %s", ts[i].id, ru_timers_str(t, n));
	}
	cr_expect_eq(proc_tracer_pid(v->pid), 0);
	ru_file_free(dump);
	victim_kill(src);
	victim_kill(v);
}

/* oddproc's SIGEV_THREAD_ID timer, aimed at its worker */
#define WORKER_SIGVAL	0x63

/*
 * A restore into the leaderless @pid of a dump whose one timer (@spec, as
 * victim --timer takes it) belongs to its leader: refused, exit 10, with
 * @why in the message.
 */
static void leader_timer_refused(const char *pid, const char *spec, const char *why)
{
	struct victim *src = victim_start("--threads", "1", "--timer", spec, NULL);
	struct run_result r;
	char *dump;

	cr_assert(src && src->ready);
	dump = ru_dump_file(src->pid, NULL);
	victim_kill(src);
	px(&r, AS_ROOT, "restore", "-i", dump, pid, NULL);
	cr_expect_eq(r.exit_code, PX_BAD_INPUT, "restore of %s: %s", spec, run_describe(&r));
	cr_expect(strstr(r.err, why), "%s", r.err);
	run_result_free(&r);
	ru_file_free(dump);
}

/*
 * Threads map by position, leader to leader, and a dump names the leader
 * first.  A dump of a process whose leader exited named its first live
 * thread instead: show, diff and restore refused the dump ("threads[0]:
 * expected the leader"), and migrate aimed the worker's SIGEV_THREAD_ID
 * timer at the destination's leader.  Now the exited leader comes first,
 * as /proc lists it, and a timer mapped onto it is refused.
 */
Test(hostile_odd, a_leaderless_process_maps_leader_first)
{
	const char *argv[] = { strdup(helper_path("oddproc")), "--leaderless", NULL };
	struct victim *v = spawn_checked(argv, (uid_t)-1, "oddproc"), *dst;
	char pid[16], dpid[16], line[64], *dump;
	json_object *doc, *threads;
	struct vtimer t[8];
	struct run_result r;
	pid_t dtids[8];
	int n, wtid, k;

	free((char *)argv[0]);
	ru_pidstr(pid, v->pid);
	wait_leaderless(v);
	cr_assert_eq(victim_cmd(v, "tids", line, sizeof(line)), 0, "the process died");
	cr_assert_eq(sscanf(line, "TIDS %d", &wtid), 1, "%s", line);

	dump = ru_dump_file(v->pid, NULL);
	doc = json_object_from_file(dump);
	cr_assert(doc);
	threads = json_object_object_get(doc, "threads");
	cr_expect_eq(json_object_array_length(threads), 3, "%s",
		     json_object_to_json_string(threads));
	cr_expect_eq(json_object_get_int(json_object_array_get_idx(threads, 0)), v->pid,
		     "threads[0] is not the leader: %s", json_object_to_json_string(threads));
	cr_expect_eq(json_object_get_int(json_object_array_get_idx(threads, 1)), wtid,
		     "threads[1] is not the worker: %s", json_object_to_json_string(threads));
	json_object_put(doc);
	px(&r, AS_ROOT, "show", "-i", dump, NULL);
	cr_expect_eq(r.exit_code, 0, "show -i of its own dump: %s", run_describe(&r));
	run_result_free(&r);
	/* Into itself: the held threads map as /proc listed them before the attach. */
	px(&r, AS_ROOT, "restore", "--replace", "-i", dump, pid, NULL);
	cr_expect_eq(r.exit_code, 0, "restore --replace into itself: %s", run_describe(&r));
	run_result_free(&r);
	n = victim_timers(v, t, 8);
	for (k = 0; k < n && t[k].sigval != WORKER_SIGVAL; k++)
		;
	cr_expect(k < n && t[k].tid == wtid, "the worker's timer, replaced: %s",
		  ru_timers_str(t, n));

	/* The worker's timer goes to the destination's second thread, not its leader. */
	dst = victim_start("--threads", "1", NULL);
	cr_assert(dst && dst->ready);
	cr_assert_eq(victim_tids(dst, dtids, 8), 3);
	ru_pidstr(dpid, dst->pid);
	px(&r, AS_ROOT, "migrate", pid, dpid, NULL);
	cr_expect_eq(r.exit_code, 0, "migrate: %s", run_describe(&r));
	run_result_free(&r);
	n = victim_timers(dst, t, 8);
	cr_expect_eq(n, 3, "%s", ru_timers_str(t, n));
	for (k = 0; k < n && t[k].sigval != WORKER_SIGVAL; k++)
		;
	cr_assert_lt(k, n, "no timer of the worker: %s", ru_timers_str(t, n));
	cr_expect_eq(t[k].tid, dtids[1], "the worker's timer signals tid %d, not %d (the"
		     " destination's second thread)", t[k].tid, (int)dtids[1]);
	victim_kill(dst);

	/* A timer of the dump's leader has nowhere to go: refused, before the attach. */
	leader_timer_refused(pid, "id=7,notify=thread_id,thread=0,sig=40,value_ms=50000",
			     "which has exited");
	/* Nor a timer on the dump's leader's CPU clock, which stopped with it. */
	leader_timer_refused(pid, "id=7,clock=thread_cpu:0,notify=none,value_ms=50000",
			     "CPU clock of a thread that maps to the leader");
	cr_expect_eq(proc_tracer_pid(v->pid), 0);
	cr_assert_eq(victim_cmd(v, "ping", line, sizeof(line)), 0, "the process died");
	ru_file_free(dump);
	victim_kill(v);
}

/*
 * Without its leader, injection goes through another thread; the worker,
 * first in line, has a seccomp filter of its own (the leader had none,
 * nor has the control thread) that kills the whole process for any call
 * it does not make itself.  It must be passed over, not judged by the
 * leader's status: the dump goes through the control thread.
 */
Test(hostile_odd, a_thread_with_its_own_filter_is_passed_over)
{
	const char *argv[] = { strdup(helper_path("oddproc")), "--leaderless", "--worker-filter",
			       NULL };

	/* Root, and nobody (without the restore: the dump is root's). */
	for (int as = 0; as < 2; as++) {
		struct victim *v = spawn_checked(argv, as ? NOBODY : (uid_t)-1, "oddproc"), *src;
		struct vtimer before[8], t[8];
		struct run_result r;
		char pid[16], line[64], *dump;
		int nb, n, wtid;

		ru_pidstr(pid, v->pid);
		wait_leaderless(v);
		cr_assert_eq(victim_cmd(v, "tids", line, sizeof(line)), 0, "the process died");
		cr_assert_eq(sscanf(line, "TIDS %d", &wtid), 1, "%s", line);
		cr_assert_eq(proc_status_long(wtid, "Seccomp"), 2, "the worker is not confined");
		cr_assert_eq(proc_status_long(v->pid, "Seccomp"), 0, "the leader is confined");
		nb = before_timers(v, before, 8);
		cr_assert_eq(nb, 3, "%s", ru_timers_str(before, nb));

		for (int i = 0; i < 2; i++) {
			px(&r, as ? AS_NOBODY : AS_ROOT, i ? "show" : "dump", pid, NULL);
			cr_expect_eq(r.exit_code, 0, "%s", run_describe(&r));
			run_result_free(&r);
			cr_assert_eq(victim_cmd(v, "ping", line, sizeof(line)), 0,
				     "the worker's filter killed the process");
		}
		if (as) {
			victim_kill(v);
			continue;
		}
		src = ru_start(more, 2, NULL);
		dump = ru_dump_file(src->pid, NULL);
		px(&r, AS_ROOT, "restore", "-i", dump, pid, NULL);
		cr_expect_eq(r.exit_code, 0, "restore: %s", run_describe(&r));
		run_result_free(&r);
		cr_assert_eq(victim_cmd(v, "ping", line, sizeof(line)), 0,
			     "the worker's filter killed the process");
		n = ru_timers(v, t, 8);
		cr_expect_eq(n, nb + 2, "%s", ru_timers_str(t, n));
		ru_file_free(dump);
		victim_kill(src);
		victim_kill(v);
	}
	free((char *)argv[0]);
}

/* ---- D: a thread under syscall user dispatch ---- */

/* The process's caught signals (SigCgt), or 0. */
static unsigned long long sig_caught(pid_t pid)
{
	char path[64], line[256];
	unsigned long long mask = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "SigCgt:", 7))
			mask = strtoull(line + 7, NULL, 16);
	fclose(f);
	return mask;
}

/* Whether this kernel tells a tracer a thread's syscall user dispatch (Linux 6.4). */
static bool kernel_tells_dispatch(void)
{
	unsigned long long cfg[4];
	int status;
	long r;
	pid_t pid = fork();

	cr_assert_geq(pid, 0);
	if (!pid) {
		ptrace(PTRACE_TRACEME, 0, 0, 0);
		raise(SIGSTOP);
		_exit(0);
	}
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	r = ptrace((enum __ptrace_request)0x4211, pid, sizeof(cfg), cfg);
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return r == 0;
}

TestSuite(hostile_dispatch, .fini = fini, .timeout = 60);

/*
 * tests/helpers/dispatcher's main thread spins under syscall user
 * dispatch, its selector at BLOCK: every call made from it traps with
 * SIGSYS, which our mask would block, and the kernel would force through
 * as SIG_DFL.  ptimerctl lets its calls through the selector while they
 * run: dumps, and a restore of 300 timers (a mapped job) succeed, the
 * handler is still there and saw no trap, and the thread spins on, its
 * selector at BLOCK again.
 */
Test(hostile_dispatch, calls_pass_a_blocking_selector)
{
	const char *argv[] = { helper_path("dispatcher"), NULL };
	struct victim *v = victim_spawn(argv, (uid_t)-1);
	long long sigsys = -1, spins = -1, later = -1, selector = -1;
	char line[128];

	cr_assert(v, "cannot fork dispatcher");
	if (!v->ready && strstr(v->error, "UNSUPPORTED"))
		cr_skip_test("%s", v->error);
	cr_assert(v->ready, "dispatcher: %s", v->error);
	if (!kernel_tells_dispatch())
		cr_skip_test("this kernel does not tell a tracer of syscall user dispatch"
			     " (Linux 6.4)");
	cr_assert(sig_caught(v->pid) & (1ULL << (SIGSYS - 1)), "no SIGSYS handler to begin with");
	ru_dumps_and_a_mapped_restore(v->pid);
	cr_expect(sig_caught(v->pid) & (1ULL << (SIGSYS - 1)), "the SIGSYS handler was reset");
	cr_assert_eq(victim_cmd(v, "stats", line, sizeof(line)), 0);
	cr_assert(kv_ll(line, "sigsys", &sigsys) && kv_ll(line, "spins", &spins), "%s", line);
	cr_expect_eq(sigsys, 0, "our calls trapped: %s", line);
	sleep_ms(20);
	cr_assert_eq(victim_cmd(v, "stats", line, sizeof(line)), 0);
	cr_assert(kv_ll(line, "spins", &later) && kv_ll(line, "selector", &selector), "%s",
		  line);
	cr_expect_gt(later, spins, "the main thread no longer runs: %s", line);
	cr_expect_eq(selector, 1, "the selector was left letting calls through: %s", line);
	victim_kill(v);
}
