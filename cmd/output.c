// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * Writing results: -o FILE replaced atomically, or written through when it
 * is not a regular file, and standard output.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <poll.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>

#include "cli.h"

/*
 * The descriptor of ours, open for writing, that is the file @st: what a
 * name like /dev/stdout, /dev/fd/N or /proc/self/fd/N leads to.  Writing
 * through a duplicate of it is the only way to reach a socket, which
 * open(2) refuses, and it never replaces the name.  -1 when there is none.
 */
static int find_descriptor(const struct stat *st)
{
	struct dirent *e;
	int found = -1;
	DIR *d;

	d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	while (found < 0 && (e = readdir(d))) {
		struct stat fst;
		int fd, fl;

		if (e->d_name[0] == '.')
			continue;
		fd = atoi(e->d_name);
		if (fd == dirfd(d))
			continue;
		fl = fcntl(fd, F_GETFL);
		if (fl < 0 || (fl & O_PATH) || (fl & O_ACCMODE) == O_RDONLY || fstat(fd, &fst))
			continue;
		if (fst.st_dev == st->st_dev && fst.st_ino == st->st_ino)
			found = fd;
	}
	closedir(d);
	return found;
}

/*
 * Whether the stream on @fd can take data now: open for writing, and,
 * for a pipe or a socket, with a reader at the other end.  A reader that
 * is already gone is found here, before the target is touched, rather
 * than by the first write after a --disarm.
 */
static int check_writable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	struct stat st;
	int fl;

	fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -errno;
	if ((fl & O_PATH) || (fl & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (fstat(fd, &st))
		return -errno;
	if (!S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode))
		return 0;
	if (poll(&p, 1, 0) < 0)
		return -errno;
	if (p.revents & POLLERR || (S_ISSOCK(st.st_mode) && p.revents & POLLHUP))
		return -EPIPE;
	return 0;
}

static bool have_effective_cap(cap_value_t cap)
{
	cap_flag_value_t v = CAP_CLEAR;
	cap_t caps = cap_get_proc();

	if (caps) {
		cap_get_flag(caps, cap, CAP_EFFECTIVE, &v);
		cap_free(caps);
	}
	return v == CAP_SET;
}

/*
 * Whether renaming over @path will be allowed, as far as creating a file
 * beside it did not already prove: the kernel's may_delete() also refuses
 * an immutable or append-only file, an append-only directory, and, in a
 * sticky directory, a file neither ours nor in our directory without
 * CAP_FOWNER.
 */
static int check_replaceable(const char *path)
{
	char *copy, *dir;
	struct statx file, parent;
	int ret = 0;

	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_UID, &file))
		return errno == ENOENT ? 0 : -errno;
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	dir = dirname(copy);
	if (statx(AT_FDCWD, dir, 0, STATX_UID | STATX_MODE, &parent)) {
		ret = -errno;
		goto free_copy;
	}
	if (file.stx_attributes & (STATX_ATTR_IMMUTABLE | STATX_ATTR_APPEND) ||
	    parent.stx_attributes & STATX_ATTR_APPEND)
		ret = -EPERM;
	else if (parent.stx_mode & S_ISVTX && file.stx_uid != geteuid() &&
		 parent.stx_uid != geteuid() && !have_effective_cap(CAP_FOWNER))
		ret = -EPERM;
free_copy:
	free(copy);
	return ret;
}

/* A new 0600 file beside @out->path, to be renamed over it. */
static int open_replacement(struct cli_output *out)
{
	int fd, ret;

	if (asprintf(&out->tmp, "%s.XXXXXX", out->path) < 0) {
		out->tmp = NULL;
		return -ENOMEM;
	}
	fd = mkostemp(out->tmp, O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto free_tmp;
	}
	ret = check_replaceable(out->path);
	if (ret)
		goto unlink_tmp;
	out->f = fdopen(fd, "w");
	if (!out->f) {
		ret = -errno;
		goto unlink_tmp;
	}
	return 0;

unlink_tmp:
	close(fd);
	unlink(out->tmp);
free_tmp:
	free(out->tmp);
	out->tmp = NULL;
	return ret;
}

/* Open what @out->path names to write through it: a device, a FIFO, a descriptor. */
static int open_through(struct cli_output *out, const struct stat *st, bool symlink)
{
	struct stat fst;
	int fd, ret;

	fd = symlink ? find_descriptor(st) : -1;
	if (fd >= 0)
		fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	else
		fd = open(out->path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &fst)) {
		ret = -errno;
		goto close_fd;
	}
	/* It became a regular file since we looked: give it the file's treatment. */
	if (S_ISREG(fst.st_mode) && (fst.st_dev != st->st_dev || fst.st_ino != st->st_ino)) {
		close(fd);
		return open_replacement(out);
	}
	ret = check_writable(fd);
	if (ret)
		goto close_fd;
	out->f = fdopen(fd, "w");
	if (!out->f) {
		ret = -errno;
		goto close_fd;
	}
	return 0;

close_fd:
	close(fd);
	return ret;
}

int cli_output_open(struct cli_output *out, const char *path)
{
	struct stat lst, st;

	memset(out, 0, sizeof(*out));
	out->path = path;
	if (!strcmp(path, "-")) {
		out->f = stdout;
		return check_writable(STDOUT_FILENO);
	}
	if (lstat(path, &lst))
		return errno == ENOENT ? open_replacement(out) : -errno;
	if (stat(path, &st)) {
		/* A dangling symbolic link is replaced, as one to a file is. */
		if (errno == ENOENT && S_ISLNK(lst.st_mode))
			return open_replacement(out);
		return -errno;
	}
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	/*
	 * A symbolic link to a regular file is replaced, not written through,
	 * so that a link planted at @path cannot redirect the dump, unless it
	 * names a descriptor the caller gave us (/dev/stdout > file).
	 */
	if (S_ISREG(st.st_mode) && (!S_ISLNK(lst.st_mode) || find_descriptor(&st) < 0))
		return open_replacement(out);
	return open_through(out, &st, S_ISLNK(lst.st_mode));
}

/*
 * A write that a terminating signal can stop.  A pipe or socket that the
 * reader stops draining (a stalled ssh session) blocks write(2), and the
 * signal, caught while a target is held (signals.c), would restart it.
 * So a piece is written only once the stream takes it (a pipe that polls
 * writable has a free page for a write this size), and a wait for that
 * gives up once a signal came: the write fails with EINTR.  A stream that
 * keeps taking data is written whole, signal or not.
 */
#define GUARDED_PIECE	4096
#define GUARDED_LOOK_MS	100	/* a signal just before poll() is seen this late */

static ssize_t guarded_write(void *cookie, const char *buf, size_t size)
{
	int fd = *(int *)cookie;
	size_t done = 0;

	while (done < size) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		size_t n = size - done < GUARDED_PIECE ? size - done : GUARDED_PIECE;
		ssize_t w;
		int ready = poll(&p, 1, cli_interrupted ? 0 : GUARDED_LOOK_MS);

		if (ready < 0 && errno != EINTR)
			return done ? (ssize_t)done : -1;
		if (ready <= 0) {
			if (!cli_interrupted)
				continue;
			errno = EINTR;
			return done ? (ssize_t)done : -1;
		}
		w = write(fd, buf + done, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return done ? (ssize_t)done : -1;
		done += (size_t)w;
	}
	return (ssize_t)done;
}

FILE *cli_output_guard(struct cli_output *out, int *fd)
{
	cookie_io_functions_t io = { .write = guarded_write };

	*fd = fileno(out->f);
	return fopencookie(fd, "w", io);
}

int cli_output_unguard(FILE *g)
{
	int ret = 0;

	errno = 0;
	if (fflush(g) || ferror(g))
		ret = errno ? -errno : -EIO;
	fclose(g);
	return ret;
}

char *cli_keep_dump(const struct ptimer_dump *dump, pid_t pid)
{
	const char *dir = getenv("TMPDIR");
	struct cli_output out = { 0 };
	char *path;
	int fd;

	if (!dir || !dir[0])
		dir = "/tmp";
	if (asprintf(&path, "%s/ptimerctl-%d-XXXXXX.json", dir, pid) < 0)
		return NULL;
	/* A name of its own (O_EXCL): nothing planted there, nor kept before, is replaced. */
	fd = mkostemps(path, 5, O_CLOEXEC);
	if (fd < 0)
		goto free_path;
	out.path = path;
	out.f = fdopen(fd, "w");
	if (!out.f) {
		close(fd);
		goto unlink_path;
	}
	if (!cli_write_dump(dump, &out, false))
		return path;
unlink_path:
	unlink(path);
free_path:
	free(path);
	return NULL;
}

void cli_say_disarmed(pid_t pid, char *kept)
{
	if (kept)
		cli_error(0, "the timers of pid %d stay disarmed; their dump is in '%s'", pid,
			  kept);
	else
		cli_error(0, "the timers of pid %d stay disarmed, and their dump is lost", pid);
	free(kept);
}

int cli_output_commit(struct cli_output *out)
{
	int ret = 0;

	errno = 0;
	if (fflush(out->f) || ferror(out->f))
		ret = errno ? -errno : -EIO;
	else if (out->tmp && fsync(fileno(out->f)))
		ret = -errno;
	if (!ret && out->f != stdout) {
		if (fclose(out->f))
			ret = -errno;
		out->f = NULL;
	}
	if (ret) {
		cli_output_abort(out);
		return ret;
	}
	out->f = NULL;
	if (!out->tmp)
		return 0;
	if (rename(out->tmp, out->path)) {
		/* The document is whole: the caller may keep it if it is the only copy. */
		out->complete = true;
		return -errno;
	}
	free(out->tmp);
	out->tmp = NULL;
	return 0;
}

static void close_output(struct cli_output *out)
{
	if (out->f == stdout)
		/* Nothing left in the buffer for exit() to write again. */
		__fpurge(stdout);
	else if (out->f)
		fclose(out->f);
	out->f = NULL;
}

void cli_output_abort(struct cli_output *out)
{
	close_output(out);
	if (out->tmp) {
		unlink(out->tmp);
		free(out->tmp);
		out->tmp = NULL;
	}
}

char *cli_output_keep(struct cli_output *out)
{
	char *tmp = out->tmp;

	close_output(out);
	out->tmp = NULL;
	return tmp;
}

const char *cli_output_name(const struct cli_output *out, char *buf, size_t len)
{
	if (!strcmp(out->path, "-"))
		snprintf(buf, len, "stdout");
	else
		snprintf(buf, len, "'%s'", out->path);
	return buf;
}

int cli_check_stdout(void)
{
	int ret = check_writable(STDOUT_FILENO);

	if (!ret)
		return EXIT_OK;
	cli_error(ret, "cannot write to stdout");
	return EXIT_FAILURE_GENERIC;
}

int cli_finish_stdout(void)
{
	errno = 0;
	if (!fflush(stdout) && !ferror(stdout))
		return EXIT_OK;
	cli_error(errno ? errno : EIO, "cannot write to stdout");
	__fpurge(stdout);
	return EXIT_FAILURE_GENERIC;
}
