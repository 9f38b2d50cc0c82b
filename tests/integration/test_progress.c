// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * The progress bar as a person sees it: ptimerctl restore walks into a
 * victim on a pseudo-terminal, and the transcript read from the master
 * side must show the plan line on a line of its own, then the frames,
 * the first with an ETA no longer than the plan's estimate, and last a
 * 100% frame that ends its line.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "restore_util.h"

static void fini(void)
{
	harness_kill_all();
}

/*
 * The walk is long enough for a few frames on an idle machine (about a
 * second), and the deadlines leave it room on a loaded one, where a step
 * has been seen to take 100 us.
 */
TestSuite(progress, .fini = fini, .timeout = 300);

struct transcript {
	char buf[1 << 16];
	size_t len;
	int status;
};

/* Run ptimerctl with @argv on a new pseudo-terminal; all it wrote, and how it ended. */
static void run_on_pty(struct transcript *t, const char *const *argv)
{
	int64_t deadline = harness_deadline(240000);
	pid_t parent = getpid(), pid;
	int master;

	memset(t, 0, sizeof(*t));
	pid = forkpty(&master, NULL, NULL, NULL);
	cr_assert_geq(pid, 0, "forkpty: %s", strerror(errno));
	if (!pid) {
		harness_die_with_parent(parent);
		execv(ptimerctl_path(), (char *const *)argv);
		_exit(127);
	}
	for (;;) {
		struct pollfd p = { .fd = master, .events = POLLIN };
		int64_t left = (deadline - clock_ns(CLOCK_MONOTONIC)) / RU_MS;
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
			kill(pid, SIGKILL);
			cr_assert_fail("no end of output in time: %.*s", (int)t->len, t->buf);
		}
		n = read(master, t->buf + t->len, sizeof(t->buf) - 1 - t->len);
		/* EIO: the last holder of the terminal's other side is gone. */
		if (n <= 0)
			break;
		t->len += n;
		cr_assert_lt(t->len, sizeof(t->buf) - 1, "too much output");
	}
	t->buf[t->len] = '\0';
	close(master);
	cr_assert_eq(waitpid(pid, &t->status, 0), pid);
}

/* The plan's "about 5.7 s" in seconds, or -1. */
static double plan_estimate(const char *plan)
{
	const char *p = strstr(plan, ", about ");
	char unit[8];
	double v;

	if (!p || sscanf(p, ", about %lf %7s", &v, unit) != 2)
		return -1;
	if (!strcmp(unit, "us"))
		return v / 1e6;
	if (!strcmp(unit, "ms"))
		return v / 1e3;
	if (!strcmp(unit, "s"))
		return v;
	if (!strcmp(unit, "min"))
		return v * 60;
	return -1;
}

struct frame {
	const char *at;
	double percent;
	char what[5];		/* "ETA" or "took" */
	int min, sec;
	size_t end;		/* offset after the frame */
};

/* The frame at @p ("\r[###...] 12.3%  ETA   0:05 "); false if it is not one. */
static bool parse_frame(const char *p, struct frame *f)
{
	int end = 0;

	f->at = p;
	/* No blank after the last %d: in a format it would eat the "\r\n" too. */
	if (sscanf(p, "\r[%*[#.]] %lf%%  %4[a-zA-Z] %d:%d%n", &f->percent, f->what,
		   &f->min, &f->sec, &end) != 4 || !end || p[end] != ' ')
		return false;
	f->end = end + 1;
	return true;
}

Test(progress, after_the_plan_sane_eta_and_a_final_line)
{
	static const struct ru_spec far[] = {
		{ 300000, "monotonic", "none", 10, 0, 0x1, 600000, 0 },
	};
	struct victim *src = ru_start(far, 1, NULL), *dst;
	char *dump = ru_dump_file(src->pid, NULL), pidbuf[16];
	static struct transcript t;
	struct frame f, first = { 0 }, last = { 0 };
	const char *plan, *p;
	double est, prev = -1;
	int nframes = 0;

	victim_kill(src);
	dst = ru_start(NULL, 0, NULL);
	run_on_pty(&t, (const char *const[]){ "ptimerctl", "restore", "--method=walk", "-i",
					      dump, ru_pidstr(pidbuf, dst->pid), NULL });
	cr_log_info("terminal transcript:\n%s", t.buf);
	cr_assert(WIFEXITED(t.status) && WEXITSTATUS(t.status) == 0, "status %#x: %s",
		  t.status, t.buf);

	plan = strstr(t.buf, "ptimerctl: plan: method walk");
	cr_assert(plan, "no plan line: %s", t.buf);
	cr_expect(plan == t.buf || plan[-1] == '\n', "the plan line shares a line with"
		  " what came before it: %s", t.buf);
	est = plan_estimate(plan);
	cr_assert_geq(est, 0, "no estimate in the plan: %s", plan);

	for (p = strstr(t.buf, "\r["); p; p = strstr(p + 1, "\r[")) {
		cr_assert(parse_frame(p, &f), "not a frame: %.80s", p);
		cr_expect_gt(p, plan, "a frame came before the plan line: %s", t.buf);
		cr_expect_geq(f.percent, prev, "the bar went back: %s", t.buf);
		prev = f.percent;
		if (!nframes++)
			first = f;
		last = f;
	}
	cr_assert_gt(nframes, 0, "no progress bar on a terminal: %s", t.buf);
	cr_expect_str_eq(first.what, first.percent < 100 ? "ETA" : "took");
	/* The first estimate is the plan's, for the steps still to go. */
	cr_expect_leq(first.min * 60 + first.sec, est + 1, "the first frame says ETA %d:%02d"
		      " for a walk planned to take %.1f s: %s", first.min, first.sec, est, t.buf);
	cr_expect_eq(last.percent, 100.0, "the last frame is at %.1f%%: %s", last.percent,
		     t.buf);
	cr_expect_str_eq(last.what, "took");
	cr_expect(!strncmp(last.at + last.end, "\r\n", 2), "the last frame does not end its"
		  " line: %s", t.buf);
	ru_file_free(dump);
	victim_kill(dst);
}
