// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* ptimerctl restore and migrate. */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "progress.h"

struct restore_args {
	const char *input;
	struct ptimer_restore_opts opts;
	struct ptimer_tid_map *tid_map;
	int progress;		/* -1 auto (a TTY), 0 off, 1 on */
	pid_t pids[2];
	int npids;
	int want_pids;
	bool keep_seccomp;
	unsigned int kinds;		/* --kinds; 0: all */
	bool verify;			/* restore --verify: diff the target with the dump after */
	bool max_steps_given;		/* --max-walk-steps, which default_walk_limit() yields to */
	unsigned int seccomp_flags;	/* PTIMER_DUMP_*_SECCOMP, from the capability drop */
};

enum {
	OPT_METHOD = 0x100, OPT_TIME, OPT_TID_MAP, OPT_REPLACE, OPT_DRY_RUN,
	OPT_MAX_WALK_STEPS, OPT_PROGRESS, OPT_NO_PROGRESS, OPT_VERIFY,
};

#define RESTORE_OPTIONS \
	{ "method", OPT_METHOD, "METHOD", 0, \
	  "auto (default), prctl (exact IDs, Linux 6.15+) or walk (walk the ID counter;" \
	  " also 'loop')", 0 }, \
	{ "time", OPT_TIME, "MODE", 0, \
	  "frozen (default: the dumped remaining time) or deadline (minus the time since the dump)", 0 }, \
	{ "tid-map", OPT_TID_MAP, "OLD:NEW[,...]", 0, \
	  "Map dumped thread ids to target threads (default: in creation order)", 0 }, \
	{ "replace", OPT_REPLACE, NULL, 0, "Delete target timers whose IDs the dump needs", 0 }, \
	{ "dry-run", OPT_DRY_RUN, NULL, 0, "Validate and print the plan; change nothing", 0 }, \
	{ "max-walk-steps", OPT_MAX_WALK_STEPS, "N", 0, "Refuse a walk of more than N steps" \
	  " (default: the dump's highest ID + 1, at least 2^24: no lap of the ID space)", 0 }, \
	/* Its first name: options once released keep working. */ \
	{ "max-iterations", OPT_MAX_WALK_STEPS, "N", OPTION_ALIAS, NULL, 0 }, \
	{ "progress", OPT_PROGRESS, NULL, 0, "Show a progress bar on stderr, even if not a TTY", 0 }, \
	{ "no-progress", OPT_NO_PROGRESS, NULL, 0, "Never show a progress bar", 0 }, \
	CLI_KEEP_SECCOMP_OPTION, \
	CLI_KINDS_OPTION

static const struct argp_option restore_options[] = {
	{ "input", 'i', "FILE", 0, "Read the dump from FILE; - (the default) is stdin", 0 },
	{ "verify", OPT_VERIFY, NULL, 0, "Then compare PID's timers with the dump, as"
	  " 'ptimerctl diff' does; exit 1 if they differ", 0 },
	RESTORE_OPTIONS,
	{ 0 }
};

static const struct argp_option migrate_options[] = {
	RESTORE_OPTIONS,
	{ 0 }
};

static uint64_t parse_count(struct argp_state *state, const char *arg)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(arg, &end, 10);
	if (errno || end == arg || *end || arg[0] == '-' || v == 0)
		cli_usage_error(state, "invalid --max-walk-steps '%s': expected a positive number",
				arg);
	return v;
}

static error_t parse_restore(int key, char *arg, struct argp_state *state)
{
	struct restore_args *a = state->input;
	size_t n;

	switch (key) {
	case 'i':
		a->input = arg;
		break;
	case OPT_METHOD:
		if (!strcmp(arg, "auto"))
			a->opts.method = PTIMER_METHOD_AUTO;
		else if (!strcmp(arg, "prctl"))
			a->opts.method = PTIMER_METHOD_PRCTL;
		else if (!strcmp(arg, "walk") || !strcmp(arg, "loop"))	/* loop: its first name */
			a->opts.method = PTIMER_METHOD_WALK;
		else
			cli_usage_error(state, "invalid --method '%s': expected auto, prctl or walk",
					arg);
		break;
	case OPT_TIME:
		if (!strcmp(arg, "frozen"))
			a->opts.time = PTIMER_TIME_FROZEN;
		else if (!strcmp(arg, "deadline"))
			a->opts.time = PTIMER_TIME_DEADLINE;
		else
			cli_usage_error(state, "invalid --time '%s': expected frozen or deadline",
					arg);
		break;
	case OPT_TID_MAP:
		cli_parse_tid_map(state, arg, &a->tid_map, &n);
		a->opts.tid_map = a->tid_map;
		a->opts.ntid_map = n;
		break;
	case OPT_REPLACE:
		a->opts.replace = true;
		break;
	case OPT_DRY_RUN:
		a->opts.dry_run = true;
		break;
	case OPT_MAX_WALK_STEPS:
		a->opts.max_steps = parse_count(state, arg);
		a->max_steps_given = true;
		break;
	case OPT_PROGRESS:
		a->progress = 1;
		break;
	case OPT_NO_PROGRESS:
		a->progress = 0;
		break;
	case CLI_OPT_KEEP_SECCOMP:
		a->keep_seccomp = true;
		break;
	case CLI_OPT_KINDS:
		a->kinds = cli_parse_kinds(state, arg);
		break;
	case OPT_VERIFY:
		a->verify = true;
		break;
	case ARGP_KEY_ARG:
		if (a->npids == a->want_pids)
			cli_usage_error(state, "unexpected argument '%s'", arg);
		a->pids[a->npids++] = cli_parse_pid(state, arg);
		break;
	case ARGP_KEY_END:
		if (a->npids < a->want_pids)
			cli_usage_error(state, a->want_pids == 2 ? "expected SRC_PID and DST_PID" :
					"no PID given");
		if (a->want_pids == 2 && a->pids[0] == a->pids[1])
			cli_usage_error(state, "SRC_PID and DST_PID are the same process");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp restore_argp = {
	.options = restore_options,
	.parser = parse_restore,
	.args_doc = "PID",
	.doc = "Recreate the timers of a dump (ptimerctl-dump(5)) in process PID, with"
	       " the same timer IDs.  Everything is validated before PID is attached;"
	       " any failure removes what was created and leaves PID running as before."
	       "\vExamples:\n"
	       "  ptimerctl restore -i timers.json 1234\n"
	       "  ptimerctl dump 1234 | ptimerctl restore 5678\n"
	       "  ptimerctl restore --method=walk --max-walk-steps 1000000 -i t.json 5678",
};

static const struct argp migrate_argp = {
	.options = migrate_options,
	.parser = parse_restore,
	.args_doc = "SRC_PID DST_PID",
	.doc = "Move the timers of SRC_PID to DST_PID: dump SRC_PID disarming each"
	       " timer atomically, restore into DST_PID, and if that fails re-arm"
	       " SRC_PID as it was, so that nothing is lost and nothing fires twice.",
};

static const char *method_name(enum ptimer_method m)
{
	static const char *const names[] = {
		[PTIMER_METHOD_AUTO] = "auto",
		[PTIMER_METHOD_PRCTL] = "prctl",
		[PTIMER_METHOD_WALK] = "walk",
	};

	return names[m];
}

static void print_plan(const struct ptimer_plan *p, bool dry_run)
{
	char est[32];

	if (p->method == PTIMER_METHOD_PRCTL) {
		cli_info("plan: method prctl, %zu timer%s, exact IDs%s", p->ntimers,
			 p->ntimers == 1 ? "" : "s", dry_run ? " (dry run: nothing changed)" : "");
		return;
	}
	cli_format_duration(est, sizeof(est), p->estimate_ns);
	cli_info("plan: method walk, %zu timer%s, %s%" PRIu64 " walk steps, about %s"
		 " at %.2f us a step%s", p->ntimers, p->ntimers == 1 ? "" : "s",
		 p->walk_steps_exact ? "" : "at least ", p->walk_steps, est,
		 p->ns_per_step / 1000.0, dry_run ? " (dry run: nothing changed)" : "");
}

static int plan_cb(void *data, const struct ptimer_plan *plan)
{
	if (plan->method == PTIMER_METHOD_WALK || cli.verbosity > 0)
		print_plan(plan, false);
	/* The bar's frames come after the plan line, never on it. */
	if (plan->method == PTIMER_METHOD_WALK)
		progress_bar_start(data, plan->ns_per_step);
	return 0;
}

static int progress_cb(void *data, const struct ptimer_progress *p)
{
	progress_bar_update(data, p->steps_done, p->steps_total, p->elapsed_ns);
	return 0;
}

static int drop_capabilities(struct restore_args *a, int npids)
{
	int ret = cli_drop_capabilities(a->pids, npids, a->keep_seccomp, &a->seccomp_flags);

	a->opts.suspend_seccomp = a->seccomp_flags & PTIMER_DUMP_SUSPEND_SECCOMP;
	a->opts.keep_seccomp = a->seccomp_flags & PTIMER_DUMP_KEEP_SECCOMP;
	return ret;
}

/* The dump's highest timer id plus one: steps enough for any walk that does not wrap. */
static uint64_t ids_below(const struct ptimer_dump *dump)
{
	return dump->ntimers ? (uint64_t)dump->timers[dump->ntimers - 1].id + 1 : 0;
}

/* Steps enough for any walk: a lap of the id space, then on to the highest id. */
static uint64_t lap_and_on(const struct ptimer_dump *dump)
{
	return PTIMER_ID_SPACE + ids_below(dump);
}

/* The default limit's floor: a short wrap past INT_MAX, about 10 s of walking. */
#define WALK_DEFAULT_MIN_STEPS	(1ull << 24)

/*
 * Without --max-walk-steps, no walk round the id space, which stops the
 * target for up to 2^31 steps (about 20 minutes): only when asked for by
 * name.  A walk that does not wrap needs at most the dump's highest id
 * plus one steps, and one that wraps from a counter near INT_MAX costs
 * little, so the default is the larger of the two.  With --replace it
 * also stays a step short of a lap, which refuses a replaced id made
 * again by a walk (lib/restore.c).
 */
static void default_walk_limit(struct restore_args *a, const struct ptimer_dump *dump)
{
	uint64_t limit = WALK_DEFAULT_MIN_STEPS;

	if (a->max_steps_given)
		return;
	if (ids_below(dump) > limit)
		limit = ids_below(dump);
	if (a->opts.replace && limit > PTIMER_ID_SPACE - 1)
		limit = PTIMER_ID_SPACE - 1;
	a->opts.max_steps = limit;
}

static int run_restore(struct restore_args *a, pid_t pid, const struct ptimer_dump *dump)
{
	struct progress_bar bar;
	struct ptimer_plan plan = { .size = sizeof(plan) };
	int ret;

	a->opts.on_plan = plan_cb;
	a->opts.on_progress = progress_cb;
	a->opts.data = &bar;
	progress_bar_init(&bar, a->progress < 0 ? isatty(STDERR_FILENO) : a->progress);
	ret = ptimer_restore_pid(cli.ctx, pid, dump, &a->opts, &plan, NULL);
	progress_bar_finish(&bar, !ret);
	if (ret)
		return ret;
	if (a->opts.dry_run)
		print_plan(&plan, true);
	else if (cli.verbosity > 0)
		cli_info("restored %zu timer%s into pid %d (method %s)", plan.ntimers,
			 plan.ntimers == 1 ? "" : "s", pid, method_name(plan.method));
	return 0;
}

/*
 * Report a failed restore into @pid; a lack of RLIMIT_SIGPENDING, and a
 * replace that would walk round the id space, get a hint.
 */
static int restore_failed(const struct restore_args *a, int err, pid_t pid,
			  const struct ptimer_dump *dump)
{
	int ret = cli_fail(err, "cannot restore into pid %d", pid);

	/* Not when the room asked is a rollback's, which the message counts itself. */
	if (err == -EAGAIN && !strstr(ptimer_last_error(cli.ctx), "should the restore fail")) {
		size_t nsigs = 0;

		ptimer_dump_signals(dump, &nsigs);
		cli_hint_sigpending(pid, dump->ntimers, nsigs);
	}
	if (err == -PTIMER_ERR_WALK_TOO_LONG && a->opts.replace)
		cli_info("hint: a kernel with PR_TIMER_CREATE_RESTORE_IDS (Linux 6.15, or"
			 " kernel-patch/ of the sources) makes replaced IDs at once;"
			 " --max-walk-steps=%llu allows the walk", (unsigned long long)lap_and_on(dump));
	else if (err == -PTIMER_ERR_WALK_TOO_LONG && !a->max_steps_given)
		cli_info("hint: by default a walk round the ID space is refused, the target"
			 " stopped throughout (about 20 minutes a lap); a kernel with"
			 " PR_TIMER_CREATE_RESTORE_IDS (Linux 6.15, or kernel-patch/ of the"
			 " sources) makes the IDs at once; --max-walk-steps=%llu allows the"
			 " walk", (unsigned long long)lap_and_on(dump));
	return ret;
}

int cmd_restore(int argc, char **argv)
{
	struct restore_args a = { .input = "-", .opts.size = sizeof(a.opts), .progress = -1,
				  .want_pids = 1 };
	struct ptimer_dump *dump;
	int ret;

	cli_parse(&restore_argp, argc, argv, &a);
	if (a.kinds && ptimer_set_kinds(cli.ctx, a.kinds))
		return EXIT_USAGE;
	/*
	 * The target before the input: a restore that cannot be made exits
	 * without draining a pipe, so that `dump --disarm A | restore B`
	 * with B wrong fails the dump's write, which re-arms A.
	 */
	ret = ptimer_private_check_pid(cli.ctx, a.pids[0]);
	if (ret) {
		ret = cli_fail(ret, "cannot restore into pid %d", a.pids[0]);
		goto free_map;
	}
	ret = cli_load_dump(a.input, &dump);
	if (ret)
		goto free_map;
	default_walk_limit(&a, dump);
	ret = drop_capabilities(&a, 1);
	if (ret)
		cli_warn("cannot drop capabilities: %s", strerror(-ret));
	cli_hold_begin();
	ret = run_restore(&a, a.pids[0], dump);
	cli_hold_end();
	if (ret)
		ret = restore_failed(&a, ret, a.pids[0], dump);
	else if (a.verify && !a.opts.dry_run)
		ret = cli_verify_restore(dump, a.pids[0], a.opts.tid_map, a.opts.ntid_map,
					 a.seccomp_flags);
	ptimer_dump_free(dump);
free_map:
	free(a.tid_map);
	return ret;
}

/*
 * The restore failed, and so did putting SRC back: its timers stay
 * disarmed.  Say so, whatever the restore's failure said of DST (an
 * interrupt's "rolled back" is not the whole story any longer), and keep
 * their dump.  The exit status is the re-arm's.
 */
static int rearm_failed(const struct ptimer_dump *dump, pid_t src, int err)
{
	const char *detail = ptimer_last_error(cli.ctx);

	if (detail[0])
		cli_error(0, "cannot re-arm the timers of pid %d: %s", src, detail);
	else
		cli_error(err, "cannot re-arm the timers of pid %d", src);
	cli_say_disarmed(src, cli_keep_dump(dump, src));
	return err == -EINTR ? EXIT_FAILURE_GENERIC : cli_exit_code(err);
}

/* A dry run of the restore of @dump into @pid, with @opts otherwise as given. */
static int check_restore(const struct ptimer_restore_opts *opts, pid_t pid,
			 const struct ptimer_dump *dump)
{
	struct ptimer_restore_opts dry = *opts;

	dry.dry_run = true;
	return ptimer_restore_pid(cli.ctx, pid, dump, &dry, NULL, NULL);
}

int cmd_migrate(int argc, char **argv)
{
	struct restore_args a = { .opts.size = sizeof(a.opts), .progress = -1, .want_pids = 2 };
	struct ptimer_dump *probe = NULL, *dump = NULL;
	pid_t src, dst;
	int ret, rc;

	cli_parse(&migrate_argp, argc, argv, &a);
	if (a.kinds && ptimer_set_kinds(cli.ctx, a.kinds))
		return EXIT_USAGE;
	src = a.pids[0];
	dst = a.pids[1];
	ret = drop_capabilities(&a, 2);
	if (ret)
		cli_warn("cannot drop capabilities: %s", strerror(-ret));
	cli_hold_begin();

	/* A non-destructive look first, so that most failures disarm nothing. */
	ret = ptimer_dump_pid(cli.ctx, src, a.seccomp_flags, &probe, NULL);
	if (ret) {
		ret = cli_fail(ret, "cannot dump pid %d", src);
		goto free_map;
	}
	default_walk_limit(&a, probe);
	ret = check_restore(&a.opts, dst, probe);
	if (ret || a.opts.dry_run) {
		ret = ret ? restore_failed(&a, ret, dst, probe) : run_restore(&a, dst, probe);
		goto free_dumps;
	}
	if (cli_interrupted) {
		ret = cli_interrupted_exit("pids %d and %d were left as they were", src, dst);
		goto free_dumps;
	}

	ret = ptimer_dump_pid(cli.ctx, src, PTIMER_DUMP_DISARM | a.seccomp_flags, &dump, NULL);
	if (ret) {
		ret = cli_fail(ret, "cannot dump and disarm pid %d", src);
		goto free_dumps;
	}
	default_walk_limit(&a, dump);	/* its timers may have changed since the probe */
	ret = run_restore(&a, dst, dump);
	if (!ret)
		goto free_dumps;
	ret = restore_failed(&a, ret, dst, dump);
	/*
	 * Put SRC back as it was: its timers still exist, only disarmed.
	 * The library lets no interrupt stop this undo.
	 */
	rc = ptimer_rearm_pid(cli.ctx, src, dump, a.seccomp_flags);
	if (rc)
		ret = rearm_failed(dump, src, rc);
	else
		cli_info("re-armed the timers of pid %d", src);
free_dumps:
	ptimer_dump_free(dump);
	ptimer_dump_free(probe);
free_map:
	cli_hold_end();
	free(a.tid_map);
	return ret;
}
