// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * The `ptimerctl list` figure: a host with many processes that hold
 * timers, listed by ptimerctl against cat(1) of every /proc/PID/timers
 * file (the shell's glob expanding the PIDs), the least any tool reading
 * those files must do.  Both are whole programs started the same way, so
 * both pay an exec and a scan of /proc.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

#define LIST_TIMERS_EACH	3

const char *const floor_list_what =
	"sh -c 'cat /proc/[0-9]*/timers', the same processes read by the shell and cat";

/* A process holding a few armed timers until it is killed (or we die). */
static __attribute__((noreturn)) void holder_main(int ready_fd)
{
	static const clockid_t clocks[LIST_TIMERS_EACH] = {
		CLOCK_MONOTONIC, CLOCK_REALTIME, CLOCK_BOOTTIME,
	};
	char one = 1;

	prctl(PR_SET_PDEATHSIG, SIGKILL);
	for (int i = 0; i < LIST_TIMERS_EACH; i++) {
		struct sigevent sev = { .sigev_notify = SIGEV_NONE };
		struct itimerspec its = { .it_value = { .tv_sec = 600 } };
		timer_t t;

		if (timer_create(clocks[i], &sev, &t) || timer_settime(t, 0, &its, NULL))
			_exit(1);
	}
	if (write(ready_fd, &one, 1) != 1)
		_exit(1);
	close(ready_fd);
	for (;;)
		pause();
}

static void holders_stop(pid_t *pids, size_t n)
{
	for (size_t i = 0; i < n; i++)
		kill(pids[i], SIGKILL);
	for (size_t i = 0; i < n; i++)
		waitpid(pids[i], NULL, 0);
}

/* Start @n holders; 0 once every one holds its timers. */
static int holders_start(pid_t *pids, size_t n)
{
	size_t started = 0, ready = 0;
	int fds[2], ret = 0;

	if (pipe2(fds, O_CLOEXEC))
		return -errno;
	for (; started < n; started++) {
		pid_t pid = fork();

		if (pid < 0) {
			ret = -errno;
			break;
		}
		if (pid == 0) {
			close(fds[0]);
			holder_main(fds[1]);
		}
		pids[started] = pid;
	}
	close(fds[1]);
	while (!ret && ready < started) {
		char buf[256];
		ssize_t got = read(fds[0], buf, sizeof(buf));

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			ret = got ? -errno : -ECHILD;
		else
			ready += (size_t)got;
	}
	close(fds[0]);
	if (ret)
		holders_stop(pids, started);
	return ret;
}

/* Run @argv with stdout and stderr on /dev/null; its wall time in seconds. */
static int timed_run(char *const argv[], double *seconds)
{
	posix_spawn_file_actions_t fa;
	int64_t t0;
	int status, ret;
	pid_t pid;

	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	t0 = bench_now_ns();
	ret = posix_spawn(&pid, argv[0], &fa, NULL, argv, NULL);
	posix_spawn_file_actions_destroy(&fa);
	if (ret)
		return -ret;
	if (waitpid(pid, &status, 0) < 0)
		return -errno;
	*seconds = (bench_now_ns() - t0) / 1e9;
	/* cat fails on the processes it may not read, and on those that exit meanwhile. */
	if (!WIFEXITED(status) || (WEXITSTATUS(status) && strcmp(argv[0], "/bin/sh")))
		return -EIO;
	return 0;
}

int measure_list(struct bench *b, struct figure *f)
{
	char *const list[] = { (char *)b->ptimerctl, "list", NULL };
	char *const cat[] = { "/bin/sh", "-c", "exec cat /proc/[0-9]*/timers", NULL };
	double tool, floor;
	pid_t *pids;
	int ret;

	pids = calloc(f->n, sizeof(*pids));
	if (!pids)
		return f->error = -ENOMEM;
	ret = holders_start(pids, f->n);
	if (ret) {
		snprintf(f->error_text, sizeof(f->error_text), "starting %llu processes: %s",
			 (unsigned long long)f->n, strerror(-ret));
		free(pids);
		return f->error = ret;
	}
	/* Alternate which goes first, so that neither always finds /proc warm. */
	if (f->tool.n % 2) {
		ret = timed_run(cat, &floor);
		if (!ret)
			ret = timed_run(list, &tool);
	} else {
		ret = timed_run(list, &tool);
		if (!ret)
			ret = timed_run(cat, &floor);
	}
	holders_stop(pids, f->n);
	free(pids);
	if (ret) {
		snprintf(f->error_text, sizeof(f->error_text), "running ptimerctl list or cat: %s",
			 strerror(-ret));
		return f->error = ret;
	}
	series_add(&f->tool, tool);
	series_add(&f->floor, floor);
	return 0;
}
