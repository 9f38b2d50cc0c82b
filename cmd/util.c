// SPDX-License-Identifier: GPL-2.0-or-later
/* Argument parsing helpers, capabilities and file I/O for the CLI. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

void cli_usage_error(struct argp_state *state, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	fprintf(stderr, "ptimerctl%s%s: %s\nTry 'ptimerctl%s%s --help' for more information.\n",
		cli.subcommand ? " " : "", cli.subcommand ? cli.subcommand : "", msg,
		cli.subcommand ? " " : "", cli.subcommand ? cli.subcommand : "");
	(void)state;
	exit(EXIT_USAGE);
}

pid_t cli_parse_pid(struct argp_state *state, const char *arg)
{
	char *end;
	long v;

	if (!arg[0] || strspn(arg, "0123456789") != strlen(arg))
		cli_usage_error(state, "invalid PID '%s': expected a positive number", arg);
	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || v <= 0 || v > INT_MAX)
		cli_usage_error(state, "invalid PID '%s': out of range 1..%d", arg, INT_MAX);
	return (pid_t)v;
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
	if (!asks_for_help(argc, argv))
		flags |= ARGP_NO_ERRS;
	err = argp_parse(&wrapper, argc, argv, flags, NULL, input);
	argv[0] = saved;
	if (err)
		exit(EXIT_USAGE);
}

int cli_output_open(struct cli_output *out, const char *path)
{
	int fd;

	memset(out, 0, sizeof(*out));
	out->path = path;
	if (!strcmp(path, "-")) {
		out->f = stdout;
		return 0;
	}
	/*
	 * Write a new 0600 file beside the target name and rename it into
	 * place on success: a failed dump leaves an existing file as it was,
	 * and a symlink at @path is replaced, never written through.
	 */
	if (asprintf(&out->tmp, "%s.XXXXXX", path) < 0) {
		out->tmp = NULL;
		return -ENOMEM;
	}
	fd = mkostemp(out->tmp, O_CLOEXEC);
	if (fd < 0)
		goto fail;
	out->f = fdopen(fd, "w");
	if (!out->f) {
		close(fd);
		unlink(out->tmp);
		goto fail;
	}
	return 0;
fail:
	fd = -errno;
	free(out->tmp);
	out->tmp = NULL;
	return fd;
}

int cli_output_commit(struct cli_output *out)
{
	int ret = 0;

	if (fflush(out->f) || (out->tmp && fsync(fileno(out->f))))
		ret = -errno;
	if (out->f != stdout && fclose(out->f) && !ret)
		ret = -errno;
	out->f = NULL;
	if (out->tmp) {
		if (!ret && rename(out->tmp, out->path))
			ret = -errno;
		if (ret)
			unlink(out->tmp);
		free(out->tmp);
		out->tmp = NULL;
	}
	return ret;
}

void cli_output_abort(struct cli_output *out)
{
	if (out->f && out->f != stdout)
		fclose(out->f);
	out->f = NULL;
	if (out->tmp) {
		unlink(out->tmp);
		free(out->tmp);
		out->tmp = NULL;
	}
}

int cli_read_input(const char *path, size_t limit, char **buf, size_t *len)
{
	size_t cap = 65536, used = 0;
	char *data, *grown;
	int fd, ret;

	fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	if (fd < 0)
		return -errno;
	data = malloc(cap + 1);
	if (!data) {
		ret = -ENOMEM;
		goto close_fd;
	}
	for (;;) {
		ssize_t got;

		if (used == cap) {
			/* Read one byte past the limit, to tell "at" from "over". */
			if (cap > limit) {
				ret = -EFBIG;
				goto free_data;
			}
			grown = realloc(data, cap * 2 + 1);
			if (!grown) {
				ret = -ENOMEM;
				goto free_data;
			}
			data = grown;
			cap *= 2;
		}
		got = read(fd, data + used, cap - used);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto free_data;
		}
		if (got == 0)
			break;
		used += got;
	}
	if (used > limit) {
		ret = -EFBIG;
		goto free_data;
	}
	data[used] = '\0';
	*buf = data;
	*len = used;
	ret = 0;
	goto close_fd;

free_data:
	free(data);
close_fd:
	if (fd != STDIN_FILENO)
		close(fd);
	return ret;
}

void cli_format_duration(char *buf, size_t len, int64_t ns)
{
	double s = ns / 1e9;

	if (ns < 1000000)
		snprintf(buf, len, "%.0f us", ns / 1e3);
	else if (s < 1)
		snprintf(buf, len, "%.1f ms", ns / 1e6);
	else if (s < 120)
		snprintf(buf, len, "%.1f s", s);
	else if (s < 7200)
		snprintf(buf, len, "%.1f min", s / 60);
	else
		snprintf(buf, len, "%.1f h", s / 3600);
}

void cli_format_ns(char *buf, size_t len, int64_t ns)
{
	if (ns == 0) {
		snprintf(buf, len, "-");
		return;
	}
	snprintf(buf, len, "%lld.%09llds", (long long)(ns / 1000000000),
		 (long long)(ns % 1000000000));
}

int cli_load_dump(const char *path, struct ptimer_dump **dump)
{
	const char *name = strcmp(path, "-") ? path : "stdin";
	size_t len;
	char *text;
	int ret;

	if (!strcmp(path, "-") && isatty(STDIN_FILENO)) {
		cli_error(0, "no dump to read: stdin is a terminal; use -i FILE or a pipe");
		return EXIT_USAGE;
	}
	ret = cli_read_input(path, PTIMER_JSON_MAX_BYTES, &text, &len);
	if (ret == -EFBIG) {
		cli_error(0, "%s: larger than the %u-byte limit", name, PTIMER_JSON_MAX_BYTES);
		return EXIT_BAD_INPUT;
	}
	if (ret) {
		cli_error(ret, "cannot read '%s'", name);
		return EXIT_FAILURE_GENERIC;
	}
	ret = ptimer_dump_from_json(cli.ctx, text, len, dump);
	free(text);
	if (ret) {
		cli_error(0, "%s: %s", name, ptimer_last_error(cli.ctx));
		return EXIT_BAD_INPUT;
	}
	return EXIT_OK;
}
