// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * The part of libsmartcols that cmd/table.c uses, for `make static` only:
 * Debian ships no static libsmartcols, and the kernel-patch VM's initramfs
 * needs a ptimerctl with no shared libraries.  It is compiled against the
 * real <libsmartcols/libsmartcols.h>, so the signatures cannot drift, and
 * prints what libsmartcols prints for ptimerctl's tables: aligned columns
 * at least as wide as their hint, the last one unpadded; raw cells with
 * blanks and control bytes as \xHH; JSON with empty cells as null.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libsmartcols/libsmartcols.h>

#define MIN_COLUMNS	32

/* Where tables go: stdout, or a string for scols_print_table_to_string(). */
static FILE *scols_out;
#define OUT (scols_out ? scols_out : stdout)

static void out_char(int c)
{
	fputc(c, OUT);
}

struct libscols_column {
	char *name;
	double whint;
	int flags;
	int json_type;
	size_t width;
};

struct libscols_line {
	char *data[MIN_COLUMNS];
	struct libscols_line *next;
};

struct libscols_table {
	char *name;
	bool raw, json, noheadings, header_printed;
	struct libscols_column cols[MIN_COLUMNS];
	size_t ncols;
	struct libscols_line *head, *tail;
};

struct libscols_table *scols_new_table(void)
{
	return calloc(1, sizeof(struct libscols_table));
}

int scols_table_set_termforce(struct libscols_table *tb, int force)
{
	(void)tb;
	(void)force;
	return 0;
}

int scols_table_enable_raw(struct libscols_table *tb, int enable)
{
	tb->raw = enable;
	return 0;
}

int scols_table_enable_json(struct libscols_table *tb, int enable)
{
	tb->json = enable;
	return 0;
}

int scols_table_enable_noheadings(struct libscols_table *tb, int enable)
{
	tb->noheadings = enable;
	return 0;
}

int scols_table_set_name(struct libscols_table *tb, const char *name)
{
	free(tb->name);
	tb->name = strdup(name);
	return tb->name ? 0 : -ENOMEM;
}

struct libscols_column *scols_table_new_column(struct libscols_table *tb, const char *name,
					       double whint, int flags)
{
	struct libscols_column *cl;

	if (tb->ncols == MIN_COLUMNS)
		return NULL;
	cl = &tb->cols[tb->ncols];
	cl->name = strdup(name);
	if (!cl->name)
		return NULL;
	cl->whint = whint;
	cl->flags = flags;
	tb->ncols++;
	return cl;
}

int scols_column_set_json_type(struct libscols_column *cl, int type)
{
	cl->json_type = type;
	return 0;
}

int scols_column_set_whint(struct libscols_column *cl, double whint)
{
	cl->whint = whint;
	return 0;
}

double scols_column_get_whint(const struct libscols_column *cl)
{
	return cl->whint;
}

size_t scols_column_get_width(const struct libscols_column *cl)
{
	return cl->width;
}

struct libscols_line *scols_table_new_line(struct libscols_table *tb,
					   struct libscols_line *parent)
{
	struct libscols_line *ln = calloc(1, sizeof(*ln));

	(void)parent;
	if (!ln)
		return NULL;
	if (tb->tail)
		tb->tail->next = ln;
	else
		tb->head = ln;
	tb->tail = ln;
	return ln;
}

int scols_line_set_data(struct libscols_line *ln, size_t n, const char *data)
{
	if (n >= MIN_COLUMNS)
		return -EINVAL;
	free(ln->data[n]);
	ln->data[n] = strdup(data ? data : "");
	return ln->data[n] ? 0 : -ENOMEM;
}

void scols_table_remove_lines(struct libscols_table *tb)
{
	while (tb->head) {
		struct libscols_line *next = tb->head->next;

		for (size_t i = 0; i < MIN_COLUMNS; i++)
			free(tb->head->data[i]);
		free(tb->head);
		tb->head = next;
	}
	tb->tail = NULL;
}

void scols_unref_table(struct libscols_table *tb)
{
	if (!tb)
		return;
	scols_table_remove_lines(tb);
	for (size_t i = 0; i < tb->ncols; i++)
		free(tb->cols[i].name);
	free(tb->name);
	free(tb);
}

static void put_raw(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p <= ' ' || *p >= 0x7f || *p == '\\')
			fprintf(OUT, "\\x%02x", *p);
		else
			out_char(*p);
}

/*
 * A byte libsmartcols writes as \xHH in a table for a person: one a
 * terminal would obey (a process names itself), and a backslash that
 * starts \x, so that the encoding reads back.
 */
static bool unsafe(const unsigned char *p)
{
	return *p < ' ' || *p == 0x7f || (p[0] == '\\' && p[1] == 'x');
}

/* The width of @s as put_safe() writes it. */
static size_t safe_len(const char *s)
{
	size_t n = 0;

	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		n += unsafe(p) ? 4 : 1;
	return n;
}

static void put_safe(const char *s)
{
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (unsafe(p))
			fprintf(OUT, "\\x%02x", *p);
		else
			out_char(*p);
}

static void put_cell(const struct libscols_table *tb, size_t i, const char *s, bool last)
{
	const struct libscols_column *cl = &tb->cols[i];
	int pad = (int)cl->width - (int)safe_len(s);

	if (tb->raw) {
		put_raw(s);
		fputs(last ? "" : " ", OUT);
		return;
	}
	if (cl->flags & SCOLS_FL_RIGHT)
		fprintf(OUT, "%*s", pad > 0 ? pad : 0, "");
	put_safe(s);
	if (!(cl->flags & SCOLS_FL_RIGHT))
		fprintf(OUT, "%*s", last ? 0 : (pad > 0 ? pad : 0), "");
	fputs(last ? "" : " ", OUT);
}

static void put_json_string(const char *s)
{
	out_char('"');
	for (const unsigned char *p = (const unsigned char *)s; *p; p++)
		if (*p == '"' || *p == '\\')
			fprintf(OUT, "\\%c", *p);
		else if (*p < 0x20)
			fprintf(OUT, "\\u%04x", *p);
		else
			out_char(*p);
	out_char('"');
}

/* Column names in JSON are lowercase, as libsmartcols writes them. */
static void put_json_name(const char *s)
{
	out_char('"');
	for (; *s; s++)
		out_char(*s >= 'A' && *s <= 'Z' ? *s - 'A' + 'a' : *s);
	fputs("\": ", OUT);
}

static void print_json(const struct libscols_table *tb)
{
	fprintf(OUT, "{\n   \"%s\": [", tb->name ? tb->name : "table");
	for (const struct libscols_line *ln = tb->head; ln; ln = ln->next) {
		fprintf(OUT, "%s", ln == tb->head ? "\n      {" : ",{");
		for (size_t i = 0; i < tb->ncols; i++) {
			const char *s = ln->data[i] ? ln->data[i] : "";

			fprintf(OUT, "\n         ");
			put_json_name(tb->cols[i].name);
			if (!*s)
				fputs("null", OUT);
			else if (tb->cols[i].json_type == SCOLS_JSON_NUMBER)
				fputs(s, OUT);
			else
				put_json_string(s);
			fputs(i + 1 < tb->ncols ? "," : "", OUT);
		}
		fprintf(OUT, "\n      }");
	}
	/* libsmartcols leaves an empty line in an empty array. */
	fprintf(OUT, "%s\n   ]\n}\n", tb->head ? "" : "\n");
}

int scols_table_print_range(struct libscols_table *tb, struct libscols_line *start,
			    struct libscols_line *end)
{
	bool first = true;

	(void)start;
	(void)end;
	for (size_t i = 0; i < tb->ncols; i++) {
		struct libscols_column *cl = &tb->cols[i];

		cl->width = strlen(cl->name);
		if (cl->whint >= 1 && cl->width < (size_t)cl->whint)
			cl->width = (size_t)cl->whint;
		for (const struct libscols_line *ln = tb->head; ln; ln = ln->next)
			if (ln->data[i] && safe_len(ln->data[i]) > cl->width)
				cl->width = safe_len(ln->data[i]);
	}
	if (!tb->noheadings && !tb->header_printed) {
		for (size_t i = 0; i < tb->ncols; i++)
			put_cell(tb, i, tb->cols[i].name, i + 1 == tb->ncols);
		tb->header_printed = true;
		first = false;
	}
	for (const struct libscols_line *ln = tb->head; ln; ln = ln->next) {
		if (!first)
			out_char('\n');
		first = false;
		for (size_t i = 0; i < tb->ncols; i++)
			put_cell(tb, i, ln->data[i] ? ln->data[i] : "", i + 1 == tb->ncols);
	}
	return ferror(OUT) ? -EIO : 0;
}

int scols_print_table(struct libscols_table *tb)
{
	if (tb->json) {
		print_json(tb);
		return ferror(OUT) ? -EIO : 0;
	}
	if (!tb->head)
		return 0;
	scols_table_print_range(tb, NULL, NULL);
	out_char('\n');
	return ferror(OUT) ? -EIO : 0;
}

int scols_print_table_to_string(struct libscols_table *tb, char **data)
{
	size_t len;
	int ret;

	scols_out = open_memstream(data, &len);
	if (!scols_out)
		return -ENOMEM;
	ret = scols_print_table(tb);
	if (fclose(scols_out) && !ret)
		ret = -ENOMEM;
	scols_out = NULL;
	return ret;
}
