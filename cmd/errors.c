// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* ptimerctl's messages and exit codes: one place, one write per message. */
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
static void emit(const char *prefix, const char *fmt, va_list ap, int err)
{
	char raw[1024], line[sizeof(raw) * 4 + 1];
	size_t n;

	n = snprintf(raw, sizeof(raw), "%s", prefix);
	if (n < sizeof(raw))
		n += vsnprintf(raw + n, sizeof(raw) - n, fmt, ap);
	if (err && n < sizeof(raw))
		snprintf(raw + n, sizeof(raw) - n, ": %s", strerror(err));
	n = snprintf(line, sizeof(line), "ptimerctl: ");
	cli_escape(line + n, sizeof(line) - n - 1, raw);
	n = strlen(line);
	line[n++] = '\n';
	if (write(STDERR_FILENO, line, n) < 0)
		return;
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
		return EXIT_PERMISSION;
	case EOPNOTSUPP:
	case E2BIG:	/* the walk is longer than --max-walk-steps allows */
		return EXIT_UNSUPPORTED;
	case EIDRM:
		return EXIT_ZOMBIE;
	case ENOEXEC:
		return EXIT_KERNEL_THREAD;
	case EXDEV:
		return EXIT_COMPAT;
	case EBUSY:
		return EXIT_TRACED;
	case EEXIST:
		return EXIT_COLLISION;
	case EINTR:
		return EXIT_INTERRUPTED;
	case EOWNERDEAD:
		return EXIT_TARGET_DIED;
	case ETIMEDOUT:
		return EXIT_TIMEOUT;
	case EBADMSG:
		return EXIT_BAD_INPUT;
	default:
		return EXIT_FAILURE_GENERIC;
	}
}

/*
 * The errno values the library uses as codes (a zombie is -EIDRM, a kernel
 * thread -ENOEXEC, ...) have a strerror() text that would mislead; the
 * library's detail says it all.
 */
static bool errno_says_more(int err)
{
	switch (-err) {
	case EIDRM:
	case ENOEXEC:
	case EBUSY:
	case EEXIST:
	case E2BIG:
	case EXDEV:
	case EOWNERDEAD:
	case EBADMSG:
	case EINTR:
	case ETIMEDOUT:
		return false;
	default:
		return true;
	}
}

static int vfail(int err, const char *fmt, va_list ap)
{
	const char *detail = ptimer_last_error(cli.ctx);
	char what[512];

	vsnprintf(what, sizeof(what), fmt, ap);
	/* The detail says what became of the target: left, or put back, as it was. */
	if (err == -EINTR && cli_interrupted)
		return cli_interrupted_exit("%s", detail[0] ? detail : what);
	/* The library's detail names the step that failed; prefer it. */
	if (err == -EPERM && cli.seccomp_refused) {
		cli_error(0, "%s", detail[0] ? detail : what);
		cli_info("hint: run ptimerctl with CAP_SYS_ADMIN to suspend the filter, or pass"
			 " --keep-seccomp to take the risk");
		return cli_exit_code(err);
	}
	cli_error(errno_says_more(err) ? err : 0, "%s", detail[0] ? detail : what);
	if (err == -EPERM || err == -EACCES)
		cli_info("hint: tracing a process of another user needs CAP_SYS_PTRACE;"
			 " see also /proc/sys/kernel/yama/ptrace_scope");
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

int cli_fail_pid(int err, pid_t pid, const char *fmt, ...)
{
	va_list ap;
	pid_t tgid;
	int ret;

	/*
	 * The library refuses a thread with -ESRCH, whose strerror() ("No such
	 * process") would contradict its own detail: the thread exists, it is
	 * the wrong kind of id.
	 */
	tgid = err == -ESRCH ? cli_thread_group_of(pid) : 0;
	if (tgid) {
		cli_error(0, "pid %d is a thread of process %d; name the process", pid, tgid);
		return EXIT_USAGE;
	}
	va_start(ap, fmt);
	ret = vfail(err, fmt, ap);
	va_end(ap);
	return ret;
}

void cli_hint_sigpending(pid_t pid, size_t ntimers)
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
	cli_info("hint: every POSIX timer counts against RLIMIT_SIGPENDING of its process's"
		 " real user: uid %s has %s in use, pid %d allows %s, and the dump needs %zu;"
		 " raise the limit with 'prlimit --pid %d --sigpending=N' or with 'ulimit -i'"
		 " where the process is started", uid, sigq, pid, slash ? slash : "?", ntimers,
		 pid);
}
