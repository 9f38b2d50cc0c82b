// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* ptimerctl: the global options, then dispatch to a subcommand. */
#include <argp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

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

static const struct subcommand {
	const char *name;
	int (*run)(int argc, char **argv);
	const char *summary;
} subcommands[] = {
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
	       "See ptimerctl(1) and ptimerctl-dump(5).",
};

static void log_to_stderr(struct ptimer_ctx *ctx, int priority, const char *file,
			  int line, const char *fn, const char *format, va_list args)
{
	char msg[1024];

	if (priority > LOG_WARNING && cli.verbosity <= 0)
		return;
	vsnprintf(msg, sizeof(msg), format, args);
	if (priority <= LOG_ERR)
		cli_error(0, "%s", msg);
	else if (priority == LOG_WARNING)
		cli_warn("%s", msg);
	else
		fprintf(stderr, "ptimerctl: debug: %s:%d %s: %s\n", file, line, fn, msg);
	(void)ctx;
}

int main(int argc, char **argv)
{
	const char *debug = getenv("PTIMERCTL_DEBUG");
	int ret;

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

	ret = EXIT_USAGE;
	cli.subcommand = argv[subcommand_index];
	for (size_t i = 0; i < sizeof(subcommands) / sizeof(subcommands[0]); i++) {
		if (!strcmp(subcommands[i].name, cli.subcommand)) {
			ret = subcommands[i].run(argc - subcommand_index,
						 argv + subcommand_index);
			goto out;
		}
	}
	cli.subcommand = NULL;
	fprintf(stderr, "ptimerctl: unknown command '%s'\n"
		"Try 'ptimerctl --help' for more information.\n", argv[subcommand_index]);
out:
	ptimer_free(cli.ctx);
	return ret;
}
