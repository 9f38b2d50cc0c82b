/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * PTIMER_TIME_SCALE=N (default 1): this machine may be N times slower than
 * the ones the deadlines were chosen on (vm-check's TCG guests).  Every
 * deadline of the harness and restore_util, and Criterion's per-test
 * .timeout limits of every test binary, unit and integration, are
 * multiplied by N: they guard against hangs, and a slow machine must not
 * turn them into failures.  Assertions about how long something took do
 * not change.
 */
#ifndef PTIMER_TEST_TIME_SCALE_H
#define PTIMER_TEST_TIME_SCALE_H

int harness_time_scale(void);

#endif
