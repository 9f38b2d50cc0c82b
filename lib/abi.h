/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * The ABI boundary: the exported functions that take or fill a sized
 * struct check its size in lib/abi.c and hand the engine full-size
 * structs of the version it was built with, so the engine never sees a
 * caller's size.
 */
#ifndef PTIMER_ABI_H
#define PTIMER_ABI_H

#include "ptimer.h"

/*
 * Copy a caller's sized struct @src (first member: size_t size) into
 * @dst, @ksize bytes, zero-filling what an older caller's struct lacks.
 * -EINVAL for a size below @ver0, -E2BIG for a larger struct whose bytes
 * past @ksize are not all zero (an option this library does not know).
 */
int abi_copy_in(struct ptimer_ctx *ctx, const char *what, void *dst, size_t ksize,
		const void *src, size_t ver0);
/* -EINVAL unless @dst, a caller's report struct, is NULL or states a size from @ver0 up. */
int abi_check_out(struct ptimer_ctx *ctx, const char *what, const void *dst, size_t ver0);
/* Give a caller's report struct @dst what @src (@ksize bytes) holds, keeping dst->size. */
void abi_copy_out(void *dst, const void *src, size_t ksize);

/* The engine behind ptimer_dump_pid() and ptimer_restore_pid(): full-size structs only. */
int dump_pid(struct ptimer_ctx *ctx, pid_t pid, unsigned int flags,
	     struct ptimer_dump **out, struct ptimer_dump_stats *stats);
int restore_pid(struct ptimer_ctx *ctx, pid_t pid, const struct ptimer_dump *dump,
		const struct ptimer_restore_opts *opts, struct ptimer_plan *plan,
		struct ptimer_restore_stats *stats);

#endif
