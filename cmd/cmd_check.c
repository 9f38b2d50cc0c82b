// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* ptimerctl check: what works here, and for one process. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <json-c/json.h>

#include "cli.h"

#ifndef CAP_CHECKPOINT_RESTORE
#define CAP_CHECKPOINT_RESTORE 40
#endif

struct check_args {
	bool json;
	pid_t pid;
	const char *pid_arg;	/* checked after parsing, so that -J may follow it */
	const char *extra;	/* a second argument: misuse */
};

static const struct argp_option check_options[] = {
	{ "json", 'J', NULL, 0, "Print JSON instead of text", 0 },
	{ 0 }
};

static error_t parse_check(int key, char *arg, struct argp_state *state)
{
	struct check_args *a = state->input;

	switch (key) {
	case 'J':
		a->json = true;
		break;
	case ARGP_KEY_ARG:
		if (!a->pid_arg)
			a->pid_arg = arg;
		else if (!a->extra)
			a->extra = arg;
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp check_argp = {
	.options = check_options,
	.parser = parse_check,
	.args_doc = "[PID]",
	.doc = "Report what works on this kernel: /proc/PID/timers, the"
	       " PR_TIMER_CREATE_RESTORE_IDS prctl (probed by behaviour),"
	       " ptimerctl's capabilities; with PID, whether that process can be"
	       " traced.  Nothing is attached."
	       "\vThe exit status is 0 when everything needed for PID (or, without"
	       " PID, for reading timers) works.",
};

static bool have_cap(cap_t caps, cap_value_t cap)
{
	cap_flag_value_t v = CAP_CLEAR;

	if (caps)
		cap_get_flag(caps, cap, CAP_EFFECTIVE, &v);
	return v == CAP_SET;
}

static const char *yesno(bool b)
{
	return b ? "yes" : "no";
}

/*
 * What dump and restore will meet, beyond what opening the process shows:
 * a seccomp filter that we could not suspend (no CAP_SYS_ADMIN) is refused.
 */
static const char *unusable_reason(const struct ptimer_pid_probe *p, cap_t caps, int *err)
{
	*err = p->open_error;
	if (p->open_error)
		return ptimer_last_error(cli.ctx);
	if (p->seccomp > 0 && !have_cap(caps, CAP_SYS_ADMIN)) {
		*err = -PTIMER_ERR_SECCOMP;
		return "runs under a seccomp filter that may kill it for the injected system"
		       " calls, and suspending it needs CAP_SYS_ADMIN (or --keep-seccomp)";
	}
	return NULL;
}

static struct json_object *pid_json(pid_t pid, const struct ptimer_pid_probe *p, cap_t caps)
{
	struct json_object *o = json_object_new_object();
	int err;
	const char *why = unusable_reason(p, caps, &err);

	json_object_object_add(o, "pid", json_object_new_int(pid));
	json_object_object_add(o, "comm", json_object_new_string(p->comm));
	json_object_object_add(o, "usable", json_object_new_boolean(!why));
	json_object_object_add(o, "error", why ? json_object_new_string(why) : NULL);
	json_object_object_add(o, "may_trace", json_object_new_boolean(p->may_trace));
	json_object_object_add(o, "tracer_pid", json_object_new_int(p->tracer_pid));
	json_object_object_add(o, "seccomp", json_object_new_int(p->seccomp));
	json_object_object_add(o, "timers_readable", json_object_new_boolean(p->timers_readable));
	json_object_object_add(o, "timers", json_object_new_int64(p->ntimers));
	json_object_object_add(o, "threads", json_object_new_int64(p->nthreads));
	return o;
}

/*
 * The JSON report, always a document on stdout: with -J a script reads
 * stdout alone.  @k is NULL when the kernel could not be probed, @p when
 * PID could not be inspected; @error is why the exit status is not 0.
 */
static void print_json(const struct ptimer_kernel_probe *k, cap_t caps, pid_t pid,
		       const struct ptimer_pid_probe *p, const char *error, int status)
{
	struct json_object *o = json_object_new_object(), *c, *t;

	if (k) {
		c = json_object_new_object();
		json_object_object_add(o, "kernel_release", json_object_new_string(k->release));
		json_object_object_add(o, "arch", json_object_new_string(k->machine));
		json_object_object_add(o, "proc_timers", json_object_new_boolean(k->proc_timers));
		json_object_object_add(o, "prctl_restore_ids",
				       json_object_new_boolean(k->restore_ids));
		json_object_object_add(c, "cap_sys_ptrace",
				       json_object_new_boolean(have_cap(caps, CAP_SYS_PTRACE)));
		json_object_object_add(c, "cap_checkpoint_restore",
				       json_object_new_boolean(have_cap(caps,
								       CAP_CHECKPOINT_RESTORE)));
		json_object_object_add(o, "capabilities", c);
	}
	if (pid && p) {
		json_object_object_add(o, "target", pid_json(pid, p, caps));
	} else if (pid) {
		t = json_object_new_object();
		json_object_object_add(t, "pid", json_object_new_int(pid));
		json_object_object_add(t, "usable", json_object_new_boolean(false));
		json_object_object_add(t, "error", json_object_new_string(error));
		json_object_object_add(o, "target", t);
	}
	json_object_object_add(o, "error", error ? json_object_new_string(error) : NULL);
	json_object_object_add(o, "exit_status", json_object_new_int(status));
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* What a failed library call says on stderr, as one string for the report. */
static const char *failure_text(char *buf, size_t size, int err, const char *what)
{
	const char *detail = ptimer_last_error(cli.ctx);
	bool real_errno = -err < PTIMER_ERR_BASE || -err >= PTIMER_ERR_END;

	if (!detail[0])
		snprintf(buf, size, "%s: %s", what, ptimer_strerror(err));
	else if (real_errno)
		snprintf(buf, size, "%s: %s", detail, ptimer_strerror(err));
	else
		snprintf(buf, size, "%s", detail);
	return buf;
}

/* Misuse with -J: the document says so too, then the usual message. */
static void usage_failure(const struct check_args *a, const char *msg)
{
	if (a->json) {
		print_json(NULL, NULL, 0, NULL, msg, EXIT_USAGE);
		fflush(stdout);
	}
	cli_usage_error(NULL, "%s", msg);
}

static void print_text(const struct ptimer_kernel_probe *k, cap_t caps, pid_t pid,
		       const struct ptimer_pid_probe *p)
{
	char comm[CLI_COMM_ESCAPED_SIZE], error[1024];
	const char *why;
	int err;

	printf("kernel:                  %s (%s)\n", k->release, k->machine);
	printf("/proc/PID/timers:        %s\n", yesno(k->proc_timers));
	printf("prctl restore IDs:       %s\n", k->restore_ids ? "yes (exact-ID restore)" :
	       "no (restore walks the ID counter)");
	printf("CAP_SYS_PTRACE:          %s\n", yesno(have_cap(caps, CAP_SYS_PTRACE)));
	printf("CAP_CHECKPOINT_RESTORE:  %s\n", yesno(have_cap(caps, CAP_CHECKPOINT_RESTORE)));
	if (!pid)
		return;
	why = unusable_reason(p, caps, &err);
	printf("pid %d (%s):\n", pid, cli_escape(comm, sizeof(comm), p->comm));
	printf("  usable:                %s\n", why ? cli_escape(error, sizeof(error), why) : "yes");
	printf("  may trace:             %s\n", yesno(p->may_trace));
	printf("  already traced by:     %d\n", p->tracer_pid);
	printf("  seccomp mode:          %d\n", p->seccomp);
	printf("  timers:                %zu%s\n", p->ntimers,
	       p->timers_readable ? "" : " (unreadable)");
	printf("  threads:               %zu\n", p->nthreads);
}

/* The exit status of a report, and why it is not 0 (in @buf), or NULL. */
static int report_status(const struct ptimer_kernel_probe *k, cap_t caps, pid_t pid,
			 const struct ptimer_pid_probe *p, const char **why, char *buf,
			 size_t size)
{
	const char *reason;
	int err = 0;

	*why = NULL;
	if (!k->proc_timers) {
		*why = "this kernel has no /proc/PID/timers";
		return EXIT_UNSUPPORTED;
	}
	if (!pid)
		return EXIT_OK;
	/* A thread id is the caller's mistake, which the report names. */
	reason = unusable_reason(p, caps, &err);
	if (err) {
		*why = reason;
		return cli_exit_code(err);
	}
	if (!p->may_trace) {
		snprintf(buf, size, "pid %d may not be traced by ptimerctl", pid);
		*why = buf;
		return EXIT_PERMISSION;
	}
	return EXIT_OK;
}

int cmd_check(int argc, char **argv)
{
	struct check_args a = { 0 };
	struct ptimer_kernel_probe k = { .size = sizeof(k) };
	struct ptimer_pid_probe p = { .size = sizeof(p) };
	char msg[1024];
	const char *why;
	cap_t caps;
	int ret, status;

	cli_parse(&check_argp, argc, argv, &a);
	if (a.extra) {
		snprintf(msg, sizeof(msg), "unexpected argument '%s'", a.extra);
		usage_failure(&a, msg);
	}
	if (a.pid_arg && cli_pid_problem(a.pid_arg, &a.pid, msg, sizeof(msg)))
		usage_failure(&a, msg);
	ret = ptimer_probe_kernel(&k);
	if (ret) {
		status = cli_fail(ret, "cannot probe the kernel");
		if (a.json)
			print_json(NULL, NULL, a.pid, NULL, failure_text(msg, sizeof(msg), ret,
					"cannot probe the kernel"), status);
		return a.json ? cli_finish_stdout() ?: status : status;
	}
	caps = cap_get_proc();
	if (a.pid) {
		ret = ptimer_probe_pid(cli.ctx, a.pid, &p);
		if (ret) {
			char what[64];

			snprintf(what, sizeof(what), "cannot inspect pid %d", a.pid);
			failure_text(msg, sizeof(msg), ret, what);
			status = cli_fail(ret, "%s", what);
			if (a.json)
				print_json(&k, caps, a.pid, NULL, msg, status);
			cap_free(caps);
			return a.json ? cli_finish_stdout() ?: status : status;
		}
	}
	status = report_status(&k, caps, a.pid, &p, &why, msg, sizeof(msg));
	if (a.json)
		print_json(&k, caps, a.pid, &p, why, status);
	else
		print_text(&k, caps, a.pid, &p);
	cap_free(caps);
	ret = cli_finish_stdout();
	return ret ? ret : status;
}
