/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/* A progress bar with an ETA on stderr, for long walks. */
#ifndef PTIMERCTL_PROGRESS_H
#define PTIMERCTL_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct progress_bar {
	bool enabled;
	bool started;		/* the plan line is out: frames may follow it */
	bool drawn;		/* a frame is on the line, which needs ending */
	bool full;		/* the 100% frame is drawn */
	double plan_ns_per_step;	/* the plan's rate, until one is measured */
	bool have_base;
	uint64_t base_done;	/* where the first frame after the plan stood */
	int64_t base_ns;
	uint64_t total;
	int64_t last_ns;	/* the latest update's elapsed time */
	int64_t last_draw_ns;
};

void progress_bar_init(struct progress_bar *bar, bool enabled);
/*
 * Frames are drawn only after this, which the caller calls once it has
 * printed the plan line, so that no frame shares a line with it.  The
 * plan's measured rate gives the first ETA.
 */
void progress_bar_start(struct progress_bar *bar, double ns_per_step);
void progress_bar_update(struct progress_bar *bar, uint64_t done, uint64_t total,
			 int64_t elapsed_ns);
/* End the line: on @completed with a 100% frame, otherwise where the bar stood. */
void progress_bar_finish(struct progress_bar *bar, bool completed);

#endif
