// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* A one-line progress bar with an ETA, redrawn at most a few times a second. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "progress.h"

#define BAR_WIDTH 30
#define REDRAW_NS (200 * 1000 * 1000LL)

void progress_bar_init(struct progress_bar *bar, bool enabled)
{
	memset(bar, 0, sizeof(*bar));
	bar->enabled = enabled;
}

void progress_bar_start(struct progress_bar *bar, double ns_per_step)
{
	bar->started = bar->enabled;
	bar->plan_ns_per_step = ns_per_step > 0 ? ns_per_step : 0;
}

/*
 * Seconds left.  The walk's own elapsed time includes locating the
 * counter and calibrating, at a different pace: the rate is measured from
 * the first frame after the plan, and until there is a measurement the
 * plan's rate stands in.
 */
static double eta_seconds(const struct progress_bar *bar, uint64_t done, int64_t elapsed_ns)
{
	double ns_per_step = bar->plan_ns_per_step;

	if (done >= bar->total)
		return 0;
	if (done > bar->base_done && elapsed_ns > bar->base_ns)
		ns_per_step = (double)(elapsed_ns - bar->base_ns) / (done - bar->base_done);
	return (bar->total - done) * ns_per_step / 1e9;
}

static void draw(struct progress_bar *bar, uint64_t done, int64_t elapsed_ns)
{
	char line[128], fill[BAR_WIDTH + 1];
	double frac, s;
	int n, len;

	frac = done >= bar->total ? 1.0 : (double)done / bar->total;
	n = (int)(frac * BAR_WIDTH);
	memset(fill, '#', n);
	memset(fill + n, '.', BAR_WIDTH - n);
	fill[BAR_WIDTH] = '\0';
	/* The last frame says how long it took, in the ETA's place and width. */
	s = frac >= 1.0 ? elapsed_ns / 1e9 : eta_seconds(bar, done, elapsed_ns);
	len = snprintf(line, sizeof(line), "\r[%s] %5.1f%%  %s%3d:%02d ", fill, frac * 100,
		       frac >= 1.0 ? "took" : "ETA ", (int)s / 60, (int)s % 60);
	bar->last_draw_ns = elapsed_ns;
	if (cli_stderr_try(line, (size_t)len)) {
		bar->drawn = true;
		bar->full = frac >= 1.0;
	}
}

void progress_bar_update(struct progress_bar *bar, uint64_t done, uint64_t total,
			 int64_t elapsed_ns)
{
	if (!bar->started || !total)
		return;
	bar->total = total;
	bar->last_ns = elapsed_ns;
	if (!bar->have_base) {
		bar->have_base = true;
		bar->base_done = done;
		bar->base_ns = elapsed_ns;
	} else if (done < total && elapsed_ns - bar->last_draw_ns < REDRAW_NS) {
		return;		/* the first frame and the full one are never skipped */
	}
	if (!bar->full)
		draw(bar, done, elapsed_ns);
}

void progress_bar_finish(struct progress_bar *bar, bool completed)
{
	if (completed && bar->started && bar->total && !bar->full)
		draw(bar, bar->total, bar->last_ns);
	if (bar->drawn)
		cli_stderr_write("\n", 1);
	bar->drawn = false;
	bar->started = false;
}
