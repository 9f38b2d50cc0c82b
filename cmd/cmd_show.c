// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* ptimerctl show: a process's timers, or a dump file's, as a table. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "table.h"

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

/* The timer table's columns; ptimerctl(1) COLUMNS documents each name. */
enum timer_col {
	TCOL_ID, TCOL_CLOCK, TCOL_NOTIFY, TCOL_SIGNAL, TCOL_TID, TCOL_REMAINING,
	TCOL_INTERVAL, TCOL_OVERRUN, TCOL_SIGVAL, TCOL_CLOCKID, TCOL_SIGNO,
};

static const struct table_column timer_columns[] = {
	[TCOL_ID] = { "ID", 10, true, TABLE_JSON_NUMBER, "timer ID, as timer_create() returned it" },
	[TCOL_CLOCK] = { "CLOCK", 20, false, TABLE_JSON_STRING,
			 "clock name; a CPU clock with :PID or :self" },
	[TCOL_NOTIFY] = { "NOTIFY", 9, false, TABLE_JSON_STRING,
			  "notification: signal, none, thread or thread_id" },
	[TCOL_SIGNAL] = { "SIGNAL", 11, false, TABLE_JSON_STRING,
			  "signal name (none for notify none)" },
	[TCOL_TID] = { "TID", 7, true, TABLE_JSON_NUMBER,
		       "thread a thread_id timer signals" },
	[TCOL_REMAINING] = { "REMAINING", 20, true, TABLE_JSON_NUMBER,
			     "time to the next expiry (none: disarmed)" },
	[TCOL_INTERVAL] = { "INTERVAL", 20, true, TABLE_JSON_NUMBER,
			    "reload interval (none: one-shot)" },
	[TCOL_OVERRUN] = { "OVERRUN", 7, true, TABLE_JSON_NUMBER,
			   "overrun count of the last expiry" },
	[TCOL_SIGVAL] = { "SIGVAL", 18, true, TABLE_JSON_STRING,
			  "sigev_value, 64 bits in hexadecimal" },
	[TCOL_CLOCKID] = { "CLOCKID", 11, true, TABLE_JSON_NUMBER,
			   "clock id as the kernel numbers it" },
	[TCOL_SIGNO] = { "SIGNO", 5, true, TABLE_JSON_NUMBER, "signal number" },
};

static void timer_cell(const void *row, unsigned int col, const struct table_opts *o,
		       char *buf, size_t len)
{
	const struct ptimer_timer *t = row;
	const char *name;

	switch ((enum timer_col)col) {
	case TCOL_ID:
		snprintf(buf, len, "%d", t->id);
		break;
	case TCOL_CLOCK:
		cli_clock_label(buf, len, t->clockid);
		break;
	case TCOL_NOTIFY:
		name = ptimer_notify_name(t->notify);
		snprintf(buf, len, "%s", name ? name : "?");
		break;
	case TCOL_SIGNAL:
		name = ptimer_signal_name(t->signo);
		if (t->notify != PTIMER_NOTIFY_NONE)
			snprintf(buf, len, "%s", name ? name : "?");
		break;
	case TCOL_TID:
		if (t->notify == PTIMER_NOTIFY_THREAD_ID)
			snprintf(buf, len, "%d", t->notify_pid);
		break;
	case TCOL_REMAINING:
		table_format_ns(buf, len, t->value_ns, o);
		break;
	case TCOL_INTERVAL:
		table_format_ns(buf, len, t->interval_ns, o);
		break;
	case TCOL_OVERRUN:
		snprintf(buf, len, "%d", t->overrun);
		break;
	case TCOL_SIGVAL:
		snprintf(buf, len, "0x%016llx", (unsigned long long)t->sigval);
		break;
	case TCOL_CLOCKID:
		snprintf(buf, len, "%d", t->clockid);
		break;
	case TCOL_SIGNO:
		snprintf(buf, len, "%d", t->signo);
		break;
	}
}

static const struct table_kind show_timer_kind = {
	.name = "timers",
	.columns = timer_columns,
	.ncolumns = sizeof(timer_columns) / sizeof(timer_columns[0]),
	.defaults = "ID,CLOCK,NOTIFY,SIGNAL,TID,REMAINING,INTERVAL,OVERRUN",
	.cell = timer_cell,
};

enum { OPT_JSON = 'J' };

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
		table_check_columns(state, &show_timer_kind, &a->table);
		if (a->table.list_columns)
			break;
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
	.doc = "Print the timers of process PID, or of a dump file: the POSIX timers as a"
	       " table, then a section for each other kind (itimers, timerfds, queued"
	       " timer signals; ptimerctl(1) describes them)."
	       "\vColumns (--list-columns describes them): ID, CLOCK, NOTIFY, SIGNAL,"
	       " TID, REMAINING, INTERVAL, OVERRUN (the default), SIGVAL, CLOCKID, SIGNO."
	       "  -J alone prints the dump document, as it always has; --json=table"
	       " prints the table as JSON.\n"
	       "Examples:\n"
	       "  ptimerctl show 1234\n"
	       "  ptimerctl show -o ID,CLOCK,REMAINING --nanoseconds -rn 1234\n"
	       "  ptimerctl show -o +SIGVAL --json=table -i timers.json",
};

/* The timers of @dump as a table; the line naming the process first, for people. */
static int print_table(const struct ptimer_dump *dump, const struct table_opts *opts)
{
	struct table *t;
	int ret;

	if (!opts->raw && !opts->noheadings && !opts->json) {
		char comm[CLI_COMM_ESCAPED_SIZE];

		printf("pid %d (%s), %zu thread%s, %zu timer%s\n", dump->pid,
		       cli_escape(comm, sizeof(comm), dump->comm),
		       dump->nthreads, dump->nthreads == 1 ? "" : "s",
		       dump->ntimers, dump->ntimers == 1 ? "" : "s");
	}
	if (!(ptimer_dump_kinds(dump) & PTIMER_KIND_POSIX))
		return EXIT_OK;
	ret = table_open(&t, &show_timer_kind, opts);
	if (ret) {
		cli_error(ret, "cannot make the table");
		return EXIT_FAILURE_GENERIC;
	}
	for (size_t i = 0; i < dump->ntimers; i++)
		if (table_add(t, &dump->timers[i]))
			break;
	return table_close(t);
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
		return table_list_columns(&show_timer_kind);
	if (a.input) {
		ret = cli_load_dump(a.input, &dump);
		if (ret)
			return ret;
	} else {
		unsigned int flags;

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
		ret = print_table(dump, &a.table);
		/*
		 * The other kinds are sections for people; -o, -r, -n and
		 * --json=table select from the POSIX table, for scripts.
		 */
		if (!ret && !a.table.raw && !a.table.json && !a.table.noheadings &&
		    !a.table.columns) {
			cli_show_kinds(dump);
			ret = cli_finish_stdout();
		}
	}
	ptimer_dump_free(dump);
	return ret;
}
