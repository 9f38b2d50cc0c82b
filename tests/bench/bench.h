/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * make bench: ptimerctl's live operations against the in-process floor.
 *
 * Each figure is measured run by run: in one run the library does the
 * work on a fresh target (a fork of this program), and a helper process
 * (another fork) does the same system calls on itself, so both numbers
 * come from the same moment of the same machine.
 */
#ifndef PTIMER_BENCH_H
#define PTIMER_BENCH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <ptimer.h>

#define BENCH_MAX_RUNS		50
#define BENCH_ARMED_NS		(60 * 1000000000LL)	/* armed timers: 60 s */

/* What a figure's numbers are; this decides the units and the ratio. */
enum bench_kind {
	KIND_RATE,	/* ids per second; more is better */
	KIND_TIME,	/* seconds; less is better */
	KIND_BYTES,	/* peak RSS; less is better */
};

enum bench_target {
	TARGET_NONE,
	TARGET_RATIO_MIN,	/* ratio >= value */
	TARGET_RATIO_MAX,	/* ratio <= value */
	TARGET_NET_RATIO_MAX,	/* (ptimerctl - attach cost) / floor <= value */
	TARGET_VALUE_MAX,	/* ptimerctl median <= value */
};

struct series {
	double v[BENCH_MAX_RUNS];
	unsigned int n;
};

struct bench;
struct figure;

typedef int (*measure_fn)(struct bench *b, struct figure *f);

struct figure {
	char name[64];
	enum bench_kind kind;
	measure_fn measure;
	const char *floor_what;		/* what the floor is, for the JSON */
	/* parameters; each measure function reads the ones it needs */
	uint64_t n;			/* timers, or the id a walk reaches */
	unsigned int threads;
	bool one_per_trip;
	bool inject_floor;		/* attach: against one injected call */
	bool parked;			/* round trip: the floor parks after each call */
	bool wall;			/* wall time instead of stopped time */
	bool dump;			/* RSS: ptimerctl dump, else restore */
	/* target */
	enum bench_target target;
	double target_value;
	/* results */
	struct series tool;
	struct series floor;
	struct series trips;		/* ptrace round trips, where known */
	struct series syscalls;		/* syscalls injected, where known */
	const char *skipped;		/* why it was not measured */
	bool unselected;		/* left out by --only: not reported */
	int error;			/* first failure, -errno */
	char error_text[160];
};

struct bench {
	struct ptimer_ctx *ctx;
	unsigned int runs;
	bool smoke;
	bool have_prctl;
	const char *ptimerctl;
	const char *json_path;
	char scratch[256];		/* directory for ptimerctl's files */
	uint64_t rss_timers;		/* size for the RSS figures; 0: default */
	double attach_s;		/* median 1-thread attach+detach, for net targets */
	struct figure *figs;
	size_t nfigs;
};

/* procs.c: targets, floor helpers and ptimerctl children. */
int64_t bench_now_ns(void);
pid_t target_start(size_t ntimers, unsigned int nthreads);
void target_stop(pid_t pid);
int raise_sigpending(void);

struct floor_result {
	int64_t ns;
	int64_t count;
	int err;			/* -errno, or 0 */
};

int floor_walk(int want, struct floor_result *r);
int floor_restore(size_t n, struct floor_result *r);
int floor_replace(size_t n, struct floor_result *r);
int floor_dump(size_t n, struct floor_result *r);
int floor_dump_calls(size_t n, struct floor_result *r);
/* ptrace_floors.c: bare ptrace, and what injecting alone costs any ptrace tool. */
int floor_attach(pid_t pid, struct floor_result *r);
int floor_attach_inject(pid_t pid, struct floor_result *r);
int floor_round_trip(pid_t pid, int calls, bool parked, struct floor_result *r);
int launcher_start(void);
void launcher_stop(void);
int run_ptimerctl(const char *path, char *const argv[], long *maxrss_kib);
int restore_id(size_t i);

/* figures.c: one run of each kind of figure. */
int measure_walk(struct bench *b, struct figure *f);
int measure_attach(struct bench *b, struct figure *f);
int measure_wakes(struct bench *b, struct figure *f);
int measure_round_trip(struct bench *b, struct figure *f);
int measure_restore(struct bench *b, struct figure *f);
int measure_replace(struct bench *b, struct figure *f);
int measure_dump(struct bench *b, struct figure *f);
int measure_rss(struct bench *b, struct figure *f);
/* list.c: ptimerctl list on a host of f->n processes with timers. */
int measure_list(struct bench *b, struct figure *f);
extern const char *const floor_list_what;

/* kinds.c: every kind of timer (POSIX, timerfds, itimers), dumped and restored. */
extern const char *const kinds_dump_floor_what;
extern const char *const kinds_restore_floor_what;
int measure_kinds_dump(struct bench *b, struct figure *f);
int measure_kinds_restore(struct bench *b, struct figure *f);

/* report.c: statistics, the table and the JSON. */
void series_add(struct series *s, double v);
double series_median(const struct series *s);
double series_min(const struct series *s);
double series_max(const struct series *s);
double figure_ratio(const struct figure *f);
int figure_target_met(const struct bench *b, const struct figure *f, double *shown);
void report_table(const struct bench *b);
int report_json(const struct bench *b, const char *path);
bool report_complete(const struct bench *b);

#endif
