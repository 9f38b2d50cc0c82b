// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* ptimerctl held at a chosen system call; see tool_trace.h. */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#include "tool_trace.h"

#define TT_MAX_ARGS	64

/* struct ptrace_syscall_info of <linux/ptrace.h>, which clashes with <sys/ptrace.h>. */
struct tt_sysinfo {
	uint8_t op;
	uint8_t pad[3];
	uint32_t arch;
	uint64_t instruction_pointer;
	uint64_t stack_pointer;
	union {
		struct {
			uint64_t nr;
			uint64_t args[6];
		} entry;
		struct {
			int64_t rval;
			uint8_t is_error;
		} exit;
	};
};

#define TT_INFO_ENTRY	1
#define TT_INFO_EXIT	2

/*
 * Our environment for the traced ptimerctl, with LeakSanitizer off: it
 * cannot check a process that is traced when it exits (an ASan build
 * then fails with "LeakSanitizer has encountered a fatal error").  The
 * untraced runs of every other test still check for leaks.
 */
static void traced_environment(char **env, size_t max, char *asan, size_t size)
{
	const char *old = getenv("ASAN_OPTIONS");
	size_t n = 0;

	snprintf(asan, size, "ASAN_OPTIONS=%s%sdetect_leaks=0", old ? old : "", old ? ":" : "");
	env[n++] = asan;
	for (char **e = environ; *e && n < max - 1; e++)
		if (strncmp(*e, "ASAN_OPTIONS=", 13))
			env[n++] = *e;
	env[n] = NULL;
}

void tt_start(struct tool_trace *t, const char *arg, ...)
{
	char *env[256], asan[512];
	const char *argv[TT_MAX_ARGS + 2];
	int opipe[2], epipe[2], status;
	pid_t parent = getpid(), pid;
	size_t n = 0;
	va_list ap;

	memset(t, 0, sizeof(*t));
	argv[n++] = ptimerctl_path();
	va_start(ap, arg);
	for (const char *a = arg; a && n < TT_MAX_ARGS; a = va_arg(ap, const char *))
		argv[n++] = a;
	va_end(ap);
	argv[n] = NULL;
	cr_assert_eq(pipe2(opipe, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(epipe, O_CLOEXEC), 0);
	traced_environment(env, sizeof(env) / sizeof(env[0]), asan, sizeof(asan));
	pid = fork();
	cr_assert_geq(pid, 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		harness_die_with_parent(parent);
		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		dup2(opipe[1], STDOUT_FILENO);
		dup2(epipe[1], STDERR_FILENO);
		/* Stopped until the parent has set the options: no call is missed. */
		if (ptrace(PTRACE_TRACEME, 0, NULL, NULL) < 0 || raise(SIGSTOP))
			_exit(126);
		execve(argv[0], (char *const *)argv, env);
		dprintf(STDERR_FILENO, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	harness_track(pid);
	close(opipe[1]);
	close(epipe[1]);
	t->bg.pid = pid;
	t->bg.out_fd = opipe[0];
	t->bg.err_fd = epipe[0];
	while (waitpid(pid, &status, 0) < 0)
		cr_assert_eq(errno, EINTR, "waitpid: %s", strerror(errno));
	cr_assert(WIFSTOPPED(status) && WSTOPSIG(status) == SIGSTOP,
		  "ptimerctl did not stop before exec (status %#x)", status);
	cr_assert_eq(ptrace(PTRACE_SETOPTIONS, pid, NULL,
			    (void *)(long)(PTRACE_O_TRACESYSGOOD | PTRACE_O_TRACEEXEC |
					   PTRACE_O_EXITKILL)), 0,
		     "PTRACE_SETOPTIONS: %s", strerror(errno));
	t->held = true;		/* in its SIGSTOP, which is not passed on */
}

/* The text of a write(2) to stderr at entry, read from ptimerctl's memory. */
static void read_stderr_text(pid_t pid, struct tt_call *c)
{
	size_t len = c->args[2] < sizeof(c->text) - 1 ? c->args[2] : sizeof(c->text) - 1;
	struct iovec local = { c->text, len };
	struct iovec remote = { (void *)(uintptr_t)c->args[1], len };
	ssize_t got;

	c->text[0] = '\0';
	if (c->nr != SYS_write || c->args[0] != STDERR_FILENO)
		return;
	got = process_vm_readv(pid, &local, 1, &remote, 1, 0);
	c->text[got > 0 ? got : 0] = '\0';
}

/* Resume from the current stop, passing @sig on. */
static void resume(struct tool_trace *t, int sig)
{
	cr_assert_eq(ptrace(PTRACE_SYSCALL, t->bg.pid, NULL, (void *)(long)sig), 0,
		     "PTRACE_SYSCALL: %s", strerror(errno));
	t->held = false;
}

bool tt_run_until(struct tool_trace *t, tt_pick_fn pick, void *data, int timeout_ms)
{
	int64_t deadline = clock_ns(CLOCK_MONOTONIC) + (int64_t)timeout_ms * RU_MS;
	pid_t pid = t->bg.pid;
	struct tt_call c = { 0 };
	useconds_t nap = 0;

	cr_assert(t->held && !t->ended, "ptimerctl is not held");
	resume(t, 0);
	for (;;) {
		struct tt_sysinfo si;
		siginfo_t info = { 0 };
		int sig;

		/* WNOWAIT on an exit leaves the zombie for ru_bg_wait(). */
		if (waitid(P_PID, (id_t)pid, &info, WEXITED | WSTOPPED | WNOHANG | WNOWAIT) < 0)
			cr_assert_eq(errno, EINTR, "waitid: %s", strerror(errno));
		if (info.si_pid != pid) {
			cr_assert_lt(clock_ns(CLOCK_MONOTONIC), deadline,
				     "ptimerctl under trace ran for %d ms", timeout_ms);
			/* Its next stop comes within microseconds, unless it is waiting. */
			nap = nap < 1000 ? nap + 20 : nap;
			usleep(nap);
			continue;
		}
		nap = 0;
		if (info.si_code == CLD_EXITED || info.si_code == CLD_KILLED ||
		    info.si_code == CLD_DUMPED) {
			t->ended = true;
			return false;
		}
		/* A stop: consume it (WNOWAIT left it reported). */
		while (waitpid(pid, NULL, WNOHANG | __WALL) < 0 && errno == EINTR)
			;
		sig = info.si_status;
		if (sig == (SIGTRAP | 0x80)) {
			memset(&si, 0, sizeof(si));
			cr_assert_gt(ptrace(PTRACE_GET_SYSCALL_INFO, pid, (void *)sizeof(si), &si),
				     0, "PTRACE_GET_SYSCALL_INFO: %s", strerror(errno));
			if (si.op == TT_INFO_ENTRY) {
				c.entry = true;
				c.nr = (long)si.entry.nr;
				memcpy(c.args, si.entry.args, sizeof(c.args));
				c.ret = 0;
				if (c.nr == SYS_ptrace)
					t->nptrace++;
				read_stderr_text(pid, &c);
			} else if (si.op == TT_INFO_EXIT) {
				c.entry = false;
				c.ret = si.exit.rval;
			}
			c.nptrace = t->nptrace;
			t->held = true;
			if (pick && pick(&c, data)) {
				t->at = c;
				return true;
			}
			resume(t, 0);
		} else if ((sig & 0xff) == SIGTRAP && (sig >> 8)) {
			t->held = true;		/* PTRACE_EVENT_EXEC */
			resume(t, 0);
		} else {
			t->held = true;		/* a signal for it: pass it on */
			resume(t, sig);
		}
	}
}

void tt_release(struct tool_trace *t)
{
	if (t->ended || !t->held)
		return;
	cr_assert_eq(ptrace(PTRACE_DETACH, t->bg.pid, NULL, NULL), 0, "PTRACE_DETACH: %s",
		     strerror(errno));
	t->held = false;
}

bool tt_pick_nth_ptrace(const struct tt_call *c, void *data)
{
	return !c->entry && c->nr == SYS_ptrace && c->nptrace == *(long *)data;
}

bool tt_pick_first_seize(const struct tt_call *c, void *data)
{
	(void)data;
	return c->entry && c->nr == SYS_ptrace && c->args[0] == PTRACE_SEIZE;
}

bool tt_pick_stderr(const struct tt_call *c, void *data)
{
	return c->entry && strstr(c->text, data);
}

bool tt_pick_walking(const struct tt_call *c, void *data)
{
	struct tt_walk_pick *w = data;

	if (c->entry && strstr(c->text, "plan: method walk")) {
		w->planned = true;
		snprintf(w->plan, sizeof(w->plan), "%s", c->text);
	}
	return w->planned && !c->entry && c->nr == SYS_ptrace && c->args[0] == PTRACE_CONT &&
	       c->ret == 0;
}

bool tt_traces_a_thread(pid_t tracer, pid_t pid)
{
	pid_t tids[256];
	int n = proc_tids(pid, tids, 256);

	for (int k = 0; k < n; k++)
		if (proc_status_long(tids[k], "TracerPid") == tracer)
			return true;
	return false;
}
