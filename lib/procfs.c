// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
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
#include "kabi.h"
#include "procfs.h"

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

static int keep(int dirfd, const char *name, int flags, int *fd)
{
	if (*fd >= 0)
		return 0;
	*fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC | flags);
	if (*fd < 0)
		return errno == ENOENT && faccessat(dirfd, ".", F_OK, 0) ? -ESRCH : -errno;
	return 0;
}

int procfs_keep(int dirfd, const char *name, int *fd)
{
	return keep(dirfd, name, 0, fd);
}

int procfs_keep_dir(int dirfd, const char *name, int *fd)
{
	return keep(dirfd, name, O_DIRECTORY, fd);
}

/*
 * All of @fd, by read(), or from offset 0 by pread() when @again.  With
 * @one_record, a file of one record: seq_file formats it whole for the
 * first read(), so a read that left room in the buffer had all of it,
 * and the stopped target is spared the read() that would show the end.
 */
static int slurp(int fd, bool again, bool one_record, char **buf, size_t *len)
{
	size_t cap = 4096, used = 0;
	char *data, *grown;
	ssize_t got;

	data = malloc(cap);
	if (!data)
		return -ENOMEM;
	for (;;) {
		if (cap - used < 2) {
			grown = realloc(data, cap * 2);
			if (!grown) {
				free(data);
				return -ENOMEM;
			}
			data = grown;
			cap *= 2;
		}
		/* A pread() at 0 makes seq_file show the file anew. */
		if (again)
			got = pread(fd, data + used, cap - used - 1, (off_t)used);
		else
			got = read(fd, data + used, cap - used - 1);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			free(data);
			return -errno;
		}
		if (got == 0)
			break;
		used += got;
		if (one_record && used < cap - 1)
			break;
	}
	data[used] = '\0';
	*buf = data;
	if (len)
		*len = used;
	return 0;
}

int procfs_reread_record(int fd, char **buf, size_t *len)
{
	return slurp(fd, true, true, buf, len);
}

int procfs_reread(int fd, char **buf, size_t *len)
{
	return slurp(fd, true, false, buf, len);
}

int procfs_read(int dirfd, const char *name, char **buf, size_t *len)
{
	int fd = -1, ret;

	ret = procfs_keep(dirfd, name, &fd);
	if (ret)
		return ret;
	ret = slurp(fd, false, false, buf, len);
	close(fd);
	return ret;
}

/* The fields of /proc/PID/stat in @buf after the comm, which may hold spaces and ')'. */
static int after_comm(char *buf, char **fields)
{
	char *end = strrchr(buf, ')');

	if (!end || end[1] != ' ') {
		free(buf);
		return -EINVAL;
	}
	*fields = end + 2;
	return 0;
}

static int stat_fields(int dirfd, const char *name, char **buf, char **fields)
{
	int ret = procfs_read(dirfd, name, buf, NULL);

	return ret ? ret : after_comm(*buf, fields);
}

/* The same from a stat file kept open (procfs_keep()). */
static int stat_fields_kept(int statfd, char **buf, char **fields)
{
	int ret = procfs_reread_record(statfd, buf, NULL);

	return ret ? ret : after_comm(*buf, fields);
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

int procfs_start_time(int statfd, unsigned long long *ticks)
{
	char *buf, *fields;
	int ret;

	ret = stat_fields_kept(statfd, &buf, &fields);
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

/*
 * Call @fn for each "Key:\tvalue" line of the status file in @buf, which
 * it cuts up, with the value's leading blanks skipped, until @fn returns
 * non-zero: an error (< 0), or "found, stop" (> 0).  Returns that, or 0.
 */
static int status_each(char *buf, int (*fn)(const char *key, const char *val, void *data),
		       void *data)
{
	char *line, *save;
	int ret = 0;

	for (line = strtok_r(buf, "\n", &save); line && !ret; line = strtok_r(NULL, "\n", &save)) {
		char *colon = strchr(line, ':');

		if (!colon)
			continue;
		*colon = '\0';
		ret = fn(line, colon + 1 + strspn(colon + 1, " \t"), data);
	}
	return ret;
}

/* Read the status file @name below @dirfd and run status_each() over it. */
static int status_read_each(int dirfd, const char *name,
			    int (*fn)(const char *key, const char *val, void *data), void *data)
{
	char *buf;
	int ret;

	ret = procfs_read(dirfd, name, &buf, NULL);
	if (ret)
		return ret;
	ret = status_each(buf, fn, data);
	free(buf);
	return ret;
}

static int parse_hex_mask(const char *v, unsigned long long *out)
{
	char *end;

	errno = 0;
	*out = strtoull(v, &end, 16);
	return errno || end == v ? -EINVAL : 0;
}

struct status_fields {
	struct procfs_status *st;
	int seen;
};

/*
 * The name as the process has it: status escapes a backslash as "\\" and
 * a newline as "\n" (proc_task_name()), which /proc/PID/comm does not.
 */
static void unescape_name(char *dst, size_t size, const char *src)
{
	size_t n = 0;

	while (*src && n + 1 < size) {
		if (src[0] == '\\' && (src[1] == '\\' || src[1] == 'n')) {
			dst[n++] = src[1] == 'n' ? '\n' : '\\';
			src += 2;
		} else {
			dst[n++] = *src++;
		}
	}
	dst[n] = '\0';
}

static int status_field(const char *key, const char *val, void *data)
{
	struct status_fields *f = data;
	struct procfs_status *st = f->st;

	if (!strcmp(key, "Name")) {
		unescape_name(st->comm, sizeof(st->comm), val);
		f->seen |= 1;
	} else if (!strcmp(key, "State")) {
		st->state = val[0];
		f->seen |= 2;
	} else if (!strcmp(key, "Tgid")) {
		f->seen |= 4;
		return parse_int_value(val, &st->tgid);
	} else if (!strcmp(key, "PPid")) {
		return parse_int_value(val, &st->ppid);
	} else if (!strcmp(key, "TracerPid")) {
		f->seen |= 8;
		return parse_int_value(val, &st->tracer_pid);
	} else if (!strcmp(key, "Seccomp")) {
		return parse_int_value(val, &st->seccomp);
	} else if (!strcmp(key, "SigIgn")) {
		return parse_hex_mask(val, &st->sig_ign);
	}
	return 0;
}

int procfs_read_status(int dirfd, struct procfs_status *st)
{
	struct status_fields f = { .st = st };
	unsigned long long flags;
	char *buf, *fields;
	int ret;

	memset(st, 0, sizeof(*st));
	st->seccomp = -1;
	ret = status_read_each(dirfd, "status", status_field, &f);
	if (ret)
		return ret;
	if (f.seen != 15)
		return -EINVAL;

	/* "Kthread:" in status is recent; the stat flags have it everywhere. */
	ret = stat_fields(dirfd, "stat", &buf, &fields);
	if (ret)
		return ret;
	ret = stat_field_ull(fields, 9, &flags);
	if (!ret)
		st->kernel_thread = flags & KPF_KTHREAD;
	free(buf);
	return ret;
}

/* The first buffer for a task directory: 2048 threads of up to 7 digits. */
#define TASK_DIR_FIRST_BYTES	(64u << 10)
/* PID_MAX_LIMIT (2^22) entries of 32 bytes, and room to spare. */
#define TASK_DIR_MAX_BYTES	(256u << 20)
#define TASK_DIR_MAX_ROUNDS	64

/*
 * Read the whole of @fd, a /proc/PID/task directory, in ONE getdents64()
 * call.  The kernel walks the thread list once per call; a later call
 * resumes from the last thread returned, or, if that one has exited, by
 * counting threads from the leader, which skips or repeats a thread when
 * others exit in between.  So a read that did not take everything is done
 * again from the start with a bigger buffer.  A walk can also end early
 * when the thread it stands on exits (next_tid() stops at a dead thread);
 * the probe read then finds more and the read is done again.
 */
static int read_task_dir(int fd, char **buf, size_t *len)
{
	size_t cap = TASK_DIR_FIRST_BYTES;
	char probe[64];

	for (int round = 0; round < TASK_DIR_MAX_ROUNDS; round++) {
		ssize_t got, more;
		char *data;

		data = malloc(cap);
		if (!data)
			return -ENOMEM;
		if (lseek(fd, 0, SEEK_SET) < 0)
			goto fail;
		got = getdents64(fd, data, cap);
		if (got < 0)
			goto fail;
		more = getdents64(fd, probe, sizeof(probe));
		if (more < 0)
			goto fail;
		if (!more) {
			*buf = data;
			*len = got;
			return 0;
		}
		free(data);
		/* Full: grow.  Not full: a thread exited under the walk; again. */
		if (cap - got < 2 * sizeof(probe)) {
			if (cap >= TASK_DIR_MAX_BYTES)
				return -E2BIG;
			cap *= 2;
		}
		continue;
fail:
		free(data);
		/* A task directory whose process has died reads ENOENT. */
		return errno == ENOENT ? -ESRCH : -errno;
	}
	return -EAGAIN;
}

/*
 * Thread ids cannot give the creation order (they wrap at pid_max), nor
 * can start times (clock ticks, shared by every thread made in the same
 * tick).  The kernel keeps it: a thread group's threads sit on one list,
 * signal->thread_head, the leader first (copy_signal()) and every new
 * thread added at the tail (copy_process()), and proc_task_readdir()
 * walks that list from its head.  So one read of the directory, in the
 * order it comes, is the creation order.
 */
static int list_threads(int taskfd, pid_t pid, pid_t **tids, size_t *n)
{
	size_t count = 0, len = 0, off;
	pid_t *out = NULL;
	char *buf = NULL;
	int ret;

	ret = read_task_dir(taskfd, &buf, &len);
	if (ret)
		return ret;
	/* Each entry is at least 24 bytes: a bound on the count. */
	out = malloc((len / 24 + 1) * sizeof(*out));
	if (!out) {
		ret = -ENOMEM;
		goto free_buf;
	}
	for (off = 0; off < len; ) {
		struct dirent64 *de = (struct dirent64 *)(buf + off);
		char *end;
		long tid;

		off += de->d_reclen;
		if (de->d_name[0] == '.')
			continue;
		errno = 0;
		tid = strtol(de->d_name, &end, 10);
		if (errno || *end || tid <= 0 || tid > INT_MAX)
			continue;
		out[count++] = (pid_t)tid;
	}
	if (!count) {
		ret = -ESRCH;
		goto free_out;
	}
	/*
	 * The walk starts at the leader.  Not finding it first means the
	 * thread group changed under us (an exec swaps the leader).
	 */
	if (out[0] != pid) {
		ret = -EAGAIN;
		goto free_out;
	}
	*tids = out;
	*n = count;
	free(buf);
	return 0;

free_out:
	free(out);
free_buf:
	free(buf);
	return ret;
}

int procfs_list_threads(int dirfd, pid_t pid, pid_t **tids, size_t *n)
{
	int taskfd = -1, ret;

	ret = procfs_keep_dir(dirfd, "task", &taskfd);
	if (ret)
		return ret;
	ret = list_threads(taskfd, pid, tids, n);
	close(taskfd);
	return ret;
}

int procfs_list_tids(int taskfd, pid_t pid, pid_t **tids, size_t *n)
{
	return list_threads(taskfd, pid, tids, n);
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
		return -PTIMER_ERR_COMPAT;
	return 0;
}

/*
 * A thread's pending (own and shared), blocked, ignored (SIG_IGN) and
 * caught (a handler) signal sets, from one read of its status: the
 * kernel prints them all under the one siglock (task_sig(),
 * fs/proc/array.c), so they agree with each other.
 */
struct thread_sigsets {
	unsigned long long pnd, shd, blk, ign, cgt;
};

struct sigsets_fields {
	struct thread_sigsets *ss;
	int seen;
};

static int sigsets_field(const char *key, const char *val, void *data)
{
	struct sigsets_fields *f = data;

	if (!strcmp(key, "SigPnd")) {
		f->seen |= 1;
		return parse_hex_mask(val, &f->ss->pnd);
	} else if (!strcmp(key, "ShdPnd")) {
		f->seen |= 2;
		return parse_hex_mask(val, &f->ss->shd);
	} else if (!strcmp(key, "SigBlk")) {
		f->seen |= 4;
		return parse_hex_mask(val, &f->ss->blk);
	} else if (!strcmp(key, "SigIgn")) {
		f->seen |= 8;
		return parse_hex_mask(val, &f->ss->ign);
	} else if (!strcmp(key, "SigCgt")) {
		f->seen |= 16;
		return parse_hex_mask(val, &f->ss->cgt);
	}
	return 0;
}

static int read_thread_sigsets(int dirfd, pid_t tid, struct thread_sigsets *ss)
{
	struct sigsets_fields f = { .ss = ss };
	char name[48];
	int ret;

	memset(ss, 0, sizeof(*ss));
	snprintf(name, sizeof(name), "task/%d/status", tid);
	ret = status_read_each(dirfd, name, sigsets_field, &f);
	if (!ret && f.seen != 31)
		ret = -EINVAL;
	return ret;
}

/*
 * From stat (field 33, "sigignore"), which the kernel formats in half the
 * time of status: this is read with the target stopped.
 */
int procfs_reread_stat(int statfd, struct procfs_stat *st)
{
	static const int mm_fields[PROCFS_MM_STAMP_FIELDS] = { 26, 27, 28, 45, 46, 47, 48, 49,
								50, 51 };
	char *buf, *fields;
	int ret;

	memset(st, 0, sizeof(*st));
	ret = stat_fields_kept(statfd, &buf, &fields);
	if (ret)
		return ret;
	ret = stat_field_ull(fields, 33, &st->sig_ign);
	st->mm_known = true;
	for (int i = 0; i < PROCFS_MM_STAMP_FIELDS && st->mm_known; i++)
		st->mm_known = !stat_field_ull(fields, mm_fields[i], &st->mm[i]);
	free(buf);
	return ret;
}

/*
 * The signals the program ignores: SIG_IGN, or SIG_DFL (neither ignored
 * nor caught) with a default action of ignore.  Untraced, the kernel drops
 * such a signal when it is sent (sig_ignored(), kernel/signal.c).  But
 * sig_ignored() keeps it for a traced task ("Tracers may want to know
 * about even ignored signal": t->ptrace && sig != SIGKILL), so one sent
 * while we hold the process is queued.  It is dropped once dequeued after
 * our detach (get_signal(): "Do nothing." for SIG_IGN, "Default is
 * nothing." for sig_kernel_ignore()), and interrupts nothing.
 */
static unsigned long long ignored_signals(const struct thread_sigsets *ss)
{
	return ss->ign | (ksig_default_ignored() & ~ss->cgt);
}

/*
 * The signals the kernel drops once dequeued: ignored_signals(), and, in
 * the @init of a pid namespace, every one at SIG_DFL but SIGKILL and
 * SIGSTOP (SIGNAL_UNKILLABLE: get_signal()).
 */
static unsigned long long dropped_signals(const struct thread_sigsets *ss, bool init)
{
	const unsigned long long kernel_only = ksig_bit(SIGKILL) | ksig_bit(SIGSTOP);

	return ignored_signals(ss) | (init ? ~(ss->ign | ss->cgt) & ~kernel_only : 0);
}

int procfs_thread_has_deliverable_signal(int dirfd, pid_t tid, bool init, bool *yes)
{
	struct thread_sigsets ss;
	int ret;

	ret = read_thread_sigsets(dirfd, tid, &ss);
	*yes = !ret && ((ss.pnd | ss.shd) & ~ss.blk & ~dropped_signals(&ss, init));
	return ret;
}

int procfs_signal_dropped(int dirfd, pid_t tid, int sig, bool init, bool *yes)
{
	struct thread_sigsets ss;
	int ret;

	ret = read_thread_sigsets(dirfd, tid, &ss);
	*yes = !ret && (dropped_signals(&ss, init) & ksig_bit(sig));
	return ret;
}

int procfs_thread_pending(int dirfd, pid_t tid, unsigned long long *pending)
{
	struct thread_sigsets ss;
	int ret;

	ret = read_thread_sigsets(dirfd, tid, &ss);
	*pending = ret ? 0 : ss.pnd | ss.shd;
	return ret;
}

struct nspid_field {
	long last;	/* the innermost id */
	int levels;
};

/* "NSpid:\t100\t1": one field per level, innermost last. */
static int nspid_field(const char *key, const char *val, void *data)
{
	struct nspid_field *f = data;
	const char *p;
	char *end;

	if (strcmp(key, "NSpid"))
		return 0;
	f->levels = 0;
	for (p = val;; p = end) {
		p += strspn(p, " \t");
		if (!*p)
			break;
		errno = 0;
		f->last = strtol(p, &end, 10);
		if (errno || end == p || (*end && *end != ' ' && *end != '\t') ||
		    f->last <= 0 || f->last > INT_MAX)
			return -EINVAL;
		f->levels++;
	}
	return f->levels ? 1 : -EINVAL;
}

int procfs_nspid(int dirfd, pid_t tid, pid_t *ns_tid, int *levels)
{
	/* Without an NSpid line (before 4.1): one level, the same id. */
	struct nspid_field f = { .last = tid, .levels = 1 };
	char name[48];
	int ret;

	snprintf(name, sizeof(name), "task/%d/status", tid);
	ret = status_read_each(dirfd, name, nspid_field, &f);
	if (ret < 0)
		return ret;
	*ns_tid = (pid_t)f.last;
	*levels = f.levels;
	return 0;
}

int procfs_ns_tid(int dirfd, pid_t tid, pid_t *ns_tid)
{
	int levels;

	return procfs_nspid(dirfd, tid, ns_tid, &levels);
}

/*
 * A group SIGKILL is queued to every thread at once, before any of them
 * runs do_exit() and sets KPF_EXITING; in that window ptrace already
 * refuses to attach.
 */
static bool thread_has_sigkill(int dirfd, pid_t tid)
{
	struct thread_sigsets ss;

	if (read_thread_sigsets(dirfd, tid, &ss))
		return true;
	return ss.pnd & ksig_bit(SIGKILL);
}

bool procfs_thread_exiting(int dirfd, pid_t tid)
{
	unsigned long long flags;
	char name[48], *buf, *fields;
	bool exiting;
	int ret;

	snprintf(name, sizeof(name), "task/%d/stat", tid);
	ret = stat_fields(dirfd, name, &buf, &fields);
	/* Gone, or unreadable: out of descriptors (EMFILE), that says nothing of it. */
	if (ret)
		return ret == -ENOENT || ret == -ESRCH;
	exiting = fields[0] == 'Z' || fields[0] == 'X' || fields[0] == 'x' ||
		  stat_field_ull(fields, 9, &flags) || (flags & KPF_EXITING);
	free(buf);
	return exiting || thread_has_sigkill(dirfd, tid);
}

int procfs_self_pid(int dirfd, pid_t *pid)
{
	char buf[24];
	ssize_t n = readlinkat(dirfd, "../self", buf, sizeof(buf) - 1);

	if (n < 0)
		return -errno;
	buf[n] = '\0';
	return parse_int_value(buf, pid);
}

struct sigq {
	unsigned long long queued, limit;
	bool seen;
};

static int sigq_field(const char *key, const char *val, void *data)
{
	struct sigq *q = data;
	char *end;

	if (strcmp(key, "SigQ"))
		return 0;
	/* "used/limit" */
	errno = 0;
	q->queued = strtoull(val, &end, 10);
	if (errno || end == val || *end != '/')
		return -EINVAL;
	val = end + 1;
	q->limit = strtoull(val, &end, 10);
	if (errno || end == val)
		return -EINVAL;
	q->seen = true;
	return 0;
}

int procfs_nofile(int dirfd, unsigned long long *soft)
{
	static const char key[] = "Max open files ";
	char *buf, *line, *end;
	int ret;

	ret = procfs_read(dirfd, "limits", &buf, NULL);
	if (ret)
		return ret;
	ret = -EINVAL;
	for (line = buf; line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		const char *v = line + sizeof(key) - 1;

		if (strncmp(line, key, sizeof(key) - 1))
			continue;
		while (*v == ' ')
			v++;
		if (!strncmp(v, "unlimited ", 10)) {
			*soft = ULLONG_MAX;
			ret = 0;
		} else if (*v >= '0' && *v <= '9') {
			errno = 0;
			*soft = strtoull(v, &end, 10);
			ret = errno || *end != ' ' ? -EINVAL : 0;
		}
		break;
	}
	free(buf);
	return ret;
}

int procfs_sigq(int dirfd, unsigned long long *queued, unsigned long long *limit)
{
	struct sigq q = { 0 };
	int ret;

	ret = status_read_each(dirfd, "status", sigq_field, &q);
	if (ret)
		return ret;
	if (!q.seen)
		return -EINVAL;
	*queued = q.queued;
	*limit = q.limit;
	return 0;
}
