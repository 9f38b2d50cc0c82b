// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * Dump and restore across pid namespaces, with tests/helpers/pidns_victim:
 * each thread-directed timer's signal must reach the thread created in the
 * same place as the one it reached in the dumped process, and each CPU
 * clock must measure the same thread or process, whichever namespace the
 * dump and the restore are run from and whichever the processes live in.
 * The thread ids can be made to wrap: threads created later get smaller
 * ids, in the same clock tick, so that only the kernel knows their order.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "harness.h"
#include "ptimer.h"
#include "restore_util.h"
#include "helpers/sysnr.h"

#define NTHREADS	5	/* the leader and four more */
#define CPU_SIGVAL	100	/* pidns_victim's CPU-clock timers */
/* Ids in creation order; negative ones count back from pid_max. */
#define WRAPPED		"--tids=-2,-1,2,300"
#define WRAPPED_OTHERWISE "--tids=5,-3,400,-1"
#define PLAIN		NULL

static void fini(void)
{
	harness_kill_all();
}

TestSuite(pidns, .fini = fini, .timeout = 60);

struct pv {
	struct victim *v;
	bool ns;
	pid_t ns_tid[NTHREADS];		/* as the process sees its threads */
	pid_t host[NTHREADS];		/* as we do */
};

static void pv_read_tids(struct pv *p)
{
	char line[512], list[256];
	long long n;

	cr_assert_eq(victim_cmd(p->v, "tids", line, sizeof(line)), 0);
	cr_assert(kv_ll(line, "n", &n) && n == NTHREADS, "%s", line);
	cr_assert(kv_str(line, "ns", list, sizeof(list)), "%s", line);
	cr_assert_eq(sscanf(list, "%d,%d,%d,%d,%d", &p->ns_tid[0], &p->ns_tid[1],
			    &p->ns_tid[2], &p->ns_tid[3], &p->ns_tid[4]), NTHREADS, "%s", line);
	cr_assert(kv_str(line, "host", list, sizeof(list)), "%s", line);
	cr_assert_eq(sscanf(list, "%d,%d,%d,%d,%d", &p->host[0], &p->host[1],
			    &p->host[2], &p->host[3], &p->host[4]), NTHREADS, "%s", line);
}

/* A pidns_victim, in a namespace of its own or not, with @tids or 4 threads. */
static struct pv pv_start(bool ns, const char *tids, bool timers)
{
	const char *argv[6];
	struct pv p = { .ns = ns };
	char *path = strdup(helper_path("pidns_victim"));
	int n = 0;

	cr_assert(path);
	argv[n++] = path;
	if (ns)
		argv[n++] = "--ns";
	argv[n++] = tids ? tids : "--threads=4";
	if (timers)
		argv[n++] = "--timers";
	argv[n] = NULL;
	p.v = victim_spawn(argv, (uid_t)-1);
	free(path);
	/* A slow machine (vm-check's TCG guests) cannot make the threads in one tick */
	if (p.v && !p.v->ready && p.v->error_errno == EAGAIN && strstr(p.v->error, "one tick"))
		cr_skip_test("the threads of --tids cannot start in one clock tick here: %s",
			     p.v->error);
	cr_assert(p.v && p.v->ready, "pidns_victim: %s", p.v ? p.v->error : "fork");
	pv_read_tids(&p);
	if (tids)
		cr_assert(p.ns_tid[1] > p.ns_tid[2] || p.ns_tid[2] > p.ns_tid[3], "ids did not wrap: %d then %d",
			  p.ns_tid[1], p.ns_tid[2]);
	return p;
}

/*
 * ptimerctl with @args (NULL-terminated, the last one a pid placeholder
 * "PID"), from here or, when @inside, from @p's namespaces through nsenter.
 */
static void run_for(struct run_result *r, const struct pv *p, bool inside,
		    const char *const *args)
{
	const char *argv[32];
	char target[16], pid[16];
	int n = 0;

	snprintf(target, sizeof(target), "%d", (int)p->host[0]);
	snprintf(pid, sizeof(pid), "%d", (int)(inside ? p->ns_tid[0] : p->host[0]));
	if (inside) {
		argv[n++] = "/usr/bin/nsenter";
		argv[n++] = "-t";
		argv[n++] = target;
		argv[n++] = "-p";
		argv[n++] = "-m";
		argv[n++] = "--";
	}
	argv[n++] = ptimerctl_path();
	for (; *args && n < 30; args++)
		argv[n++] = strcmp(*args, "PID") ? *args : pid;
	argv[n] = NULL;
	cr_assert_eq(run_argv(r, NULL, argv), 0);
}

static char *dump_from(const struct pv *src, bool inside)
{
	const char *args[] = { "dump", "PID", NULL };
	struct run_result r;
	char *path;

	run_for(&r, src, inside, args);
	cr_assert_eq(r.exit_code, 0, "dump from %s: %s", inside ? "inside" : "outside",
		     run_describe(&r));
	path = ru_text_file(r.out);
	run_result_free(&r);
	return path;
}

static void restore_into(const struct pv *dst, bool inside, const char *dump)
{
	const char *args[] = { "restore", "-i", dump, "PID", NULL };
	struct run_result r;

	run_for(&r, dst, inside, args);
	cr_assert_eq(r.exit_code, 0, "restore from %s: %s", inside ? "inside" : "outside",
		     run_describe(&r));
	run_result_free(&r);
}

/* Wait until every thread's timer has fired, then check where each went. */
static void expect_signals_in_place(const struct pv *dst)
{
	int64_t deadline = harness_deadline(5000);
	unsigned long long mask[NTHREADS];
	char line[512], key[8];
	bool all;

	do {
		all = true;
		cr_assert_eq(victim_cmd(dst->v, "hits", line, sizeof(line)), 0);
		for (int k = 0; k < NTHREADS; k++) {
			snprintf(key, sizeof(key), "%d", k);
			cr_assert(kv_hex(line, key, &mask[k]), "%s", line);
			all &= mask[k] != 0;
		}
		if (!all)
			sleep_ms(20);
	} while (!all && clock_ns(CLOCK_MONOTONIC) < deadline);
	cr_assert(all, "not every restored timer fired: %s", line);
	for (int k = 0; k < NTHREADS; k++)
		cr_expect_eq(mask[k], 1ULL << k, "the timer of thread %d (creation order)"
			     " signalled threads %#llx: %s", k, mask[k], line);
}

/* /proc/PID/timers as this /proc shows it (the caller frees it). */
static char *proc_timers_text(pid_t pid)
{
	char path[64], *text;
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/timers", (int)pid);
	f = fopen(path, "r");
	cr_assert(f, "%s: %s", path, strerror(errno));
	text = calloc(1, 1 << 16);
	cr_assert(text);
	len = fread(text, 1, (1 << 16) - 1, f);
	fclose(f);
	text[len] = '\0';
	return text;
}

/* The CPU-clock timers: process clock of the process, thread k's of thread k. */
static void expect_cpu_clocks_in_place(const struct pv *dst)
{
	char *text = proc_timers_text(dst->host[0]), *save, *l;
	unsigned long long sigval = 0;
	int seen = 0, clock;

	for (l = strtok_r(text, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		int k;

		if (sscanf(l, "signal: %*d/%llx", &sigval) == 1 || sscanf(l, "ClockID: %d",
									   &clock) != 1)
			continue;
		if (!ptimer_clock_is_cpu(clock))
			continue;
		k = (int)sigval - CPU_SIGVAL;
		cr_assert(k >= 0 && k < NTHREADS, "CPU clock timer with sigval %#llx", sigval);
		/* The kernel shows the clock as the process encoded it: its own view. */
		cr_expect_eq(ptimer_cpu_clock_pid(clock), dst->ns_tid[k],
			     "CPU clock of timer %d measures pid %d; want %d", k,
			     ptimer_cpu_clock_pid(clock), dst->ns_tid[k]);
		cr_expect_eq(ptimer_cpu_clock_is_thread(clock), k != 0);
		seen++;
	}
	free(text);
	cr_expect_eq(seen, NTHREADS, "%d CPU-clock timers restored", seen);
}

static void move(bool src_ns, const char *src_tids, bool dump_inside,
		 bool dst_ns, const char *dst_tids, bool restore_inside)
{
	struct pv src = pv_start(src_ns, src_tids, true);
	struct pv dst = pv_start(dst_ns, dst_tids, false);
	char *dump = dump_from(&src, dump_inside);

	victim_kill(src.v);
	restore_into(&dst, restore_inside, dump);
	expect_signals_in_place(&dst);
	expect_cpu_clocks_in_place(&dst);
	ru_file_free(dump);
	victim_kill(dst.v);
}

/* Item: threads whose ids wrap, seen from inside, where the ids do wrap. */
Test(pidns, wrapped_ids_inside_to_wrapped_ids_inside)
{
	move(true, WRAPPED, true, true, WRAPPED_OTHERWISE, true);
}

Test(pidns, wrapped_ids_inside_to_plain_process)
{
	move(true, WRAPPED, true, false, PLAIN, false);
}

Test(pidns, plain_process_to_wrapped_ids_inside)
{
	move(false, PLAIN, false, true, WRAPPED, true);
}

/* From outside, the ids do not wrap, but the CPU clocks speak the target's namespace. */
Test(pidns, namespaced_from_outside_to_namespaced_from_outside)
{
	move(true, WRAPPED, false, true, PLAIN, false);
}

/*
 * The same with ids made as they come, which need no shared clock tick:
 * the one test of a namespaced restore from outside that a loaded machine
 * cannot skip.  Both processes' threads are 1..5 inside, so it proves the
 * translation into the target's namespace, not the pairing of threads.
 */
Test(pidns, unwrapped_ids_from_outside_to_namespaced_from_outside)
{
	move(true, PLAIN, false, true, PLAIN, false);
}

Test(pidns, namespaced_from_outside_to_plain_process)
{
	move(true, PLAIN, false, false, PLAIN, false);
}

Test(pidns, plain_process_to_namespaced_from_outside)
{
	move(false, PLAIN, false, true, WRAPPED, false);
}

Test(pidns, namespaced_from_inside_to_namespaced_from_outside)
{
	move(true, WRAPPED, true, true, PLAIN, false);
}

Test(pidns, namespaced_from_outside_to_namespaced_from_inside)
{
	move(true, PLAIN, false, true, WRAPPED, true);
}

/* A dump from outside names the CPU clocks' pids as it names the threads. */
Test(pidns, dump_from_outside_speaks_one_namespace)
{
	struct pv src = pv_start(true, WRAPPED, true);
	char *dump = dump_from(&src, false);
	json_object *root = ru_json_load(dump);
	json_object *timers, *t, *cpu, *v;
	char want[64];
	struct run_result r;
	int seen = 0;

	cr_assert(json_object_object_get_ex(root, "timers", &timers));
	for (size_t i = 0; i < json_object_array_length(timers); i++) {
		const char *sv;
		int k;

		t = json_object_array_get_idx(timers, i);
		if (!json_object_object_get_ex(t, "cpu", &cpu))
			continue;
		sv = json_get_str(t, "sigval");
		cr_assert(sv);
		k = (int)strtoll(sv, NULL, 16) - CPU_SIGVAL;
		cr_assert(k >= 0 && k < NTHREADS);
		cr_assert(json_object_object_get_ex(cpu, "pid", &v));
		cr_expect_eq(json_object_get_int(v), src.host[k], "timers[%zu].cpu.pid: %d,"
			     " want %d as in threads[%d]", i, json_object_get_int(v),
			     (int)src.host[k], k);
		seen++;
	}
	cr_expect_eq(seen, NTHREADS);
	json_object_put(root);

	cr_assert_eq(run_ptimerctl(&r, "show", "-i", dump, NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	snprintf(want, sizeof(want), "process_cpu:%d ", (int)src.host[0]);
	cr_expect(strstr(r.out, want), "show should print %s: %s", want, r.out);
	cr_expect(!strstr(r.out, "process_cpu:1 "), "show prints pid 1: %s", r.out);
	run_result_free(&r);
	ru_file_free(dump);
	victim_kill(src.v);
}

static int strcmpp(const char **a, const char **b)
{
	return strcmp(*a, *b);
}

/* /proc/PID/timers as seen here, its blocks (one per timer) sorted, so that order does not count. */
static char *timers_blocks(pid_t pid)
{
	char *text = proc_timers_text(pid), *blocks[64], *out, *p;
	size_t n = 0, total = 0;

	for (p = strstr(text, "ID: "); p && n < 64; p = strstr(p + 1, "\nID: ")) {
		char *end = strstr(p + 1, "\nID: ");

		if (*p == '\n')
			p++;
		blocks[n] = strndup(p, end ? (size_t)(end - p) : strlen(p));
		cr_assert(blocks[n]);
		total += strlen(blocks[n]) + 2;
		n++;
		if (!end)
			break;
		p = end;
	}
	qsort(blocks, n, sizeof(blocks[0]), (int (*)(const void *, const void *))strcmpp);
	out = calloc(1, total + 1);
	cr_assert(out);
	for (size_t i = 0; i < n; i++) {
		strcat(out, blocks[i]);
		strcat(out, "|");
		free(blocks[i]);
	}
	free(text);
	return out;
}

/*
 * A --replace that fails after deleting what it replaces puts those timers
 * back, and does so in the target's pid namespace: a thread-directed
 * timer's tid and a CPU clock's pid, read from this /proc in ours, must
 * be made again as the target sees them.  The dump is the target's own,
 * each sigval changed (the same timer would be re-armed in place, not
 * deleted), plus a timer 100 that a walk reaches only past a lap of the
 * id space: the walk, allowed one lap, is refused once the timers are
 * deleted.
 */
Test(pidns, replace_rolled_back_in_the_target_namespace)
{
	struct pv dst;
	char *dump, *before, *after;
	json_object *root, *timers, *extra = NULL;
	const char *args[] = { "restore", "--replace", "--method=loop", "--max-walk-steps",
			       "2147483648", "-i", NULL, "PID", NULL };
	struct run_result r;

	/* Without it, putting the timers back walks round the whole id space. */
	harness_need_restore_ids();
	dst = pv_start(true, PLAIN, true);
	dump = dump_from(&dst, false);
	root = ru_json_load(dump);
	cr_assert(json_object_object_get_ex(root, "timers", &timers));
	cr_assert(json_object_array_length(timers) > 0);
	for (size_t i = 0; i < json_object_array_length(timers); i++)
		json_object_object_add(json_object_array_get_idx(timers, i), "sigval",
				       json_object_new_string("0x00000000000000a5"));
	json_object_deep_copy(json_object_array_get_idx(timers, 0), &extra, NULL);
	json_object_object_add(extra, "id", json_object_new_int(100));
	json_object_array_add(timers, extra);
	cr_assert_eq(json_object_to_file(dump, root), 0, "%s", json_util_get_last_err());
	json_object_put(root);

	before = timers_blocks(dst.host[0]);
	args[6] = dump;
	run_for(&r, &dst, false, args);
	cr_expect_eq(r.exit_code, PX_UNSUPPORTED, "%s", run_describe(&r));
	cr_expect(!strstr(r.err, "could not put back"), "%s", r.err);
	run_result_free(&r);
	after = timers_blocks(dst.host[0]);
	cr_expect_str_eq(after, before, "the replaced timers are not back as they were");
	free(before);
	free(after);
	ru_file_free(dump);
	victim_kill(dst.v);
}

/*
 * The target's own dump, restored into it with --replace by a walk: every
 * timer is already there, and is re-armed in place, with no walk round
 * the id space.  That holds only if the dump's thread-directed tids and
 * CPU clock pids, translated into the target's pid namespace, are found
 * equal to what this /proc shows, translated the same way.
 */
Test(pidns, replace_in_place_in_the_target_namespace)
{
	struct pv dst;
	char *dump, *before, *after;
	const char *args[] = { "restore", "--replace", "--method=walk", "-i", NULL, "PID", NULL };
	struct run_result r;

	dst = pv_start(true, PLAIN, true);
	dump = dump_from(&dst, false);
	before = timers_blocks(dst.host[0]);
	args[4] = dump;
	run_for(&r, &dst, false, args);
	cr_expect_eq(r.exit_code, 0, "%s", run_describe(&r));
	run_result_free(&r);
	after = timers_blocks(dst.host[0]);
	cr_expect_str_eq(after, before, "the timers are not those the target had");
	free(before);
	free(after);
	ru_file_free(dump);
	victim_kill(dst.v);
}

/*
 * A target timer aimed at a live thread is no twin of the dump's aimed at
 * a thread gone, in a pid namespace too, where the replaced timers' tids
 * are the target's own by the time they are compared.  The target's own
 * dump, each thread_id timer said to aim at a thread that had exited,
 * restored with --replace: each must be made again with SIGEV_NONE, not
 * left signalling its thread.  Making an id again needs the prctl.
 */
Test(pidns, a_live_threads_timer_is_no_twin_of_a_gone_ones)
{
	const char *args[] = { "restore", "--replace", "-i", NULL, "PID", NULL };
	json_object *root, *timers;
	struct run_result r;
	struct pv dst;
	char *dump, *text;
	int n = 0;

	harness_need_restore_ids();
	dst = pv_start(true, PLAIN, true);
	dump = dump_from(&dst, false);
	root = ru_json_load(dump);
	cr_assert(json_object_object_get_ex(root, "timers", &timers));
	for (size_t i = 0; i < json_object_array_length(timers); i++) {
		json_object *t = json_object_array_get_idx(timers, i);

		if (strcmp(json_get_str(t, "notify"), "thread_id"))
			continue;
		json_object_object_add(t, "tid", json_object_new_int(INT_MAX));
		json_object_object_add(t, "tid_exited", json_object_new_boolean(true));
		n++;
	}
	cr_assert_gt(n, 0, "the victim has no thread_id timer");
	cr_assert_eq(json_object_to_file(dump, root), 0, "%s", json_util_get_last_err());
	json_object_put(root);

	args[3] = dump;
	run_for(&r, &dst, false, args);
	cr_expect_eq(r.exit_code, 0, "%s", run_describe(&r));
	run_result_free(&r);
	text = proc_timers_text(dst.host[0]);
	cr_expect_null(strstr(text, "/tid."), "a timer still signals a thread:\n%s", text);
	free(text);
	ru_file_free(dump);
	victim_kill(dst.v);
}

/* The first --epoll thread of @v and its process, their ids here, and their EINTRs. */
static void pv_epoll(struct victim *v, pid_t *pid, pid_t *tid, long long *eintr)
{
	char line[256];
	long long p, t;

	cr_assert_eq(victim_cmd(v, "epoll", line, sizeof(line)), 0);
	cr_assert(kv_ll(line, "pid", &p) && kv_ll(line, "tid", &t) &&
		  kv_ll(line, "eintr", eintr), "%s", line);
	*pid = (pid_t)p;
	*tid = (pid_t)t;
}

/*
 * A SIGTERM at SIG_DFL sent from here to the init of a pid namespace
 * while ptimerctl holds it.  Such an init gets no signal it does not
 * handle (SIGNAL_UNKILLABLE): the kernel queues this one only because the
 * process is traced, and drops it once it is dequeued.  The thread that
 * ptimerctl let go back into its epoll_wait() took it on the way, and it
 * was judged a signal of the program's: the wait failed with EINTR, and
 * the signal came to nothing.
 */
Test(pidns, a_signal_an_init_drops_ends_no_wait)
{
	const char *argv[] = { helper_path("pidns_victim"), "--ns", "--threads=1", "--epoll",
			       NULL };
	struct victim *v = victim_spawn(argv, (uid_t)-1);
	long long eintr;
	struct ru_bg bg;
	char pid[16], line[64];
	pid_t init, tid;

	cr_assert(v && v->ready, "pidns_victim: %s", v ? v->error : "fork");
	pv_epoll(v, &init, &tid, &eintr);
	cr_assert(proc_wait_syscall(init, tid, SYSNR_EPOLL_WAIT, NULL, 10000),
		  "the thread does not wait in epoll_wait()");
	ru_bg_start_at(&bg, "read", "dump", ru_pidstr(pid, init), NULL);
	cr_assert(ru_bg_wait_stopped(&bg, 20000), "ptimerctl never reached \"read\"");
	cr_assert_eq(kill(init, SIGTERM), 0, "%s", strerror(errno));
	ru_bg_signal_and_continue(&bg, 0);
	ru_bg_wait(&bg, 20000);
	cr_assert_eq(bg.res.exit_code, 0, "%s", run_describe(&bg.res));
	run_result_free(&bg.res);
	cr_assert(proc_wait_syscall(init, tid, SYSNR_EPOLL_WAIT, NULL, 10000),
		  "the thread does not wait in epoll_wait() again");
	cr_assert_eq(victim_cmd(v, "ping", line, sizeof(line)), 0, "the init died");
	pv_epoll(v, &init, &tid, &eintr);
	cr_expect_eq(eintr, 0, "its epoll_wait() failed with EINTR %lld times", eintr);
	victim_kill(v);
}
