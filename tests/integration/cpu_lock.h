/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * The CPUs to ourselves, as far as other tests go: a test that hogs a CPU
 * (a SCHED_FIFO spinner) takes this lock first, and so does a test whose
 * verdict rests on how long a run of ptimerctl takes.  The mutation check
 * runs two selections at once: unlocked, a hog beside a timed run made a
 * dump meant to time out finish instead (1 run in 5 of
 * kinds/a_rearm_passes_over_a_timer_deleted_meanwhile), and two hogs
 * starved each other's threads.
 */
#ifndef PTIMER_TEST_CPU_LOCK_H
#define PTIMER_TEST_CPU_LOCK_H

/* Wait for the lock (asserts after 120 s); held until the descriptor is closed. */
int cpu_lock_take(void);

#endif
