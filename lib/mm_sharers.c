// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * Finding the processes that share the target's memory, by comparing the
 * memory of every process /proc lists with the target's (kcmp(2)): no
 * field of /proc says how many share it.  Read with getdents64() itself,
 * one call for hundreds of processes, before the target is stopped
 * (README.md, "Doing no harm", has what it costs).
 */
#include <dirent.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kcmp.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mm_sharers.h"

/* 0: same memory; 1, 2: different; -1 with errno. */
static long kcmp_vm(pid_t a, pid_t b)
{
	return syscall(SYS_kcmp, a, b, KCMP_VM, 0, 0);
}

int mm_sharers_usable(pid_t tid)
{
	return kcmp_vm(tid, tid) == 0 ? 0 : -errno;
}

/*
 * Whether @pid has memory of its own to share: kcmp() compares the mm
 * pointers, and a kernel thread's or a zombie's is NULL, as is that of a
 * target thread on its way out, which then "shares" with every one of
 * them.  /proc/PID/statm reads all zeros without an mm.
 */
static bool has_memory(pid_t pid)
{
	char path[32], text[64];
	ssize_t len;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/statm", pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	len = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (len <= 0)
		return false;
	text[len] = '\0';
	return strtoul(text, NULL, 10) > 0;
}

/* @tid is a stopped, live thread: its memory is there, and equal means shared. */
int mm_shared_with(pid_t tid, pid_t pid)
{
	long r = kcmp_vm(tid, pid);

	if (r >= 0)
		return r == 0;
	return errno == ESRCH ? 0 : -errno;
}

/* The pid a /proc entry names, or 0 for any other entry. */
static pid_t entry_pid(const char *name)
{
	long pid = 0;

	for (const char *c = name; *c; c++) {
		if (*c < '0' || *c > '9' || pid > 0x7fffffff / 10)
			return 0;
		pid = pid * 10 + (*c - '0');
	}
	return (pid_t)pid;
}

int mm_sharers_find(pid_t tid, pid_t tgid, pid_t *out, size_t max, size_t *n)
{
	char buf[16384] __attribute__((aligned(8)));
	ssize_t got;
	int fd, ret = 0;

	*n = 0;
	fd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	while (!ret && (got = getdents64(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < got && !ret;) {
			const struct dirent64 *e = (const struct dirent64 *)(buf + off);
			pid_t pid = entry_pid(e->d_name);
			long r;

			off += e->d_reclen;
			if (pid <= 0 || pid == tgid)
				continue;
			r = kcmp_vm(tid, pid);
			if (r == 0 && has_memory(pid)) {
				if (*n < max)
					out[*n] = pid;
				(*n)++;
			} else if (r < 0 && errno != EPERM && errno != ESRCH) {
				ret = -errno;
			}
		}
	}
	if (!ret && got < 0)
		ret = -errno;
	close(fd);
	return ret;
}

/* Digits at @p, up to @end, into @out: past @end, or NULL. */
static const char *loadavg_number(const char *p, char end, unsigned long *out)
{
	char *stop;

	if (!isdigit((unsigned char)*p))
		return NULL;
	errno = 0;
	*out = strtoul(p, &stop, 10);
	if (errno || *stop != end)
		return NULL;
	return stop + 1;
}

int mm_parse_loadavg(const char *text, unsigned long *running, unsigned long *last)
{
	const char *p = text;
	unsigned long total;

	/* "0.00 0.01 0.05 1/123 4567\n": the averages, running/total, the last pid. */
	for (int i = 0; i < 3; i++) {
		if (!isdigit((unsigned char)*p))
			return -EINVAL;
		while (isdigit((unsigned char)*p))
			p++;
		if (*p++ != '.' || !isdigit((unsigned char)*p))
			return -EINVAL;
		while (isdigit((unsigned char)*p))
			p++;
		if (*p++ != ' ')
			return -EINVAL;
	}
	p = loadavg_number(p, '/', running);
	if (p)
		p = loadavg_number(p, ' ', &total);
	if (p)
		p = loadavg_number(p, '\n', last);
	return p && !*p ? 0 : -EINVAL;
}

int mm_last_pid(int fd, unsigned long *last, unsigned long *running)
{
	unsigned long ignored;
	char text[128];
	ssize_t len;

	len = pread(fd, text, sizeof(text) - 1, 0);
	if (len <= 0)
		return len < 0 ? -errno : -EIO;
	text[len] = '\0';
	return mm_parse_loadavg(text, running ? running : &ignored, last);
}

int mm_sharing_child(int dirfd, pid_t tid, pid_t self)
{
	char path[64], text[4096], *p, *end;
	ssize_t len;
	int fd, r;

	snprintf(path, sizeof(path), "task/%d/children", tid);
	fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	len = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (len < 0)
		return -errno;
	/* More children than one read holds: the caller compares them all. */
	if (len == sizeof(text) - 1)
		return -E2BIG;
	text[len] = '\0';
	for (p = text; *p; p = end) {
		long pid = strtol(p, &end, 10);

		if (end == p)
			break;
		r = mm_shared_with(self, (pid_t)pid);
		if (r)
			return r < 0 ? r : (int)pid;
	}
	return 0;
}
