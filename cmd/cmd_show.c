// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* ptimerctl show: a process's timers, or a dump file's, as a table. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct show_args {
	bool json;
	const char *input;
	bool keep_seccomp;
	unsigned int kinds;	/* --kinds; 0: all */
	pid_t pid;
};

static const struct argp_option show_options[] = {
	{ "json", 'J', NULL, 0, "Print JSON (the dump format) instead of a table", 0 },
	{ "input", 'i', "FILE", 0, "Show a dump file (- for stdin) instead of a process", 0 },
	CLI_KEEP_SECCOMP_OPTION,
	CLI_KINDS_OPTION,
	{ 0 }
};

static error_t parse_show(int key, char *arg, struct argp_state *state)
{
	struct show_args *a = state->input;

	switch (key) {
	case 'J':
		a->json = true;
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
		if (!a->pid && !a->input)
			cli_usage_error(state, "no PID given");
		if (a->pid && a->input)
			cli_usage_error(state, "--input and a PID exclude each other");
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
	       " timer signals)."
	       "\vPOSIX columns: ID, CLOCK, NOTIFY, SIGNAL, TID (the thread a thread_id"
	       " timer signals), REMAINING and INTERVAL (seconds; - when zero),"
	       " OVERRUN.  ptimerctl(1) describes the other sections.",
};

static void clock_label(const struct ptimer_timer *t, char *buf, size_t len)
{
	const char *name = ptimer_clock_name(t->clockid);

	if (ptimer_clock_is_cpu(t->clockid) && ptimer_cpu_clock_pid(t->clockid))
		snprintf(buf, len, "%s:%d", name, ptimer_cpu_clock_pid(t->clockid));
	else if (ptimer_clock_is_cpu(t->clockid))
		snprintf(buf, len, "%s:self", name);
	else
		snprintf(buf, len, "%s", name ? name : "?");
}

static void print_table(const struct ptimer_dump *dump)
{
	printf("%10s %-20s %-9s %-11s %7s %20s %20s %7s\n", "ID", "CLOCK", "NOTIFY",
	       "SIGNAL", "TID", "REMAINING", "INTERVAL", "OVERRUN");
	for (size_t i = 0; i < dump->ntimers; i++) {
		const struct ptimer_timer *t = &dump->timers[i];
		char clock[32], value[32], interval[32], tid[16];
		const char *sig = ptimer_signal_name(t->signo);
		const char *notify = ptimer_notify_name(t->notify);

		clock_label(t, clock, sizeof(clock));
		cli_format_ns(value, sizeof(value), t->value_ns);
		cli_format_ns(interval, sizeof(interval), t->interval_ns);
		if (t->notify == PTIMER_NOTIFY_THREAD_ID)
			snprintf(tid, sizeof(tid), "%d", t->notify_pid);
		else
			snprintf(tid, sizeof(tid), "-");
		printf("%10d %-20s %-9s %-11s %7s %20s %20s %7d\n", t->id, clock,
		       notify ? notify : "?",
		       t->notify == PTIMER_NOTIFY_NONE ? "-" : (sig ? sig : "?"),
		       tid, value, interval, t->overrun);
	}
}

int cmd_show(int argc, char **argv)
{
	struct show_args a = { 0 };
	struct ptimer_dump *dump;
	int ret;

	cli_parse(&show_argp, argc, argv, &a);
	if (a.kinds && ptimer_set_kinds(cli.ctx, a.kinds))
		return EXIT_USAGE;
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
	if (a.json) {
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
		char comm[CLI_COMM_ESCAPED_SIZE];

		printf("pid %d (%s), %zu thread%s, %zu timer%s\n", dump->pid,
		       cli_escape(comm, sizeof(comm), dump->comm),
		       dump->nthreads, dump->nthreads == 1 ? "" : "s",
		       dump->ntimers, dump->ntimers == 1 ? "" : "s");
		if (ptimer_dump_kinds(dump) & PTIMER_KIND_POSIX)
			print_table(dump);
		cli_show_kinds(dump);
		ret = cli_finish_stdout();
	}
	ptimer_dump_free(dump);
	return ret;
}
