// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * libFuzzer target for ptimer_parse_proc_timers().
 *
 * Besides memory errors and undefined behaviour (ASan and UBSan do those),
 * it checks what the parser promises:
 *  - the result is 0, -EINVAL or -ENOMEM and nothing else;
 *  - on success err_line is 0, on -EINVAL it names a line of the input,
 *    and a failed parse leaves the dump as it was;
 *  - every timer parsed, printed back the way the kernel prints it, parses
 *    again to the same fields: nothing is accepted that is read wrongly.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ptimer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Lines in the input as the parser counts them; a last partial one counts. */
static size_t count_lines(const char *s, size_t len)
{
	size_t n = 0;

	for (size_t i = 0; i < len; i++)
		if (s[i] == '\n')
			n++;
	if (len && s[len - 1] != '\n')
		n++;
	return n;
}

static const char *notify_mode(int notify)
{
	switch (notify & ~PTIMER_NOTIFY_THREAD_ID) {
	case PTIMER_NOTIFY_SIGNAL:
		return "signal";
	case PTIMER_NOTIFY_NONE:
		return "none";
	case PTIMER_NOTIFY_THREAD:
		return "thread";
	}
	abort();
}

/* Print the dump as show_timer() in Linux 6.x would. */
static char *render(const struct ptimer_dump *dump, size_t *len)
{
	size_t cap = dump->ntimers * 128 + 1;
	char *out = malloc(cap);
	size_t n = 0;

	if (!out)
		return NULL;
	for (size_t i = 0; i < dump->ntimers; i++) {
		const struct ptimer_timer *t = &dump->timers[i];

		n += (size_t)snprintf(out + n, cap - n,
			"ID: %d\nsignal: %d/%016llx\nnotify: %s/%s.%d\n"
			"ClockID: %d\n", t->id, t->signo,
			(unsigned long long)t->sigval, notify_mode(t->notify),
			t->notify & PTIMER_NOTIFY_THREAD_ID ? "tid" : "pid",
			t->notify_pid, t->clockid);
	}
	*len = n;
	return out;
}

static void check_same(const struct ptimer_timer *a,
		       const struct ptimer_timer *b)
{
	if (a->id != b->id || a->signo != b->signo || a->sigval != b->sigval ||
	    a->notify != b->notify || a->notify_pid != b->notify_pid ||
	    a->clockid != b->clockid || b->value_ns || b->interval_ns ||
	    b->overrun)
		abort();
}

static void check_round_trip(const struct ptimer_dump *dump)
{
	struct ptimer_dump *again = ptimer_dump_new();
	unsigned int line = 0;
	size_t len = 0;
	char *text;

	if (!again)
		return;
	text = render(dump, &len);
	if (!text)
		goto free_again;
	if (ptimer_parse_proc_timers(text, len, again, &line) != 0)
		abort();
	if (again->ntimers != dump->ntimers)
		abort();
	for (size_t i = 0; i < dump->ntimers; i++)
		check_same(&dump->timers[i], &again->timers[i]);
	free(text);
free_again:
	ptimer_dump_free(again);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	struct ptimer_dump *dump = ptimer_dump_new();
	unsigned int line = ~0u;
	int ret;

	if (!dump)
		return 0;
	ret = ptimer_parse_proc_timers(text, size, dump, &line);
	switch (ret) {
	case 0:
		if (line != 0 || dump->ntimers > count_lines(text, size) / 4)
			abort();
		check_round_trip(dump);
		break;
	case -EINVAL:
		if (line == 0 || line > count_lines(text, size) ||
		    dump->ntimers != 0)
			abort();
		break;
	case -ENOMEM:
		break;
	default:
		abort();
	}
	ptimer_dump_free(dump);
	return 0;
}
