// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * Every documented failure of `ptimerctl dump` gives its exit code and a
 * one-line message on stderr in the house form ("ptimerctl: cannot ...:
 * reason", lowercase, no full stop), and leaves the target as it was.
 */
#include <criterion/criterion.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "restore_util.h"
#include "tool_trace.h"

static void fini(void)
{
	harness_kill_all();
}

TestSuite(errors, .fini = fini, .timeout = 60);

/* The first line of stderr is "ptimerctl: <lowercase message>" without a full stop. */
static void check_message(const struct run_result *r)
{
	const char *e = r->err;
	const char *nl = strchr(e, '\n');
	size_t len = nl ? (size_t)(nl - e) : strlen(e);

	cr_assert(!strncmp(e, "ptimerctl: ", 11), "stderr does not start with 'ptimerctl: ': %s",
		  e);
	cr_assert_gt(len, 11, "empty message");
	cr_assert(!isupper((unsigned char)e[11]), "message starts in upper case: %s", e);
	cr_assert_neq(e[len - 1], '.', "message ends with a full stop: %.*s", (int)len, e);
	cr_assert_eq(r->out_len, 0, "stdout not empty on failure: %.200s", r->out);
}

static void dump_expect(const char *pid, int code, struct run_result *r)
{
	cr_assert_eq(run_ptimerctl(r, "dump", pid, NULL), 0);
	cr_assert_not(r->timed_out, "ptimerctl hung");
	cr_assert_eq(r->exit_code, code, "dump %s: want exit %d, got %s", pid, code,
		     run_describe(r));
	check_message(r);
}

Test(errors, no_such_process)
{
	char pid[16];
	struct run_result r;
	pid_t gone = reaped_pid();

	cr_assert_gt(gone, 0);
	snprintf(pid, sizeof(pid), "%d", (int)gone);
	dump_expect(pid, PX_NO_PROCESS, &r);
	cr_assert(strstr(r.err, pid), "the message does not name pid %s: %s", pid, r.err);
	run_result_free(&r);

	cr_assert_eq(run_ptimerctl(&r, "show", pid, NULL), 0);
	cr_assert_eq(r.exit_code, PX_NO_PROCESS, "show: %s", run_describe(&r));
	check_message(&r);
	run_result_free(&r);

	/* far above any pid_max */
	dump_expect("2147483647", PX_NO_PROCESS, &r);
	run_result_free(&r);
}

/* The lowest descriptor number @pid does not hold: its next open() takes it. */
static int lowest_free_fd(pid_t pid)
{
	char path[64];
	int fd = 0;

	for (;; fd++) {
		snprintf(path, sizeof(path), "/proc/%d/fd/%d", (int)pid, fd);
		if (access(path, F_OK))
			return fd;
	}
}

/*
 * `ptimerctl dump PID`, held at the exit of its @k-th ptrace() call (one
 * of @request, if not -1), left room for @extra more descriptors, and
 * interrupted there; the target left as it was.  Its result in @res.
 */
static void dump_out_of_descriptors(pid_t pid, long k, long request, int extra,
				    struct run_result *res)
{
	struct tool_trace t;
	struct rlimit rl;
	char pidstr[16];

	snprintf(pidstr, sizeof(pidstr), "%d", (int)pid);
	tt_start(&t, "dump", pidstr, NULL);
	cr_assert(tt_run_until(&t, tt_pick_nth_ptrace, &k, 60000),
		  "ptimerctl ended before its ptrace() call %ld", k);
	cr_assert(request < 0 || t.at.args[0] == (unsigned long long)request,
		  "call %ld is ptrace(%llu)", k, t.at.args[0]);
	rl.rlim_cur = rl.rlim_max = (rlim_t)(lowest_free_fd(t.bg.pid) + extra);
	cr_assert_eq(prlimit(t.bg.pid, RLIMIT_NOFILE, &rl, NULL), 0, "prlimit: %s",
		     strerror(errno));
	kill(t.bg.pid, SIGINT);
	tt_release(&t);
	ru_bg_wait(&t.bg, 60000);
	*res = t.bg.res;
	cr_expect_eq(proc_tracer_pid(pid), 0);
	cr_expect_neq(proc_state(pid), 'Z');
}

/*
 * Run out of descriptors with the target attached, ptimerctl could not
 * read the target's status either when a step failed, and took that for
 * its death: "pid N exited during the dump", exit 13, of a process alive
 * and well.  Every check made before the attach opens more at once than
 * any later step, so a limit set at the start fails there: the test
 * holds ptimerctl at its third ptrace() call, once attached, lowers its
 * RLIMIT_NOFILE there so that its next open() fails (or the one after, or
 * the one after that), and interrupts it, so that a step fails and the
 * status is read.  Seizing took such a failure for the thread's exit too
 * ("cannot seize pid N: No such process", exit 3): the next test.
 */
Test(errors, out_of_descriptors_is_not_the_target_s_death)
{
	struct victim *v = victim_start("--timer", "id=3,value_ms=60000", NULL);

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	for (int extra = 0; extra <= 2; extra++) {
		struct run_result r;

		dump_out_of_descriptors(v->pid, 3, -1, extra, &r);
		cr_expect(r.exit_code == PX_INTERRUPTED || r.exit_code == PX_GENERIC,
			  "%d more: %s", extra, run_describe(&r));
		cr_expect(!strstr(r.err, "exited during"), "%d more: %s", extra, r.err);
		run_result_free(&r);
	}
	victim_kill(v);
}

/*
 * The same while seizing, made certain.  The interrupt ends the seize only
 * if ptimerctl looks for it before the thread it waits for has stopped: on
 * a loaded machine the thread often stops first, the seize succeeds, and
 * the test above never reaches the seize's failure path.  The stuck
 * helper's third thread sits in vfork(), where PTRACE_INTERRUPT cannot
 * stop it, so ptimerctl, held at the exit of that thread's interrupt (its
 * sixth ptrace() call), always waits for it, and always sees the SIGINT.
 */
Test(errors, out_of_descriptors_while_seizing_is_not_the_target_s_death)
{
	const char *argv[] = { NULL, "--vfork", NULL };
	struct victim *v;

	argv[0] = helper_path("stuck");
	v = victim_spawn(argv, (uid_t)-1);
	cr_assert(v && v->ready, "stuck: %s", v ? v->error : "fork");
	for (int extra = 0; extra <= 2; extra++) {
		struct run_result r;

		dump_out_of_descriptors(v->pid, 6, PTRACE_INTERRUPT, extra, &r);
		cr_expect_eq(r.exit_code, PX_INTERRUPTED, "%d more: %s", extra, run_describe(&r));
		run_result_free(&r);
	}
	victim_kill(v);
}

Test(errors, permission_denied_names_the_capability)
{
	struct run_opts as_nobody = { .as_user = true, .uid = 65534, .gid = 65534 };
	struct victim *v = victim_start("--timer", "id=3", NULL);
	struct run_result r;
	char pid[16];

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	if (access(ptimerctl_path(), X_OK) < 0)
		cr_skip_test("cannot check: %s not found", ptimerctl_path());
	snprintf(pid, sizeof(pid), "%d", (int)v->pid);
	cr_assert_eq(run_ptimerctl_opts(&r, &as_nobody, "dump", pid, NULL), 0);
	if (r.exit_code == 126 || r.exit_code == 127)
		cr_skip_test("cannot run ptimerctl as uid 65534: %s", r.err);
	cr_assert_eq(r.exit_code, PX_PERMISSION, "%s", run_describe(&r));
	check_message(&r);
	cr_assert(strstr(r.err, pid), "the message does not name the pid: %s", r.err);
	cr_assert(strstr(r.err, "CAP_SYS_PTRACE"), "the message does not name CAP_SYS_PTRACE: %s",
		  r.err);
	/* Not only another user's: a process of one's own that made itself undumpable. */
	cr_expect(strstr(r.err, "PR_SET_DUMPABLE"), "%s", r.err);
	run_result_free(&r);
	cr_assert_eq(proc_tracer_pid(v->pid), 0);
	victim_kill(v);
}

Test(errors, zombie)
{
	struct run_result r;
	char pid[16];
	pid_t z = fork();

	cr_assert_geq(z, 0);
	if (z == 0)
		_exit(0);
	harness_track(z);
	cr_assert(proc_wait_state(z, "Z", 2000), "the child did not become a zombie");
	snprintf(pid, sizeof(pid), "%d", (int)z);
	dump_expect(pid, PX_ZOMBIE, &r);
	cr_assert(strstr(r.err, "zombie"), "the message does not say zombie: %s", r.err);
	run_result_free(&r);
	cr_assert_eq(proc_state(z), 'Z');
}

/* Whether /proc/PID/stat flags have PF_KTHREAD. */
static bool is_kthread(pid_t pid)
{
	char path[64], buf[1024], *p;
	unsigned long flags = 0;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	p = strrchr(buf, ')');
	/* after ")": state ppid pgrp session tty_nr tpgid flags */
	if (!p || sscanf(p + 1, " %*c %*d %*d %*d %*d %*d %lu", &flags) != 1)
		return false;
	return flags & 0x00200000;	/* PF_KTHREAD */
}

Test(errors, kernel_thread)
{
	struct run_result r;
	char pid[16];
	pid_t k = 0;

	if (is_kthread(2)) {
		k = 2;
	} else {
		for (pid_t p = 3; p < 400 && !k; p++)
			if (is_kthread(p))
				k = p;
	}
	if (!k)
		cr_skip_test("no kernel thread visible in this pid namespace");
	snprintf(pid, sizeof(pid), "%d", (int)k);
	dump_expect(pid, PX_KERNEL_THREAD, &r);
	cr_assert(strstr(r.err, "kernel thread"), "the message does not say kernel thread: %s",
		  r.err);
	run_result_free(&r);
}

Test(errors, compat_32bit_target)
{
	/* It says so once it runs: its exec is complete, it is a 32-bit process. */
	static const char src[] = "#include <unistd.h>\n"
				  "int main(void){if(write(1,\"r\",1)!=1)return 1;"
				  "for(;;)__asm__ volatile(\"pause\");}\n";
	char dir[] = "/tmp/ptimer-m32-XXXXXX", csrc[64], bin[64], pid[16];
	const char *cc[] = { "/usr/bin/gcc", "-m32", "-o", bin, csrc, NULL };
	struct run_result r;
	FILE *f;
	pid_t child;
	int running[2];
	char c;

	cr_assert(mkdtemp(dir));
	snprintf(csrc, sizeof(csrc), "%s/t.c", dir);
	snprintf(bin, sizeof(bin), "%s/t", dir);
	f = fopen(csrc, "w");
	cr_assert(f);
	fputs(src, f);
	fclose(f);
	cr_assert_eq(run_argv(&r, NULL, cc), 0);
	if (r.exit_code != 0) {
		run_result_free(&r);
		unlink(csrc);
		rmdir(dir);
		cr_skip_test("no 32-bit toolchain (gcc -m32 needs gcc-multilib)");
	}
	run_result_free(&r);
	cr_assert_eq(pipe2(running, O_CLOEXEC), 0);
	child = fork();
	cr_assert_geq(child, 0);
	if (child == 0) {
		dup2(running[1], STDOUT_FILENO);
		execl(bin, bin, (char *)NULL);
		_exit(127);
	}
	harness_track(child);
	close(running[1]);
	cr_assert_eq(read(running[0], &c, 1), 1, "the 32-bit program did not start");
	close(running[0]);
	snprintf(pid, sizeof(pid), "%d", (int)child);
	dump_expect(pid, PX_COMPAT, &r);
	run_result_free(&r);
	cr_assert_eq(proc_tracer_pid(child), 0);
	unlink(bin);
	unlink(csrc);
	rmdir(dir);
}

Test(errors, already_traced)
{
	struct victim *v = victim_start("--timer", "id=5", NULL);
	struct run_result r;
	char pid[16], line[64];

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	cr_assert_eq(ptrace(PTRACE_SEIZE, v->pid, 0, 0), 0, "PTRACE_SEIZE: %s", strerror(errno));
	cr_assert_eq(proc_tracer_pid(v->pid), getpid());
	snprintf(pid, sizeof(pid), "%d", (int)v->pid);
	dump_expect(pid, PX_TRACED, &r);
	cr_assert(strstr(r.err, pid), "the message does not name the pid: %s", r.err);
	run_result_free(&r);
	/* still ours, and still running */
	cr_assert_eq(proc_tracer_pid(v->pid), getpid());
	cr_assert_eq(victim_cmd(v, "ping", line, sizeof(line)), 0);
	cr_assert_str_eq(line, "PONG");
	victim_kill(v);
}

static void usage_expect(const char *const *args)
{
	const char *argv[16];
	struct run_result r;
	size_t n = 0;
	char shown[256] = "";

	argv[n++] = ptimerctl_path();
	for (; *args && n < 15; args++) {
		argv[n++] = *args;
		strncat(shown, *args, sizeof(shown) - strlen(shown) - 2);
		strcat(shown, " ");
	}
	argv[n] = NULL;
	cr_assert_eq(run_argv(&r, NULL, argv), 0);
	cr_assert_eq(r.exit_code, PX_USAGE, "ptimerctl %s: %s", shown, run_describe(&r));
	cr_assert(strstr(r.err, "Try 'ptimerctl") && strstr(r.err, " --help'"),
		  "ptimerctl %s: no \"Try 'ptimerctl --help'\" on stderr: %s", shown, r.err);
	cr_assert(!strncmp(r.err, "ptimerctl", 9), "ptimerctl %s: stderr: %s", shown, r.err);
	cr_assert_eq(r.out_len, 0, "ptimerctl %s: stdout: %.200s", shown, r.out);
	run_result_free(&r);
}

Test(errors, usage)
{
	usage_expect((const char *[]){ "dump", NULL });
	usage_expect((const char *[]){ "dump", "abc", NULL });
	usage_expect((const char *[]){ "dump", "12abc", NULL });
	usage_expect((const char *[]){ "dump", "0", NULL });
	usage_expect((const char *[]){ "dump", "-5", NULL });
	usage_expect((const char *[]){ "dump", "--", "-5", NULL });
	usage_expect((const char *[]){ "dump", "", NULL });
	usage_expect((const char *[]){ "dump", "99999999999999999999", NULL });
	usage_expect((const char *[]){ "dump", "1", "2", NULL });
	usage_expect((const char *[]){ "dump", "--no-such-option", "1", NULL });
	usage_expect((const char *[]){ "dump", "-o", NULL });
	usage_expect((const char *[]){ "show", "abc", NULL });
	usage_expect((const char *[]){ "show", "0", NULL });
	usage_expect((const char *[]){ "no-such-command", NULL });
	usage_expect((const char *[]){ NULL });
}

Test(errors, help_goes_to_stdout)
{
	struct run_result r;

	cr_assert_eq(run_ptimerctl(&r, "--help", NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	cr_assert_gt(r.out_len, 0);
	cr_assert_eq(r.err_len, 0, "stderr: %s", r.err);
	run_result_free(&r);
	cr_assert_eq(run_ptimerctl(&r, "dump", "--help", NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	cr_assert(strstr(r.out, "dump"), "dump --help: %s", r.out);
	run_result_free(&r);
}

Test(errors, failure_leaves_target_untouched)
{
	struct victim *v = victim_start("--timer", "id=9,value_ms=10000", NULL);
	struct run_opts as_nobody = { .as_user = true, .uid = 65534, .gid = 65534 };
	struct run_result r;
	struct vtimer vt[2];
	char pid[16];

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	snprintf(pid, sizeof(pid), "%d", (int)v->pid);
	cr_assert_eq(run_ptimerctl_opts(&r, &as_nobody, "dump", "--disarm", pid, NULL), 0);
	cr_assert_neq(r.exit_code, 0, "an unprivileged user dumped a root process");
	run_result_free(&r);
	cr_assert_eq(victim_timers(v, vt, 2), 1);
	cr_assert_gt(vt[0].value_ns, 0, "a failed --disarm disarmed the timer");
	cr_assert_eq(proc_tracer_pid(v->pid), 0);
	victim_kill(v);
}

/*
 * The library once encoded some refusals as errno values (EIDRM for a
 * zombie, ENOEXEC for a kernel thread, EBUSY for a traced target); their
 * strerror text ("Identifier removed", "Exec format error") says nothing
 * true about the process and must not end up in the message.
 */
static void check_no_leak(const struct run_result *r, int err)
{
	const char *text = strerror(err);

	cr_assert_null(strstr(r->err, text), "the message shows the internal errno (%s): %s",
		       text, r->err);
}

Test(errors, messages_do_not_show_internal_errno)
{
	struct victim *v = victim_startv((const char *const[]){ NULL });
	struct run_result r;
	char pid[16];
	pid_t z = fork();

	cr_assert_geq(z, 0);
	if (z == 0)
		_exit(0);
	harness_track(z);
	cr_assert(proc_wait_state(z, "Z", 2000));
	snprintf(pid, sizeof(pid), "%d", (int)z);
	dump_expect(pid, PX_ZOMBIE, &r);
	check_no_leak(&r, EIDRM);
	run_result_free(&r);

	if (is_kthread(2)) {
		dump_expect("2", PX_KERNEL_THREAD, &r);
		check_no_leak(&r, ENOEXEC);
		run_result_free(&r);
	}

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	cr_assert_eq(ptrace(PTRACE_SEIZE, v->pid, 0, 0), 0);
	snprintf(pid, sizeof(pid), "%d", (int)v->pid);
	dump_expect(pid, PX_TRACED, &r);
	check_no_leak(&r, EBUSY);
	run_result_free(&r);
	victim_kill(v);
}

static char *read_text(const char *path)
{
	static char buf[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return NULL;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	buf[n < 0 ? 0 : n] = '\0';
	return buf;
}

/* A dump that fails must neither create -o FILE nor destroy an old one. */
Test(errors, failed_dump_leaves_output_file_alone)
{
	char dir[] = "/tmp/ptimer-err-XXXXXX", fresh[64], old[64], pid[16];
	struct run_result r;
	const char *text;
	bool kept, created;
	int code1, code2;
	FILE *f;

	cr_assert(mkdtemp(dir));
	snprintf(fresh, sizeof(fresh), "%s/new.json", dir);
	snprintf(old, sizeof(old), "%s/old.json", dir);
	f = fopen(old, "w");
	cr_assert(f);
	fputs("{\"an\":\"earlier dump\"}\n", f);
	fclose(f);
	snprintf(pid, sizeof(pid), "%d", (int)reaped_pid());

	cr_assert_eq(run_ptimerctl(&r, "dump", "-o", old, pid, NULL), 0);
	code1 = r.exit_code;
	run_result_free(&r);
	text = read_text(old);
	kept = text && !strcmp(text, "{\"an\":\"earlier dump\"}\n");
	cr_assert_eq(run_ptimerctl(&r, "dump", "-o", fresh, pid, NULL), 0);
	code2 = r.exit_code;
	run_result_free(&r);
	created = access(fresh, F_OK) == 0;
	unlink(fresh);
	unlink(old);
	rmdir(dir);

	cr_assert_eq(code1, PX_NO_PROCESS);
	cr_assert_eq(code2, PX_NO_PROCESS);
	cr_assert(kept, "a failed dump -o overwrote the existing file; it now holds '%s'",
		  text ? text : "(gone)");
	cr_assert_not(created, "a failed dump -o left an (empty) new file");
}
