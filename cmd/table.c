// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* Tables through libsmartcols, printed in batches; see table.h. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <libsmartcols/libsmartcols.h>

#include "cli.h"
#include "table.h"

/*
 * Rows held before a batch is printed: small enough that the first rows
 * of a long table appear at once, large enough that libsmartcols' per-print
 * work does not show.
 */
#define TABLE_BATCH		512
#define TABLE_MAX_COLUMNS	32
#define TABLE_CELL_SIZE		128

struct table {
	const struct table_kind *kind;
	struct table_opts opts;
	struct libscols_table *tb;
	struct libscols_column *scols[TABLE_MAX_COLUMNS];
	unsigned int cols[TABLE_MAX_COLUMNS];	/* indices into kind->columns */
	unsigned int ncols;
	size_t batched;			/* rows held, not yet printed */
	bool printed;			/* a batch went out: the next starts a line */
	int err;			/* the first libsmartcols failure, -errno */
};

bool table_parse_option(int key, char *arg, struct table_opts *opts)
{
	switch (key) {
	case 'o':
		opts->columns = arg;
		return true;
	case 'n':
		opts->noheadings = true;
		return true;
	case 'r':
		opts->raw = true;
		return true;
	case TABLE_OPT_NANOSECONDS:
		opts->nanoseconds = true;
		return true;
	case TABLE_OPT_LIST_COLUMNS:
		opts->list_columns = true;
		return true;
	default:
		return false;
	}
}

static int column_index(const struct table_kind *kind, const char *name, size_t len)
{
	for (unsigned int i = 0; i < kind->ncolumns; i++)
		if (strlen(kind->columns[i].name) == len &&
		    !strncasecmp(kind->columns[i].name, name, len))
			return (int)i;
	return -1;
}

/*
 * Append the columns named in @list (comma-separated) to @cols.  On an
 * unknown name returns -EINVAL and points *@bad at it (*@badlen long).
 */
static int add_columns(const struct table_kind *kind, const char *list, unsigned int *cols,
		       unsigned int *n, const char **bad, size_t *badlen)
{
	const char *p = list;

	while (*p) {
		size_t len = strcspn(p, ",");
		int i = column_index(kind, p, len);

		if (i < 0 || *n == TABLE_MAX_COLUMNS) {
			*bad = p;
			*badlen = len;
			return i < 0 ? -EINVAL : -E2BIG;
		}
		cols[(*n)++] = (unsigned int)i;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

/* The columns -o asks for: "+A,B" adds A and B to the defaults. */
static int select_columns(const struct table_kind *kind, const struct table_opts *opts,
			  unsigned int *cols, unsigned int *n, const char **bad, size_t *badlen)
{
	const char *list = opts->columns;
	int ret;

	*n = 0;
	if (!list || list[0] == '+') {
		ret = add_columns(kind, kind->defaults, cols, n, bad, badlen);
		if (ret || !list)
			return ret;
		list++;
	}
	if (!*list) {
		*bad = list;
		*badlen = 0;
		return -EINVAL;
	}
	return add_columns(kind, list, cols, n, bad, badlen);
}

void table_check_columns(struct argp_state *state, const struct table_kind *kind,
			 const struct table_opts *opts)
{
	unsigned int cols[TABLE_MAX_COLUMNS], n;
	const char *bad;
	size_t len;
	int ret;

	ret = select_columns(kind, opts, cols, &n, &bad, &len);
	if (ret == -E2BIG)
		cli_usage_error(state, "too many columns in '%s': at most %d", opts->columns,
				TABLE_MAX_COLUMNS);
	if (ret && !len)
		cli_usage_error(state, "invalid --output '%s': expected column names,"
				" see --list-columns", opts->columns);
	if (ret)
		cli_usage_error(state, "unknown column '%.*s' (--list-columns lists them)",
				(int)len, bad);
}

bool table_shows(const struct table_kind *kind, const struct table_opts *opts, unsigned int col)
{
	unsigned int cols[TABLE_MAX_COLUMNS], n;
	const char *bad;
	size_t len;

	if (select_columns(kind, opts, cols, &n, &bad, &len))
		return false;
	for (unsigned int i = 0; i < n; i++)
		if (cols[i] == col)
			return true;
	return false;
}

int table_list_columns(const struct table_kind *kind)
{
	for (unsigned int i = 0; i < kind->ncolumns; i++) {
		const struct table_column *c = &kind->columns[i];
		char name[32];

		snprintf(name, sizeof(name), "%s", c->name);
		printf("%16s  %s\n", name, c->help);
	}
	printf("\ndefault: %s\n", kind->defaults);
	return cli_finish_stdout();
}

int table_open(struct table **tp, const struct table_kind *kind, const struct table_opts *opts)
{
	const char *bad;
	struct table *t;
	size_t badlen;
	int ret;

	t = calloc(1, sizeof(*t));
	if (!t)
		return -ENOMEM;
	t->kind = kind;
	t->opts = *opts;
	ret = select_columns(kind, opts, t->cols, &t->ncols, &bad, &badlen);
	if (ret)
		goto free_table;
	ret = -ENOMEM;
	t->tb = scols_new_table();
	if (!t->tb)
		goto free_table;
	/*
	 * Widths come from the columns' least widths and the data, never from
	 * the terminal: a table printed in batches must keep its columns
	 * where the first batch put them.
	 */
	scols_table_set_termforce(t->tb, SCOLS_TERMFORCE_NEVER);
	scols_table_enable_raw(t->tb, opts->raw);
	scols_table_enable_json(t->tb, opts->json);
	scols_table_enable_noheadings(t->tb, opts->noheadings);
	if (scols_table_set_name(t->tb, kind->name))
		goto unref_table;
	for (unsigned int i = 0; i < t->ncols; i++) {
		const struct table_column *c = &kind->columns[t->cols[i]];
		int flags = c->right ? SCOLS_FL_RIGHT : 0;

		/*
		 * libsmartcols widens a column to its hint only when the data
		 * is not narrower than the header, unless STRICTWIDTH; which,
		 * with a hint no wider than the header, leaves the column as
		 * narrow as the data.  Hence the flag only for wide hints.
		 */
		if (c->width > strlen(c->name))
			flags |= SCOLS_FL_STRICTWIDTH;

		t->scols[i] = scols_table_new_column(t->tb, c->name, c->width, flags);
		if (!t->scols[i])
			goto unref_table;
		if (c->json == TABLE_JSON_NUMBER &&
		    scols_column_set_json_type(t->scols[i], SCOLS_JSON_NUMBER))
			goto unref_table;
	}
	*tp = t;
	return 0;

unref_table:
	scols_unref_table(t->tb);
free_table:
	free(t);
	return ret;
}

/* The text of one cell as this table prints it. */
static void format_cell(const struct table *t, unsigned int i, const void *row, char *buf,
			size_t len)
{
	const struct table_column *c = &t->kind->columns[t->cols[i]];
	char text[TABLE_CELL_SIZE];

	text[0] = '\0';
	t->kind->cell(row, t->cols[i], &t->opts, text, sizeof(text));
	/* Empty is "none": null in JSON (libsmartcols' rule), "-" in a table. */
	if (!text[0] && !t->opts.json)
		snprintf(text, sizeof(text), "-");
	/*
	 * libsmartcols does not pad the last column, which leaves a
	 * right-aligned one ragged: pad it here, to the width it would get.
	 */
	if (c->right && i == t->ncols - 1 && !t->opts.raw && !t->opts.json) {
		size_t w = c->width > strlen(c->name) ? c->width : strlen(c->name);

		snprintf(buf, len, "%*s", (int)w, text);
		return;
	}
	snprintf(buf, len, "%s", text);
}

static int flush_batch(struct table *t)
{
	int ret;

	if (!t->batched)
		return 0;
	if (t->printed)
		fputc('\n', stdout);
	ret = scols_table_print_range(t->tb, NULL, NULL);
	if (ret)
		return ret;
	t->printed = true;
	/* Later batches are never narrower than this one. */
	for (unsigned int i = 0; i < t->ncols; i++) {
		size_t w = scols_column_get_width(t->scols[i]);

		if (w > scols_column_get_whint(t->scols[i]))
			scols_column_set_whint(t->scols[i], (double)w);
	}
	scols_table_remove_lines(t->tb);
	t->batched = 0;
	return 0;
}

int table_add(struct table *t, const void *row)
{
	struct libscols_line *ln;
	char cell[TABLE_CELL_SIZE];

	if (t->err)
		return t->err;
	ln = scols_table_new_line(t->tb, NULL);
	if (!ln)
		return t->err = -ENOMEM;
	for (unsigned int i = 0; i < t->ncols; i++) {
		format_cell(t, i, row, cell, sizeof(cell));
		if (scols_line_set_data(ln, i, cell))
			return t->err = -ENOMEM;
	}
	t->batched++;
	/* A JSON document is printed whole: libsmartcols cannot continue one. */
	if (!t->opts.json && t->batched == TABLE_BATCH)
		t->err = flush_batch(t);
	return t->err;
}

int table_close(struct table *t)
{
	int ret = t->err;

	if (!ret && t->opts.json)
		ret = scols_print_table(t->tb);
	else if (!ret)
		ret = flush_batch(t);
	if (!ret && t->printed)
		fputc('\n', stdout);
	scols_unref_table(t->tb);
	free(t);
	if (ret) {
		cli_error(ret, "cannot print the table");
		return EXIT_FAILURE_GENERIC;
	}
	return cli_finish_stdout();
}

void table_json_begin(struct table_json_doc *doc)
{
	doc->nmembers = 0;
	doc->err = 0;
	fputs("{\n", stdout);
}

/*
 * libsmartcols prints a table's JSON as a whole object, "{\n   "name": [...]\n}\n":
 * keep what is between the braces, a member of the caller's object.
 */
int table_close_member(struct table *t, struct table_json_doc *doc)
{
	char *text = NULL, *start, *end;
	int ret = t->err;

	if (!ret && scols_print_table_to_string(t->tb, &text))
		ret = -ENOMEM;
	scols_unref_table(t->tb);
	free(t);
	if (!ret) {
		start = strchr(text, '\n');
		end = strrchr(text, '}');
		if (!start || !end || end < start) {
			ret = -EPROTO;
		} else {
			while (end > start && (end[-1] == '\n' || end[-1] == ' '))
				end--;
			printf("%s%.*s", doc->nmembers++ ? ",\n" : "", (int)(end - start - 1),
			       start + 1);
		}
	}
	free(text);
	if (ret && !doc->err)
		doc->err = ret;
	return ret;
}

int table_json_end(struct table_json_doc *doc)
{
	fputs(doc->nmembers ? "\n}\n" : "}\n", stdout);
	if (doc->err) {
		cli_error(doc->err, "cannot print the table");
		return EXIT_FAILURE_GENERIC;
	}
	return cli_finish_stdout();
}

void table_format_ns(char *buf, size_t len, int64_t ns, const struct table_opts *opts)
{
	if (opts->nanoseconds)
		snprintf(buf, len, "%lld", (long long)ns);
	else if (opts->json)
		snprintf(buf, len, "%lld.%09lld", (long long)(ns / 1000000000),
			 (long long)(ns % 1000000000));
	else
		cli_format_ns(buf, len, ns);
}
