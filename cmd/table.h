/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * Tables the util-linux way, through libsmartcols: -o/--output COLUMNS
 * (+COL appends to the defaults), --list-columns, -n, -r, -J and
 * --nanoseconds.  A kind of row (a timer, a process, ...) is described by
 * a column table and one function that writes a row's cell; the rest is
 * shared.  Rows are printed in batches as they come, so that a long table
 * starts at once and never sits whole in memory (JSON excepted: its
 * document is printed in one piece).
 */
#ifndef PTIMERCTL_TABLE_H
#define PTIMERCTL_TABLE_H

#include <argp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* How a column is typed in -J output. */
enum table_json {
	TABLE_JSON_STRING,
	TABLE_JSON_NUMBER,
};

struct table_column {
	const char *name;		/* stable: the -o name and the header */
	unsigned int width;		/* the least width in the aligned table */
	bool right;			/* right-aligned (numbers) */
	enum table_json json;
	const char *help;		/* one line for --list-columns */
};

/* The output modes, from the command line; passed to every cell writer. */
struct table_opts {
	const char *columns;		/* -o: NULL for the defaults */
	bool noheadings;		/* -n */
	bool raw;			/* -r */
	bool json;			/* -J: a JSON table */
	bool nanoseconds;		/* --nanoseconds: times as integer ns */
	bool list_columns;		/* --list-columns: describe and exit */
};

/*
 * Write row @row's cell for column @col (an index into the kind's
 * columns) into @buf.  An empty string means "none": "-" in the table,
 * null in JSON for a number column.
 */
typedef void (*table_cell_fn)(const void *row, unsigned int col,
			      const struct table_opts *opts, char *buf, size_t len);

struct table_kind {
	const char *name;		/* the JSON member holding the rows: "timers" */
	const struct table_column *columns;
	unsigned int ncolumns;
	const char *defaults;		/* "ID,CLOCK,...": the columns without -o */
	table_cell_fn cell;
};

/* The options every table takes, for a subcommand's argp options. */
#define TABLE_OPT_LIST_COLUMNS	0x400
#define TABLE_OPT_NANOSECONDS	0x401
#define TABLE_OPTIONS \
	{ "output", 'o', "COLUMNS", 0, \
	  "Print these columns (comma-separated; +COL adds to the default)", 1 }, \
	{ "list-columns", TABLE_OPT_LIST_COLUMNS, NULL, 0, "Describe the columns and exit", 1 }, \
	{ "noheadings", 'n', NULL, 0, "Print no header line", 1 }, \
	{ "raw", 'r', NULL, 0, "Print unaligned, one space between columns", 1 }, \
	{ "nanoseconds", TABLE_OPT_NANOSECONDS, NULL, 0, \
	  "Print times as integer nanoseconds, for scripts", 1 }

/* Handle a table option in a subcommand's parser: true if it was one. */
bool table_parse_option(int key, char *arg, struct table_opts *opts);
/* Check -o's names; a misuse exits.  Call from ARGP_KEY_END. */
void table_check_columns(struct argp_state *state, const struct table_kind *kind,
			 const struct table_opts *opts);
/* Whether the table -o (or the default) asks for prints column @col of @kind. */
bool table_shows(const struct table_kind *kind, const struct table_opts *opts, unsigned int col);
/* --list-columns: the columns of @kind with their help, to stdout. */
int table_list_columns(const struct table_kind *kind);

struct table;

/* Start a table on stdout; -ENOMEM, or -EINVAL for a bad -o (checked earlier). */
int table_open(struct table **t, const struct table_kind *kind, const struct table_opts *opts);
/* Add a row (the cell writer reads it now); may print a batch. */
int table_add(struct table *t, const void *row);
/* Print what is left and free; returns an exit code (a write error is reported). */
int table_close(struct table *t);

/*
 * Several tables as one JSON object, one array member per table, as lsfd
 * names its arrays: table_json_begin(), then each table (opened with
 * opts->json) closed with table_close_member() instead of table_close(),
 * then table_json_end(), which returns an exit code.
 */
struct table_json_doc {
	unsigned int nmembers;
	int err;			/* the first failure, -errno */
};
void table_json_begin(struct table_json_doc *doc);
int table_close_member(struct table *t, struct table_json_doc *doc);
int table_json_end(struct table_json_doc *doc);

/*
 * A time for a cell: integer nanoseconds with --nanoseconds, seconds as a
 * JSON number with -J, else "1.500000000s", and "" (none) for zero.
 */
void table_format_ns(char *buf, size_t len, int64_t ns, const struct table_opts *opts);

#endif
