/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * Minimal TAP output for the in-VM kernel tests: numbered "ok"/"not ok"
 * lines, "# SKIP" directives, the plan at the end and one summary line
 * that the vm-check harness greps for.
 */
#ifndef KTAP_H
#define KTAP_H

#include <stdarg.h>
#include <stdio.h>

struct ktap {
	const char *name;
	int n, pass, fail, skip;
};

static inline void ktap_begin(struct ktap *t, const char *name)
{
	t->name = name;
	t->n = t->pass = t->fail = t->skip = 0;
	printf("TAP version 13\n# %s\n", name);
	fflush(stdout);
}

static inline void ktap_vline(struct ktap *t, int ok, const char *directive,
			      const char *fmt, va_list ap)
{
	printf("%s %d - ", ok ? "ok" : "not ok", ++t->n);
	vprintf(fmt, ap);
	if (directive)
		printf(" # %s", directive);
	printf("\n");
	fflush(stdout);
}

/* Report one result; returns @ok so callers can chain on it. */
static inline int ktap_result(struct ktap *t, int ok, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ktap_vline(t, ok, NULL, fmt, ap);
	va_end(ap);
	if (ok)
		t->pass++;
	else
		t->fail++;
	return ok;
}

static inline void ktap_skip(struct ktap *t, const char *reason,
			     const char *fmt, ...)
{
	char dir[256];
	va_list ap;

	snprintf(dir, sizeof(dir), "SKIP %s", reason);
	va_start(ap, fmt);
	ktap_vline(t, 1, dir, fmt, ap);
	va_end(ap);
	t->skip++;
}

/* Print the plan and summary; returns the process exit status. */
static inline int ktap_end(struct ktap *t)
{
	printf("1..%d\n", t->n);
	printf("# %s: pass=%d fail=%d skip=%d total=%d\n", t->name,
	       t->pass, t->fail, t->skip, t->n);
	fflush(stdout);
	return t->fail ? 1 : 0;
}

#endif /* KTAP_H */
