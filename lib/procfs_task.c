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

int procfs_thread_syscall(int dirfd, pid_t tid, struct procfs_syscall *sc)
{
	unsigned long long v[8];
	char name[48], *buf;
	int ret;

	memset(sc, 0, sizeof(*sc));
	sc->nr = -1;
	snprintf(name, sizeof(name), "task/%d/syscall", tid);
	ret = procfs_read(dirfd, name, &buf, NULL);
	if (ret)
		return ret;
	/* "NR a0 a1 a2 a3 a4 a5 sp pc", the numbers after NR in hex */
	if (sscanf(buf, "%ld %llx %llx %llx %llx %llx %llx %llx %llx", &sc->nr, &v[0], &v[1],
		   &v[2], &v[3], &v[4], &v[5], &v[6], &v[7]) == 9) {
		for (int i = 0; i < 6; i++)
			sc->args[i] = v[i];
		sc->sp = v[6];
		sc->pc = v[7];
	} else {
		sc->nr = -1;
	}
	free(buf);
	return 0;
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
