// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * ptimerctl list: which processes have POSIX timers or timerfds, as
 * lsns(8) lists namespaces.  Everything comes from /proc (each process's
 * timers file, parsed by the library, its descriptors' links, its comm and
 * its task directory); nothing is attached, so it works unprivileged and
 * shows what the caller may read.  Interval timers and queued timer
 * signals do not show in /proc: only attaching (show) finds them.
 */
#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "cli.h"
#include "table.h"

enum list_clock { LCLK_REALTIME, LCLK_MONOTONIC, LCLK_BOOTTIME, LCLK_TAI, LCLK_ALARM, LCLK_CPU,
		  LCLK_NR };
enum list_notify { LNOT_SIGNAL, LNOT_NONE, LNOT_THREAD, LNOT_THREAD_ID, LNOT_NR };

/* One process: a row of the table. */
struct proc_row {
	pid_t pid;
	uid_t uid;
	char user[64];
	char comm[CLI_COMM_ESCAPED_SIZE];
	long nthreads;			/* -1: unknown */
	size_t ntimers;
	long ntimerfds;			/* -1: not counted (or unreadable) */
	size_t by_clock[LCLK_NR];
	size_t by_notify[LNOT_NR];
};

enum list_col {
	LCOL_PID, LCOL_USER, LCOL_UID, LCOL_COMM, LCOL_THREADS, LCOL_TIMERS, LCOL_TIMERFDS,
	LCOL_REALTIME, LCOL_MONOTONIC, LCOL_BOOTTIME, LCOL_TAI, LCOL_ALARM, LCOL_CPU,
	LCOL_SIGEV_SIGNAL, LCOL_SIGEV_NONE, LCOL_SIGEV_THREAD, LCOL_SIGEV_THREAD_ID,
};

#define NUM(n, w, h) { n, w, true, TABLE_JSON_NUMBER, h }
static const struct table_column list_columns[] = {
	[LCOL_PID] = NUM("PID", 7, "process ID"),
	[LCOL_USER] = { "USER", 8, false, TABLE_JSON_STRING, "owner of the process, by name" },
	[LCOL_UID] = NUM("UID", 5, "owner of the process, by number"),
	[LCOL_COMM] = { "COMM", 15, false, TABLE_JSON_STRING, "process name" },
	[LCOL_THREADS] = NUM("THREADS", 7, "number of threads"),
	[LCOL_TIMERS] = NUM("TIMERS", 6, "number of POSIX timers"),
	[LCOL_TIMERFDS] = NUM("TIMERFDS", 8, "number of timerfd descriptors"),
	[LCOL_REALTIME] = NUM("REALTIME", 8, "timers on CLOCK_REALTIME"),
	[LCOL_MONOTONIC] = NUM("MONOTONIC", 9, "timers on CLOCK_MONOTONIC"),
	[LCOL_BOOTTIME] = NUM("BOOTTIME", 8, "timers on CLOCK_BOOTTIME"),
	[LCOL_TAI] = NUM("TAI", 3, "timers on CLOCK_TAI"),
	[LCOL_ALARM] = NUM("ALARM", 5, "timers on CLOCK_REALTIME_ALARM or CLOCK_BOOTTIME_ALARM"),
	[LCOL_CPU] = NUM("CPU", 3, "timers on a process or thread CPU-time clock"),
	[LCOL_SIGEV_SIGNAL] = NUM("SIGEV_SIGNAL", 12, "timers that signal the process"),
	[LCOL_SIGEV_NONE] = NUM("SIGEV_NONE", 10, "timers that notify nobody"),
	[LCOL_SIGEV_THREAD] = NUM("SIGEV_THREAD", 12, "timers with SIGEV_THREAD as the kernel"
				  " sees it"),
	[LCOL_SIGEV_THREAD_ID] = NUM("SIGEV_THREAD_ID", 15, "timers that signal one thread"),
};
#undef NUM

static void proc_cell(const void *row, unsigned int col, const struct table_opts *o,
		      char *buf, size_t len)
{
	const struct proc_row *p = row;

	switch ((enum list_col)col) {
	case LCOL_PID:
		snprintf(buf, len, "%d", p->pid);
		break;
	case LCOL_USER:
		snprintf(buf, len, "%s", p->user);
		break;
	case LCOL_UID:
		snprintf(buf, len, "%u", (unsigned int)p->uid);
		break;
	case LCOL_COMM:
		snprintf(buf, len, "%s", p->comm);
		break;
	case LCOL_THREADS:
		if (p->nthreads >= 0)
			snprintf(buf, len, "%ld", p->nthreads);
		break;
	case LCOL_TIMERS:
		snprintf(buf, len, "%zu", p->ntimers);
		break;
	case LCOL_TIMERFDS:
		if (p->ntimerfds >= 0)
			snprintf(buf, len, "%ld", p->ntimerfds);
		break;
	case LCOL_REALTIME ... LCOL_CPU:
		snprintf(buf, len, "%zu", p->by_clock[col - LCOL_REALTIME]);
		break;
	case LCOL_SIGEV_SIGNAL ... LCOL_SIGEV_THREAD_ID:
		snprintf(buf, len, "%zu", p->by_notify[col - LCOL_SIGEV_SIGNAL]);
		break;
	}
	(void)o;
}

static const struct table_kind list_kind = {
	.name = "processes",
	.columns = list_columns,
	.ncolumns = sizeof(list_columns) / sizeof(list_columns[0]),
	.defaults = "PID,USER,COMM,THREADS,TIMERS,TIMERFDS,REALTIME,MONOTONIC,BOOTTIME,CPU",
	.cell = proc_cell,
};

struct list_args {
	struct table_opts table;
	pid_t *pids;
	size_t npids;
	uid_t *uids;
	size_t nuids;
	unsigned long min_timers;
};

enum { OPT_PID = 'p', OPT_USER = 'u', OPT_MIN_TIMERS = 0x100 };

static const struct argp_option list_options[] = {
	{ "pid", OPT_PID, "PID[,PID...]", 0, "Only these processes", 0 },
	{ "user", OPT_USER, "USER", 0, "Only processes of USER (a name or a uid; repeatable)", 0 },
	{ "min-timers", OPT_MIN_TIMERS, "N", 0,
	  "Only processes with at least N timers, POSIX timers and timerfds together"
	  " (default 1; 0 lists every process)", 0 },
	{ "json", 'J', NULL, 0, "Print the table as JSON", 0 },
	TABLE_OPTIONS,
	{ 0 }
};

static void add_pids(struct argp_state *state, struct list_args *a, char *arg)
{
	for (char *tok = strtok(arg, ","); tok; tok = strtok(NULL, ",")) {
		pid_t *grown = realloc(a->pids, (a->npids + 1) * sizeof(*a->pids));

		if (!grown)
			cli_usage_error(state, "out of memory");
		a->pids = grown;
		a->pids[a->npids++] = cli_parse_pid(state, tok);
	}
}

static void add_user(struct argp_state *state, struct list_args *a, const char *arg)
{
	struct passwd *pw = getpwnam(arg);
	uid_t *grown;
	uid_t uid;

	if (pw) {
		uid = pw->pw_uid;
	} else {
		char *end;
		unsigned long v;

		errno = 0;
		v = strtoul(arg, &end, 10);
		if (errno || end == arg || *end || arg[0] == '-' || v >= (uid_t)-1)
			cli_usage_error(state, "invalid --user '%s': no such user", arg);
		uid = (uid_t)v;
	}
	grown = realloc(a->uids, (a->nuids + 1) * sizeof(*a->uids));
	if (!grown)
		cli_usage_error(state, "out of memory");
	a->uids = grown;
	a->uids[a->nuids++] = uid;
}

static error_t parse_list(int key, char *arg, struct argp_state *state)
{
	struct list_args *a = state->input;
	char *end;

	if (table_parse_option(key, arg, &a->table))
		return 0;
	switch (key) {
	case OPT_PID:
		add_pids(state, a, arg);
		break;
	case OPT_USER:
		add_user(state, a, arg);
		break;
	case OPT_MIN_TIMERS:
		errno = 0;
		a->min_timers = strtoul(arg, &end, 10);
		if (errno || end == arg || *end || arg[0] == '-')
			cli_usage_error(state, "invalid --min-timers '%s': expected a count", arg);
		break;
	case 'J':
		a->table.json = true;
		break;
	case ARGP_KEY_ARG:
		cli_usage_error(state, "unexpected argument '%s' (--pid selects processes)", arg);
	case ARGP_KEY_END:
		table_check_columns(state, &list_kind, &a->table);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp list_argp = {
	.options = list_options,
	.parser = parse_list,
	.doc = "List the processes that have POSIX timers or timerfds, one line each,"
	       " from /proc alone: nothing is attached, so interval timers and queued"
	       " timer signals, which /proc does not show, are not counted.  Unprivileged,"
	       " it shows the processes whose timers the caller may read and says how"
	       " many it could not."
	       "\vColumns (--list-columns describes them): PID, USER, COMM, THREADS,"
	       " TIMERS, TIMERFDS, REALTIME, MONOTONIC, BOOTTIME, CPU (the default), UID,"
	       " TAI,"
	       " ALARM, SIGEV_SIGNAL, SIGEV_NONE, SIGEV_THREAD, SIGEV_THREAD_ID.\n"
	       "Examples:\n"
	       "  ptimerctl list\n"
	       "  ptimerctl list --user postgres --min-timers 100\n"
	       "  ptimerctl list -o PID,TIMERS,SIGEV_THREAD_ID -J",
};

/* What one scan met, beyond its rows. */
/* Up to PID_NAMES pids, for a message: "42, 43 and 2 more". */
#define PID_NAMES	8

struct pid_names {
	pid_t pid[PID_NAMES];
	size_t n;
};

static void pid_names_add(struct pid_names *p, const char *name)
{
	if (p->n < PID_NAMES)
		p->pid[p->n] = atoi(name);
	p->n++;
}

/* @p's pids, comma-separated, the rest counted, into @buf. */
static const char *pid_names_str(const struct pid_names *p, char *buf, size_t len)
{
	size_t used = 0, shown = p->n < PID_NAMES ? p->n : PID_NAMES;

	buf[0] = '\0';
	for (size_t i = 0; i < shown && used < len; i++)
		used += (size_t)snprintf(buf + used, len - used, "%s%d",
					 !i ? "" : i + 1 == p->n ? " and " : ", ", p->pid[i]);
	if (p->n > shown && used < len)
		snprintf(buf + used, len - used, " and %zu more", p->n - shown);
	return buf;
}

struct list_scan {
	struct ptimer_dump *dump;	/* reused for every process's timers */
	char *buf;			/* reused for every file */
	size_t cap;
	size_t denied;			/* timers files we may not read */
	size_t gone;			/* --pid processes that do not exist */
	/* The first of those, by --pid, for the messages to name */
	struct pid_names denied_pids, gone_pids;
	size_t bad;			/* timers files that did not parse */
	bool count_timerfds;		/* always: TIMERFDS is printed */
	uid_t last_uid;			/* a one-entry cache for the user name */
	char last_user[64];
};

/* Read @name below @dirfd into s->buf, growing it; -errno. */
static int read_at(struct list_scan *s, int dirfd, const char *name, size_t *len)
{
	int fd = openat(dirfd, name, O_RDONLY | O_CLOEXEC);
	size_t used = 0;
	int ret = 0;

	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t got;

		if (s->cap - used < 4096) {
			size_t cap = s->cap ? s->cap * 2 : 65536;
			char *grown = realloc(s->buf, cap);

			if (!grown) {
				ret = -ENOMEM;
				break;
			}
			s->buf = grown;
			s->cap = cap;
		}
		got = read(fd, s->buf + used, s->cap - used - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			ret = -errno;
			break;
		}
		if (!got)
			break;
		used += (size_t)got;
	}
	close(fd);
	s->buf[used] = '\0';
	*len = used;
	return ret;
}

static void count_timers(struct proc_row *row, const struct ptimer_dump *dump)
{
	for (size_t i = 0; i < dump->ntimers; i++) {
		const struct ptimer_timer *t = &dump->timers[i];

		if (ptimer_clock_is_cpu(t->clockid))
			row->by_clock[LCLK_CPU]++;
		else if (t->clockid == CLOCK_REALTIME)
			row->by_clock[LCLK_REALTIME]++;
		else if (t->clockid == CLOCK_MONOTONIC)
			row->by_clock[LCLK_MONOTONIC]++;
		else if (t->clockid == CLOCK_BOOTTIME)
			row->by_clock[LCLK_BOOTTIME]++;
		else if (t->clockid == CLOCK_TAI)
			row->by_clock[LCLK_TAI]++;
		else if (t->clockid == CLOCK_REALTIME_ALARM || t->clockid == CLOCK_BOOTTIME_ALARM)
			row->by_clock[LCLK_ALARM]++;
		switch (t->notify) {
		case PTIMER_NOTIFY_SIGNAL:
			row->by_notify[LNOT_SIGNAL]++;
			break;
		case PTIMER_NOTIFY_NONE:
			row->by_notify[LNOT_NONE]++;
			break;
		case PTIMER_NOTIFY_THREAD:
			row->by_notify[LNOT_THREAD]++;
			break;
		case PTIMER_NOTIFY_THREAD_ID:
			row->by_notify[LNOT_THREAD_ID]++;
			break;
		}
	}
	row->ntimers = dump->ntimers;
}

/*
 * The timerfds of the process, from the links of /proc/PID/fd (the same
 * ptrace access as its timers file, and no fdinfo to read); -1 when the
 * directory cannot be read.  Read with getdents64() itself: opendir()'s
 * fstat() and fcntl()s are three system calls more for each of thousands
 * of processes.
 */
static long count_timerfds(int procdir)
{
	static const char timerfd[] = "anon_inode:[timerfd]";
	char link[sizeof(timerfd) + 1];
	char buf[8192] __attribute__((aligned(8)));
	ssize_t got;
	long n = 0;
	int fd;

	fd = openat(procdir, "fd", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	while ((got = getdents64(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t off = 0; off < got;) {
			const struct dirent64 *e = (const struct dirent64 *)(buf + off);
			ssize_t len;

			off += e->d_reclen;
			if (e->d_name[0] == '.')
				continue;
			len = readlinkat(fd, e->d_name, link, sizeof(link));
			n += len == (ssize_t)sizeof(timerfd) - 1 &&
			     !memcmp(link, timerfd, (size_t)len);
		}
	}
	close(fd);
	return got < 0 ? -1 : n;
}

/*
 * The name, from /proc/PID/comm, and the thread count, from the link count
 * of /proc/PID/task (two plus one per thread): both far cheaper for the
 * kernel to produce than /proc/PID/stat, which gathers every counter.
 */
static void read_comm_threads(int dirfd, struct proc_row *row)
{
	char comm[64];
	struct stat st;
	ssize_t len;
	int fd;

	row->nthreads = -1;
	if (!fstatat(dirfd, "task", &st, 0) && st.st_nlink > 2)
		row->nthreads = (long)st.st_nlink - 2;
	fd = openat(dirfd, "comm", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	/* One read() gives the whole name (at most 15 bytes and a newline). */
	len = read(fd, comm, sizeof(comm) - 1);
	close(fd);
	if (len <= 0)
		return;
	comm[len] = '\0';
	if (comm[len - 1] == '\n')
		comm[len - 1] = '\0';
	/* As it is: the table escapes it for a terminal, its JSON for JSON. */
	snprintf(row->comm, sizeof(row->comm), "%s", comm);
}

static void user_name(struct list_scan *s, uid_t uid, char *buf, size_t len)
{
	if (uid != s->last_uid || !s->last_user[0]) {
		struct passwd *pw = getpwuid(uid);

		if (pw)
			snprintf(s->last_user, sizeof(s->last_user), "%s", pw->pw_name);
		else
			snprintf(s->last_user, sizeof(s->last_user), "%u", (unsigned int)uid);
		s->last_uid = uid;
	}
	snprintf(buf, len, "%s", s->last_user);
}

static bool wanted_uid(const struct list_args *a, uid_t uid)
{
	if (!a->nuids)
		return true;
	for (size_t i = 0; i < a->nuids; i++)
		if (a->uids[i] == uid)
			return true;
	return false;
}

/*
 * Look at process @name (a /proc entry): add its row to @t if it passes
 * the filters.  A process that vanished is skipped; only a failure to
 * print or to allocate is returned.
 */
static int list_one(struct list_scan *s, const struct list_args *a, int procfd,
		    const char *name, struct table *t, bool asked)
{
	struct proc_row row = { 0 };
	unsigned int line;
	struct stat st;
	size_t len = 0;
	int dirfd, ret;

	dirfd = openat(procfd, name, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd < 0) {
		if (asked) {
			s->gone++;
			pid_names_add(&s->gone_pids, name);
		}
		return 0;
	}
	ret = 0;
	if (fstat(dirfd, &st) || !wanted_uid(a, st.st_uid))
		goto close_dir;
	/*
	 * The kernel prints a long timers file a page at a time: a process
	 * that creates and deletes timers meanwhile can tear it (a record
	 * twice, or cut).  Once more is enough to tell that from garbage.
	 */
	for (int attempt = 0; attempt < 2; attempt++) {
		ret = read_at(s, dirfd, "timers", &len);
		if (ret)
			break;
		s->dump->ntimers = 0;
		ret = ptimer_parse_proc_timers(s->buf, len, s->dump, &line);
		if (!ret)
			break;
	}
	if (ret == -EINVAL) {
		cli_warn("cannot parse /proc/%s/timers, line %u; skipped", name, line);
		s->bad++;
		ret = 0;
		goto close_dir;
	}
	if (ret == -EACCES || ret == -EPERM) {
		s->denied++;
		if (asked)
			pid_names_add(&s->denied_pids, name);
	}
	if (ret == -ENOMEM)
		goto close_dir;
	if (ret) {
		/* ESRCH: it exited meanwhile; as good as never seen. */
		if (asked && ret == -ESRCH) {
			s->gone++;
			pid_names_add(&s->gone_pids, name);
		}
		ret = 0;
		goto close_dir;
	}
	/* Descriptors are counted only when they are printed or may decide. */
	row.ntimerfds = -1;
	if (s->count_timerfds || s->dump->ntimers < a->min_timers)
		row.ntimerfds = count_timerfds(dirfd);
	if (s->dump->ntimers + (size_t)(row.ntimerfds > 0 ? row.ntimerfds : 0) < a->min_timers)
		goto close_dir;
	row.pid = atoi(name);
	row.uid = st.st_uid;
	user_name(s, st.st_uid, row.user, sizeof(row.user));
	count_timers(&row, s->dump);
	read_comm_threads(dirfd, &row);
	ret = table_add(t, &row);
close_dir:
	close(dirfd);
	return ret;
}

static int scan(struct list_scan *s, const struct list_args *a, struct table *t)
{
	struct dirent *e;
	int procfd, ret = 0;
	DIR *d;

	procfd = open("/proc", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (procfd < 0)
		return -errno;
	if (a->npids) {
		for (size_t i = 0; i < a->npids && !ret; i++) {
			char name[16];

			snprintf(name, sizeof(name), "%d", a->pids[i]);
			ret = list_one(s, a, procfd, name, t, true);
		}
		close(procfd);
		return ret;
	}
	d = fdopendir(procfd);
	if (!d) {
		close(procfd);
		return -errno;
	}
	while (!ret && (e = readdir(d)))
		if (e->d_name[0] >= '1' && e->d_name[0] <= '9')
			ret = list_one(s, a, dirfd(d), e->d_name, t, false);
	closedir(d);
	return ret;
}

int cmd_list(int argc, char **argv)
{
	struct list_args a = { .min_timers = 1 };
	struct list_scan s = { .last_uid = (uid_t)-1 };
	char names[PID_NAMES * 12 + 32];
	struct table *t;
	int ret, rc;

	cli_parse(&list_argp, argc, argv, &a);
	if (a.table.list_columns) {
		ret = table_list_columns(&list_kind);
		goto free_args;
	}
	if (access("/proc/self/timers", R_OK)) {
		ret = cli_fail(errno == ENOENT ? -EOPNOTSUPP : -errno,
			       "cannot read /proc/self/timers (a kernel without"
			       " CONFIG_CHECKPOINT_RESTORE has none)");
		goto free_args;
	}
	s.count_timerfds = table_shows(&list_kind, &a.table, LCOL_TIMERFDS);
	s.dump = ptimer_dump_new();
	ret = s.dump ? table_open(&t, &list_kind, &a.table) : -ENOMEM;
	if (ret) {
		ret = cli_fail(ret, "cannot list the processes");
		goto free_scan;
	}
	ret = scan(&s, &a, t);
	rc = table_close(t);
	if (ret) {
		ret = cli_fail(ret, "cannot list the processes");
		goto free_scan;
	}
	ret = rc;
	if (s.denied && a.npids)
		cli_info("note: the timers of pid %s could not be read: that needs ptrace"
			 " access to %s (the owner, or CAP_SYS_PTRACE)",
			 pid_names_str(&s.denied_pids, names, sizeof(names)),
			 s.denied == 1 ? "it" : "them");
	else if (s.denied)
		cli_info("note: the timers of %zu process%s could not be read: that needs"
			 " ptrace access to them (their owner, or CAP_SYS_PTRACE)", s.denied,
			 s.denied == 1 ? "" : "es");
	if (!ret && a.npids && s.denied)
		ret = EXIT_PERMISSION;
	/* Said whatever else went wrong; the status, as the first trouble has it. */
	if (s.gone) {
		cli_error(0, "%s %s, given with --pid, do%s not exist",
			  s.gone == 1 ? "pid" : "pids",
			  pid_names_str(&s.gone_pids, names, sizeof(names)),
			  s.gone == 1 ? "es" : "");
		ret = ret ? ret : EXIT_NO_PROCESS;
	}
free_scan:
	ptimer_dump_free(s.dump);
	free(s.buf);
free_args:
	free(a.pids);
	free(a.uids);
	return ret;
}
