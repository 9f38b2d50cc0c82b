// SPDX-License-Identifier: GPL-2.0-or-later
/* Reading /proc/PID relative to one directory fd. */
#include <dirent.h>
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "procfs.h"

#define PF_EXITING 0x00000004
#define PF_KTHREAD 0x00200000

int procfs_open(pid_t pid, int *dirfd)
{
	char path[32];
	int fd;

	if (pid <= 0)
		return -EINVAL;
	snprintf(path, sizeof(path), "/proc/%d", pid);
	fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	*dirfd = fd;
	return 0;
}

int procfs_read(int dirfd, const char *name, char **buf, size_t *len)
{
	size_t cap = 4096, used = 0;
	char *data, *grown;
	ssize_t got;
	int fd, ret;

	fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT && faccessat(dirfd, ".", F_OK, 0) ? -ESRCH : -errno;
	data = malloc(cap);
	if (!data) {
		ret = -ENOMEM;
		goto close_fd;
	}
	for (;;) {
		if (cap - used < 2) {
			grown = realloc(data, cap * 2);
			if (!grown) {
				ret = -ENOMEM;
				goto free_data;
			}
			data = grown;
			cap *= 2;
		}
		got = read(fd, data + used, cap - used - 1);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto free_data;
		}
		if (got == 0)
			break;
		used += got;
	}
	data[used] = '\0';
	close(fd);
	*buf = data;
	if (len)
		*len = used;
	return 0;

free_data:
	free(data);
close_fd:
	close(fd);
	return ret;
}

/* The fields of /proc/PID/stat after the comm, which may hold spaces and ')'. */
static int stat_fields(int dirfd, const char *name, char **buf, char **after_comm)
{
	char *end;
	int ret;

	ret = procfs_read(dirfd, name, buf, NULL);
	if (ret)
		return ret;
	end = strrchr(*buf, ')');
	if (!end || end[1] != ' ') {
		free(*buf);
		return -EINVAL;
	}
	*after_comm = end + 2;
	return 0;
}

/* Field @n (1-based, as in proc(5)) of a stat line; field 3 is the state. */
static int stat_field_ull(const char *after_comm, int n, unsigned long long *val)
{
	const char *p = after_comm;
	char *end;

	for (int i = 3; i < n; i++) {
		p = strchr(p, ' ');
		if (!p)
			return -EINVAL;
		p++;
	}
	errno = 0;
	*val = strtoull(p, &end, 10);
	if (errno || end == p || (*end != ' ' && *end != '\n' && *end))
		return -EINVAL;
	return 0;
}

int procfs_thread_cpu(int dirfd, pid_t tid, int *cpu)
{
	unsigned long long v;
	char name[48], *buf, *fields;
	int ret;

	snprintf(name, sizeof(name), "task/%d/stat", tid);
	ret = stat_fields(dirfd, name, &buf, &fields);
	if (ret)
		return ret;
	ret = stat_field_ull(fields, 39, &v);
	free(buf);
	if (!ret)
		*cpu = (int)v;
	return ret;
}

int procfs_start_time(int dirfd, unsigned long long *ticks)
{
	char *buf, *fields;
	int ret;

	ret = stat_fields(dirfd, "stat", &buf, &fields);
	if (ret)
		return ret;
	ret = stat_field_ull(fields, 22, ticks);
	free(buf);
	return ret;
}

static int parse_int_value(const char *v, int *out)
{
	char *end;
	long val;

	errno = 0;
	val = strtol(v, &end, 10);
	if (errno || end == v || (*end && *end != '\n') || val < INT_MIN || val > INT_MAX)
		return -EINVAL;
	*out = val;
	return 0;
}

int procfs_read_status(int dirfd, struct procfs_status *st)
{
	unsigned long long flags;
	char *buf, *line, *save, *fields;
	int ret, seen = 0;

	memset(st, 0, sizeof(*st));
	st->seccomp = -1;
	ret = procfs_read(dirfd, "status", &buf, NULL);
	if (ret)
		return ret;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');
		char *val;

		if (!colon)
			continue;
		*colon = '\0';
		val = colon + 1;
		val += strspn(val, " \t");
		if (!strcmp(line, "Name")) {
			snprintf(st->comm, sizeof(st->comm), "%s", val);
			seen |= 1;
		} else if (!strcmp(line, "State")) {
			st->state = val[0];
			seen |= 2;
		} else if (!strcmp(line, "Tgid")) {
			ret = parse_int_value(val, &st->tgid);
			seen |= 4;
		} else if (!strcmp(line, "TracerPid")) {
			ret = parse_int_value(val, &st->tracer_pid);
			seen |= 8;
		} else if (!strcmp(line, "Seccomp")) {
			ret = parse_int_value(val, &st->seccomp);
		}
		if (ret)
			goto free_buf;
	}
	free(buf);
	if (seen != 15)
		return -EINVAL;

	/* "Kthread:" in status is recent; the stat flags have it everywhere. */
	ret = stat_fields(dirfd, "stat", &buf, &fields);
	if (ret)
		return ret;
	ret = stat_field_ull(fields, 9, &flags);
	if (!ret)
		st->kernel_thread = flags & PF_KTHREAD;
free_buf:
	free(buf);
	return ret;
}

struct thread_entry {
	pid_t tid;
	unsigned long long start;
};

static int thread_cmp(const void *a, const void *b)
{
	const struct thread_entry *x = a, *y = b;

	if (x->start != y->start)
		return x->start < y->start ? -1 : 1;
	return (x->tid > y->tid) - (x->tid < y->tid);
}

static int thread_start_time(int taskfd, pid_t tid, unsigned long long *start)
{
	char name[32];
	char *buf, *fields;
	int ret;

	snprintf(name, sizeof(name), "%d/stat", tid);
	ret = stat_fields(taskfd, name, &buf, &fields);
	if (ret)
		return ret;
	ret = stat_field_ull(fields, 22, start);
	free(buf);
	return ret;
}

static int list_threads(int dirfd, pid_t pid, bool ordered, pid_t **tids, size_t *n)
{
	struct thread_entry *ents = NULL, *grown;
	size_t count = 0, cap = 0;
	struct dirent *de;
	DIR *dir;
	int taskfd, ret = 0;

	taskfd = openat(dirfd, "task", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (taskfd < 0)
		return errno == ENOENT ? -ESRCH : -errno;
	dir = fdopendir(taskfd);
	if (!dir) {
		close(taskfd);
		return -errno;
	}
	while ((de = readdir(dir))) {
		struct thread_entry e;
		char *end;

		if (de->d_name[0] == '.')
			continue;
		e.tid = strtol(de->d_name, &end, 10);
		if (*end || e.tid <= 0)
			continue;
		/* A thread that exits while we list it is simply gone. */
		e.start = 1;
		if (ordered && thread_start_time(taskfd, e.tid, &e.start))
			continue;
		if (e.tid == pid)
			e.start = 0;	/* the leader sorts first */
		if (count == cap) {
			cap = cap ? cap * 2 : 16;
			grown = realloc(ents, cap * sizeof(*ents));
			if (!grown) {
				ret = -ENOMEM;
				goto close_dir;
			}
			ents = grown;
		}
		ents[count++] = e;
	}
	if (!count) {
		ret = -ESRCH;
		goto close_dir;
	}
	qsort(ents, count, sizeof(*ents), thread_cmp);
	*tids = malloc(count * sizeof(**tids));
	if (!*tids) {
		ret = -ENOMEM;
		goto close_dir;
	}
	for (size_t i = 0; i < count; i++)
		(*tids)[i] = ents[i].tid;
	*n = count;
close_dir:
	free(ents);
	closedir(dir);
	return ret;
}

int procfs_list_threads(int dirfd, pid_t pid, pid_t **tids, size_t *n)
{
	return list_threads(dirfd, pid, true, tids, n);
}

int procfs_list_tids(int dirfd, pid_t pid, pid_t **tids, size_t *n)
{
	return list_threads(dirfd, pid, false, tids, n);
}

int procfs_exe_matches(int dirfd, int machine, int elf_class)
{
	Elf64_Ehdr eh;
	ssize_t got;
	int fd;

	fd = openat(dirfd, "exe", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	got = pread(fd, &eh, sizeof(eh), 0);
	close(fd);
	/* Elf32_Ehdr is shorter, but e_ident and e_machine sit at the same offsets. */
	if (got < (ssize_t)offsetof(Elf64_Ehdr, e_version))
		return -ENOEXEC;
	if (memcmp(eh.e_ident, ELFMAG, SELFMAG))
		return -ENOEXEC;
	if (eh.e_ident[EI_CLASS] != elf_class || eh.e_machine != machine)
		return -EXDEV;
	return 0;
}

static int parse_hex_mask(const char *v, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(v, &end, 16);
	return errno || end == v ? -EINVAL : 0;
}

/* A thread's pending (own and shared) and blocked signal sets, from its status. */
struct thread_sigsets {
	unsigned long long pnd, shd, blk;
};

static int read_thread_sigsets(int dirfd, pid_t tid, struct thread_sigsets *ss)
{
	char name[48], *buf, *line, *save;
	int ret, seen = 0;

	memset(ss, 0, sizeof(*ss));
	snprintf(name, sizeof(name), "task/%d/status", tid);
	ret = procfs_read(dirfd, name, &buf, NULL);
	if (ret)
		return ret;
	for (line = strtok_r(buf, "\n", &save); line && !ret; line = strtok_r(NULL, "\n", &save)) {
		if (!strncmp(line, "SigPnd:", 7)) {
			ret = parse_hex_mask(line + 7, &ss->pnd);
			seen |= 1;
		} else if (!strncmp(line, "ShdPnd:", 7)) {
			ret = parse_hex_mask(line + 7, &ss->shd);
			seen |= 2;
		} else if (!strncmp(line, "SigBlk:", 7)) {
			ret = parse_hex_mask(line + 7, &ss->blk);
			seen |= 4;
		}
	}
	free(buf);
	if (!ret && seen != 7)
		ret = -EINVAL;
	return ret;
}

int procfs_thread_has_deliverable_signal(int dirfd, pid_t tid, bool *yes)
{
	struct thread_sigsets ss;
	int ret;

	ret = read_thread_sigsets(dirfd, tid, &ss);
	*yes = !ret && ((ss.pnd | ss.shd) & ~ss.blk);
	return ret;
}

int procfs_ns_tid(int dirfd, pid_t tid, pid_t *ns_tid)
{
	char name[48], *buf, *line, *save, *last, *end;
	long v;
	int ret;

	snprintf(name, sizeof(name), "task/%d/status", tid);
	ret = procfs_read(dirfd, name, &buf, NULL);
	if (ret)
		return ret;
	*ns_tid = tid;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		if (strncmp(line, "NSpid:", 6))
			continue;
		last = strrchr(line, '\t');
		if (!last)
			last = strrchr(line, ' ');
		errno = 0;
		v = last ? strtol(last + 1, &end, 10) : 0;
		if (!last || errno || end == last + 1 || *end || v <= 0 || v > INT_MAX)
			ret = -EINVAL;
		else
			*ns_tid = (pid_t)v;
		break;
	}
	free(buf);
	return ret;
}

/*
 * A group SIGKILL is queued to every thread at once, before any of them
 * runs do_exit() and sets PF_EXITING; in that window ptrace already
 * refuses to attach.
 */
static bool thread_has_sigkill(int dirfd, pid_t tid)
{
	struct thread_sigsets ss;

	if (read_thread_sigsets(dirfd, tid, &ss))
		return true;
	return ss.pnd & (1ULL << (SIGKILL - 1));
}

bool procfs_thread_exiting(int dirfd, pid_t tid)
{
	unsigned long long flags;
	char name[48], *buf, *fields;
	bool exiting;

	snprintf(name, sizeof(name), "task/%d/stat", tid);
	if (stat_fields(dirfd, name, &buf, &fields))
		return true;
	exiting = fields[0] == 'Z' || fields[0] == 'X' || fields[0] == 'x' ||
		  stat_field_ull(fields, 9, &flags) || (flags & PF_EXITING);
	free(buf);
	return exiting || thread_has_sigkill(dirfd, tid);
}
