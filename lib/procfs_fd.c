// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* Timerfds through /proc/PID/fd and /proc/PID/fdinfo, relative to the process directory. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "kinds.h"
#include "procfs.h"
#include "procfs_fd.h"

#define TIMERFD_LINK "anon_inode:[timerfd]"

/* Keys only a timerfd's fdinfo has (fs/timerfd.c). */
static bool looks_like_timerfd(const char *text)
{
	return strstr(text, "\nclockid:") && strstr(text, "\nsettime flags:") &&
	       strstr(text, "\nit_value:");
}

/*
 * What fd @name is.  The fd/ link says it, but /proc/PID/fd is 0500 and
 * its owner's: root with CAP_SYS_PTRACE alone, as ptimerctl runs, may
 * not look into another user's.  fdinfo/ is open to whoever may trace
 * the process, and a timerfd's fdinfo has keys of its own.
 */
static int fd_kind(int dirfd, const char *name)
{
	char path[48], link[sizeof(TIMERFD_LINK) + 1], *text;
	ssize_t n;
	int ret;

	snprintf(path, sizeof(path), "fd/%s", name);
	n = readlinkat(dirfd, path, link, sizeof(link));
	if (n >= 0)
		return (size_t)n == sizeof(TIMERFD_LINK) - 1 &&
		       !memcmp(link, TIMERFD_LINK, (size_t)n) ? PROCFS_FD_TIMERFD : PROCFS_FD_OTHER;
	if (errno == ENOENT)
		return PROCFS_FD_NONE;
	if (errno != EACCES)
		return -errno;
	snprintf(path, sizeof(path), "fdinfo/%s", name);
	ret = procfs_read(dirfd, path, &text, NULL);
	if (ret == -ENOENT)
		return PROCFS_FD_NONE;
	if (ret)
		return ret;
	ret = looks_like_timerfd(text) ? PROCFS_FD_TIMERFD : PROCFS_FD_OTHER;
	free(text);
	return ret;
}

int procfs_fd_kind(int dirfd, int fd)
{
	char name[24];

	snprintf(name, sizeof(name), "%d", fd);
	return fd_kind(dirfd, name);
}

static int int_cmp(const void *a, const void *b)
{
	const int *x = a, *y = b;

	return (*x > *y) - (*x < *y);
}

/* Appends @fd to @list, grown as needed. */
static int add_fd(int **list, size_t *count, size_t *cap, int fd)
{
	if (*count == *cap) {
		size_t want = *cap ? *cap * 2 : 16;
		int *grown = realloc(*list, want * sizeof(**list));

		if (!grown)
			return -ENOMEM;
		*list = grown;
		*cap = want;
	}
	(*list)[(*count)++] = fd;
	return 0;
}

#define FDINFO_READ_BYTES	(32u << 10)

/*
 * The descriptors, from fdinfo/, which (unlike fd/) whoever may trace
 * the process may list.  @fdinfo is that directory, open, read from its
 * start with getdents64() itself: no stdio stream to set up on every
 * listing.  The kernel lists it by descriptor number, so a listing in
 * several calls is consistent.
 */
static int list_fds(int fdinfo, int **fds, size_t *n)
{
	size_t count = 0, cap = 0;
	int *list = NULL, ret = 0;
	char *buf;

	buf = malloc(FDINFO_READ_BYTES);
	if (!buf)
		return -ENOMEM;
	if (lseek(fdinfo, 0, SEEK_SET) < 0)
		ret = -errno;
	while (!ret) {
		ssize_t got = getdents64(fdinfo, buf, FDINFO_READ_BYTES);

		if (got <= 0) {
			/* A directory whose process has died reads ENOENT. */
			if (got < 0)
				ret = errno == ENOENT ? -ESRCH : -errno;
			break;
		}
		for (size_t off = 0; off < (size_t)got && !ret;) {
			struct dirent64 *de = (struct dirent64 *)(buf + off);
			char *end;
			long fd;

			off += de->d_reclen;
			if (de->d_name[0] < '0' || de->d_name[0] > '9')
				continue;
			errno = 0;
			fd = strtol(de->d_name, &end, 10);
			if (errno || *end || fd < 0 || fd > INT_MAX)
				continue;
			ret = add_fd(&list, &count, &cap, (int)fd);
		}
	}
	free(buf);
	if (ret) {
		free(list);
		return ret;
	}
	if (count)
		qsort(list, count, sizeof(*list), int_cmp);
	*fds = list;
	*n = count;
	return 0;
}

int procfs_list_fds_kept(int dirfd, int *fdinfo, int **fds, size_t *n)
{
	int ret = procfs_keep_dir(dirfd, "fdinfo", fdinfo);

	return ret ? ret : list_fds(*fdinfo, fds, n);
}

int procfs_list_fds(int dirfd, int **fds, size_t *n)
{
	int fdinfo = -1, ret;

	ret = procfs_keep_dir(dirfd, "fdinfo", &fdinfo);
	if (ret)
		return ret;
	ret = list_fds(fdinfo, fds, n);
	close(fdinfo);
	return ret;
}

int procfs_read_timerfd(int dirfd, int fd, struct ptimer_timerfd *tfd, unsigned int *err_line)
{
	char name[32], *text;
	size_t len;
	int ret;

	snprintf(name, sizeof(name), "fdinfo/%d", fd);
	ret = procfs_read(dirfd, name, &text, &len);
	if (ret)
		return ret;
	ret = procfs_parse_timerfd_fdinfo(text, len, tfd, err_line);
	free(text);
	tfd->fd = fd;
	return ret;
}

/* Decimal or (@base 8) octal digits only, to *@out; nothing else on the line. */
static int parse_u64(const char *s, int base, uint64_t max, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno || *end || v > max)
		return -EINVAL;
	*out = v;
	return 0;
}

/* Leading decimal digits of @s to *@out, at most @max; the rest in *@end. */
static int take_digits(const char *s, uint64_t max, uint64_t *out, const char **end)
{
	uint64_t v = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (max - (uint64_t)(*p - '0')) / 10)
			return -EINVAL;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	if (p == s)
		return -EINVAL;
	*out = v;
	*end = p;
	return 0;
}

/* "(SEC, NSEC)", exactly as the kernel prints a timespec in fdinfo. */
static int parse_timespec(const char *s, int64_t *ns)
{
	uint64_t sec, nsec;

	if (*s++ != '(' ||
	    take_digits(s, INT64_MAX / NSEC_PER_SEC - 1, &sec, &s) ||
	    strncmp(s, ", ", 2) ||
	    take_digits(s + 2, NSEC_PER_SEC - 1, &nsec, &s) ||
	    strcmp(s, ")"))
		return -EINVAL;
	*ns = (int64_t)sec * NSEC_PER_SEC + (int64_t)nsec;
	return 0;
}

enum fdinfo_key {
	FI_FLAGS, FI_CLOCKID, FI_TICKS, FI_SETTIME, FI_VALUE, FI_INTERVAL, FI_COUNT
};

static const char *const fdinfo_keys[FI_COUNT] = {
	[FI_FLAGS] = "flags",
	[FI_CLOCKID] = "clockid",
	[FI_TICKS] = "ticks",
	[FI_SETTIME] = "settime flags",
	[FI_VALUE] = "it_value",
	[FI_INTERVAL] = "it_interval",
};

static int parse_value(enum fdinfo_key key, const char *val, struct ptimer_timerfd *tfd)
{
	uint64_t v;

	switch (key) {
	case FI_FLAGS:
		if (parse_u64(val, 8, UINT32_MAX, &v))
			return -EINVAL;
		tfd->fd_flags = (unsigned int)v & KTFD_FD_FLAGS;
		return 0;
	case FI_CLOCKID:
		if (parse_u64(val, 10, INT_MAX, &v) || !kinds_timerfd_clock_ok((int)v))
			return -EINVAL;
		tfd->clockid = (int)v;
		return 0;
	case FI_TICKS:
		if (parse_u64(val, 10, INT64_MAX, &v))
			return -EINVAL;
		tfd->ticks = v;
		return 0;
	case FI_SETTIME:
		if (parse_u64(val, 8, UINT32_MAX, &v) || (v & ~(uint64_t)KTFD_SETTIME_FLAGS))
			return -EINVAL;
		tfd->settime_flags = (unsigned int)v;
		return 0;
	case FI_VALUE:
		return parse_timespec(val, &tfd->value_ns);
	case FI_INTERVAL:
		return parse_timespec(val, &tfd->interval_ns);
	default:
		return -EINVAL;
	}
}

int procfs_parse_timerfd_fdinfo(const char *text, size_t len, struct ptimer_timerfd *tfd,
				unsigned int *err_line)
{
	bool seen[FI_COUNT] = { false };
	unsigned int line = 0;
	size_t pos = 0;
	char buf[256];

	if (err_line)
		*err_line = 0;
	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		char *colon, *val;
		int key = -1;

		line++;
		if (n >= sizeof(buf) || memchr(text + pos, '\0', n))
			goto bad;
		memcpy(buf, text + pos, n);
		buf[n] = '\0';
		pos += n + (nl ? 1 : 0);
		colon = strchr(buf, ':');
		if (!colon)
			goto bad;
		*colon = '\0';
		for (val = colon + 1; *val == ' ' || *val == '\t'; val++)
			;
		for (int k = 0; k < FI_COUNT; k++)
			if (!strcmp(buf, fdinfo_keys[k]))
				key = k;
		if (key < 0)
			continue;	/* pos, mnt_id, ino, and what later kernels add */
		if (seen[key] || parse_value(key, val, tfd))
			goto bad;
		seen[key] = true;
	}
	for (int k = 0; k < FI_COUNT; k++)
		if (!seen[k])
			return -EINVAL;
	return 0;
bad:
	if (err_line)
		*err_line = line;
	return -EINVAL;
}
