// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* ptimerctl's messages and exit codes: one place, each message whole (stderr.c). */
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/*
 * Format the whole line first, so that it reaches stderr in one write(2),
 * and escape it: a message may quote a process name or a file name, whose
 * bytes must not drive the terminal.
 */
__attribute__((format(printf, 2, 0)))
static void emit(const char *prefix, const char *fmt, va_list ap, int err)
{
	char raw[1024], line[sizeof(raw) * 4 + 1];
	size_t n;

	n = snprintf(raw, sizeof(raw), "%s", prefix);
	if (n < sizeof(raw))
		n += vsnprintf(raw + n, sizeof(raw) - n, fmt, ap);
	if (err && n < sizeof(raw))
		snprintf(raw + n, sizeof(raw) - n, ": %s", ptimer_strerror(err));
	n = snprintf(line, sizeof(line), "ptimerctl: ");
	cli_escape(line + n, sizeof(line) - n - 1, raw);
	n = strlen(line);
	line[n++] = '\n';
	cli_stderr_write(line, n);
}

void cli_error(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	emit("", fmt, ap, err < 0 ? -err : err);
	va_end(ap);
}

void cli_warn(const char *fmt, ...)
{
	va_list ap;

	if (cli.verbosity < 0)
		return;
	va_start(ap, fmt);
	emit("warning: ", fmt, ap, 0);
	va_end(ap);
}

void cli_info(const char *fmt, ...)
{
	va_list ap;

	if (cli.verbosity < 0)
		return;
	va_start(ap, fmt);
	emit("", fmt, ap, 0);
	va_end(ap);
}

int cli_exit_code(int err)
{
	switch (-err) {
	case 0:
		return EXIT_OK;
	case ESRCH:
		return EXIT_NO_PROCESS;
	case EPERM:
	case EACCES:
	case PTIMER_ERR_SECCOMP:
		return EXIT_PERMISSION;
	case EOPNOTSUPP:
	case PTIMER_ERR_WALK_TOO_LONG:	/* longer than --max-walk-steps allows */
		return EXIT_UNSUPPORTED;
	case PTIMER_ERR_ZOMBIE:
		return EXIT_ZOMBIE;
	case PTIMER_ERR_KERNEL_THREAD:
		return EXIT_KERNEL_THREAD;
	case PTIMER_ERR_COMPAT:
		return EXIT_COMPAT;
	case PTIMER_ERR_TRACED:
		return EXIT_TRACED;
	case PTIMER_ERR_NOT_LEADER:
		return EXIT_USAGE;	/* a thread id where a process is wanted */
	case PTIMER_ERR_ID_IN_USE:
		return EXIT_COLLISION;
	case EINTR:
		return EXIT_INTERRUPTED;
	case PTIMER_ERR_TARGET_DIED:
		return EXIT_TARGET_DIED;
	case ETIMEDOUT:
		return EXIT_TIMEOUT;
	case PTIMER_ERR_BAD_DUMP:
		return EXIT_BAD_INPUT;
	default:
		return EXIT_FAILURE_GENERIC;
	}
}

/*
 * Whether ptimer_strerror() adds to the library's detail.  The library's
 * own codes do not: "pid 42 is a zombie" says what "the process is a
 * zombie" would.  Nor do EINTR and ETIMEDOUT, whose detail says what became
 * of the target.  A real errno ("Operation not permitted") does.
 */
static bool errno_says_more(int err)
{
	if (-err >= PTIMER_ERR_BASE && -err < PTIMER_ERR_END)
		return false;
	return err != -EINTR && err != -ETIMEDOUT;
}

/*
 * The library's detail names no option of ours, but for one that --replace
 * itself refused (@detail says so); what the command line can do about an
 * error is said here.
 */
static const char *option_hint(int err, const char *detail)
{
	switch (-err) {
	case PTIMER_ERR_ID_IN_USE:
		return strstr(detail, "--replace") ? "" : " (--replace takes its place)";
	case PTIMER_ERR_WALK_TOO_LONG:
		return " (--max-walk-steps)";
	case PTIMER_ERR_BAD_DUMP:
		/*
		 * Only where a thread of the dump finds none in the target: not
		 * for a bad field, nor for a dump that names a thread it lacks.
		 */
		return (strstr(detail, "thread") || strstr(detail, "counterpart")) &&
		       !strstr(detail, "of the dump") ?
		       " (--tid-map maps a thread of the dump to one of the target)" : "";
	default:
		return "";
	}
}

__attribute__((format(printf, 2, 0)))
static int vfail(int err, const char *fmt, va_list ap)
{
	const char *detail = ptimer_last_error(cli.ctx);
	char what[512];

	vsnprintf(what, sizeof(what), fmt, ap);
	/* The detail says what became of the target: left, or put back, as it was. */
	if (err == -EINTR && cli_interrupted)
		return cli_interrupted_exit("%s", detail[0] ? detail : what);
	/* The library's detail names the step that failed; prefer it. */
	if (err == -PTIMER_ERR_SECCOMP) {
		cli_error(0, "%s", detail[0] ? detail : what);
		cli_info("hint: run ptimerctl with CAP_SYS_ADMIN to suspend the filter, or pass"
			 " --keep-seccomp to take the risk");
		return cli_exit_code(err);
	}
	/* Without a detail, the code's own text says what went wrong. */
	if (!detail[0])
		cli_error(err, "%s%s", what, option_hint(err, what));
	else
		cli_error(errno_says_more(err) ? err : 0, "%s%s", detail, option_hint(err, detail));
	if (err == -EPERM || err == -EACCES)
		cli_info("hint: tracing a process of another user, or one that made itself"
			 " undumpable (PR_SET_DUMPABLE), needs CAP_SYS_PTRACE; see also"
			 " /proc/sys/kernel/yama/ptrace_scope");
	return cli_exit_code(err);
}

int cli_fail(int err, const char *fmt, ...)
{
	va_list ap;
	int ret;

	va_start(ap, fmt);
	ret = vfail(err, fmt, ap);
	va_end(ap);
	return ret;
}

void cli_hint_sigpending(pid_t pid, size_t ntimers, size_t nsigs)
{
	char uid[64] = "?", sigq[64] = "?/?";
	char *slash;

	/* "Uid:" lists the real, effective, saved and fs uids: the real one counts. */
	cli_proc_status(pid, "Uid", uid, sizeof(uid));
	uid[strcspn(uid, " \t")] = '\0';
	/* "SigQ:" is "used/limit": the user's count, and the limit of this process. */
	cli_proc_status(pid, "SigQ", sigq, sizeof(sigq));
	slash = strchr(sigq, '/');
	if (slash)
		*slash++ = '\0';
	cli_info("hint: every POSIX timer and every queued signal counts against"
		 " RLIMIT_SIGPENDING of its process's real user: uid %s has %s in use, pid %d"
		 " allows %s, and the dump needs %zu (%zu timers, %zu pending signals);"
		 " raise the limit with 'prlimit --pid %d --sigpending=N' or with 'ulimit -i'"
		 " where the process is started", uid, sigq, pid, slash ? slash : "?",
		 ntimers + nsigs, ntimers, nsigs, pid);
}
