// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* ptimerctl show: a process's timers, or a dump file's, as a table. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "show.h"

/* What -J prints: the dump document (its first meaning, kept) or the table. */
enum show_json {
	SHOW_JSON_NONE,
	SHOW_JSON_DUMP,
	SHOW_JSON_TABLE,
};

struct show_args {
	enum show_json json;
	struct table_opts table;
	const char *input;
	bool keep_seccomp;
	unsigned int kinds;	/* --kinds; 0: all */
	pid_t pid;
};

enum { OPT_JSON = 'J' };

/*
 * The table -o describes, and the only one -r or -n print (a script reads
 * one table): the kind --kinds names when it names one, else the POSIX
 * timers'.
 */
static unsigned int script_kind(unsigned int kinds)
{
	return kinds && !(kinds & (kinds - 1)) ? kinds : PTIMER_KIND_POSIX;
}

static const struct argp_option show_options[] = {
	{ "json", OPT_JSON, "FORMAT", OPTION_ARG_OPTIONAL,
	  "Print JSON: the dump document (dump, the default) or the table (table)", 0 },
	{ "input", 'i', "FILE", 0, "Show a dump file (- for stdin) instead of a process", 0 },
	CLI_KEEP_SECCOMP_OPTION,
	CLI_KINDS_OPTION,
	TABLE_OPTIONS,
	{ 0 }
};

static error_t parse_show(int key, char *arg, struct argp_state *state)
{
	struct show_args *a = state->input;

	if (table_parse_option(key, arg, &a->table))
		return 0;
	switch (key) {
	case OPT_JSON:
		if (!arg || !strcmp(arg, "dump"))
			a->json = SHOW_JSON_DUMP;
		else if (!strcmp(arg, "table"))
			a->json = SHOW_JSON_TABLE;
		else
			cli_usage_error(state, "invalid --json '%s': expected dump or table", arg);
		break;
	case 'i':
		a->input = arg;
		break;
	case CLI_OPT_KEEP_SECCOMP:
		a->keep_seccomp = true;
		break;
	case CLI_OPT_KINDS:
		a->kinds = cli_parse_kinds(state, arg);
		break;
	case ARGP_KEY_ARG:
		cli_take_pid(state, &a->pid, arg);
		break;
	case ARGP_KEY_END:
		if (a->table.list_columns)
			break;
		/* -o names the columns of the one table a script gets. */
		if ((a->table.columns || a->table.raw || a->table.noheadings) &&
		    !(script_kind(a->kinds) & (a->kinds ? a->kinds : PTIMER_KIND_ALL)))
			cli_usage_error(state, "-o, -r and -n print one table: the POSIX timers', or"
					" with --kinds=KIND that kind's; name one kind");
		table_check_columns(state, show_section_of(script_kind(a->kinds))->table,
				    &a->table);
		if (!a->pid && !a->input)
			cli_usage_error(state, "no PID given");
		if (a->pid && a->input)
			cli_usage_error(state, "--input and a PID exclude each other");
		/* The dump document has no columns: say so rather than ignore -o. */
		if (a->json == SHOW_JSON_DUMP && (a->table.columns || a->table.raw ||
						  a->table.noheadings || a->table.nanoseconds))
			cli_usage_error(state, "-J prints the dump document, which has no"
					" columns; use --json=table for a table in JSON");
		a->table.json = a->json == SHOW_JSON_TABLE;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp show_argp = {
	.options = show_options,
	.parser = parse_show,
	.args_doc = "PID\n--input FILE",
	.doc = "Print the timers of process PID, or of a dump file: a table for each"
	       " kind (POSIX timers, itimers, timerfds, queued timer signals), each"
	       " under a title line."
	       "\vColumns (--list-columns describes them): ID, CLOCK, NOTIFY, SIGNAL,"
	       " TID, REMAINING, INTERVAL, OVERRUN (the default), SIGVAL, CLOCKID, SIGNO;"
	       " each other kind has its own.  -o, -r and -n print one table, for"
	       " scripts: the POSIX timers', or with --kinds=KIND that kind's."
	       "  -J alone prints the dump document, as it always has; --json=table"
	       " prints one JSON object with an array for each kind.\n"
	       "Examples:\n"
	       "  ptimerctl show 1234\n"
	       "  ptimerctl show -o ID,CLOCK,REMAINING --nanoseconds -rn 1234\n"
	       "  ptimerctl show --kinds=timerfd -o FD,TICKS -rn 1234\n"
	       "  ptimerctl show -o +SIGVAL --json=table -i timers.json",
};

/* Print the rows of @sec in @dump as a table; an exit code. */
static int print_section(const struct ptimer_dump *dump, const struct show_section *sec,
			 const struct table_opts *opts, struct table_json_doc *doc)
{
	size_t n, size = sec->row_size;
	const char *rows = sec->rows(dump, &n);
	struct table *t;
	int ret;

	ret = table_open(&t, sec->table, opts);
	if (ret) {
		cli_error(ret, "cannot make the table");
		return EXIT_FAILURE_GENERIC;
	}
	for (size_t i = 0; i < n; i++)
		if (table_add(t, rows + i * size))
			break;
	if (doc)
		return table_close_member(t, doc) ? EXIT_FAILURE_GENERIC : EXIT_OK;
	return table_close(t);
}

/*
 * The tables of @dump: for people, the line naming the process, then the
 * POSIX timers' table and a titled section for each other kind the dump
 * carries; for a script (-o, -r, -n), one table; with --json=table, one
 * object with an array for each kind.
 */
static int print_tables(const struct ptimer_dump *dump, const struct show_args *a)
{
	const struct table_opts *opts = &a->table;
	bool script = !opts->json && (opts->columns || opts->raw || opts->noheadings);
	unsigned int one = script_kind(a->kinds);
	struct table_json_doc doc;
	int ret = EXIT_OK;

	if (!opts->raw && !opts->noheadings && !opts->json) {
		char comm[CLI_COMM_ESCAPED_SIZE];

		printf("pid %d (%s), %zu thread%s, %zu timer%s\n", dump->pid,
		       cli_escape(comm, sizeof(comm), dump->comm),
		       dump->nthreads, dump->nthreads == 1 ? "" : "s",
		       dump->ntimers, dump->ntimers == 1 ? "" : "s");
	}
	if (opts->json)
		table_json_begin(&doc);
	for (size_t i = 0; i < show_nsections && !ret; i++) {
		const struct show_section *sec = &show_sections[i];
		struct table_opts o = *opts;
		size_t n;

		if (!(ptimer_dump_kinds(dump) & sec->kind) || (script && sec->kind != one))
			continue;
		/* -o is the columns of one kind's table; the others keep their defaults. */
		if (sec->kind != one)
			o.columns = NULL;
		if (!script && !opts->json && sec->title) {
			sec->rows(dump, &n);
			printf("\n%s: %zu%s\n", sec->title, n, sec->after);
			if (!n)
				continue;
		}
		ret = print_section(dump, sec, &o, opts->json ? &doc : NULL);
	}
	if (opts->json) {
		int end = table_json_end(&doc);

		ret = ret ? ret : end;
	}
	return ret ? ret : cli_finish_stdout();
}

/* --list-columns: the script table's kind alone, or every kind, each under its title. */
static int list_columns(unsigned int kinds)
{
	int ret = EXIT_OK;

	if (kinds && !(kinds & (kinds - 1)))
		return table_list_columns(show_section_of(kinds)->table);
	for (size_t i = 0; i < show_nsections && !ret; i++) {
		const struct show_section *sec = &show_sections[i];

		if (sec->title)
			printf("\n%s (--kinds=%s):\n", sec->title, ptimer_kind_name(sec->kind));
		ret = table_list_columns(sec->table);
	}
	return ret;
}

/*
 * A kind asked for that the file's dump does not carry (it was taken with
 * --kinds): refused, rather than shown as none, which would be a lie.
 */
static int refuse_uncarried(const struct ptimer_dump *dump, const struct show_args *a)
{
	unsigned int missing = a->kinds & ~ptimer_dump_kinds(dump);
	char carried[64] = "";
	size_t used = 0;

	if (!missing)
		return EXIT_OK;
	for (unsigned int k = 1; k & PTIMER_KIND_ALL; k <<= 1)
		if (ptimer_dump_kinds(dump) & k)
			used += (size_t)snprintf(carried + used, sizeof(carried) - used, "%s%s",
						 used ? "," : "", ptimer_kind_name(k));
	missing &= -missing;
	fprintf(stderr, "ptimerctl: the dump in %s does not carry kind \"%s\": it was taken"
		" with --kinds=%s\n", strcmp(a->input, "-") ? a->input : "stdin",
		ptimer_kind_name(missing), carried);
	return EXIT_USAGE;
}

int cmd_show(int argc, char **argv)
{
	struct show_args a = { 0 };
	struct ptimer_dump *dump;
	int ret;

	cli_parse(&show_argp, argc, argv, &a);
	if (a.kinds && ptimer_set_kinds(cli.ctx, a.kinds))
		return EXIT_USAGE;
	if (a.table.list_columns)
		return list_columns(a.kinds);
	if (a.input) {
		ret = cli_load_dump(a.input, &dump);
		if (ret)
			return ret;
		ret = refuse_uncarried(dump, &a);
		if (ret) {
			ptimer_dump_free(dump);
			return ret;
		}
	} else {
		unsigned int flags;

		ret = cli_check_stdout();
		if (ret)
			return ret;
		ret = cli_drop_capabilities(&a.pid, 1, a.keep_seccomp, &flags);
		if (ret)
			cli_warn("cannot drop capabilities: %s", strerror(-ret));
		cli_hold_begin();
		ret = ptimer_dump_pid(cli.ctx, a.pid, flags, &dump, NULL);
		cli_hold_end();
		if (ret)
			return cli_fail(ret, "cannot read the timers of pid %d", a.pid);
		if (cli_interrupted) {
			ptimer_dump_free(dump);
			return cli_interrupted_exit("pid %d was left as it was", a.pid);
		}
	}
	/* A file's dump, narrowed as a live one is read. */
	if (a.kinds)
		ptimer_dump_set_kinds(dump, ptimer_dump_kinds(dump) & a.kinds);
	if (!(ptimer_dump_kinds(dump) & PTIMER_KIND_POSIX))
		dump->ntimers = 0;
	if (a.json == SHOW_JSON_DUMP) {
		struct cli_output out;

		/* JSON keeps the process name's bytes; json-c escapes them. */
		ret = cli_output_open(&out, "-");
		if (!ret)
			ret = cli_write_dump(dump, &out, true);
		if (ret) {
			cli_error(ret, "cannot write to stdout");
			ret = EXIT_FAILURE_GENERIC;
		}
	} else {
		ret = print_tables(dump, &a);
	}
	ptimer_dump_free(dump);
	return ret;
}
