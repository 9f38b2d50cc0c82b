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
		cli_take_pid(state, &a->pid, arg);
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

static void print_json(const struct ptimer_kernel_probe *k, cap_t caps, pid_t pid,
		       const struct ptimer_pid_probe *p)
{
	struct json_object *o = json_object_new_object(), *c = json_object_new_object();

	json_object_object_add(o, "kernel_release", json_object_new_string(k->release));
	json_object_object_add(o, "arch", json_object_new_string(k->machine));
	json_object_object_add(o, "proc_timers", json_object_new_boolean(k->proc_timers));
	json_object_object_add(o, "prctl_restore_ids", json_object_new_boolean(k->restore_ids));
	json_object_object_add(c, "cap_sys_ptrace",
			       json_object_new_boolean(have_cap(caps, CAP_SYS_PTRACE)));
	json_object_object_add(c, "cap_checkpoint_restore",
			       json_object_new_boolean(have_cap(caps, CAP_CHECKPOINT_RESTORE)));
	json_object_object_add(o, "capabilities", c);
	if (pid)
		json_object_object_add(o, "target", pid_json(pid, p, caps));
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
					    JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
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

int cmd_check(int argc, char **argv)
{
	struct check_args a = { 0 };
	struct ptimer_kernel_probe k = { .size = sizeof(k) };
	struct ptimer_pid_probe p = { .size = sizeof(p) };
	cap_t caps;
	int ret = 0, err = 0;

	cli_parse(&check_argp, argc, argv, &a);
	ret = ptimer_probe_kernel(&k);
	if (ret)
		return cli_fail(ret, "cannot probe the kernel");
	caps = cap_get_proc();
	if (a.pid) {
		ret = ptimer_probe_pid(cli.ctx, a.pid, &p);
		if (ret) {
			cap_free(caps);
			return cli_fail(ret, "cannot inspect pid %d", a.pid);
		}
	}
	if (a.json)
		print_json(&k, caps, a.pid, &p);
	else
		print_text(&k, caps, a.pid, &p);
	if (a.pid)
		unusable_reason(&p, caps, &err);
	cap_free(caps);
	ret = cli_finish_stdout();
	if (ret)
		return ret;
	if (!k.proc_timers)
		return EXIT_UNSUPPORTED;
	/* A thread id is the caller's mistake, which the report names. */
	if (a.pid && err)
		return cli_exit_code(err);
	if (a.pid && !p.may_trace)
		return EXIT_PERMISSION;
	return EXIT_OK;
}
