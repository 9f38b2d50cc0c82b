// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * lib/procfs.c's parsers of status and stat files, fed captured and
 * crafted texts from a scratch directory laid out as /proc/PID is.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "procfs.h"

#define TID 4242

static char dir[64];
static int dirfd = -1;

static void put(const char *name, const char *text)
{
	int fd = openat(dirfd, name, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	cr_assert_geq(fd, 0, "%s: %s", name, strerror(errno));
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/ptimer-procfs-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	dirfd = open(dir, O_RDONLY | O_DIRECTORY);
	cr_assert_geq(dirfd, 0);
	cr_assert_eq(mkdirat(dirfd, "task", 0700), 0);
	cr_assert_eq(mkdirat(dirfd, "task/4242", 0700), 0);
}

static void teardown(void)
{
	unlinkat(dirfd, "status", 0);
	unlinkat(dirfd, "stat", 0);
	unlinkat(dirfd, "limits", 0);
	unlinkat(dirfd, "task/4242/status", 0);
	unlinkat(dirfd, "task/4242/stat", 0);
	unlinkat(dirfd, "task/4242", AT_REMOVEDIR);
	unlinkat(dirfd, "task", AT_REMOVEDIR);
	close(dirfd);
	rmdir(dir);
}

TestSuite(procfs, .init = setup, .fini = teardown);

/* Field 9 (flags) is 4194560 (no PF_KTHREAD) or 2129984 (PF_KTHREAD set). */
#define STAT_USER "42 (a) S 1 42 42 0 -1 4194560 0 0 0 0 0 0 0 0 20 0 1 0 777 0 0\n"
#define STAT_KTHREAD "2 (kthreadd) S 0 0 0 0 -1 2129984 0 0 0 0 0 0 0 0 20 0 1 0 9 0 0\n"

#define BAD -EINVAL, 0, 0, 0, 0, false, NULL

#define STATUS_HEAD "Name:\tvictim\nUmask:\t0022\nState:\tS (sleeping)\nTgid:\t42\n" \
		    "Ngid:\t0\nPid:\t42\nPPid:\t1\nTracerPid:\t0\n"

Test(procfs, read_status_table)
{
	static const struct {
		const char *name, *status, *stat;
		int ret;
		char state;
		pid_t tgid, tracer;
		int seccomp;
		bool kthread;
		const char *comm;
	} cases[] = {
		{ "a plain process", STATUS_HEAD "Seccomp:\t0\n", STAT_USER, 0, 'S', 42, 0, 0,
		  false, "victim" },
		{ "traced, under a filter",
		  "Name:\tv\nState:\tt (tracing stop)\nTgid:\t42\nTracerPid:\t7\nSeccomp:\t2\n",
		  STAT_USER, 0, 't', 42, 7, 2, false, "v" },
		{ "no Seccomp line: unknown", STATUS_HEAD, STAT_USER, 0, 'S', 42, 0, -1, false,
		  "victim" },
		{ "a kernel thread", "Name:\tkthreadd\nState:\tS (sleeping)\nTgid:\t2\n"
		  "TracerPid:\t0\n", STAT_KTHREAD, 0, 'S', 2, 0, -1, true, "kthreadd" },
		{ "a name with a colon and blanks", "Name:\ta: b\nState:\tR (running)\nTgid:\t42\n"
		  "TracerPid:\t0\n", STAT_USER, 0, 'R', 42, 0, -1, false, "a: b" },
		/* As proc_task_name() escapes it: a backslash doubled, a newline as \n. */
		{ "a name with a backslash and a newline",
		  "Name:\ta\\\\xb\\nc\\\\\nState:\tS (sleeping)\nTgid:\t42\nTracerPid:\t0\n",
		  STAT_USER, 0, 'S', 42, 0, -1, false, "a\\xb\nc\\" },
		{ "a zombie", "Name:\tz\nState:\tZ (zombie)\nTgid:\t42\nTracerPid:\t0\n",
		  STAT_USER, 0, 'Z', 42, 0, -1, false, "z" },
		{ "no Tgid", "Name:\tv\nState:\tS\nTracerPid:\t0\n", STAT_USER, BAD },
		{ "no TracerPid", "Name:\tv\nState:\tS\nTgid:\t42\n", STAT_USER, BAD },
		{ "a Tgid that is no number", "Name:\tv\nState:\tS\nTgid:\tx\nTracerPid:\t0\n",
		  STAT_USER, BAD },
		{ "a Tgid past INT_MAX", "Name:\tv\nState:\tS\nTgid:\t2147483648\nTracerPid:\t0\n",
		  STAT_USER, BAD },
		{ "a stat without its comm", STATUS_HEAD, "42 a S 1\n", BAD },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct procfs_status st;
		int ret;

		put("status", cases[i].status);
		put("stat", cases[i].stat);
		ret = procfs_read_status(dirfd, &st);
		cr_expect_eq(ret, cases[i].ret, "%s: returned %d", cases[i].name, ret);
		if (ret || cases[i].ret)
			continue;
		cr_expect_eq(st.state, cases[i].state, "%s: state %c", cases[i].name, st.state);
		cr_expect_eq(st.tgid, cases[i].tgid, "%s: tgid %d", cases[i].name, st.tgid);
		cr_expect_eq(st.tracer_pid, cases[i].tracer, "%s: tracer %d", cases[i].name,
			     st.tracer_pid);
		cr_expect_eq(st.seccomp, cases[i].seccomp, "%s: seccomp %d", cases[i].name,
			     st.seccomp);
		cr_expect_eq(st.kernel_thread, cases[i].kthread, "%s: kthread", cases[i].name);
		cr_expect_str_eq(st.comm, cases[i].comm, "%s: comm %s", cases[i].name, st.comm);
	}
}

Test(procfs, nspid_table)
{
	static const struct {
		const char *name, *status;
		int ret;
		pid_t ns_tid;
		int levels;
	} cases[] = {
		{ "one level", "Name:\tv\nNSpid:\t4242\nNSsid:\t1\n", 0, 4242, 1 },
		{ "two levels: innermost last", "NStgid:\t4242\t1\nNSpid:\t4242\t1\n", 0, 1, 2 },
		{ "three levels", "NSpid:\t4242\t300\t7\n", 0, 7, 3 },
		{ "spaces as separators", "NSpid:  4242 9\n", 0, 9, 2 },
		{ "no NSpid line (before 4.1)", "Name:\tv\nPid:\t4242\n", 0, TID, 1 },
		{ "an empty NSpid", "NSpid:\n", -EINVAL, 0, 0 },
		{ "a zero", "NSpid:\t4242\t0\n", -EINVAL, 0, 0 },
		{ "not a number", "NSpid:\t4242\tx\n", -EINVAL, 0, 0 },
		{ "a trailing letter", "NSpid:\t4242\t5x\n", -EINVAL, 0, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pid_t ns_tid = -1;
		int levels = -1, ret;

		put("task/4242/status", cases[i].status);
		ret = procfs_nspid(dirfd, TID, &ns_tid, &levels);
		cr_expect_eq(ret, cases[i].ret, "%s: returned %d", cases[i].name, ret);
		if (ret || cases[i].ret)
			continue;
		cr_expect_eq(ns_tid, cases[i].ns_tid, "%s: tid %d", cases[i].name, ns_tid);
		cr_expect_eq(levels, cases[i].levels, "%s: %d levels", cases[i].name, levels);
	}
}

/* The lines after SigBlk of a process that neither ignores nor catches a signal. */
#define NO_DISPOSITIONS	"SigIgn:\t0000000000000000\nSigCgt:\t0000000000000000\n"

Test(procfs, deliverable_signal_table)
{
	static const struct {
		const char *name, *status;
		int ret;
		bool yes;
	} cases[] = {
		{ "nothing pending", "SigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\n"
		  "SigBlk:\t0000000000000000\n" NO_DISPOSITIONS, 0, false },
		{ "pending, not blocked", "SigPnd:\t0000000000000200\nShdPnd:\t0000000000000000\n"
		  "SigBlk:\t0000000000000000\n" NO_DISPOSITIONS, 0, true },
		{ "shared pending, blocked", "SigPnd:\t0000000000000000\n"
		  "ShdPnd:\t0000000000004000\nSigBlk:\t0000000000004000\n" NO_DISPOSITIONS, 0, false },
		{ "shared pending, another blocked", "SigPnd:\t0\nShdPnd:\t4000\nSigBlk:\t2000\n"
		  NO_DISPOSITIONS, 0, true },
		{ "a real-time signal", "SigPnd:\t0000000100000000\nShdPnd:\t0\n"
		  "SigBlk:\tfffffffe7ffbfeff\n" NO_DISPOSITIONS, 0, true },
		/* SIGHUP (bit 0) set to SIG_IGN */
		{ "pending, ignored", "SigPnd:\t1\nShdPnd:\t0\nSigBlk:\t0\nSigIgn:\t1\nSigCgt:\t0\n",
		  0, false },
		{ "shared pending, ignored", "SigPnd:\t0\nShdPnd:\t1\nSigBlk:\t0\nSigIgn:\t1\n"
		  "SigCgt:\t0\n", 0, false },
		{ "one ignored, another caught", "SigPnd:\t1\nShdPnd:\t2\nSigBlk:\t0\nSigIgn:\t1\n"
		  "SigCgt:\t2\n", 0, true },
		/* SIGCHLD (bit 16), SIGCONT (17), SIGURG (22), SIGWINCH (27): ignored by default */
		{ "SIGCHLD at SIG_DFL", "SigPnd:\t0\nShdPnd:\t10000\nSigBlk:\t0\n" NO_DISPOSITIONS,
		  0, false },
		{ "SIGCONT, SIGURG and SIGWINCH at SIG_DFL", "SigPnd:\t8420000\nShdPnd:\t0\n"
		  "SigBlk:\t0\n" NO_DISPOSITIONS, 0, false },
		{ "SIGCHLD caught", "SigPnd:\t0\nShdPnd:\t10000\nSigBlk:\t0\nSigIgn:\t0\n"
		  "SigCgt:\t10000\n", 0, true },
		{ "SIGWINCH caught, SIGURG not", "SigPnd:\t8400000\nShdPnd:\t0\nSigBlk:\t0\n"
		  "SigIgn:\t0\nSigCgt:\t8000000\n", 0, true },
		/* SIGTERM (bit 14) at SIG_DFL terminates: delivered */
		{ "SIGTERM at SIG_DFL", "SigPnd:\t4000\nShdPnd:\t0\nSigBlk:\t0\n" NO_DISPOSITIONS,
		  0, true },
		{ "no SigBlk", "SigPnd:\t0\nShdPnd:\t0\n" NO_DISPOSITIONS, -EINVAL, false },
		{ "no SigIgn", "SigPnd:\t0\nShdPnd:\t0\nSigBlk:\t0\nSigCgt:\t0\n", -EINVAL, false },
		{ "no SigCgt", "SigPnd:\t0\nShdPnd:\t0\nSigBlk:\t0\nSigIgn:\t0\n", -EINVAL, false },
		{ "no hex", "SigPnd:\tzz\nShdPnd:\t0\nSigBlk:\t0\n" NO_DISPOSITIONS, -EINVAL, false },
		{ "no hex in SigCgt", "SigPnd:\t0\nShdPnd:\t0\nSigBlk:\t0\nSigIgn:\t0\n"
		  "SigCgt:\tq\n", -EINVAL, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool yes = !cases[i].yes;
		int ret;

		put("task/4242/status", cases[i].status);
		ret = procfs_thread_has_deliverable_signal(dirfd, TID, false, &yes);
		cr_expect_eq(ret, cases[i].ret, "%s: returned %d", cases[i].name, ret);
		cr_expect_eq(yes, cases[i].yes, "%s: %s", cases[i].name, yes ? "yes" : "no");
	}
}

/* An init of a pid namespace gets no signal at SIG_DFL but SIGKILL (bit 8) and SIGSTOP (18). */
Test(procfs, deliverable_signal_in_an_init)
{
	static const struct {
		const char *name, *status;
		bool yes;
	} cases[] = {
		{ "SIGTERM at SIG_DFL", "SigPnd:\t0\nShdPnd:\t4000\nSigBlk:\t0\n" NO_DISPOSITIONS,
		  false },
		{ "SIGTERM caught", "SigPnd:\t0\nShdPnd:\t4000\nSigBlk:\t0\nSigIgn:\t0\n"
		  "SigCgt:\t4000\n", true },
		{ "SIGKILL", "SigPnd:\t100\nShdPnd:\t0\nSigBlk:\t0\n" NO_DISPOSITIONS, true },
		{ "SIGSTOP", "SigPnd:\t0\nShdPnd:\t40000\nSigBlk:\t0\n" NO_DISPOSITIONS, true },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		bool yes = !cases[i].yes;

		put("task/4242/status", cases[i].status);
		cr_expect_eq(procfs_thread_has_deliverable_signal(dirfd, TID, true, &yes), 0,
			     "%s", cases[i].name);
		cr_expect_eq(yes, cases[i].yes, "%s: %s", cases[i].name, yes ? "yes" : "no");
	}
}

Test(procfs, stat_fields_table)
{
	static const struct {
		const char *name, *stat;
		int ret;
		unsigned long long start;
	} cases[] = {
		{ "plain", STAT_USER, 0, 777 },
		{ "a comm with ') ' in it", "42 (a) b) S 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 "
		  "31337 0 0\n", 0, 31337 },
		{ "too short", "42 (a) S 1 42\n", -EINVAL, 0 },
		{ "not a number", "42 (a) S 1 42 42 0 -1 0 0 0 0 0 0 0 0 0 20 0 1 0 x 0\n",
		  -EINVAL, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned long long start = 0;
		int ret, statfd = -1;

		put("stat", cases[i].stat);
		cr_assert_eq(procfs_keep(dirfd, "stat", &statfd), 0);
		ret = procfs_start_time(statfd, &start);
		close(statfd);
		cr_expect_eq(ret, cases[i].ret, "%s: returned %d", cases[i].name, ret);
		if (!ret)
			cr_expect_eq(start, cases[i].start, "%s: start %llu", cases[i].name, start);
	}
}

#define LIMITS_HEAD "Limit                     Soft Limit           Hard Limit           Units     \n" \
		    "Max cpu time              unlimited            unlimited            seconds   \n"

/* RLIMIT_NOFILE's soft limit, by its key: "Max open files". */
Test(procfs, nofile_table)
{
	static const struct {
		const char *name, *limits;
		int ret;
		unsigned long long soft;
	} cases[] = {
		{ "a number", LIMITS_HEAD "Max open files            1024                 1048576"
		  "              files     \n", 0, 1024 },
		{ "unlimited", LIMITS_HEAD "Max open files            unlimited            unlimited"
		  "            files     \n", 0, ULLONG_MAX },
		{ "no such line", LIMITS_HEAD, -EINVAL, 0 },
		{ "not a number", LIMITS_HEAD "Max open files            many                 1024"
		  "                 files     \n", -EINVAL, 0 },
		{ "a longer key", LIMITS_HEAD "Max open files2           1024                 1024"
		  "                 files     \n", -EINVAL, 0 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned long long soft = 0;
		int ret;

		put("limits", cases[i].limits);
		ret = procfs_nofile(dirfd, &soft);
		cr_expect_eq(ret, cases[i].ret, "%s: %d", cases[i].name, ret);
		if (!ret)
			cr_expect_eq(soft, cases[i].soft, "%s: %llu", cases[i].name, soft);
	}
}
