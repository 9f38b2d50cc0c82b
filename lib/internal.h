/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/* Definitions shared by libptimer's modules; never installed. */
#ifndef PTIMER_INTERNAL_H
#define PTIMER_INTERNAL_H

#include <syslog.h>
#include <time.h>
#include "ptimer.h"
#include "ptimer-private.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define NSEC_PER_SEC 1000000000LL

struct ptimer_ctx {
	ptimer_log_fn log_fn;
	int log_priority;
	void *userdata;
	char last_error[512];
	volatile sig_atomic_t *interrupt;	/* ptimer_set_interrupt() */
	int64_t timeout_ns;			/* ptimer_set_timeout() */
	ptimer_phase_fn phase_fn;		/* ptimer_set_phase_fn() */
	bool one_syscall_per_trip;		/* ptimer-private.h */
	int wake;				/* ptimer_private_set_wake() */
	unsigned int kinds;			/* ptimer_set_kinds(); 0: all */
};

/* Whether the application asked, through ptimer_set_interrupt(), to stop. */
bool ctx_interrupted(const struct ptimer_ctx *ctx);
/* How long one wait on the target may take. */
int64_t ctx_timeout_ns(const struct ptimer_ctx *ctx);
/* The kinds live operations handle (ptimer_set_kinds()). */
unsigned int ctx_kinds(const struct ptimer_ctx *ctx);
/* Tell the application that an operation reached @phase. */
void ctx_phase(struct ptimer_ctx *ctx, enum ptimer_phase phase);

void log_emit(struct ptimer_ctx *ctx, int priority, const char *file,
		int line, const char *fn, const char *format, ...)
	__attribute__((format(printf, 6, 7)));

/*
 * Record what failed, for ptimer_last_error(), and log it at debug level.
 * Returns @err so that callers can write `return set_error(ctx, -E, ...)`.
 */
int ctx_set_error(struct ptimer_ctx *ctx, int err, const char *format, ...)
	__attribute__((format(printf, 3, 4)));
/*
 * Forget the last error's detail.  Every public function that can fail
 * calls it first, so that a failure that sets no detail shows none
 * rather than an older one.
 */
void ctx_clear_error(struct ptimer_ctx *ctx);

#define pt_log_cond(ctx, prio, ...)					\
	do {								\
		if ((ctx) && (ctx)->log_priority >= (prio))		\
			log_emit(ctx, prio, __FILE__, __LINE__,	\
				   __func__, __VA_ARGS__);		\
	} while (0)

#define dbg(ctx, ...)	pt_log_cond(ctx, LOG_DEBUG, __VA_ARGS__)
#define info(ctx, ...)	pt_log_cond(ctx, LOG_INFO, __VA_ARGS__)
#define warn(ctx, ...)	pt_log_cond(ctx, LOG_WARNING, __VA_ARGS__)
#define err(ctx, ...)	pt_log_cond(ctx, LOG_ERR, __VA_ARGS__)

/* The timer with @id among @n @timers sorted by id; NULL if none. */
struct ptimer_timer *timers_find_id(const struct ptimer_timer *timers, size_t n, int id);
/* The same for ids asked in ascending order: one merge, @pos 0 at first (model.c). */
struct ptimer_timer *timers_find_next_id(const struct ptimer_timer *timers, size_t n,
					 size_t *pos, int id);

/* Whether @tid is one of the @n @tids (linear: asked per timer, of the few that name one). */
bool tids_have(const pid_t *tids, size_t n, pid_t tid);
/* Whether @tid is one of the threads @d lists. */
bool dump_has_thread(const struct ptimer_dump *d, pid_t tid);

/*
 * Whether @t is a SIGEV_THREAD_ID timer whose thread had exited when @d
 * was taken: @d lists every thread the process had then.  See model.c.
 */
bool timer_thread_exited(const struct ptimer_dump *d, const struct ptimer_timer *t);

int64_t ts_to_ns(const struct timespec *ts);
struct timespec ns_to_ts(int64_t ns);
/* @a + @b, held at INT64_MAX or INT64_MIN: a time may be the kernel's KTIME_MAX. */
int64_t ns_add_sat(int64_t a, int64_t b);
/* A clock's reading in nanoseconds. */
int64_t clock_now_ns(clockid_t clock);

/*
 * 1: the kernel drops a POSIX timer's queued signal at delivery once the
 * timer was re-armed or deleted (Linux 6.13); 0: it delivers it; -errno:
 * the probe failed (stale_signals.c).
 */
int kernel_drops_stale_timer_signals(void);

#endif /* PTIMER_INTERNAL_H */
