// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * lib/remap.c: a dump's tids and CPU-clock pids to the target's, and the
 * "OLD:NEW,..." map the caller may give.  Pure functions, table-driven.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "remap.h"

static struct ptimer_ctx *ctx;

static void setup(void)
{
	cr_assert_eq(ptimer_new(&ctx), 0);
}

static void teardown(void)
{
	ptimer_free(ctx);
}

TestSuite(remap, .init = setup, .fini = teardown);

#define MAXT 4

/* A dump of pid 100 with threads 100, 101, 102 and one timer. */
struct remap_case {
	const char *name;
	int notify;
	pid_t notify_pid;
	int clockid;			/* built by the case */
	size_t ntarget;
	pid_t target[MAXT];		/* target_tids; target pid is target[0] */
	size_t nuser;
	struct ptimer_tid_map user[2];
	int want_ret;
	pid_t want_notify_pid;
	int want_clockid;
	bool to_none;			/* aimed at a thread gone: SIGEV_NONE */
};

#define CPU(pid, thread) ptimer_cpu_clock_make(pid, thread, PTIMER_CPU_SCHED)

static const pid_t dump_tids[] = { 100, 101, 102 };

/* A dump of pid 100 with the three threads @tids, leader first. */
static struct ptimer_dump *dump_of_threads(const pid_t *tids)
{
	struct ptimer_dump *d = ptimer_dump_new();

	cr_assert_not_null(d);
	d->pid = 100;
	d->tids = malloc(3 * sizeof(*tids));
	cr_assert_not_null(d->tids);
	memcpy(d->tids, tids, 3 * sizeof(*tids));
	d->nthreads = 3;
	return d;
}

/* A dump of pid 100 with threads 100, 101, 102 and timer @t. */
static struct ptimer_dump *dump_with(const struct ptimer_timer *t)
{
	struct ptimer_dump *d = dump_of_threads(dump_tids);

	cr_assert_eq(ptimer_dump_add_timer(d, t), 0);
	return d;
}

static void run_case(const struct remap_case *c)
{
	struct ptimer_dump *d;
	struct ptimer_timer t = {
		.id = 1, .clockid = c->clockid, .notify = c->notify, .signo = 10,
		.notify_pid = c->notify_pid,
	}, out[1];
	struct remap map = { 0 };
	int ret;

	d = dump_with(&t);
	ret = remap_build(ctx, d, c->target[0], c->target, c->ntarget, c->user, c->nuser, &map);
	if (!ret)
		ret = remap_timers(ctx, d, &map, out);
	cr_expect_eq(ret, c->want_ret, "%s: returned %d, want %d (%s)", c->name, ret,
		     c->want_ret, ptimer_last_error(ctx));
	if (!ret && !c->want_ret) {
		cr_expect_eq(out[0].notify_pid, c->want_notify_pid, "%s: notify_pid %d, want %d",
			     c->name, out[0].notify_pid, c->want_notify_pid);
		cr_expect_eq(out[0].clockid, c->want_clockid, "%s: clockid %d, want %d",
			     c->name, out[0].clockid, c->want_clockid);
		cr_expect_eq(out[0].notify, c->to_none ? PTIMER_NOTIFY_NONE : c->notify,
			     "%s: notify %d", c->name, out[0].notify);
	}
	remap_free(&map);
	ptimer_dump_free(d);
}

Test(remap, table)
{
	const int bad = -PTIMER_ERR_BAD_DUMP;
	const struct remap_case cases[] = {
		{ "leader to leader", PTIMER_NOTIFY_THREAD_ID, 100, 1, 3, { 200, 201, 202 },
		  0, { { 0 } }, 0, 200, 1, false },
		{ "threads in creation order", PTIMER_NOTIFY_THREAD_ID, 102, 1, 3,
		  { 200, 201, 202 }, 0, { { 0 } }, 0, 202, 1, false },
		{ "a signal timer keeps its pid", PTIMER_NOTIFY_SIGNAL, 100, 0, 1, { 200 },
		  0, { { 0 } }, 0, 100, 0, false },
		{ "a thread missing in the target", PTIMER_NOTIFY_THREAD_ID, 102, 1, 2,
		  { 200, 201 }, 0, { { 0 } }, bad, 0, 0, false },
		{ "the map supplies it", PTIMER_NOTIFY_THREAD_ID, 102, 1, 2, { 200, 201 },
		  1, { { 102, 201 } }, 0, 201, 1, false },
		{ "the map overrides the order", PTIMER_NOTIFY_THREAD_ID, 101, 1, 3,
		  { 200, 201, 202 }, 1, { { 101, 202 } }, 0, 202, 1, false },
		{ "the map names no thread of the target", PTIMER_NOTIFY_THREAD_ID, 101, 1, 3,
		  { 200, 201, 202 }, 1, { { 101, 999 } }, bad, 0, 0, false },
		{ "a process CPU clock follows the pid", PTIMER_NOTIFY_NONE, 0, CPU(100, false),
		  1, { 200 }, 0, { { 0 } }, 0, 0, CPU(200, false), false },
		{ "a thread CPU clock follows the thread", PTIMER_NOTIFY_NONE, 0, CPU(101, true),
		  2, { 200, 201 }, 0, { { 0 } }, 0, 0, CPU(201, true), false },
		{ "a CPU clock of the caller stays", PTIMER_NOTIFY_NONE, 0, CPU(0, true),
		  1, { 200 }, 0, { { 0 } }, 0, 0, CPU(0, true), false },
		{ "a CPU clock of a stranger", PTIMER_NOTIFY_NONE, 0, CPU(555, false),
		  1, { 200 }, 0, { { 0 } }, bad, 0, 0, false },
		{ "a stranger mapped", PTIMER_NOTIFY_NONE, 0, CPU(555, false),
		  1, { 200 }, 1, { { 555, 200 } }, 0, 0, CPU(200, false), false },
		{ "a thread that had exited signals no one", PTIMER_NOTIFY_THREAD_ID, 150, 1,
		  3, { 200, 201, 202 }, 0, { { 0 } }, 0, 150, 1, true },
		{ "the map aims an exited thread's timer at a live one", PTIMER_NOTIFY_THREAD_ID,
		  150, 1, 3, { 200, 201, 202 }, 1, { { 150, 201 } }, 0, 201, 1, false },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_case(&cases[i]);
}

/*
 * The map is sorted for its lookups, but pairs by position: threads whose
 * ids wrapped map in creation order, and of two pairs the caller gives
 * for one id, the later holds, as does the caller's over the default.
 */
Test(remap, pairs_by_position_whatever_the_ids_last_setting_holds)
{
	static const pid_t tids[] = { 100, 300, 150 }, target[] = { 200, 201, 202 };
	static const struct ptimer_tid_map user[] = { { 150, 200 }, { 150, 201 }, { 7, 202 } };
	static const struct ptimer_tid_map want[] = {
		{ 100, 200 }, { 300, 201 }, { 150, 201 }, { 7, 202 },
	};
	struct ptimer_dump *d = dump_of_threads(tids);
	struct remap map = { 0 };

	cr_assert_eq(remap_build(ctx, d, 200, target, 3, user, 3, &map), 0);
	cr_expect_eq(map.n, 4, "%zu pairs, one for each id", map.n);
	for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
		const struct ptimer_tid_map *m = remap_find(&map, want[i].from);

		cr_expect(m && m->to == want[i].to, "%d maps to %d, want %d", want[i].from,
			  m ? m->to : -1, want[i].to);
	}
	cr_expect_null(remap_find(&map, 101));
	remap_free(&map);
	ptimer_dump_free(d);
}

/* A thread CPU clock of a thread the dump lacks: one that had exited, said so. */
Test(remap, a_cpu_clock_of_an_exited_thread_is_named)
{
	const pid_t target[] = { 200, 201, 202 };
	struct ptimer_timer t = {
		.id = 7, .clockid = CPU(150, true), .notify = PTIMER_NOTIFY_NONE,
	}, out[1];
	struct ptimer_dump *d = dump_with(&t);
	struct remap map = { 0 };

	cr_assert_eq(remap_build(ctx, d, 200, target, 3, NULL, 0, &map), 0);
	cr_expect_eq(remap_timers(ctx, d, &map, out), -PTIMER_ERR_BAD_DUMP);
	cr_expect(strstr(ptimer_last_error(ctx), "tid 150, a thread that had exited"), "%s",
		  ptimer_last_error(ctx));
	remap_free(&map);
	ptimer_dump_free(d);
}

Test(remap, parse_tid_map)
{
	static const struct {
		const char *text;
		int ret;
		size_t n;
		struct ptimer_tid_map m[3];
	} cases[] = {
		{ "1:2", 0, 1, { { 1, 2 } } },
		{ "10:20,11:21,12:22", 0, 3, { { 10, 20 }, { 11, 21 }, { 12, 22 } } },
		{ "2147483647:1", 0, 1, { { 2147483647, 1 } } },
		{ "", -EINVAL, 0, { { 0 } } },
		{ "1", -EINVAL, 0, { { 0 } } },
		{ "1:", -EINVAL, 0, { { 0 } } },
		{ ":2", -EINVAL, 0, { { 0 } } },
		{ "1:0", -EINVAL, 0, { { 0 } } },
		{ "-1:2", -EINVAL, 0, { { 0 } } },
		{ "+1:2", -EINVAL, 0, { { 0 } } },
		{ "1:2,", -EINVAL, 0, { { 0 } } },
		{ "1:2:3", -EINVAL, 0, { { 0 } } },
		{ "1:2,1:3", -EINVAL, 0, { { 0 } } },
		{ "1:2147483648", -EINVAL, 0, { { 0 } } },
		{ "1:2 ", -EINVAL, 0, { { 0 } } },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ptimer_tid_map *m = NULL;
		size_t n = 0;
		int ret = ptimer_parse_tid_map(cases[i].text, &m, &n);

		cr_expect_eq(ret, cases[i].ret, "\"%s\": returned %d", cases[i].text, ret);
		if (ret || cases[i].ret)
			continue;
		cr_expect_eq(n, cases[i].n, "\"%s\": %zu pairs", cases[i].text, n);
		for (size_t k = 0; k < n && k < cases[i].n; k++)
			cr_expect(m[k].from == cases[i].m[k].from && m[k].to == cases[i].m[k].to,
				  "\"%s\": pair %zu is %d:%d", cases[i].text, k, m[k].from,
				  m[k].to);
		free(m);
	}
}
