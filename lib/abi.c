// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * Sized structs at the ABI boundary, checked as the kernel's
 * copy_struct_from_user() checks openat2()'s struct open_how: a caller
 * built against an older header passes a smaller struct, whose missing
 * fields mean what they meant before; one built against a newer header
 * passes a larger struct, accepted only if it asks for nothing this
 * library does not know (every byte past our end zero).
 */
#include <errno.h>
#include <string.h>

#include "internal.h"
#include "abi.h"

/*
 * The first version's sizes are a promise to every program built since:
 * a struct may only grow.  (LP64; libptimer runs on 64-bit targets only.)
 */
_Static_assert(sizeof(struct ptimer_dump_stats) == PTIMER_DUMP_STATS_SIZE_VER0, "ABI");
_Static_assert(sizeof(struct ptimer_plan) == PTIMER_PLAN_SIZE_VER0, "ABI");
_Static_assert(sizeof(struct ptimer_progress) == PTIMER_PROGRESS_SIZE_VER0, "ABI");
_Static_assert(sizeof(struct ptimer_restore_opts) == PTIMER_RESTORE_OPTS_SIZE_VER0, "ABI");
_Static_assert(sizeof(struct ptimer_restore_stats) == PTIMER_RESTORE_STATS_SIZE_VER0, "ABI");
_Static_assert(sizeof(struct ptimer_kernel_probe) == PTIMER_KERNEL_PROBE_SIZE_VER0, "ABI");
_Static_assert(sizeof(struct ptimer_pid_probe) == PTIMER_PID_PROBE_SIZE_VER0, "ABI");

/* No struct of ours will ever be this large; a larger size is garbage, as for openat2(). */
#define ABI_SIZE_MAX 4096

static bool tail_is_zero(const unsigned char *p, size_t from, size_t to)
{
	for (size_t i = from; i < to; i++)
		if (p[i])
			return false;
	return true;
}

int abi_copy_in(struct ptimer_ctx *ctx, const char *what, void *dst, size_t ksize,
		const void *src, size_t ver0)
{
	size_t usize = *(const size_t *)src;

	if (usize < ver0)
		return ctx_set_error(ctx, -EINVAL, "%s: size %zu, below the first version's %zu"
				     " (set it to sizeof)", what, usize, ver0);
	if (usize > ABI_SIZE_MAX || (usize > ksize && !tail_is_zero(src, ksize, usize)))
		return ctx_set_error(ctx, -E2BIG, "%s: size %zu asks for options past the %zu"
				     " bytes this library knows", what, usize, ksize);
	memset(dst, 0, ksize);
	memcpy(dst, src, usize < ksize ? usize : ksize);
	*(size_t *)dst = ksize;
	return 0;
}

int abi_check_out(struct ptimer_ctx *ctx, const char *what, const void *dst, size_t ver0)
{
	size_t usize;

	if (!dst)
		return 0;
	usize = *(const size_t *)dst;
	if (usize < ver0 || usize > ABI_SIZE_MAX)
		return ctx_set_error(ctx, -EINVAL, "%s: size %zu, not a size of this struct"
				     " (set it to sizeof)", what, usize);
	return 0;
}

void abi_copy_out(void *dst, const void *src, size_t ksize)
{
	size_t usize = *(size_t *)dst;

	memcpy((char *)dst + sizeof(size_t), (const char *)src + sizeof(size_t),
	       (usize < ksize ? usize : ksize) - sizeof(size_t));
	if (usize > ksize)
		memset((char *)dst + ksize, 0, usize - ksize);
}

int ptimer_dump_pid(struct ptimer_ctx *ctx, pid_t pid, unsigned int flags,
		    struct ptimer_dump **dump, struct ptimer_dump_stats *stats)
{
	struct ptimer_dump_stats s = { .size = sizeof(s) };
	int ret;

	ret = abi_check_out(ctx, "struct ptimer_dump_stats", stats, PTIMER_DUMP_STATS_SIZE_VER0);
	if (ret)
		return ret;
	ret = dump_pid(ctx, pid, flags, dump, stats ? &s : NULL);
	if (stats)
		abi_copy_out(stats, &s, sizeof(s));
	return ret;
}

int ptimer_restore_pid(struct ptimer_ctx *ctx, pid_t pid, const struct ptimer_dump *dump,
		       const struct ptimer_restore_opts *opts, struct ptimer_plan *plan,
		       struct ptimer_restore_stats *stats)
{
	struct ptimer_restore_opts o = { .size = sizeof(o) };
	struct ptimer_restore_stats s = { .size = sizeof(s) };
	struct ptimer_plan p = { .size = sizeof(p) };
	int ret;

	if (opts)
		ret = abi_copy_in(ctx, "struct ptimer_restore_opts", &o, sizeof(o), opts,
				  PTIMER_RESTORE_OPTS_SIZE_VER0);
	else
		ret = 0;
	if (!ret)
		ret = abi_check_out(ctx, "struct ptimer_plan", plan, PTIMER_PLAN_SIZE_VER0);
	if (!ret)
		ret = abi_check_out(ctx, "struct ptimer_restore_stats", stats,
				    PTIMER_RESTORE_STATS_SIZE_VER0);
	if (ret)
		return ret;
	ret = restore_pid(ctx, pid, dump, &o, plan ? &p : NULL, stats ? &s : NULL);
	if (plan)
		abi_copy_out(plan, &p, sizeof(p));
	if (stats)
		abi_copy_out(stats, &s, sizeof(s));
	return ret;
}
