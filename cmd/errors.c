// SPDX-License-Identifier: GPL-2.0-or-later
/* ptimerctl's messages and exit codes: one place, one write per message. */
#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Format the whole line first, so that it reaches stderr in one write(2). */
static void emit(const char *prefix, const char *fmt, va_list ap, int err)
{
	char line[1024];
	size_t n;

	n = snprintf(line, sizeof(line), "ptimerctl: %s", prefix);
	if (n < sizeof(line))
		n += vsnprintf(line + n, sizeof(line) - n, fmt, ap);
	if (err && n < sizeof(line))
		n += snprintf(line + n, sizeof(line) - n, ": %s", strerror(err));
	if (n >= sizeof(line) - 1)
		n = sizeof(line) - 2;
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
	case E2BIG:	/* the walk is longer than --max-iterations allows */
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

int cli_fail(int err, const char *fmt, ...)
{
	const char *detail = ptimer_last_error(cli.ctx);
	char what[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
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
