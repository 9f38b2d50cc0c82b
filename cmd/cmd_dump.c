// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* ptimerctl dump: a process's timers as JSON. */
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct dump_args {
	const char *output;
	bool pretty;
	bool disarm;
	bool keep_seccomp;
	unsigned int kinds;	/* --kinds; 0: all */
	pid_t pid;
};

enum { OPT_PRETTY = 0x100, OPT_DISARM };

static const struct argp_option dump_options[] = {
	{ "output", 'o', "FILE", 0, "Write to FILE (created 0600), or - for stdout", 0 },
	{ "pretty", OPT_PRETTY, NULL, 0, "Indent the JSON", 0 },
	{ "disarm", OPT_DISARM, NULL, 0,
	  "Read and disarm each timer (POSIX, interval, timerfd) atomically, for migration", 0 },
	CLI_KEEP_SECCOMP_OPTION,
	CLI_KINDS_OPTION,
	{ 0 }
};

static error_t parse_dump(int key, char *arg, struct argp_state *state)
{
	struct dump_args *a = state->input;

	switch (key) {
	case 'o':
		a->output = arg;
		break;
	case OPT_PRETTY:
		a->pretty = true;
		break;
	case OPT_DISARM:
		a->disarm = true;
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
		if (!a->pid)
			cli_usage_error(state, "no PID given");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp dump_argp = {
	.options = dump_options,
	.parser = parse_dump,
	.args_doc = "PID",
	.doc = "Write the timers of process PID as JSON (ptimerctl-dump(5)): POSIX"
	       " timers, interval timers, timerfds and queued timer signals."
	       " The process is stopped only while its timers are read, and"
	       " notices nothing."
	       "\vExamples:\n"
	       "  ptimerctl dump 1234 > timers.json\n"
	       "  ptimerctl dump --pretty -o timers.json 1234",
};

int cli_write_dump(const struct ptimer_dump *dump, struct cli_output *out, bool pretty)
{
	int fd, ret, rc;
	FILE *g;

	fflush(out->f);
	g = cli_output_guard(out, &fd);
	if (!g) {
		ret = -errno;
		cli_output_abort(out);
		return ret;
	}
	/* Written as it is encoded: memory does not grow with the dump. */
	ret = ptimer_private_dump_write_json(cli.ctx, dump, pretty, g);
	rc = cli_output_unguard(g);
	/* The flush's errno says more than the encoder's EIO without one. */
	if (rc && (!ret || ret == -EIO))
		ret = rc;
	if (ret) {
		cli_output_abort(out);
		return ret;
	}
	return cli_output_commit(out);
}

/*
 * The dump could not be written after the target was touched.  A --disarm
 * left its timers disarmed: re-arm them, as migrate does when a restore
 * fails, so that a failed dump changes nothing; only if that fails too is
 * a whole document that could not be renamed kept.
 */
static int write_failed(const struct dump_args *a, struct cli_output *out,
			const struct ptimer_dump *dump, unsigned int seccomp_flags, int err)
{
	bool stopped = err == -EINTR && cli_interrupted;
	char name[PATH_MAX + 8];
	char *kept;
	int ret;

	cli_output_name(out, name, sizeof(name));
	if (stopped)
		cli_error(0, "interrupted by %s while writing the dump to %s",
			  cli_signal_name(cli_interrupted), name);
	else
		cli_error(err, "cannot write the dump to %s", name);
	if (!a->disarm) {
		cli_output_abort(out);
		return EXIT_FAILURE_GENERIC;
	}
	ret = ptimer_rearm_pid(cli.ctx, a->pid, dump, seccomp_flags);
	if (!ret) {
		if (out->tmp)
			cli_info("re-armed the timers of pid %d and removed the temporary file '%s'",
				 a->pid, out->tmp);
		else
			cli_info("re-armed the timers of pid %d", a->pid);
		cli_output_abort(out);
		return stopped ? EXIT_INTERRUPTED : EXIT_FAILURE_GENERIC;
	}
	ret = cli_fail(ret, "cannot re-arm the timers of pid %d", a->pid);
	/* The whole document that only could not be renamed; else a copy of its own. */
	kept = out->complete ? cli_output_keep(out) : cli_keep_dump(dump, a->pid);
	cli_say_disarmed(a->pid, kept);
	cli_output_abort(out);
	return ret;
}

int cmd_dump(int argc, char **argv)
{
	struct dump_args a = { .output = "-" };
	char name[PATH_MAX + 8];
	struct ptimer_dump *dump;
	struct cli_output out;
	unsigned int flags, seccomp_flags;
	int ret;

	cli_parse(&dump_argp, argc, argv, &a);
	if (a.kinds && ptimer_set_kinds(cli.ctx, a.kinds))
		return EXIT_USAGE;
	/*
	 * Capabilities first: the output is then opened with the privileges
	 * that its final rename will have, and whatever cannot be written is
	 * refused here, before the target is touched.
	 */
	ret = cli_drop_capabilities(&a.pid, 1, a.keep_seccomp, &flags);
	if (ret)
		cli_warn("cannot drop capabilities: %s", strerror(-ret));
	ret = cli_output_open(&out, a.output);
	if (ret) {
		cli_error(ret, "cannot write to %s", cli_output_name(&out, name, sizeof(name)));
		return EXIT_FAILURE_GENERIC;
	}
	seccomp_flags = flags;
	flags |= a.disarm ? PTIMER_DUMP_DISARM : 0;
	cli_hold_begin();
	ret = ptimer_dump_pid(cli.ctx, a.pid, flags, &dump, NULL);
	if (ret) {
		cli_output_abort(&out);
		cli_hold_end();
		return cli_fail(ret, "cannot dump pid %d", a.pid);
	}
	/* Without --disarm nothing changed: a late signal still drops the dump. */
	if (cli_interrupted && !a.disarm) {
		cli_output_abort(&out);
		ptimer_dump_free(dump);
		cli_hold_end();
		return cli_interrupted_exit("pid %d was left as it was, nothing written", a.pid);
	}
	/*
	 * Nor is there anything to undo from here on: a signal acts as it
	 * normally would.  After --disarm, a write is the last step, and one
	 * that a signal stops re-arms (write_failed()).
	 */
	if (!a.disarm)
		cli_hold_end();
	ret = cli_write_dump(dump, &out, a.pretty);
	if (ret)
		ret = write_failed(&a, &out, dump, seccomp_flags, ret);
	ptimer_dump_free(dump);
	cli_hold_end();
	return ret;
}
