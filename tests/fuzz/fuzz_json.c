// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * libFuzzer target for the dump decoder.  Any input must either be refused
 * with an error message or decode into a dump that survives an encode and
 * a second decode unchanged; the round trip is what restore relies on.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ptimer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)							\
	do {								\
		if (!(cond)) {						\
			fprintf(stderr, "fuzz_json: %s:%d: %s\n",	\
				__FILE__, __LINE__, #cond);		\
			abort();					\
		}							\
	} while (0)

static void check_timer_eq(const struct ptimer_timer *x, const struct ptimer_timer *y)
{
	CHECK(x->id == y->id);
	CHECK(x->clockid == y->clockid);
	CHECK(x->notify == y->notify);
	CHECK(x->signo == y->signo);
	CHECK(x->sigval == y->sigval);
	CHECK(x->notify_pid == y->notify_pid);
	CHECK(x->value_ns == y->value_ns);
	CHECK(x->interval_ns == y->interval_ns);
	CHECK(x->overrun == y->overrun);
}

static void check_dump_eq(const struct ptimer_dump *a, const struct ptimer_dump *b)
{
	const struct ptimer_itimer *ia, *ib;
	const struct ptimer_timerfd *fa, *fb;
	const struct ptimer_pending_signal *sa, *sb;
	size_t na, nb;

	/* The encoder writes the current version; what it carries must not change. */
	CHECK(b->version == PTIMER_FORMAT_VERSION);
	CHECK(ptimer_dump_kinds(a) == ptimer_dump_kinds(b));
	ia = ptimer_dump_itimers(a, &na);
	ib = ptimer_dump_itimers(b, &nb);
	CHECK(na == nb);
	for (size_t i = 0; i < na; i++)
		CHECK(ia[i].which == ib[i].which && ia[i].value_ns == ib[i].value_ns &&
		      ia[i].interval_ns == ib[i].interval_ns);
	fa = ptimer_dump_timerfds(a, &na);
	fb = ptimer_dump_timerfds(b, &nb);
	CHECK(na == nb);
	for (size_t i = 0; i < na; i++)
		CHECK(fa[i].fd == fb[i].fd && fa[i].clockid == fb[i].clockid &&
		      fa[i].settime_flags == fb[i].settime_flags &&
		      fa[i].fd_flags == fb[i].fd_flags && fa[i].ticks == fb[i].ticks &&
		      fa[i].value_ns == fb[i].value_ns && fa[i].interval_ns == fb[i].interval_ns);
	sa = ptimer_dump_signals(a, &na);
	sb = ptimer_dump_signals(b, &nb);
	CHECK(na == nb);
	for (size_t i = 0; i < na; i++)
		CHECK(sa[i].tid == sb[i].tid && sa[i].signo == sb[i].signo &&
		      sa[i].timerid == sb[i].timerid && sa[i].overrun == sb[i].overrun &&
		      sa[i].sigval == sb[i].sigval);
	CHECK(a->pid == b->pid);
	CHECK(!strcmp(a->comm, b->comm));
	CHECK(!strcmp(a->kernel_release, b->kernel_release));
	CHECK(!strcmp(a->arch, b->arch));
	CHECK(a->restore_ids_state == b->restore_ids_state);
	CHECK(a->realtime_ns == b->realtime_ns);
	CHECK(a->monotonic_ns == b->monotonic_ns);
	CHECK(a->boottime_ns == b->boottime_ns);
	CHECK(a->nthreads == b->nthreads);
	CHECK(!memcmp(a->tids, b->tids, a->nthreads * sizeof(*a->tids)));
	CHECK(a->ntimers == b->ntimers);
	for (size_t i = 0; i < a->ntimers; i++)
		check_timer_eq(&a->timers[i], &b->timers[i]);
}

/* What every decoded dump must satisfy, whatever the input was. */
static void check_invariants(const struct ptimer_dump *d)
{
	CHECK(d->pid > 0 && d->nthreads > 0 && d->tids[0] == d->pid);
	for (size_t i = 0; i < d->ntimers; i++) {
		const struct ptimer_timer *t = &d->timers[i];

		CHECK(t->id >= 0);
		CHECK(i == 0 || d->timers[i - 1].id < t->id);
		CHECK(ptimer_clock_valid_for_timer(t->clockid));
		CHECK(ptimer_notify_name(t->notify));
		/* SIGEV_NONE sends nothing, and the kernel keeps any sigev_signo for it. */
		CHECK(t->notify == PTIMER_NOTIFY_NONE || (t->signo >= 0 && t->signo <= 64));
		CHECK(t->value_ns >= 0 && t->interval_ns >= 0 && t->overrun >= 0);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct ptimer_ctx *ctx;
	struct ptimer_dump *first, *second;
	char *text;
	int r;

	if (!ctx && ptimer_new(&ctx))
		abort();
	r = ptimer_dump_from_json(ctx, (const char *)data, size, &first);
	if (r) {
		CHECK(!first);
		CHECK(ptimer_last_error(ctx)[0] != '\0');
		return 0;
	}
	check_invariants(first);
	/* Alternate the layouts: both must read back the same. */
	r = ptimer_dump_to_json(ctx, first, size & 1, &text);
	CHECK(r == 0);
	r = ptimer_dump_from_json(ctx, text, strlen(text), &second);
	if (r)
		fprintf(stderr, "fuzz_json: re-decode failed: %s\n%s",
			ptimer_last_error(ctx), text);
	CHECK(r == 0);
	check_dump_eq(first, second);
	free(text);
	ptimer_dump_free(second);
	ptimer_dump_free(first);
	return 0;
}
