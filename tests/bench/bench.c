// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * bench: measure ptimerctl's live operations against the in-process floor
 * and print a table; write the numbers as JSON.
 *
 *   bench [--smoke] [--runs N] [--json PATH] [--only TEXT] [--rss-timers N]
 *
 * --smoke runs small sizes once or twice and only checks that every
 * figure comes out non-zero; no figure is ever a failure for its speed.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "bench.h"

#define FULL_RUNS	5
#define SMOKE_RUNS	2
#define MAX_FIGURES	64
#define MIB		(1024.0 * 1024.0)

struct sizes {
	const uint64_t *walks;
	size_t nwalks;
	uint64_t trip_walk;
	const uint64_t *timers;
	size_t ntimers;
	uint64_t list_procs;
	/* Toward the kernel's ceiling (issue 15): no 1 syscall/trip rows. */
	const uint64_t *big;
	size_t nbig;
	const uint64_t *rss;
	size_t nrss;
	uint64_t replace;	/* timers for the --replace figures */
};

/* Sizes from this one on have targets; smaller ones are there for the trend. */
#define TARGET_MIN_TIMERS	10000

static const uint64_t full_walks[] = { 1000000, 10000000 };
static const uint64_t full_timers[] = { 100, 1000, 10000 };
/* 96k: about all that RLIMIT_SIGPENDING lets one user have here. */
static const uint64_t full_big[] = { 45000, 96000 };
static const uint64_t full_rss[] = { 10000, 45000, 96000 };
static const uint64_t smoke_walks[] = { 10000 };
static const uint64_t smoke_timers[] = { 100 };
static const uint64_t smoke_rss[] = { 100 };

static const struct sizes full_sizes = {
	.walks = full_walks, .nwalks = 2, .trip_walk = 20000,
	.timers = full_timers, .ntimers = 3,
	.big = full_big, .nbig = 2,
	.rss = full_rss, .nrss = 3,
	.list_procs = 2000,
	.replace = 45000,
};

static const struct sizes smoke_sizes = {
	.walks = smoke_walks, .nwalks = 1, .trip_walk = 2000,
	.timers = smoke_timers, .ntimers = 1,
	.rss = smoke_rss, .nrss = 1,
	.list_procs = 50,
	.replace = 100,
};

static const char *const floor_walk_what =
	"a fresh process: timer_create+timer_delete on itself until the id comes up";
static const char *const floor_restore_what =
	"a fresh process: prctl(77,1), then timer_create with the id and timer_settime, per timer";
static const char *const floor_replace_what =
	"a process with the timers: delete them all (newest first), then prctl(77,1),"
	" timer_create with the id and timer_settime, per timer";
static const char *const floor_dump_what =
	"a process with the timers: read /proc/self/timers, timer_gettime+timer_getoverrun per timer";
static const char *const floor_dump_calls_what =
	"a process with the timers: timer_gettime+timer_getoverrun per timer";
static const char *const floor_attach_what =
	"the bench itself: PTRACE_SEIZE+INTERRUPT+wait of each thread, then PTRACE_DETACH";
static const char *const floor_wakes_what =
	"the same dump of a fresh process, its threads resumed by plain ptrace requests"
	" (PTIMER_WAKE_PLAIN), in turn with it";
static const char *const floor_attach_inject_what =
	"the bench itself: PTRACE_SEIZE+INTERRUPT+wait, one getpid() run at the thread's ip"
	" (the library's syscall site), code and registers put back, PTRACE_DETACH";
static const char *const floor_trip_parked_what =
	"the bench itself: getpid() run at a stopped thread's ip, then PTRACE_INTERRUPT+CONT"
	" to a stop with its own registers, per call";
static const char *const floor_trip_what =
	"the bench itself: getpid() run at a stopped thread's ip to its breakpoint, per call";
static const char *const floor_rss_what = "ptimerctl --version";

/* "100", "10k", "1e6": short names for sizes. */
static void count_name(char *buf, size_t len, uint64_t n)
{
	uint64_t m = n;
	int exp10 = 0;

	while (m >= 10 && m % 10 == 0) {
		m /= 10;
		exp10++;
	}
	if (n >= 100000 || (exp10 >= 3 && m > 1 && n >= 10000))
		snprintf(buf, len, "%llue%d", (unsigned long long)m, exp10);
	else if (n >= 1000 && n % 1000 == 0)
		snprintf(buf, len, "%lluk", (unsigned long long)(n / 1000));
	else
		snprintf(buf, len, "%llu", (unsigned long long)n);
}

/* A figure named @prefix, the size @n, then @suffix. */
static struct figure *figure_add(struct bench *b, enum bench_kind kind, measure_fn fn,
				 const char *floor_what, const char *prefix, uint64_t n,
				 const char *suffix)
{
	struct figure *f = &b->figs[b->nfigs++];
	char count[48];

	memset(f, 0, sizeof(*f));
	count_name(count, sizeof(count), n);
	snprintf(f->name, sizeof(f->name), "%s%s%s", prefix, count, suffix);
	f->kind = kind;
	f->measure = fn;
	f->floor_what = floor_what;
	f->n = n;
	return f;
}

static void add_walks(struct bench *b, const struct sizes *sz)
{
	struct figure *f;

	for (size_t i = 0; i < sz->nwalks; i++) {
		f = figure_add(b, KIND_RATE, measure_walk, floor_walk_what,
			       "walk to ", sz->walks[i], " (ids/s)");
		f->target = TARGET_RATIO_MIN;
		f->target_value = 0.9;
	}
	/* The walk has no per-syscall variant: this shows the flag changes nothing. */
	f = figure_add(b, KIND_RATE, measure_walk, floor_walk_what,
		       "walk to ", sz->trip_walk, ", 1 syscall/trip");
	f->one_per_trip = true;
}

static void add_attach(struct bench *b)
{
	/* 4096: what seizing and ordering cost once threads are thousands. */
	static const unsigned int threads[] = { 1, 64, 4096 };
	struct figure *f;

	for (size_t i = 0; i < sizeof(threads) / sizeof(threads[0]); i++) {
		f = figure_add(b, KIND_TIME, measure_attach, floor_attach_what,
			       "attach+detach ", threads[i], " thr, stopped");
		f->threads = threads[i];
		/* Issue 15: attach plus detach at most twice bare ptrace. */
		if (threads[i] == 1) {
			f->target = TARGET_RATIO_MAX;
			f->target_value = 2;
		}
	}
	/* What one injected call alone costs on top (ptrace_floors.c). */
	f = figure_add(b, KIND_TIME, measure_attach, floor_attach_inject_what,
		       "attach+detach ", 1, " thr, vs 1 call");
	f->threads = 1;
	f->inject_floor = true;
	/* What waking the target on our CPU saves (lib/wake_here.h). */
	f = figure_add(b, KIND_TIME, measure_wakes, floor_wakes_what, "attach+detach ", 1,
		       " thr, vs plain wakes");
	f->n = 0;	/* a dump of a process without timers, as above */
}

/* Issue 15: a round trip costs 6 us at most. */
static void add_round_trips(struct bench *b)
{
	struct figure *f;

	f = figure_add(b, KIND_TIME, measure_round_trip, floor_trip_parked_what,
		       "round trip, dump of ", 100, ", parked");
	f->parked = true;
	f->target = TARGET_VALUE_MAX;
	f->target_value = 6e-6;
	figure_add(b, KIND_TIME, measure_round_trip, floor_trip_what,
		   "round trip, dump of ", 100, ", unparked");
}

static void add_restores(struct bench *b, uint64_t n, bool per_trip)
{
	struct figure *f;

	f = figure_add(b, KIND_TIME, measure_restore, floor_restore_what,
		       "restore ", n, ", stopped");
	f->target = TARGET_NET_RATIO_MAX;
	f->target_value = 2;
	f = figure_add(b, KIND_TIME, measure_restore, floor_restore_what,
		       "restore ", n, ", wall");
	f->wall = true;
	if (!per_trip)
		return;
	f = figure_add(b, KIND_TIME, measure_restore, floor_restore_what,
		       "restore ", n, ", stopped, 1 sc/trip");
	f->one_per_trip = true;
}

/* Issue 15: a dump of a process restored into itself, no worse than delete plus create. */
static void add_replaces(struct bench *b, uint64_t n)
{
	struct figure *f;

	f = figure_add(b, KIND_TIME, measure_replace, floor_replace_what,
		       "restore --replace ", n, ", stopped");
	f->target = TARGET_NET_RATIO_MAX;
	f->target_value = 1;
	f = figure_add(b, KIND_TIME, measure_replace, floor_replace_what,
		       "restore --replace ", n, ", wall");
	f->wall = true;
}

static void add_dumps(struct bench *b, uint64_t n, bool per_trip)
{
	struct figure *f;

	f = figure_add(b, KIND_TIME, measure_dump, floor_dump_calls_what,
		       "dump ", n, ", stopped");
	f->target = TARGET_RATIO_MAX;
	f->target_value = 2;
	f = figure_add(b, KIND_TIME, measure_dump, floor_dump_what, "dump ", n, ", wall");
	f->wall = true;
	if (!per_trip)
		return;
	f = figure_add(b, KIND_TIME, measure_dump, floor_dump_calls_what,
		       "dump ", n, ", stopped, 1 sc/trip");
	f->one_per_trip = true;
}

/* Issue 15: at most 16 MiB plus 0.5 KiB per timer. */
static void add_rss(struct bench *b, uint64_t n)
{
	double most = 16 * MIB + 512.0 * (double)n;
	struct figure *f;

	f = figure_add(b, KIND_BYTES, measure_rss, floor_rss_what,
		       "peak RSS ptimerctl dump ", n, "");
	f->dump = true;
	f->target = TARGET_VALUE_MAX;
	f->target_value = most;
	f = figure_add(b, KIND_BYTES, measure_rss, floor_rss_what,
		       "peak RSS ptimerctl restore ", n, "");
	f->target = TARGET_VALUE_MAX;
	f->target_value = most;
}

/* Only the targets from TARGET_MIN_TIMERS on count (the smoke's biggest size too). */
static void drop_small_targets(struct bench *b, uint64_t biggest)
{
	for (size_t i = 0; i < b->nfigs; i++) {
		struct figure *f = &b->figs[i];

		if ((f->measure == measure_restore || f->measure == measure_dump) &&
		    f->n < TARGET_MIN_TIMERS && f->n != biggest)
			f->target = TARGET_NONE;
	}
}

static void build_figures(struct bench *b)
{
	const struct sizes *sz = b->smoke ? &smoke_sizes : &full_sizes;
	uint64_t biggest = sz->timers[sz->ntimers - 1];
	struct figure *f;

	add_walks(b, sz);
	add_attach(b);
	add_round_trips(b);
	for (size_t i = 0; i < sz->ntimers; i++)
		add_restores(b, sz->timers[i], true);
	for (size_t i = 0; i < sz->nbig; i++)
		add_restores(b, sz->big[i], false);
	add_replaces(b, sz->replace);
	for (size_t i = 0; i < sz->ntimers; i++)
		add_dumps(b, sz->timers[i], true);
	for (size_t i = 0; i < sz->nbig; i++)
		add_dumps(b, sz->big[i], false);
	drop_small_targets(b, biggest);
	f = figure_add(b, KIND_TIME, measure_dump, floor_dump_calls_what, "dump ", 10, ", stopped");
	f->target = TARGET_VALUE_MAX;
	f->target_value = 100e-6;	/* issue 15: a small job stops its target 100 us at most */
	figure_add(b, KIND_TIME, measure_wakes, floor_wakes_what, "dump ", 10,
		   ", vs plain wakes");
	if (b->rss_timers)
		add_rss(b, b->rss_timers);
	else
		for (size_t i = 0; i < sz->nrss; i++)
			add_rss(b, sz->rss[i]);
	/* Every kind: N POSIX timers and N/10 timerfds (kinds.c). */
	figure_add(b, KIND_TIME, measure_kinds_dump, kinds_dump_floor_what, "dump all kinds ",
		   biggest, ", stopped");
	figure_add(b, KIND_TIME, measure_kinds_restore, kinds_restore_floor_what,
		   "restore all kinds ", biggest, ", stopped");
	f = figure_add(b, KIND_TIME, measure_list, floor_list_what, "list, ", sz->list_procs,
		       " more processes, wall");
	f->n = sz->list_procs;
	f->wall = true;
	f->target = TARGET_RATIO_MAX;
	f->target_value = 2;
}

static void skip_figures(struct bench *b, measure_fn fn, const char *why)
{
	for (size_t i = 0; i < b->nfigs; i++)
		if (!fn || b->figs[i].measure == fn)
			b->figs[i].skipped = why;
}

static void check_environment(struct bench *b)
{
	struct ptimer_kernel_probe k = { .size = sizeof(k) };

	/* It fails only for a wrong size, which would leave k zero: every figure skipped. */
	if (ptimer_probe_kernel(&k))
		fprintf(stderr, "bench: cannot probe the kernel\n");
	if (!k.proc_timers)
		skip_figures(b, NULL, "skipped: the kernel has no /proc/PID/timers");
	if (!k.restore_ids)
		skip_figures(b, measure_restore,
			     "skipped: the kernel lacks PR_TIMER_CREATE_RESTORE_IDS");
	if (!k.restore_ids)
		skip_figures(b, measure_replace,
			     "skipped: the kernel lacks PR_TIMER_CREATE_RESTORE_IDS");
	if (!k.restore_ids)
		skip_figures(b, measure_rss, "skipped: restore needs the prctl");
	if (!k.restore_ids)
		skip_figures(b, measure_kinds_restore, "skipped: restore needs the prctl");
	if (access(b->ptimerctl, X_OK))
		skip_figures(b, measure_rss, "skipped: no ptimerctl binary (set PTIMERCTL)");
	if (access(b->ptimerctl, X_OK))
		skip_figures(b, measure_list, "skipped: no ptimerctl binary (set PTIMERCTL)");
	b->have_prctl = k.restore_ids;
}

static void run_all(struct bench *b, const char *only)
{
	for (unsigned int run = 0; run < b->runs; run++) {
		fprintf(stderr, "bench: run %u of %u\n", run + 1, b->runs);
		for (size_t i = 0; i < b->nfigs; i++) {
			struct figure *f = &b->figs[i];

			if (only && !strstr(f->name, only))
				f->unselected = true;
			if (f->skipped || f->error || f->unselected)
				continue;
			if (f->measure(b, f))
				fprintf(stderr, "bench: %s: %s\n", f->name, f->error_text);
		}
	}
}

static double attach_cost(const struct bench *b)
{
	for (size_t i = 0; i < b->nfigs; i++)
		if (b->figs[i].measure == measure_attach && b->figs[i].threads == 1)
			return series_median(&b->figs[i].tool);
	return 0;
}

static void usage(FILE *out)
{
	fprintf(out, "Usage: bench [--smoke] [--runs N] [--json PATH] [--only TEXT]"
		" [--rss-timers N]\n"
		"Measure ptimerctl against the in-process floor; see tests/bench/bench.h.\n"
		"The JSON goes to PATH, else $BENCH_JSON, else ./bench.json.\n");
}

static int parse_args(struct bench *b, int argc, char **argv, const char **only)
{
	static const struct option longopts[] = {
		{ "smoke", no_argument, NULL, 's' },
		{ "runs", required_argument, NULL, 'r' },
		{ "json", required_argument, NULL, 'j' },
		{ "only", required_argument, NULL, 'o' },
		{ "rss-timers", required_argument, NULL, 't' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	while ((c = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
		switch (c) {
		case 's':
			b->smoke = true;
			break;
		case 'r':
			b->runs = (unsigned int)strtoul(optarg, NULL, 10);
			break;
		case 'j':
			b->json_path = optarg;
			break;
		case 'o':
			*only = optarg;
			break;
		case 't':
			b->rss_timers = strtoull(optarg, NULL, 10);
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -EINVAL;
		}
	}
	if (!b->runs)
		b->runs = b->smoke ? SMOKE_RUNS : FULL_RUNS;
	if (b->runs > BENCH_MAX_RUNS || optind != argc) {
		usage(stderr);
		return -EINVAL;
	}
	return 0;
}

static void setup_paths(struct bench *b)
{
	const char *env;

	env = getenv("PTIMERCTL");
	b->ptimerctl = env && *env ? env : "build/ptimerctl";
	env = getenv("BENCH_JSON");
	if (!b->json_path)
		b->json_path = env && *env ? env : "bench.json";
	snprintf(b->scratch, sizeof(b->scratch), "/tmp/ptimer-bench.XXXXXX");
}

int main(int argc, char **argv)
{
	static struct figure figs[MAX_FIGURES];
	struct bench b = { .figs = figs };
	const char *only = NULL;
	int ret;

	if (parse_args(&b, argc, argv, &only))
		return 2;
	/* First, while this process is small: see run_ptimerctl(). */
	ret = launcher_start();
	if (ret) {
		fprintf(stderr, "bench: cannot start the launcher: %s\n", strerror(-ret));
		return 1;
	}
	setup_paths(&b);
	if (!mkdtemp(b.scratch)) {
		perror("bench: mkdtemp");
		return 1;
	}
	if (ptimer_new(&b.ctx)) {
		fprintf(stderr, "bench: out of memory\n");
		return 1;
	}
	ptimer_set_log_priority(b.ctx, LOG_ERR);
	ret = raise_sigpending();
	if (ret)
		fprintf(stderr, "bench: cannot raise RLIMIT_SIGPENDING: %s\n", strerror(-ret));
	build_figures(&b);
	check_environment(&b);
	run_all(&b, only);
	b.attach_s = attach_cost(&b);
	report_table(&b);
	ret = report_json(&b, b.json_path);
	if (ret)
		fprintf(stderr, "bench: cannot write '%s'\n", b.json_path);
	else
		fprintf(stderr, "bench: wrote %s\n", b.json_path);
	rmdir(b.scratch);
	launcher_stop();
	ptimer_free(b.ctx);
	if (ret || !report_complete(&b))
		return 1;
	return 0;
}
