/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * show's tables, one per kind of timer (show_kinds.c): the columns of each
 * (ptimerctl(1) COLUMNS documents them), its rows in a dump, and the title
 * line of its section in the view for people.
 */
#ifndef PTIMERCTL_SHOW_H
#define PTIMERCTL_SHOW_H

#include <stddef.h>

#include "cli.h"
#include "table.h"

struct show_section {
	unsigned int kind;		/* PTIMER_KIND_* */
	const struct table_kind *table;
	/* Its title line, "TITLE: COUNT AFTER"; NULL: none (the POSIX table's). */
	const char *title, *after;
	/* The rows of @dump: *@n of them, each @row_size bytes. */
	const void *(*rows)(const struct ptimer_dump *dump, size_t *n);
	size_t row_size;
};

/* In the order show prints them: POSIX timers, itimers, timerfds, signals. */
extern const struct show_section show_sections[];
extern const size_t show_nsections;
/* The section of one PTIMER_KIND_* bit; NULL for anything else. */
const struct show_section *show_section_of(unsigned int kind);

#endif
