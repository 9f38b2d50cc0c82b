// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* The library context: log callback, log priority and the last error. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "internal.h"

int ptimer_new(struct ptimer_ctx **ctx)
{
	struct ptimer_ctx *c = calloc(1, sizeof(*c));

	if (!c)
		return -ENOMEM;
	/* Silent by default: the application decides what is worth printing. */
	c->log_priority = LOG_ERR;
	*ctx = c;
	return 0;
}

void ptimer_free(struct ptimer_ctx *ctx)
{
	free(ctx);
}

void ptimer_set_log_fn(struct ptimer_ctx *ctx, ptimer_log_fn fn)
{
	ctx->log_fn = fn;
}

void ptimer_set_log_priority(struct ptimer_ctx *ctx, int priority)
{
	ctx->log_priority = priority;
}

int ptimer_get_log_priority(struct ptimer_ctx *ctx)
{
	return ctx->log_priority;
}

void ptimer_set_userdata(struct ptimer_ctx *ctx, void *userdata)
{
	ctx->userdata = userdata;
}

void *ptimer_get_userdata(struct ptimer_ctx *ctx)
{
	return ctx->userdata;
}

void ptimer_set_interrupt(struct ptimer_ctx *ctx, volatile sig_atomic_t *flag)
{
	ctx->interrupt = flag;
}

void ptimer_set_timeout(struct ptimer_ctx *ctx, unsigned int timeout_ms)
{
	ctx->timeout_ns = (int64_t)timeout_ms * 1000000;
}

unsigned int ptimer_get_timeout(struct ptimer_ctx *ctx)
{
	return (unsigned int)(ctx_timeout_ns(ctx) / 1000000);
}

void ptimer_set_phase_fn(struct ptimer_ctx *ctx, ptimer_phase_fn fn)
{
	ctx->phase_fn = fn;
}

void ptimer_private_set_one_syscall_per_trip(struct ptimer_ctx *ctx, bool on)
{
	ctx->one_syscall_per_trip = on;
}

void ptimer_private_set_wake(struct ptimer_ctx *ctx, enum ptimer_private_wake how)
{
	ctx->wake = how;
}

static const char *const phase_names[PTIMER_PHASE_COUNT] = {
	[PTIMER_PHASE_ATTACHED] = "attached",
	[PTIMER_PHASE_INJECTING] = "injecting",
	[PTIMER_PHASE_READ] = "read",
	[PTIMER_PHASE_CREATED] = "created",
	[PTIMER_PHASE_ARMED] = "armed",
	[PTIMER_PHASE_WALK] = "walk",
	[PTIMER_PHASE_RELEASED] = "released",
};

const char *ptimer_phase_name(enum ptimer_phase phase)
{
	return (unsigned int)phase < PTIMER_PHASE_COUNT ? phase_names[phase] : NULL;
}

bool ctx_interrupted(const struct ptimer_ctx *ctx)
{
	return ctx && ctx->interrupt && *ctx->interrupt;
}

int64_t ctx_timeout_ns(const struct ptimer_ctx *ctx)
{
	if (!ctx || ctx->timeout_ns <= 0)
		return (int64_t)PTIMER_DEFAULT_TIMEOUT_MS * 1000000;
	return ctx->timeout_ns;
}

void ctx_phase(struct ptimer_ctx *ctx, enum ptimer_phase phase)
{
	if (ctx && ctx->phase_fn)
		ctx->phase_fn(ctx, phase);
}

static const char *const error_texts[PTIMER_ERR_END - PTIMER_ERR_BASE] = {
	[PTIMER_ERR_ZOMBIE - PTIMER_ERR_BASE] = "the process is a zombie",
	[PTIMER_ERR_KERNEL_THREAD - PTIMER_ERR_BASE] = "the process is a kernel thread",
	[PTIMER_ERR_COMPAT - PTIMER_ERR_BASE] = "the process runs 32-bit code",
	[PTIMER_ERR_TRACED - PTIMER_ERR_BASE] = "the process is already traced",
	[PTIMER_ERR_NOT_LEADER - PTIMER_ERR_BASE] = "the pid is a thread of another process",
	[PTIMER_ERR_SECCOMP - PTIMER_ERR_BASE] = "the process runs under a seccomp filter",
	[PTIMER_ERR_ID_IN_USE - PTIMER_ERR_BASE] = "a timer ID is already in use",
	[PTIMER_ERR_BAD_DUMP - PTIMER_ERR_BASE] = "the dump is invalid",
	[PTIMER_ERR_WALK_TOO_LONG - PTIMER_ERR_BASE] = "the ID walk is longer than allowed",
	[PTIMER_ERR_TARGET_DIED - PTIMER_ERR_BASE] = "the process exited",
};

const char *ptimer_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err >= PTIMER_ERR_BASE && err < PTIMER_ERR_END)
		return error_texts[err - PTIMER_ERR_BASE];
	return strerror(err);
}

const char *ptimer_last_error(struct ptimer_ctx *ctx)
{
	return ctx->last_error;
}

void ctx_clear_error(struct ptimer_ctx *ctx)
{
	if (ctx)
		ctx->last_error[0] = '\0';
}

void log_emit(struct ptimer_ctx *ctx, int priority, const char *file,
		int line, const char *fn, const char *format, ...)
{
	va_list args;

	if (!ctx->log_fn)
		return;
	va_start(args, format);
	ctx->log_fn(ctx, priority, file, line, fn, format, args);
	va_end(args);
}

int ctx_set_error(struct ptimer_ctx *ctx, int err, const char *format, ...)
{
	va_list args;

	if (!ctx)
		return err;
	va_start(args, format);
	vsnprintf(ctx->last_error, sizeof(ctx->last_error), format, args);
	va_end(args);
	dbg(ctx, "%s: %s", ctx->last_error, ptimer_strerror(err));
	return err;
}

int64_t ts_to_ns(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * NSEC_PER_SEC + ts->tv_nsec;
}

int64_t ns_add_sat(int64_t a, int64_t b)
{
	int64_t sum;

	if (!__builtin_add_overflow(a, b, &sum))
		return sum;
	return b > 0 ? INT64_MAX : INT64_MIN;
}

struct timespec ns_to_ts(int64_t ns)
{
	struct timespec ts = {
		.tv_sec = ns / NSEC_PER_SEC,
		.tv_nsec = ns % NSEC_PER_SEC,
	};

	return ts;
}

int64_t clock_now_ns(clockid_t clock)
{
	struct timespec ts;

	clock_gettime(clock, &ts);
	return ts_to_ns(&ts);
}
