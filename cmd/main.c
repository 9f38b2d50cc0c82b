// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* ptimerctl: the global options, then dispatch to a subcommand. */
#include <argp.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "cli.h"

struct cli cli;

static void print_version(FILE *stream, struct argp_state *state)
{
	fprintf(stream, "ptimerctl %s\n", PTIMER_VERSION);
	fprintf(stream, "libptimer format version %d, arch %s\n",
		PTIMER_FORMAT_VERSION, PTIMER_ARCH);
	fprintf(stream, "features: +json-c +libcap +batched-injection +in-target-walk"
		" +prctl-restore-ids\n");
}

void (*argp_program_version_hook)(FILE *, struct argp_state *) = print_version;

static int cmd_help(int argc, char **argv);

static const struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} subcommands[] = {
	{ "help", cmd_help, "describe ptimerctl or one of its commands" },
	{ "dump", cmd_dump, "write a process's timers as JSON" },
	{ "show", cmd_show, "print a process's timers as a table" },
	{ "check", cmd_check, "report what works on this kernel and for a PID" },
	{ "restore", cmd_restore, "recreate dumped timers, with their IDs, in a process" },
	{ "migrate", cmd_migrate, "move the timers of one process to another" },
	{ "list", cmd_list, "list the processes that have timers" },
	{ "diff", cmd_diff, "compare a dump with a process or another dump" },
};

static int subcommand_index;

static error_t parse_global(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case ARGP_KEY_ARG:
		/* The subcommand: everything from here on is its own. */
		subcommand_index = state->next - 1;
		state->next = state->argc;
		break;
	case ARGP_KEY_END:
		if (!subcommand_index)
			cli_usage_error(state, "no command given");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	(void)arg;
	return 0;
}

static const struct argp global_argp = {
	.parser = parse_global,
	.args_doc = "COMMAND [OPTIONS] [ARGS]",
	.doc = "Checkpoint and restore the POSIX interval timers of a live process,"
	       " keeping their timer IDs."
	       "\vCommands:\n"
	       "  dump      write a process's timers as JSON\n"
	       "  show      print a process's timers as a table\n"
	       "  check     report what works on this kernel and for a PID\n"
	       "  restore   recreate dumped timers, with their IDs, in a process\n"
	       "  migrate   move the timers of one process to another\n"
	       "  list      list the processes that have timers\n"
	       "  diff      compare a dump with a process or another dump\n"
	       "\n'ptimerctl COMMAND --help' describes each command.\n"
	       "'ptimerctl help COMMAND' does the same.\n"
	       "See ptimerctl(1) and ptimerctl-dump(5).",
};

#define NSUBCOMMANDS (sizeof(subcommands) / sizeof(subcommands[0]))

static const struct subcommand *find_subcommand(const char *name)
{
	for (size_t i = 0; i < NSUBCOMMANDS; i++)
		if (!strcmp(subcommands[i].name, name))
			return &subcommands[i];
	return NULL;
}

/*
 * Edits (insert, delete, replace, swap two neighbours) from @a to @b, as
 * git counts them for its "did you mean"; words longer than command
 * names are just far.
 */
static size_t edit_distance(const char *a, const char *b)
{
	enum { MAX = 32 };
	size_t la = strlen(a), lb = strlen(b), d[MAX + 1][MAX + 1];

	if (la > MAX || lb > MAX)
		return SIZE_MAX;
	for (size_t i = 0; i <= la; i++)
		d[i][0] = i;
	for (size_t j = 0; j <= lb; j++)
		d[0][j] = j;
	for (size_t i = 1; i <= la; i++) {
		for (size_t j = 1; j <= lb; j++) {
			size_t best = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);

			if (d[i - 1][j] + 1 < best)
				best = d[i - 1][j] + 1;
			if (d[i][j - 1] + 1 < best)
				best = d[i][j - 1] + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    d[i - 2][j - 2] + 1 < best)
				best = d[i - 2][j - 2] + 1;
			d[i][j] = best;
		}
	}
	return d[la][lb];
}

/* An unknown command, and the nearest known one when it is a likely typo. */
static int unknown_command(const char *name)
{
	char safe[4 * 64 + 1], hint[64] = "";
	size_t best = SIZE_MAX, n;
	const char *nearest = NULL;

	for (size_t i = 0; i < NSUBCOMMANDS; i++) {
		n = edit_distance(name, subcommands[i].name);
		if (n < best) {
			best = n;
			nearest = subcommands[i].name;
		}
	}
	/* Two edits at most, and fewer than half the letters: "shwo", not "x". */
	if (nearest && best <= 2 && best * 2 < strlen(nearest))
		snprintf(hint, sizeof(hint), "; did you mean '%s'?", nearest);
	fprintf(stderr, "ptimerctl: unknown command '%s'%s\n"
		"Try 'ptimerctl --help' for more information.\n",
		cli_escape(safe, sizeof(safe), name), hint);
	return EXIT_USAGE;
}

/* ptimerctl help [COMMAND]: what --help prints, for the command or for ptimerctl. */
static int cmd_help(int argc, char **argv)
{
	char *args[] = { argv[0], (char *)"--help", NULL };
	const struct subcommand *sub;

	if (argc > 2) {
		fprintf(stderr, "ptimerctl help: expected one COMMAND at most\n"
			"Try 'ptimerctl --help' for more information.\n");
		return EXIT_USAGE;
	}
	sub = argc == 2 && argv[1][0] != '-' ? find_subcommand(argv[1]) : NULL;
	if (argc == 2 && argv[1][0] != '-' && !sub)
		return unknown_command(argv[1]);
	if (!sub || sub->run == cmd_help) {
		cli.subcommand = NULL;
		args[0] = (char *)"ptimerctl";
		cli_parse(&global_argp, 2, args, NULL);	/* prints and exits */
		return EXIT_OK;
	}
	cli.subcommand = sub->name;
	args[0] = argv[1];
	return sub->run(2, args);
}

__attribute__((format(printf, 6, 0)))
static void log_to_stderr(struct ptimer_ctx *ctx, int priority, const char *file,
			  int lineno, const char *fn, const char *format, va_list args)
{
	char msg[1024], line[sizeof(msg) + 256];
	int n;

	if (priority > LOG_WARNING && cli.verbosity <= 0)
		return;
	vsnprintf(msg, sizeof(msg), format, args);
	if (priority <= LOG_ERR)
		cli_error(0, "%s", msg);
	else if (priority == LOG_WARNING)
		cli_warn("%s", msg);
	else {
		n = snprintf(line, sizeof(line), "ptimerctl: debug: %s:%d %s: %s\n", file, lineno,
			     fn, msg);
		cli_stderr_write(line, n < (int)sizeof(line) ? (size_t)n : sizeof(line) - 1);
	}
	(void)ctx;
}

/*
 * Started with standard input, output or error closed (a daemon, a cron
 * job, 2>&-), the first file ptimerctl opens would take that number: its
 * messages would go into a dump being written.  Each closed one is opened
 * on /dev/null first; failing that, ptimerctl writes nothing rather than
 * into the wrong file.  Standard output is opened for reading only, so
 * that what is written there fails as it would have closed: a dump to it
 * is refused before the target is touched (cli_output_open()), where one
 * written to /dev/null would have been lost with exit 0, even after
 * --disarm.  Standard error may lose its messages; the exit status stays.
 */
static bool stdio_open(void)
{
	for (int fd = STDIN_FILENO; fd <= STDERR_FILENO; fd++) {
		int null;

		if (fcntl(fd, F_GETFD) >= 0 || errno != EBADF)
			continue;
		null = open("/dev/null", fd == STDERR_FILENO ? O_WRONLY : O_RDONLY);
		if (null != fd) {
			if (null >= 0)
				close(null);
			return false;
		}
	}
	return true;
}

int main(int argc, char **argv)
{
	const char *debug = getenv("PTIMERCTL_DEBUG");
	const struct subcommand *sub;
	int ret;

	if (!stdio_open())
		return EXIT_FAILURE_GENERIC;
	cli_parse(&global_argp, argc, argv, NULL);
	ret = ptimer_new(&cli.ctx);
	if (ret) {
		cli_error(ret, "cannot create the library context");
		return EXIT_FAILURE_GENERIC;
	}
	ptimer_set_log_fn(cli.ctx, log_to_stderr);
	ptimer_set_timeout(cli.ctx, cli.timeout_ms);
	cli_signals_init();
	cli_stop_at_init();
	if (debug && !strcmp(debug, "1"))
		cli.verbosity = 1;
	/* Subcommands may still set -v or -q; log_to_stderr() filters late. */
	ptimer_set_log_priority(cli.ctx, LOG_DEBUG);

	sub = find_subcommand(argv[subcommand_index]);
	if (sub) {
		cli.subcommand = sub->name;
		ret = sub->run(argc - subcommand_index, argv + subcommand_index);
	} else {
		ret = unknown_command(argv[subcommand_index]);
	}
	ptimer_free(cli.ctx);
	return ret;
}
