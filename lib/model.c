// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* The timer model: a dump and its timer array. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

struct ptimer_dump *ptimer_dump_new(void)
{
	struct ptimer_dump *dump = calloc(1, sizeof(*dump));

	if (!dump)
		return NULL;
	dump->version = PTIMER_FORMAT_VERSION;
	dump->restore_ids_state = -1;
	return dump;
}

void ptimer_dump_free(struct ptimer_dump *dump)
{
	if (!dump)
		return;
	free(dump->tids);
	free(dump->timers);
	free(dump);
}

int ptimer_dump_add_timer(struct ptimer_dump *dump, const struct ptimer_timer *t)
{
	size_t n = dump->ntimers;

	/*
	 * The capacity is implied by the count: 16, then powers of two.  It
	 * grows by doubling so that 96k timers do not cost 96k reallocs.
	 */
	if (n == 0 || (n >= 16 && !(n & (n - 1)))) {
		size_t cap = n ? n * 2 : 16;
		struct ptimer_timer *grown;

		grown = realloc(dump->timers, cap * sizeof(*grown));
		if (!grown)
			return -ENOMEM;
		dump->timers = grown;
	}
	dump->timers[dump->ntimers++] = *t;
	return 0;
}

static int timer_cmp_id(const void *a, const void *b)
{
	const struct ptimer_timer *x = a, *y = b;

	return (x->id > y->id) - (x->id < y->id);
}

void ptimer_dump_sort(struct ptimer_dump *dump)
{
	if (dump->ntimers)
		qsort(dump->timers, dump->ntimers, sizeof(*dump->timers), timer_cmp_id);
}
