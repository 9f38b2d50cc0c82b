// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * Privileges: an unprivileged user works on its own processes and is
 * refused (exit 4, naming CAP_SYS_PTRACE) on root's; ptimerctl keeps no
 * capability but CAP_SYS_PTRACE (and CAP_KILL only for another user's
 * process, CAP_SYS_ADMIN only to suspend a seccomp filter) while it works; and -o FILE is created 0600, replaces
 * a symbolic link instead of writing through it, and survives a failed
 * dump unchanged.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
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
#include "tool_trace.h"

/* A deadline for one ptimerctl run: it costs time only when something hangs. */
#define RUN_MS	60000

#define NOBODY	65534
#define CAP_KILL_BIT		5
#define CAP_SYS_PTRACE_BIT	19
#define CAP_SYS_ADMIN_BIT	21
#define OTHER_UID		64177	/* a victim's, of a user of its own */

static void fini(void)
{
	harness_kill_all();
}

TestSuite(privilege, .fini = fini, .timeout = 60);

/* /proc/sys/kernel/yama/ptrace_scope, or 0 without Yama. */
static int yama_scope(void)
{
	FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "r");
	int v = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%d", &v) != 1)
		v = 0;
	fclose(f);
	return v;
}



Test(privilege, unprivileged_user_on_its_own_processes)
{
	const struct run_opts as_nobody = { .as_user = true, .uid = NOBODY, .gid = NOBODY };
	struct victim *src, *dst;
	struct vtimer t[8], ts[8];
	struct run_result r;
	char pid[16], *dump;
	int n, ns;

	if (yama_scope() > 0)
		cr_skip_test("yama ptrace_scope is %d: a user may trace only its own descendants,"
			     " and ptimerctl is not an ancestor of the victims", yama_scope());
	src = victim_startv_as(NOBODY, (const char *[]){ "--threads", "1", "--timer",
			"id=4,clock=monotonic,notify=thread_id,sig=12,thread=1,sigval=0x4,"
			"value_ms=60000,interval_ms=1000", "--timer",
			"id=9,clock=boottime,notify=signal,sig=10,sigval=0x9,value_ms=50000", NULL });
	if (!src->ready && strstr(src->error, "cannot become"))
		cr_skip_test("cannot start a process as uid %d: %s", NOBODY, src->error);
	cr_assert(src->ready, "%s", src->error);
	dst = victim_startv_as(NOBODY, (const char *[]){ "--threads", "1", NULL });
	cr_assert(dst->ready, "%s", dst->error);
	cr_assert_eq(proc_status_long(src->pid, "Uid"), NOBODY);

	cr_assert_eq(run_ptimerctl_opts(&r, &as_nobody, "dump", ru_pidstr(pid, src->pid), NULL),
		     0);
	if (r.exit_code == 126 || r.exit_code == 127)
		cr_skip_test("cannot run ptimerctl as uid %d: %s", NOBODY, r.err);
	cr_assert_eq(r.exit_code, 0, "uid %d dumping its own process: %s", NOBODY,
		     run_describe(&r));
	dump = ru_public_file(r.out);
	run_result_free(&r);

	cr_assert_eq(run_ptimerctl_opts(&r, &as_nobody, "restore", "-i", dump,
					ru_pidstr(pid, dst->pid), NULL), 0);
	cr_assert_eq(r.exit_code, 0, "uid %d restoring into its own process: %s", NOBODY,
		     run_describe(&r));
	run_result_free(&r);
	ns = ru_timers(src, ts, 8);
	n = ru_timers(dst, t, 8);
	cr_assert_eq(n, 2, "%s", ru_timers_str(t, n));
	for (int i = 0; i < ns; i++) {
		const struct vtimer *x = vtimer_find(t, n, ts[i].id);

		cr_assert(x, "timer %d missing: %s", ts[i].id, ru_timers_str(t, n));
		cr_expect_eq(x->signo, ts[i].signo);
		cr_expect_eq(x->sigval, ts[i].sigval);
		cr_expect_eq(x->interval_ns, ts[i].interval_ns);
	}
	cr_assert_eq(proc_tracer_pid(src->pid), 0);
	cr_assert_eq(proc_tracer_pid(dst->pid), 0);
	ru_file_free(dump);
	victim_kill(src);
	victim_kill(dst);
}

Test(privilege, unprivileged_user_on_roots_process)
{
	const struct run_opts as_nobody = { .as_user = true, .uid = NOBODY, .gid = NOBODY };
	struct victim *v = victim_start("--timer", "id=3,value_ms=60000", NULL);
	struct vtimer before[4], after[4];
	struct run_result r;
	char pid[16], *dump, why[256];
	int64_t t0;
	int nb, na;

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	ru_pidstr(pid, v->pid);
	t0 = clock_ns(CLOCK_MONOTONIC);
	nb = ru_timers(v, before, 4);
	cr_assert_eq(run_ptimerctl_opts(&r, &as_nobody, "dump", pid, NULL), 0);
	if (r.exit_code == 126 || r.exit_code == 127)
		cr_skip_test("cannot run ptimerctl as uid %d: %s", NOBODY, r.err);
	cr_expect_eq(r.exit_code, PX_PERMISSION, "dump: %s", run_describe(&r));
	cr_expect(strstr(r.err, "CAP_SYS_PTRACE"), "dump: no CAP_SYS_PTRACE in: %s", r.err);
	cr_expect(strstr(r.err, pid), "dump: the pid is not named: %s", r.err);
	run_result_free(&r);

	dump = ru_dump_file(v->pid, NULL);
	{
		char *pub = ru_public_file("");
		FILE *f = fopen(pub, "w"), *in = fopen(dump, "r");
		char buf[4096];
		size_t k;

		cr_assert(f && in);
		while ((k = fread(buf, 1, sizeof(buf), in)) > 0)
			fwrite(buf, 1, k, f);
		fclose(in);
		fclose(f);
		cr_assert_eq(run_ptimerctl_opts(&r, &as_nobody, "restore", "--replace", "-i", pub,
						pid, NULL), 0);
		cr_expect_eq(r.exit_code, PX_PERMISSION, "restore: %s", run_describe(&r));
		cr_expect(strstr(r.err, "CAP_SYS_PTRACE"), "restore: %s", r.err);
		run_result_free(&r);
		ru_file_free(pub);
	}
	na = ru_timers(v, after, 4);
	/* The one-shot timer ran down by the time between the two reads, no more. */
	cr_assert(ru_timers_same(before, nb, after, na, clock_ns(CLOCK_MONOTONIC) - t0, why,
				 sizeof(why)), "%s", why);
	cr_assert_eq(proc_tracer_pid(v->pid), 0);
	ru_file_free(dump);
	victim_kill(v);
}

/* ---- capabilities while working ---- */

static unsigned long long status_hex(pid_t pid, const char *key)
{
	char path[64], line[256];
	unsigned long long v = ~0ULL;
	size_t klen = strlen(key);
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return ~0ULL;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, key, klen) && line[klen] == ':')
			v = strtoull(line + klen + 1, NULL, 16);
	fclose(f);
	return v;
}

static const struct ru_spec far_one[] = {
	{ 5000000, "monotonic", "none", 10, 0, 0x5, 60000, 0 },
};

/*
 * Run a long walk into a victim started with @extra and read ptimerctl's
 * capabilities while it is held in the walk (see tool_trace.h).
 */
static void caps_during_walk(uid_t uid, const char *const *extra, const char *opt,
			     unsigned long long want, const char *what)
{
	struct victim *src = ru_start(far_one, 1, NULL), *v;
	char *dump = ru_dump_file(src->pid, NULL), pid[16];
	unsigned long long eff, prm, inh, amb;
	struct tt_walk_pick w = { 0 };
	struct tool_trace t;
	struct ru_bg *b = &t.bg;

	victim_kill(src);
	v = victim_startv_as(uid, extra);
	cr_assert(v && v->ready, "%s: %s", what, v ? v->error : "fork");
	ru_pidstr(pid, v->pid);
	if (opt)
		tt_start(&t, "restore", "--method=loop", opt, "-i", dump, pid, NULL);
	else
		tt_start(&t, "restore", "--method=loop", "-i", dump, pid, NULL);
	cr_assert(tt_run_until(&t, tt_pick_walking, &w, RUN_MS), "%s: ptimerctl ended without"
		  " walking", what);
	eff = status_hex(b->pid, "CapEff");
	prm = status_hex(b->pid, "CapPrm");
	inh = status_hex(b->pid, "CapInh");
	amb = status_hex(b->pid, "CapAmb");
	cr_assert(tt_traces_a_thread(b->pid, v->pid), "%s: not attached in the walk", what);
	kill(b->pid, SIGTERM);
	tt_release(&t);
	ru_bg_wait(b, RUN_MS);
	cr_log_info("%s: CapEff %#llx CapPrm %#llx CapInh %#llx CapAmb %#llx", what, eff, prm,
		    inh, amb);
	cr_expect_eq(eff, want, "%s: CapEff is %#llx, want %#llx", what, eff, want);
	cr_expect_eq(prm, want, "%s: CapPrm is %#llx, want %#llx", what, prm, want);
	cr_expect_eq(inh, 0, "%s: CapInh is %#llx", what, inh);
	cr_expect_eq(amb, 0, "%s: CapAmb is %#llx", what, amb);
	cr_expect_eq(b->res.exit_code, PX_INTERRUPTED, "%s: %s", what, run_describe(&b->res));
	run_result_free(&b->res);
	cr_assert_eq(proc_tracer_pid(v->pid), 0);
	victim_kill(v);
	ru_file_free(dump);
}

/*
 * CAP_KILL only for a target of another user, which kill(2) reaches only
 * with it: for the SIGSTOP ptimerctl sends again (test_fidelity).
 */
Test(privilege, only_cap_sys_ptrace_while_working)
{
	const unsigned long long ptrace = 1ULL << CAP_SYS_PTRACE_BIT;
	const char *const seccomp[] = { "--seccomp-deny-prctl77", NULL };

	if (!(status_hex(getpid(), "CapEff") & (1ULL << CAP_SYS_ADMIN_BIT)))
		cr_skip_test("the test runs without CAP_SYS_ADMIN");
	caps_during_walk((uid_t)-1, NULL, NULL, ptrace, "plain target");
	caps_during_walk((uid_t)-1, seccomp, NULL, ptrace | (1ULL << CAP_SYS_ADMIN_BIT),
			 "seccomp target, filter suspended");
	caps_during_walk((uid_t)-1, seccomp, "--keep-seccomp", ptrace,
			 "seccomp target, --keep-seccomp");
	caps_during_walk(OTHER_UID, NULL, NULL, ptrace | (1ULL << CAP_KILL_BIT),
			 "another user's target");
}

/* ---- -o FILE ---- */

static char *slurp(const char *path)
{
	static char buf[1 << 16];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

static int dir_entries(const char *dir)
{
	struct dirent *d;
	DIR *dp = opendir(dir);
	int n = 0;

	cr_assert(dp);
	while ((d = readdir(dp)))
		n += d->d_name[0] != '.';
	closedir(dp);
	return n;
}

Test(privilege, output_file_mode_symlink_and_failure)
{
	struct victim *v = victim_start("--timer", "id=6,value_ms=60000", NULL);
	char dir[] = "/tmp/ptimer-priv-XXXXXX", file[64], other[64], link[64], old[64];
	char pid[16], zpid[16];
	const char *text;
	struct run_result r;
	struct stat st;
	mode_t mask;
	pid_t z;
	FILE *f;

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	ru_pidstr(pid, v->pid);
	cr_assert(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/new.json", dir);
	snprintf(other, sizeof(other), "%s/precious.txt", dir);
	snprintf(link, sizeof(link), "%s/link.json", dir);
	snprintf(old, sizeof(old), "%s/old.json", dir);

	/* A new file is 0600 whatever the umask. */
	mask = umask(0);
	cr_assert_eq(run_ptimerctl(&r, "dump", "-o", file, pid, NULL), 0);
	umask(mask);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	run_result_free(&r);
	cr_assert_eq(lstat(file, &st), 0);
	cr_expect(S_ISREG(st.st_mode));
	cr_expect_eq(st.st_mode & 07777, 0600, "-o FILE created with mode %o",
		     (unsigned int)(st.st_mode & 07777));
	text = slurp(file);
	cr_expect(text && strstr(text, "\"timers\""), "%s", text ? text : "(unreadable)");

	/* A symbolic link is replaced, its target untouched. */
	f = fopen(other, "w");
	cr_assert(f);
	fputs("precious\n", f);
	fclose(f);
	cr_assert_eq(chmod(other, 0644), 0);
	cr_assert_eq(symlink(other, link), 0);
	cr_assert_eq(run_ptimerctl(&r, "dump", "-o", link, pid, NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	run_result_free(&r);
	text = slurp(other);
	cr_expect(text && !strcmp(text, "precious\n"), "the dump was written through the"
		  " symbolic link: %s now holds %.100s", other, text ? text : "(gone)");
	cr_assert_eq(lstat(other, &st), 0);
	cr_expect_eq(st.st_mode & 07777, 0644, "the link's target changed mode");
	cr_assert_eq(lstat(link, &st), 0);
	cr_expect(S_ISREG(st.st_mode), "-o LINK is still a symbolic link (mode %o)",
		  (unsigned int)st.st_mode);
	cr_expect_eq(st.st_mode & 07777, 0600);
	text = slurp(link);
	cr_expect(text && strstr(text, "\"timers\""), "%s", text ? text : "(unreadable)");

	/* A failed dump (zombie, already traced) leaves an existing file and a link alone. */
	f = fopen(old, "w");
	cr_assert(f);
	fputs("{\"an\":\"earlier dump\"}\n", f);
	fclose(f);
	unlink(link);
	cr_assert_eq(symlink(other, link), 0);
	z = fork();
	cr_assert_geq(z, 0);
	if (z == 0)
		_exit(0);
	harness_track(z);
	cr_assert(proc_wait_state(z, "Z", 2000));
	ru_pidstr(zpid, z);
	cr_assert_eq(run_ptimerctl(&r, "dump", "-o", old, zpid, NULL), 0);
	cr_expect_eq(r.exit_code, PX_ZOMBIE, "%s", run_describe(&r));
	run_result_free(&r);
	cr_assert_eq(run_ptimerctl(&r, "dump", "-o", link, zpid, NULL), 0);
	cr_expect_eq(r.exit_code, PX_ZOMBIE, "%s", run_describe(&r));
	run_result_free(&r);
	cr_assert_eq(ptrace(PTRACE_SEIZE, v->pid, 0, 0), 0);
	cr_assert_eq(run_ptimerctl(&r, "dump", "-o", old, pid, NULL), 0);
	cr_expect_eq(r.exit_code, PX_TRACED, "%s", run_describe(&r));
	run_result_free(&r);
	text = slurp(old);
	cr_expect(text && !strcmp(text, "{\"an\":\"earlier dump\"}\n"),
		  "a failed dump changed the existing file: %s", text ? text : "(gone)");
	cr_assert_eq(lstat(link, &st), 0);
	cr_expect(S_ISLNK(st.st_mode), "a failed dump replaced the symbolic link");
	text = slurp(other);
	cr_expect(text && !strcmp(text, "precious\n"), "a failed dump wrote through the link");
	cr_expect_eq(dir_entries(dir), 4, "temporary files left in %s", dir);

	unlink(file);
	unlink(other);
	unlink(link);
	unlink(old);
	rmdir(dir);
	victim_kill(v);
	waitpid(z, NULL, 0);
	harness_untrack(z);
}
