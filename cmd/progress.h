/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/* A progress bar with an ETA on stderr, for long walks. */
#ifndef PTIMERCTL_PROGRESS_H
#define PTIMERCTL_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

struct progress_bar {
	bool enabled;
	bool drawn;
	int64_t last_draw_ns;
};

void progress_bar_init(struct progress_bar *bar, bool enabled);
void progress_bar_update(struct progress_bar *bar, uint64_t done, uint64_t total,
			 int64_t elapsed_ns);
void progress_bar_finish(struct progress_bar *bar);

#endif
