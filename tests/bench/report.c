// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* Medians, the table on stdout and bench.json. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include <json-c/json.h>

#include "bench.h"

void series_add(struct series *s, double v)
{
	if (s->n < BENCH_MAX_RUNS)
		s->v[s->n++] = v;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double series_median(const struct series *s)
{
	double sorted[BENCH_MAX_RUNS];

	if (!s->n)
		return 0;
	memcpy(sorted, s->v, s->n * sizeof(sorted[0]));
	qsort(sorted, s->n, sizeof(sorted[0]), cmp_double);
	if (s->n % 2)
		return sorted[s->n / 2];
	return (sorted[s->n / 2 - 1] + sorted[s->n / 2]) / 2;
}

double series_min(const struct series *s)
{
	double m = s->n ? s->v[0] : 0;

	for (unsigned int i = 1; i < s->n; i++)
		m = s->v[i] < m ? s->v[i] : m;
	return m;
}

double series_max(const struct series *s)
{
	double m = s->n ? s->v[0] : 0;

	for (unsigned int i = 1; i < s->n; i++)
		m = s->v[i] > m ? s->v[i] : m;
	return m;
}

/* ptimerctl over floor: a rate ratio below 1 and a time ratio above 1 are slower. */
double figure_ratio(const struct figure *f)
{
	double floor = series_median(&f->floor);

	return floor > 0 ? series_median(&f->tool) / floor : 0;
}

/* 1 met, 0 missed, -1 no target or nothing measured; @shown is what was compared. */
int figure_target_met(const struct bench *b, const struct figure *f, double *shown)
{
	double tool = series_median(&f->tool), floor = series_median(&f->floor);

	*shown = 0;
	if (!f->tool.n || f->error || f->skipped)
		return -1;
	switch (f->target) {
	case TARGET_RATIO_MIN:
		*shown = figure_ratio(f);
		return *shown >= f->target_value;
	case TARGET_RATIO_MAX:
		*shown = figure_ratio(f);
		return *shown <= f->target_value;
	case TARGET_NET_RATIO_MAX:
		if (floor <= 0)
			return -1;
		*shown = (tool - b->attach_s) / floor;
		return *shown <= f->target_value;
	case TARGET_VALUE_MAX:
		*shown = tool;
		return tool <= f->target_value;
	case TARGET_NONE:
		break;
	}
	return -1;
}

static const char *time_unit(double v, double *scale)
{
	if (v < 1e-3) {
		*scale = 1e6;
		return "us";
	}
	if (v < 1) {
		*scale = 1e3;
		return "ms";
	}
	*scale = 1;
	return "s";
}

/* "median [min-max]" in the unit the median reads best in. */
/* Three significant digits, but never an exponent. */
static const char *num(char *buf, size_t len, double v)
{
	snprintf(buf, len, v >= 100 ? "%.0f" : "%.3g", v);
	return buf;
}

static void format_series(char *buf, size_t len, const struct series *s, enum bench_kind kind)
{
	double med = series_median(s), lo = series_min(s), hi = series_max(s), scale;
	char a[24], b[24], c[24];
	const char *unit;
	int exp10;

	if (!s->n) {
		snprintf(buf, len, "-");
		return;
	}
	switch (kind) {
	case KIND_RATE:
		exp10 = med > 0 ? (int)floor(log10(med)) : 0;
		scale = pow(10, -exp10);
		snprintf(buf, len, "%.2fe%d [%.2f-%.2f]", med * scale, exp10,
			 lo * scale, hi * scale);
		break;
	case KIND_TIME:
		unit = time_unit(med, &scale);
		snprintf(buf, len, "%s%s [%s-%s]", num(a, sizeof(a), med * scale), unit,
			 num(b, sizeof(b), lo * scale), num(c, sizeof(c), hi * scale));
		break;
	case KIND_BYTES:
		scale = 1.0 / (1 << 20);
		snprintf(buf, len, "%.1fMiB [%.1f-%.1f]", med * scale, lo * scale, hi * scale);
		break;
	}
}

static void format_limit(char *buf, size_t len, const struct figure *f)
{
	double scale;
	const char *unit;

	switch (f->target) {
	case TARGET_RATIO_MIN:
		snprintf(buf, len, ">=%gx", f->target_value);
		break;
	case TARGET_RATIO_MAX:
		snprintf(buf, len, "<=%gx", f->target_value);
		break;
	case TARGET_NET_RATIO_MAX:
		snprintf(buf, len, "<=%gx+attach", f->target_value);
		break;
	case TARGET_VALUE_MAX:
		if (f->kind == KIND_BYTES) {
			snprintf(buf, len, "<=%gMiB", f->target_value / (1 << 20));
		} else {
			unit = time_unit(f->target_value, &scale);
			snprintf(buf, len, "<%g%s", f->target_value * scale, unit);
		}
		break;
	case TARGET_NONE:
		snprintf(buf, len, "-");
		break;
	}
}

static void format_target(char *buf, size_t len, const struct bench *b,
			  const struct figure *f)
{
	char limit[32];
	double shown;
	int met = figure_target_met(b, f, &shown);

	format_limit(limit, sizeof(limit), f);
	if (f->target == TARGET_NONE)
		snprintf(buf, len, "-");
	else if (met < 0)
		snprintf(buf, len, "%s n/a", limit);
	else if (f->target == TARGET_NET_RATIO_MAX)
		snprintf(buf, len, "%s %.2fx %s", limit, shown, met ? "ok" : "MISS");
	else
		snprintf(buf, len, "%s %s", limit, met ? "ok" : "MISS");
}

static void print_row(const struct bench *b, const struct figure *f)
{
	char tool[128], floor[128], ratio[32], target[96], trips[32];

	if (f->skipped || f->error) {
		printf("%-34s %s\n", f->name, f->skipped ? f->skipped : f->error_text);
		return;
	}
	format_series(tool, sizeof(tool), &f->tool, f->kind);
	format_series(floor, sizeof(floor), &f->floor, f->kind);
	snprintf(ratio, sizeof(ratio), "%.2fx", figure_ratio(f));
	format_target(target, sizeof(target), b, f);
	if (f->trips.n)
		snprintf(trips, sizeof(trips), "%.0f", series_median(&f->trips));
	else
		snprintf(trips, sizeof(trips), "-");
	printf("%-34s %-24s %-24s %-7s %-22s %s\n", f->name, tool, floor, ratio,
	       target, trips);
}

static const struct figure *batched_twin(const struct bench *b, const struct figure *f)
{
	for (size_t i = 0; i < b->nfigs; i++) {
		const struct figure *g = &b->figs[i];

		if (g->measure == f->measure && g->n == f->n && !g->wall && !g->one_per_trip &&
		    g->tool.n && g->trips.n)
			return g;
	}
	return NULL;
}

/* What one extra ptrace round trip costs: 1 sc/trip against the batch. */
static void print_trip_costs(const struct bench *b)
{
	for (size_t i = 0; i < b->nfigs; i++) {
		const struct figure *f = &b->figs[i], *g;
		double trips;

		if (!f->one_per_trip || f->kind != KIND_TIME || !f->tool.n || f->unselected)
			continue;
		g = batched_twin(b, f);
		if (!g)
			continue;
		trips = series_median(&f->trips) - series_median(&g->trips);
		if (trips <= 0)
			continue;
		printf("  round trip from '%s': %.1fus each (%.0f extra trips)\n", f->name,
		       (series_median(&f->tool) - series_median(&g->tool)) / trips * 1e6, trips);
	}
}

void report_table(const struct bench *b)
{
	printf("%-34s %-24s %-24s %-7s %-22s %s\n", "figure", "ptimerctl", "floor",
	       "ratio", "target", "trips");
	for (size_t i = 0; i < b->nfigs; i++)
		if (!b->figs[i].unselected)
			print_row(b, &b->figs[i]);
	printf("median [min-max] of %u runs; ratio = ptimerctl/floor medians;"
	       " trips = ptrace round trips (median)\n", b->runs);
	print_trip_costs(b);
	printf("  the walk has no per-syscall variant: one_syscall_per_trip leaves it"
	       " one blob run per chunk\n");
}

static const char *kind_unit(enum bench_kind kind)
{
	static const char *const units[] = {
		[KIND_RATE] = "ids/s",
		[KIND_TIME] = "s",
		[KIND_BYTES] = "bytes",
	};

	return units[kind];
}

static const char *target_name(enum bench_target t)
{
	static const char *const names[] = {
		[TARGET_NONE] = "none",
		[TARGET_RATIO_MIN] = "ratio_min",
		[TARGET_RATIO_MAX] = "ratio_max",
		[TARGET_NET_RATIO_MAX] = "net_of_attach_ratio_max",
		[TARGET_VALUE_MAX] = "value_max",
	};

	return names[t];
}

static struct json_object *series_json(const struct series *s)
{
	struct json_object *o = json_object_new_object(), *arr = json_object_new_array();

	for (unsigned int i = 0; i < s->n; i++)
		json_object_array_add(arr, json_object_new_double(s->v[i]));
	json_object_object_add(o, "median", json_object_new_double(series_median(s)));
	json_object_object_add(o, "min", json_object_new_double(series_min(s)));
	json_object_object_add(o, "max", json_object_new_double(series_max(s)));
	json_object_object_add(o, "samples", arr);
	return o;
}

static struct json_object *target_json(const struct bench *b, const struct figure *f)
{
	struct json_object *o = json_object_new_object();
	double shown;
	int met = figure_target_met(b, f, &shown);

	json_object_object_add(o, "kind", json_object_new_string(target_name(f->target)));
	json_object_object_add(o, "value", json_object_new_double(f->target_value));
	json_object_object_add(o, "compared", json_object_new_double(shown));
	json_object_object_add(o, "met", met < 0 ? NULL : json_object_new_boolean(met));
	return o;
}

static struct json_object *figure_json(const struct bench *b, const struct figure *f)
{
	struct json_object *o = json_object_new_object(), *floor = series_json(&f->floor);

	json_object_object_add(o, "name", json_object_new_string(f->name));
	json_object_object_add(o, "unit", json_object_new_string(kind_unit(f->kind)));
	json_object_object_add(o, "ptimerctl", series_json(&f->tool));
	json_object_object_add(floor, "what", json_object_new_string(f->floor_what));
	json_object_object_add(o, "floor", floor);
	json_object_object_add(o, "ratio", json_object_new_double(figure_ratio(f)));
	json_object_object_add(o, "target", target_json(b, f));
	if (f->trips.n) {
		json_object_object_add(o, "round_trips", series_json(&f->trips));
		json_object_object_add(o, "injected_syscalls", series_json(&f->syscalls));
	}
	if (f->skipped)
		json_object_object_add(o, "skipped", json_object_new_string(f->skipped));
	if (f->error)
		json_object_object_add(o, "error", json_object_new_string(f->error_text));
	return o;
}

int report_json(const struct bench *b, const char *path)
{
	struct json_object *root = json_object_new_object(), *figs = json_object_new_array();
	struct utsname u;
	int ret = 0;

	uname(&u);
	json_object_object_add(root, "version", json_object_new_int(1));
	json_object_object_add(root, "kernel", json_object_new_string(u.release));
	json_object_object_add(root, "machine", json_object_new_string(u.machine));
	json_object_object_add(root, "runs", json_object_new_int((int)b->runs));
	json_object_object_add(root, "smoke", json_object_new_boolean(b->smoke));
	json_object_object_add(root, "attach_s", json_object_new_double(b->attach_s));
	for (size_t i = 0; i < b->nfigs; i++)
		if (!b->figs[i].unselected)
			json_object_array_add(figs, figure_json(b, &b->figs[i]));
	json_object_object_add(root, "figures", figs);
	if (json_object_to_file_ext(path, root, JSON_C_TO_STRING_PRETTY |
				    JSON_C_TO_STRING_NOSLASHESCAPE))
		ret = -EIO;
	json_object_put(root);
	return ret;
}

/* Whether every figure that was not skipped has all its runs, none zero. */
bool report_complete(const struct bench *b)
{
	bool ok = true;

	for (size_t i = 0; i < b->nfigs; i++) {
		const struct figure *f = &b->figs[i];

		if (f->skipped || f->unselected)
			continue;
		if (f->error || f->tool.n != b->runs || f->floor.n != b->runs ||
		    series_min(&f->tool) <= 0 || series_min(&f->floor) <= 0) {
			fprintf(stderr, "bench: figure '%s' is incomplete%s%s\n", f->name,
				f->error ? ": " : "", f->error ? f->error_text : "");
			ok = false;
		}
	}
	return ok;
}
