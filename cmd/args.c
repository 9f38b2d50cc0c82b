// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * Command-line parsing for every subcommand: argp with the global options,
 * pids, usage errors.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

void cli_usage_error(struct argp_state *state, const char *fmt, ...)
{
	char msg[512], safe[sizeof(msg) * 4];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cli_escape(safe, sizeof(safe), msg);
	fprintf(stderr, "ptimerctl%s%s: %s\nTry 'ptimerctl%s%s --help' for more information.\n",
		cli.subcommand ? " " : "", cli.subcommand ? cli.subcommand : "", safe,
		cli.subcommand ? " " : "", cli.subcommand ? cli.subcommand : "");
	(void)state;
	exit(EXIT_USAGE);
}

const char *cli_pid_problem(const char *arg, pid_t *pid, char *buf, size_t size)
{
	char *end;
	long v;

	if (!arg[0] || strspn(arg, "0123456789") != strlen(arg)) {
		snprintf(buf, size, "invalid PID '%s': expected a positive number", arg);
		return buf;
	}
	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || v <= 0 || v > INT_MAX) {
		snprintf(buf, size, "invalid PID '%s': out of range 1..%d", arg, INT_MAX);
		return buf;
	}
	*pid = (pid_t)v;
	return NULL;
}

pid_t cli_parse_pid(struct argp_state *state, const char *arg)
{
	char msg[512];
	pid_t pid = 0;

	if (cli_pid_problem(arg, &pid, msg, sizeof(msg)))
		cli_usage_error(state, "%s", msg);
	return pid;
}

/*
 * argp's own misuse messages quote with a backtick and exit 64.  With
 * ARGP_NO_ERRS it stays quiet and this wrapper words them like every other
 * ptimerctl message.
 */
#define OPT_TIMEOUT 0x300

static const struct argp_option common_options[] = {
	{ "verbose", 'v', NULL, 0, "Log what the library does to stderr", -1 },
	{ "quiet", 'q', NULL, 0, "Print errors only", -1 },
	{ "timeout", OPT_TIMEOUT, "SECONDS", 0, "Give up when a thread of the target does"
	  " not stop, or injected code does not finish, within SECONDS (default 5)", -1 },
	{ 0 }
};

/* SECONDS with up to three decimals, 0.001..86400. */
static unsigned int parse_timeout(struct argp_state *state, const char *arg)
{
	char *end;
	double s;

	errno = 0;
	s = strtod(arg, &end);
	if (errno || end == arg || *end || !(s >= 0.001 && s <= 86400))
		cli_usage_error(state, "invalid --timeout '%s': expected seconds,"
				" 0.001 to 86400", arg);
	return (unsigned int)(s * 1000 + 0.5);
}

static error_t parse_wrapper(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'v':
		cli.verbosity++;
		return 0;
	case 'q':
		cli.verbosity = -1;
		return 0;
	case OPT_TIMEOUT:
		/* Before the command there is no library context yet: main() applies it. */
		cli.timeout_ms = parse_timeout(state, arg);
		if (cli.ctx)
			ptimer_set_timeout(cli.ctx, cli.timeout_ms);
		return 0;
	case ARGP_KEY_INIT:
		state->child_inputs[0] = state->input;
		return 0;
	case ARGP_KEY_ERROR:
		cli_usage_error(state, "unrecognized option or missing value near '%s'",
				state->argv[state->next > 1 ? state->next - 1 : 1]);
	default:
		return ARGP_ERR_UNKNOWN;
	}
	(void)arg;
}

void cli_parse_tid_map(struct argp_state *state, const char *arg, struct ptimer_tid_map **map,
		       size_t *n)
{
	free(*map);
	*map = NULL;
	if (ptimer_parse_tid_map(arg, map, n))
		cli_usage_error(state, "invalid --tid-map '%s': expected OLD:NEW[,OLD:NEW...]"
				" with positive ids, each OLD once", arg);
}

unsigned int cli_parse_kinds(struct argp_state *state, const char *arg)
{
	unsigned int kinds = 0;
	char *copy, *name, *save = NULL;

	copy = strdup(arg);
	if (!copy)
		cli_usage_error(state, "out of memory");
	for (name = strtok_r(copy, ",", &save); name; name = strtok_r(NULL, ",", &save)) {
		int bit = strcmp(name, "all") ? ptimer_kind_from_name(name) : PTIMER_KIND_ALL;

		if (bit < 0) {
			char bad[64];

			snprintf(bad, sizeof(bad), "%s", name);
			free(copy);
			cli_usage_error(state, "invalid --kinds: unknown kind '%s'; expected"
					" posix, itimer, timerfd, signals or all", bad);
		}
		kinds |= (unsigned int)bit;
	}
	free(copy);
	if (!kinds)
		cli_usage_error(state, "invalid --kinds '%s': expected a list of kinds", arg);
	return kinds;
}

void cli_take_pid(struct argp_state *state, pid_t *pid, const char *arg)
{
	if (*pid)
		cli_usage_error(state, "unexpected argument '%s'", arg);
	*pid = cli_parse_pid(state, arg);
}

/* --help, --usage and --version print and exit only without ARGP_NO_ERRS. */
static bool asks_for_help(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-?") ||
		    !strcmp(argv[i], "--usage") || !strcmp(argv[i], "--version") ||
		    !strcmp(argv[i], "-V"))
			return true;
	return false;
}

/*
 * argp prints --help, --usage and --version and calls exit(0) itself:
 * whether that text reached standard output is checked here, on the way
 * out (to /dev/full, or a closed one).
 */
static bool help_armed, help_registered;

static void help_written(void)
{
	if (help_armed && cli_finish_stdout())
		_exit(EXIT_FAILURE_GENERIC);
}

void cli_parse(const struct argp *argp, int argc, char **argv, void *input)
{
	unsigned int flags = ARGP_IN_ORDER;
	/* The wrapper carries the texts, so that help prints them once. */
	struct argp options_only = *argp;
	const struct argp_child children[] = { { &options_only, 0, NULL, 0 }, { 0 } };
	const struct argp wrapper = {
		.options = common_options,
		.parser = parse_wrapper,
		.children = children,
		.args_doc = argp->args_doc,
		.doc = argp->doc,
	};
	char name[64];
	char *saved = argv[0];
	int err;

	options_only.args_doc = NULL;
	options_only.doc = NULL;
	snprintf(name, sizeof(name), "ptimerctl%s%s", cli.subcommand ? " " : "",
		 cli.subcommand ? cli.subcommand : "");
	argv[0] = name;
	help_armed = asks_for_help(argc, argv);
	if (!help_armed)
		flags |= ARGP_NO_ERRS;
	else if (!help_registered)
		help_registered = !atexit(help_written);
	err = argp_parse(&wrapper, argc, argv, flags, NULL, input);
	/* Back here, argp printed no help: a --help was an option's value (show -i --help). */
	help_armed = false;
	argv[0] = saved;
	if (err)
		exit(EXIT_USAGE);
}
