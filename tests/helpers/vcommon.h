/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * What the victim helpers of tests/helpers/ share: one answer line in one
 * write(2), the ERROR line of a failure, the loop that reads commands on
 * stdin, and the chores of set-up (start a thread, make a timer, read a
 * number from /proc).
 *
 * The output and the command loop run on raw system calls a strict seccomp
 * allowlist can name (read, write, exit_group): no malloc, no stdio
 * buffers, so that sandboxed.c can answer once confined.  The set-up
 * chores open files and start threads: call them before confinement.
 */
#ifndef PTIMER_TEST_VCOMMON_H
#define PTIMER_TEST_VCOMMON_H

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#ifndef sigev_notify_thread_id
#define sigev_notify_thread_id _sigev_un._tid
#endif

#define VP_NSEC_PER_SEC	1000000000LL

static inline void vp_write_all(const char *buf, size_t len)
{
	while (len) {
		ssize_t n = write(STDOUT_FILENO, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		buf += n;
		len -= (size_t)n;
	}
}

/* One whole line in one write(2), so that threads never interleave. */
__attribute__((format(printf, 1, 2)))
static inline void vp_out(const char *fmt, ...)
{
	char line[512];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(line) - 2)
		n = sizeof(line) - 2;
	line[n++] = '\n';
	vp_write_all(line, (size_t)n);
}

/* "ERROR errno=E msg=...", which the harness reads in place of READY. */
__attribute__((noreturn, format(printf, 2, 3)))
static inline void vp_die(int err, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	vp_out("ERROR errno=%d msg=%s: %s", err, msg, err ? strerror(err) : "failed");
	_exit(3);
}

/*
 * @fn as the SA_SIGINFO, SA_RESTART handler of every signal in @set, each
 * blocking all of @set while it runs, so that no handler interrupts another.
 */
static inline void vp_handle_signals(const sigset_t *set,
				     void (*fn)(int, siginfo_t *, void *))
{
	struct sigaction sa = { .sa_sigaction = fn, .sa_flags = SA_SIGINFO | SA_RESTART };

	sa.sa_mask = *set;
	for (int s = 1; s < NSIG; s++)
		if (sigismember(set, s) == 1 && sigaction(s, &sa, NULL) < 0)
			vp_die(errno, "sigaction %d", s);
}

static inline pid_t vp_gettid(void)
{
	return (pid_t)syscall(SYS_gettid);
}

/*
 * The raw call: a sanitizer's _exit() runs its leak check, whose system
 * calls a confined process may not make.
 */
__attribute__((noreturn))
static inline void vp_exit(int status)
{
	for (;;)
		syscall(SYS_exit_group, status);
}

/* The answers every helper gives alike. */
static inline void vp_answer_default(const char *cmd)
{
	if (!strcmp(cmd, "ping"))
		vp_out("PONG");
	else
		vp_out("ERROR unknown command '%s'", cmd);
}

/*
 * Hand each line read on stdin, without its newline, to @handle.  What
 * @handle does not know (it returns false) is answered here: "ping" with
 * PONG, anything else with an ERROR.  Returns on "exit" and when stdin
 * closes (our driver went away): the caller exits in its own way.
 */
static inline void vp_read_commands(bool (*handle)(char *cmd))
{
	static char buf[1 << 16];	/* room for a long "mine TID..." */
	size_t len = 0;

	for (;;) {
		ssize_t n = read(STDIN_FILENO, buf + len, sizeof(buf) - 1 - len);
		char *nl;

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return;
		len += (size_t)n;
		while ((nl = memchr(buf, '\n', len))) {
			*nl = '\0';
			if (!strcmp(buf, "exit"))
				return;
			if (!handle(buf))
				vp_answer_default(buf);
			len -= (size_t)(nl + 1 - buf);
			memmove(buf, nl + 1, len);
		}
		if (len == sizeof(buf) - 1)
			len = 0;	/* an absurdly long line: drop it */
	}
}

/* Start @fn and wait until it has stored its thread id in @tid. */
static inline void vp_start_thread(void *(*fn)(void *), atomic_int *tid)
{
	pthread_t th;
	int r = pthread_create(&th, NULL, fn, NULL);

	if (r)
		vp_die(r, "pthread_create");
	while (!atomic_load(tid))
		usleep(100);
}

/*
 * Create and arm a timer, @tid for SIGEV_THREAD_ID; returns its kernel ID.
 * The raw calls: glibc's timer_t is not the kernel's ID for every kind.
 */
static inline int vp_make_timer(clockid_t clock, int notify, int sig, unsigned long sigval,
				pid_t tid, long long value_ns, long long interval_ns)
{
	struct sigevent sev = {
		.sigev_notify = notify,
		.sigev_signo = sig,
		.sigev_value.sival_ptr = (void *)sigval,
	};
	struct itimerspec its = {
		.it_value = { value_ns / VP_NSEC_PER_SEC, value_ns % VP_NSEC_PER_SEC },
		.it_interval = { interval_ns / VP_NSEC_PER_SEC, interval_ns % VP_NSEC_PER_SEC },
	};
	int id;

	sev.sigev_notify_thread_id = tid;
	if (syscall(SYS_timer_create, clock, &sev, &id) < 0)
		vp_die(errno, "timer_create");
	if (syscall(SYS_timer_settime, id, 0, &its, NULL) < 0)
		vp_die(errno, "timer_settime");
	return id;
}

/* A small file (of /proc) in one read, NUL-terminated; -1 when empty or unreadable. */
static inline ssize_t vp_read_file(int dirfd, const char *path, char *buf, size_t size)
{
	ssize_t n;
	int fd;

	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = '\0';
	return n;
}

/*
 * The number a /proc file starts with (@field 0), or field @field of a
 * stat file (as proc(5) counts them); -1 when unreadable.
 */
static inline long vp_read_long(const char *path, int field)
{
	char buf[1024], *p;

	if (vp_read_file(AT_FDCWD, path, buf, sizeof(buf)) < 0)
		return -1;
	if (!field)
		return strtol(buf, NULL, 10);
	/* A stat field after the comm, which ends at the last ')'. */
	p = strrchr(buf, ')');
	for (int i = 2; p && i < field; i++)
		p = strchr(p + 1, ' ');
	return p ? strtol(p + 1, NULL, 10) : -1;
}

#endif
