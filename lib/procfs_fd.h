/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * A process's descriptors through its /proc directory fd: which are
 * timerfds, and what /proc/PID/fdinfo/N says about one.
 */
#ifndef PTIMER_PROCFS_FD_H
#define PTIMER_PROCFS_FD_H

#include <stddef.h>

#include "ptimer.h"

/* What fd N of a process is. */
enum procfs_fd_kind {
	PROCFS_FD_NONE,		/* not open */
	PROCFS_FD_TIMERFD,	/* anon_inode:[timerfd] */
	PROCFS_FD_OTHER,	/* anything else */
};

/* Every fd of the process, ascending; an array the caller frees. */
int procfs_list_fds(int dirfd, int **fds, size_t *n);
/*
 * The same through @fdinfo: /proc/PID/fdinfo, opened here if -1 and kept
 * for the caller to close, so that a listing with the target stopped
 * opens nothing (procfs_keep()).
 */
int procfs_list_fds_kept(int dirfd, int *fdinfo, int **fds, size_t *n);
/* What fd @fd of the process is: enum procfs_fd_kind, or -errno. */
int procfs_fd_kind(int dirfd, int fd);
/*
 * Read and parse /proc/PID/fdinfo/@fd of a timerfd.  -EINVAL when the
 * text is not what a timerfd's fdinfo holds, with *@err_line set.
 */
int procfs_read_timerfd(int dirfd, int fd, struct ptimer_timerfd *tfd, unsigned int *err_line);

/*
 * Parse the text of a timerfd's fdinfo, strictly: "flags", "clockid",
 * "ticks", "settime flags", "it_value" and "it_interval" once each, with
 * well-formed values; other keys ("pos", "mnt_id", "ino", ...) are
 * skipped.  -EINVAL with the 1-based line that failed (0: a key missing).
 * @tfd->fd is left alone.
 */
int procfs_parse_timerfd_fdinfo(const char *text, size_t len, struct ptimer_timerfd *tfd,
				unsigned int *err_line);

#endif
