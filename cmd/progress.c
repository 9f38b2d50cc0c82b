// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* A one-line progress bar with an ETA, redrawn at most a few times a second. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "progress.h"

#define BAR_WIDTH 30
#define REDRAW_NS (200 * 1000 * 1000LL)

void progress_bar_init(struct progress_bar *bar, bool enabled)
{
	memset(bar, 0, sizeof(*bar));
	bar->enabled = enabled;
	bar->last_draw_ns = -REDRAW_NS;
}

void progress_bar_update(struct progress_bar *bar, uint64_t done, uint64_t total,
			 int64_t elapsed_ns)
{
	char line[128], fill[BAR_WIDTH + 1];
	double frac, eta_s;
	int n, len;

	if (!bar->enabled || !total || elapsed_ns - bar->last_draw_ns < REDRAW_NS)
		return;
	bar->last_draw_ns = elapsed_ns;
	frac = done >= total ? 1.0 : (double)done / total;
	n = (int)(frac * BAR_WIDTH);
	memset(fill, '#', n);
	memset(fill + n, '.', BAR_WIDTH - n);
	fill[BAR_WIDTH] = '\0';
	eta_s = frac > 0 ? elapsed_ns / 1e9 * (1 - frac) / frac : 0;
	len = snprintf(line, sizeof(line), "\r[%s] %5.1f%%  ETA %3d:%02d ", fill, frac * 100,
		       (int)eta_s / 60, (int)eta_s % 60);
	if (write(STDERR_FILENO, line, len) == len)
		bar->drawn = true;
}

void progress_bar_finish(struct progress_bar *bar)
{
	if (bar->drawn && write(STDERR_FILENO, "\n", 1) < 0)
		bar->drawn = false;
	bar->drawn = false;
}
