// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* What one thread of a process is: its status, and what it waits in. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "procfs.h"

int procfs_open_task(int dirfd, pid_t tid)
{
	char name[32];
	int fd;

	snprintf(name, sizeof(name), "task/%d", tid);
	fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

int procfs_thread_status(int dirfd, pid_t tid, struct procfs_status *st)
{
	int taskfd = procfs_open_task(dirfd, tid);
	int ret;

	if (taskfd < 0)
		return taskfd;
	ret = procfs_read_status(taskfd, st);
	close(taskfd);
	return ret;
}

int procfs_thread_wait(int dirfd, pid_t tid, char *wchan, size_t size, long *nr)
{
	char *buf = NULL, *end;
	int taskfd, ret;

	*nr = -1;
	snprintf(wchan, size, "?");
	taskfd = procfs_open_task(dirfd, tid);
	if (taskfd < 0)
		return taskfd;
	/* wchan: a bare symbol name, "0" when running or unknown. */
	if (procfs_read(taskfd, "wchan", &buf, NULL) == 0 && buf[0] && strcmp(buf, "0"))
		snprintf(wchan, size, "%s", buf);
	free(buf);
	buf = NULL;
	/* syscall: "NR arg... sp pc", "running", or "-1 sp pc" outside a call. */
	ret = procfs_read(taskfd, "syscall", &buf, NULL);
	if (!ret) {
		errno = 0;
		*nr = strtol(buf, &end, 10);
		if (errno || end == buf)
			*nr = -1;
	}
	free(buf);
	close(taskfd);
	return ret;
}
