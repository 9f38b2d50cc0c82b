// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * ptimerctl list: one row per process with timers, counted by clock and
 * notification, from /proc alone; filters; JSON; and an unprivileged user
 * who sees its own processes and a note about the others.  Timerfds are
 * counted too, and a process that has only timerfds is listed.
 */
#include <criterion/criterion.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "restore_util.h"

#define NOBODY	65534

static void fini(void)
{
	harness_kill_all();
}

TestSuite(list, .fini = fini, .timeout = 60);

/* Four timers: two monotonic, one realtime, one on a CPU clock; one thread-directed. */
static struct victim *four_timer_victim(void)
{
	struct victim *v = victim_start("--threads", "1",
		"--timer", "id=3,clock=monotonic,value_ms=60000",
		"--timer", "id=4,clock=monotonic,notify=none,value_ms=60000",
		"--timer", "id=5,clock=realtime,notify=thread_id,thread=1,sig=12,value_ms=60000",
		"--timer", "id=6,clock=process_cpu_self,value_ms=60000", NULL);

	cr_assert(v->ready, "%s", v->error);
	return v;
}

/* The line of @out that starts with @pid and a blank, or NULL. */
static const char *pid_line(const char *out, pid_t pid)
{
	char key[24];
	size_t klen = (size_t)snprintf(key, sizeof(key), "%d ", pid);

	for (const char *p = out; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
		if (!strncmp(p, key, klen))
			return p;
	return NULL;
}

Test(list, counts_by_clock_and_notify)
{
	static const char header[] =
		"PID USER COMM THREADS TIMERS TIMERFDS REALTIME MONOTONIC BOOTTIME CPU\n";
	struct victim *v = four_timer_victim();
	struct run_result r;
	char pid[16], want[128];

	ru_pidstr(pid, v->pid);
	cr_assert_eq(run_ptimerctl(&r, "list", "--pid", pid, "-rn", "-o",
				   "PID,COMM,THREADS,TIMERS,MONOTONIC,REALTIME,CPU,BOOTTIME,"
				   "SIGEV_SIGNAL,SIGEV_NONE,SIGEV_THREAD_ID", NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	/* The victim has a control thread of its own besides the worker. */
	snprintf(want, sizeof(want), "%d victim %ld 4 2 1 1 0 2 1 1\n", v->pid,
		 proc_status_long(v->pid, "Threads"));
	cr_assert_str_eq(r.out, want);
	run_result_free(&r);

	/* Without --pid, the whole host (root's part of it): the victim is among the rows. */
	cr_assert_eq(run_ptimerctl(&r, "list", "-r", "--user", "root", NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	cr_assert(!strncmp(r.out, header, strlen(header)), "%s", r.out);
	cr_assert(pid_line(r.out, v->pid), "pid %d not listed:\n%s", v->pid, r.out);
	run_result_free(&r);
}

Test(list, filters)
{
	struct victim *v = four_timer_victim();
	struct victim *none = victim_start("--threads", "1", NULL);
	struct run_result r;
	char pid[16], pids[40];
	pid_t none_pid;

	cr_assert(none->ready, "%s", none->error);
	ru_pidstr(pid, v->pid);
	snprintf(pids, sizeof(pids), "%d,%d", v->pid, none->pid);

	/* No timers, no row; --min-timers 0 lists it all the same. */
	cr_assert_eq(run_ptimerctl(&r, "list", "-rn", "--pid", pids, NULL), 0);
	cr_assert(pid_line(r.out, v->pid) && !pid_line(r.out, none->pid), "%s", r.out);
	run_result_free(&r);
	cr_assert_eq(run_ptimerctl(&r, "list", "-rn", "--min-timers", "0", "--pid", pids, NULL), 0);
	cr_assert(pid_line(r.out, v->pid) && pid_line(r.out, none->pid), "%s", r.out);
	run_result_free(&r);
	cr_assert_eq(run_ptimerctl(&r, "list", "-rn", "--min-timers", "5", "--pid", pid, NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	cr_assert_str_eq(r.out, "");
	run_result_free(&r);

	/* --user: ours (root) is listed, nobody's list leaves it out. */
	cr_assert_eq(run_ptimerctl(&r, "list", "-rn", "--user", "0", "--pid", pid, NULL), 0);
	cr_assert(pid_line(r.out, v->pid), "%s", r.out);
	run_result_free(&r);
	cr_assert_eq(run_ptimerctl(&r, "list", "-rn", "--user", "nobody", NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	cr_assert(!pid_line(r.out, v->pid), "%s", r.out);
	run_result_free(&r);

	/* A process that does not exist is an error, after the others, and named. */
	none_pid = none->pid;
	victim_kill(none);
	cr_assert_eq(run_ptimerctl(&r, "list", "-rn", "--pid", pids, NULL), 0);
	cr_assert_eq(r.exit_code, PX_NO_PROCESS, "%s", run_describe(&r));
	cr_assert(pid_line(r.out, v->pid), "%s", r.out);
	snprintf(pid, sizeof(pid), "pid %d,", (int)none_pid);
	cr_expect(strstr(r.err, pid), "the message does not name %s %s", pid, r.err);
	run_result_free(&r);
}

Test(list, json)
{
	struct victim *v = four_timer_victim();
	json_object *root, *rows, *row = NULL, *val;
	struct run_result r;
	char pid[16];

	cr_assert_eq(run_ptimerctl(&r, "list", "-J", "-o", "PID,USER,TIMERS,CPU", "--pid",
				   ru_pidstr(pid, v->pid), NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	root = json_parse_text(r.out);
	cr_assert(root && json_object_object_get_ex(root, "processes", &rows), "%s", r.out);
	cr_assert_eq(json_object_array_length(rows), 1, "%s", r.out);
	row = json_object_array_get_idx(rows, 0);
	cr_assert(json_object_object_get_ex(row, "pid", &val) &&
		  json_object_is_type(val, json_type_int) && json_object_get_int(val) == v->pid);
	cr_assert_str_eq(json_get_str(row, "user"), "root");
	cr_assert(json_object_object_get_ex(row, "timers", &val) && json_object_get_int(val) == 4);
	cr_assert(json_object_object_get_ex(row, "cpu", &val) && json_object_get_int(val) == 1);
	json_object_put(root);
	run_result_free(&r);
}

/*
 * Whether @uid may read /proc/@pid/timers: this machine's 6.18 asks for
 * ptrace access, Debian's 6.1 and 6.12 let anyone read it.  list shows
 * what the kernel lets it read, no more and no less.
 */
static bool timers_readable_as(uid_t uid, pid_t pid)
{
	char path[64];
	int status;
	pid_t c;

	snprintf(path, sizeof(path), "/proc/%d/timers", pid);
	c = fork();
	cr_assert_geq(c, 0);
	if (!c) {
		if (!harness_become(uid))
			_exit(2);
		_exit(open(path, O_RDONLY) < 0 ? 1 : 0);
	}
	cr_assert_eq(waitpid(c, &status, 0), c);
	cr_assert(WIFEXITED(status) && WEXITSTATUS(status) < 2, "cannot become uid %u",
		  (unsigned int)uid);
	return WEXITSTATUS(status) == 0;
}

Test(list, unprivileged)
{
	const struct run_opts as_nobody = { .as_user = true, .uid = NOBODY, .gid = NOBODY };
	struct victim *mine = four_timer_victim();
	struct victim *theirs;
	struct run_result r;
	char pid[16];

	theirs = victim_startv_as(NOBODY, (const char *[]){ "--timer", "id=8,value_ms=60000",
							     NULL });
	if (!theirs->ready && strstr(theirs->error, "cannot become"))
		cr_skip_test("cannot start a process as uid %d: %s", NOBODY, theirs->error);
	cr_assert(theirs->ready, "%s", theirs->error);

	cr_assert_eq(run_ptimerctl_opts(&r, &as_nobody, "list", "-rn", "-o", "PID,USER,TIMERS",
					NULL), 0);
	if (r.exit_code == 126 || r.exit_code == 127)
		cr_skip_test("cannot run ptimerctl as uid %d: %s", NOBODY, r.err);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	cr_assert(pid_line(r.out, theirs->pid), "its own process is listed:\n%s", r.out);
	if (timers_readable_as(NOBODY, mine->pid)) {
		cr_assert(pid_line(r.out, mine->pid), "the kernel lets uid %d read root's"
			  " timers, and they are not listed:\n%s", NOBODY, r.out);
		run_result_free(&r);
		return;
	}
	cr_assert(!pid_line(r.out, mine->pid), "%s", r.out);
	cr_assert(strstr(r.err, "could not be read"), "a note counts the others: %s", r.err);
	run_result_free(&r);

	/* Asked for by PID, a process it may not read is a permission error. */
	cr_assert_eq(run_ptimerctl_opts(&r, &as_nobody, "list", "--pid",
					ru_pidstr(pid, mine->pid), NULL), 0);
	cr_assert_eq(r.exit_code, PX_PERMISSION, "%s", run_describe(&r));
	cr_expect(strstr(r.err, "timers of pid ") && strstr(r.err, pid), "the note does not"
		  " name pid %s: %s", pid, r.err);
	run_result_free(&r);
}

/*
 * A child of the test that holds @n timerfds and no POSIX timer: the
 * descriptors are made before the fork, so it has them once it exists.
 */
static pid_t timerfd_holder(int n)
{
	int fds[8];
	pid_t pid;

	cr_assert_leq(n, 8);
	for (int i = 0; i < n; i++) {
		fds[i] = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
		cr_assert_geq(fds[i], 0, "timerfd_create: %m");
	}
	pid = fork();
	cr_assert_geq(pid, 0, "fork: %m");
	if (!pid) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		for (;;)
			pause();
	}
	for (int i = 0; i < n; i++)
		close(fds[i]);
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

Test(list, timerfds_counted_and_listed_alone)
{
	struct victim *v = four_timer_victim();
	pid_t holder = timerfd_holder(3);
	struct run_result r;
	char pid[16], pids[40], want[64];

	snprintf(pid, sizeof(pid), "%d", holder);
	snprintf(pids, sizeof(pids), "%d,%d", v->pid, holder);
	cr_assert_eq(run_ptimerctl(&r, "list", "-rn", "-o", "PID,TIMERS,TIMERFDS", "--pid", pids,
				   NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	/* Timerfds alone make a row: the default --min-timers 1 counts both kinds. */
	snprintf(want, sizeof(want), "%d 4 0\n%d 0 3\n", v->pid, holder);
	cr_expect_str_eq(r.out, want);
	run_result_free(&r);

	cr_assert_eq(run_ptimerctl(&r, "list", "-rn", "-o", "PID", "--min-timers", "3", "--pid",
				   pid, NULL), 0);
	snprintf(want, sizeof(want), "%d\n", holder);
	cr_expect_str_eq(r.out, want, "3 timerfds are 3 timers for --min-timers");
	run_result_free(&r);
	cr_assert_eq(run_ptimerctl(&r, "list", "-rn", "-o", "PID", "--min-timers", "4", "--pid",
				   pid, NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	cr_expect_str_eq(r.out, "");
	run_result_free(&r);

	/* JSON: a number. */
	cr_assert_eq(run_ptimerctl(&r, "list", "-J", "-o", "PID,TIMERFDS", "--pid", pid, NULL), 0);
	cr_expect(strstr(r.out, "\"timerfds\": 3"), "%s", r.out);
	run_result_free(&r);
	reap(holder);
}
