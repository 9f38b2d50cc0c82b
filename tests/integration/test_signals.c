// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * Signals sent to ptimerctl while it holds a target.  A terminating
 * signal must roll back what was done, let the target go and exit 12
 * ("interrupted by SIGxxx; ..."), unless the operation is past its point
 * of no return, when it completes (exit 0).  SIGPIPE is ignored; SIGTSTP
 * waits until the target is let go.  Either way the target must be
 * exactly as before, or exactly as the complete operation leaves it.
 *
 * Each window is hit deterministically with PTIMER_STOP_AT=PHASE[:N]:
 * ptimerctl stops itself (SIGSTOP) there, the signal is sent, then
 * SIGCONT.  SIGTSTP cannot go that way (SIGCONT discards a pending stop
 * signal), so for it ptimerctl runs under our ptrace: its SIGSTOP at the
 * phase is taken from it, SIGTSTP is sent, and handed over from its
 * signal-delivery stop as we detach.  Every cell of the matrix is logged
 * as a table; a mismatch fails the test after the whole table is out.
 *
 * Also: SIGKILL at each phase (logged: the "SIGKILL window"; only the
 * attached and released phases are asserted harmless, but at every phase
 * the target must run on with its own threads' state and signal masks),
 * the length of that window, and a write error on a closed pipe.
 */
#include <criterion/criterion.h>
#include <criterion/logging.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "ptimer.h"
#include "restore_util.h"

#define TOL_NS		(300 * RU_MS)	/* a value read twice, corrected for the time between */
#define EVENT_MS	20000		/* the longest any single step of ptimerctl may take */
#define FAR_ID		300000		/* a walk of a few chunks from a fresh counter */
/*
 * The restore target's own timer: below every held id, so that without
 * the prctl a migrate into it walks forward, never round the id space.
 */
#define OWN_ID		1

static void fini(void)
{
	harness_kill_all();
}

TestSuite(signals, .fini = fini, .timeout = 90);

/* ---- the failures of a matrix, reported after its table ---- */

static char failures[16384];
static size_t failures_len;

__attribute__((format(printf, 1, 2)))
static void fail_later(const char *fmt, ...)
{
	va_list ap;
	int n;

	if (failures_len >= sizeof(failures) - 2)
		return;
	va_start(ap, fmt);
	n = vsnprintf(failures + failures_len, sizeof(failures) - failures_len - 1, fmt, ap);
	va_end(ap);
	if (n > 0)
		failures_len += (size_t)n < sizeof(failures) - failures_len - 1 ? (size_t)n :
				sizeof(failures) - failures_len - 2;
	failures[failures_len++] = '\n';
	failures[failures_len] = '\0';
}

static void assert_no_failures(void)
{
	cr_assert_eq(failures_len, 0, "%s", failures);
}

/* ---- ptimerctl, started by us ---- */

struct ctl {
	pid_t pid;
	int out_fd, err_fd;
	char out[1 << 16], err[4096];
	size_t out_len, err_len;
	bool exited;
	int status;
};

/*
 * Start ptimerctl with @args, PTIMER_STOP_AT=@stop_at (NULL: none), under
 * our ptrace when @traced, with stdout on @out_fd when >= 0.  It gets a
 * process group of its own, so that its process group is never orphaned
 * (the kernel drops SIGTSTP in one), and no core files.
 */
static void ctl_start(struct ctl *c, const char *stop_at, bool traced, int out_fd,
		      const char *const *args)
{
	const char *argv[24];
	int opipe[2] = { -1, -1 }, epipe[2];
	pid_t parent = getpid();
	size_t n = 0;

	memset(c, 0, sizeof(*c));
	argv[n++] = ptimerctl_path();
	for (; *args && n < 23; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	if (out_fd < 0)
		cr_assert_eq(pipe2(opipe, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(epipe, O_CLOEXEC), 0);
	c->pid = fork();
	cr_assert_geq(c->pid, 0);
	if (c->pid == 0) {
		struct rlimit no_core = { 0, 0 };
		int devnull = open("/dev/null", O_RDONLY);

		harness_die_with_parent(parent);
		setpgid(0, 0);
		setrlimit(RLIMIT_CORE, &no_core);
		if (stop_at)
			setenv("PTIMER_STOP_AT", stop_at, 1);
		else
			unsetenv("PTIMER_STOP_AT");
		dup2(devnull, STDIN_FILENO);
		dup2(out_fd >= 0 ? out_fd : opipe[1], STDOUT_FILENO);
		dup2(epipe[1], STDERR_FILENO);
		if (traced && ptrace(PTRACE_TRACEME, 0, 0, 0) < 0)
			_exit(126);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	harness_track(c->pid);
	if (opipe[1] >= 0)
		close(opipe[1]);
	close(epipe[1]);
	c->out_fd = opipe[0];
	c->err_fd = epipe[0];
}

static void drain(int *fd, char *buf, size_t size, size_t *len)
{
	char tmp[4096];
	ssize_t n;

	if (*fd < 0)
		return;
	n = read(*fd, tmp, sizeof(tmp));
	if (n < 0 && (errno == EINTR || errno == EAGAIN))
		return;
	if (n <= 0) {
		close(*fd);
		*fd = -1;
		return;
	}
	if (*len + (size_t)n >= size)
		n = (ssize_t)(size - 1 - *len);
	memcpy(buf + *len, tmp, (size_t)n);
	*len += (size_t)n;
	buf[*len] = '\0';
}

/*
 * The next stop or the exit of ptimerctl, with its output read meanwhile.
 * Returns true with the raw wait status in *@status; false on timeout.
 * After the exit, its pipes are read to the end.
 */
static bool ctl_event(struct ctl *c, int *status, int timeout_ms)
{
	int64_t deadline = clock_ns(CLOCK_MONOTONIC) + (int64_t)timeout_ms * RU_MS;

	for (;;) {
		struct pollfd pfd[2] = {
			{ .fd = c->out_fd, .events = POLLIN },
			{ .fd = c->err_fd, .events = POLLIN },
		};
		pid_t w = waitpid(c->pid, status, WNOHANG | WUNTRACED | __WALL);

		if (w == c->pid) {
			if (WIFEXITED(*status) || WIFSIGNALED(*status)) {
				c->exited = true;
				c->status = *status;
				harness_untrack(c->pid);
				while (c->out_fd >= 0 || c->err_fd >= 0) {
					drain(&c->out_fd, c->out, sizeof(c->out), &c->out_len);
					drain(&c->err_fd, c->err, sizeof(c->err), &c->err_len);
				}
			}
			return true;
		}
		if (clock_ns(CLOCK_MONOTONIC) > deadline)
			return false;
		if (poll(pfd, 2, 2) > 0) {
			if (pfd[0].revents)
				drain(&c->out_fd, c->out, sizeof(c->out), &c->out_len);
			if (pfd[1].revents)
				drain(&c->err_fd, c->err, sizeof(c->err), &c->err_len);
		}
	}
}

static void ctl_kill(struct ctl *c)
{
	int status;

	if (c->exited || c->pid <= 0)
		return;
	kill(c->pid, SIGKILL);
	while (!c->exited && ctl_event(c, &status, EVENT_MS))
		;
}

/* "exit N", "killed by SIGx", "stopped by N", for messages. */
static const char *status_str(int status)
{
	static char buf[64];

	if (WIFEXITED(status))
		snprintf(buf, sizeof(buf), "exit %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, sizeof(buf), "killed by %s", strsignal(WTERMSIG(status)));
	else if (WIFSTOPPED(status))
		snprintf(buf, sizeof(buf), "stopped by %d (%#x)", WSTOPSIG(status), status >> 8);
	else
		snprintf(buf, sizeof(buf), "status %#x", status);
	return buf;
}

/* Wait for the exit; a further stop or a timeout is a failure (false). */
static bool ctl_wait_exit(struct ctl *c, char *why, size_t size)
{
	int status;

	if (!ctl_event(c, &status, EVENT_MS)) {
		snprintf(why, size, "ptimerctl did not end");
		ctl_kill(c);
		return false;
	}
	if (!c->exited) {
		snprintf(why, size, "ptimerctl %s instead of ending", status_str(status));
		ctl_kill(c);
		return false;
	}
	return true;
}

/*
 * Under our ptrace: resume ptimerctl, handing it every signal it gets,
 * until it takes @sig (then false is not returned) or ends.
 */
static bool traced_until_signal(struct ctl *c, int sig, char *why, size_t size)
{
	int status;

	for (;;) {
		if (ptrace(PTRACE_CONT, c->pid, 0, 0) < 0) {
			snprintf(why, size, "PTRACE_CONT: %s", strerror(errno));
			return false;
		}
		for (;;) {
			if (!ctl_event(c, &status, EVENT_MS) || c->exited) {
				snprintf(why, size, "no signal %d: ptimerctl %s: %.300s", sig,
					 c->exited ? status_str(status) : "hung", c->err);
				return false;
			}
			if (WSTOPSIG(status) == sig)
				return true;
			/* Another signal (SIGCHLD from its own tracee): let it through. */
			if (ptrace(PTRACE_CONT, c->pid, 0, WSTOPSIG(status)) < 0) {
				snprintf(why, size, "PTRACE_CONT: %s", strerror(errno));
				return false;
			}
		}
	}
}

/* ---- the target's state ---- */

struct snap {
	bool alive;
	char maps[1 << 16];
	char status[4096];	/* per thread: tid, state class, SigBlk, SigPnd, TracerPid */
	char shdpnd[32];
	char timers[8192];	/* /proc/PID/timers */
	struct ptimer_dump *dump;	/* the values, read by the library */
	long long eintr, signals, restore_ids;
};

static bool read_text(const char *path, char *buf, size_t size)
{
	size_t len = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	buf[0] = '\0';
	if (fd < 0)
		return false;
	for (;;) {
		ssize_t n = read(fd, buf + len, size - 1 - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		if (len == size - 1)
			break;
	}
	close(fd);
	buf[len] = '\0';
	return true;
}

static void field(const char *status, const char *key, char *out, size_t size)
{
	const char *p = strstr(status, key);
	size_t n;

	snprintf(out, size, "?");
	if (!p)
		return;
	p += strlen(key);
	p += strspn(p, " \t");
	n = strcspn(p, "\n");
	if (n >= size)
		n = size - 1;
	memcpy(out, p, n);
	out[n] = '\0';
}

/* R and S (and D, I) are "running": a thread answering us may be either. */
static char state_class(char s)
{
	return strchr("RSDI", s) ? 'r' : s;
}

static int cmp_pid(const void *a, const void *b)
{
	return *(const pid_t *)a - *(const pid_t *)b;
}

static void snap_take(struct victim *v, struct snap *s, struct ptimer_ctx *ctx)
{
	char path[64], buf[4096];
	struct dirent *d;
	pid_t tids[64];
	int n = 0, ret;
	size_t used = 0;
	struct vstate st;
	DIR *dir;

	memset(s, 0, sizeof(*s));
	snprintf(path, sizeof(path), "/proc/%d/status", (int)v->pid);
	s->alive = read_text(path, buf, sizeof(buf)) && !strstr(buf, "State:\tZ") &&
		   !strstr(buf, "State:\tX");
	if (!s->alive)
		return;
	field(buf, "ShdPnd:", s->shdpnd, sizeof(s->shdpnd));
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)v->pid);
	read_text(path, s->maps, sizeof(s->maps));
	snprintf(path, sizeof(path), "/proc/%d/timers", (int)v->pid);
	read_text(path, s->timers, sizeof(s->timers));
	snprintf(path, sizeof(path), "/proc/%d/task", (int)v->pid);
	dir = opendir(path);
	while (dir && (d = readdir(dir)) && n < 64)
		if (atoi(d->d_name) > 0)
			tids[n++] = atoi(d->d_name);
	if (dir)
		closedir(dir);
	qsort(tids, (size_t)n, sizeof(tids[0]), cmp_pid);
	for (int i = 0; i < n && used < sizeof(s->status); i++) {
		char state[8], blk[32], pnd[32], tracer[16];

		snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)v->pid, (int)tids[i]);
		if (!read_text(path, buf, sizeof(buf)))
			continue;
		field(buf, "State:", state, sizeof(state));
		field(buf, "SigBlk:", blk, sizeof(blk));
		field(buf, "SigPnd:", pnd, sizeof(pnd));
		field(buf, "TracerPid:", tracer, sizeof(tracer));
		used += (size_t)snprintf(s->status + used, sizeof(s->status) - used,
					 "%d:%c blk=%s pnd=%s tracer=%s; ", (int)tids[i],
					 state_class(state[0]), blk, pnd, tracer);
	}
	if (victim_state(v, &st) == 0) {
		s->eintr = st.eintr;
		s->signals = st.signals;
		s->restore_ids = st.restore_ids;
	} else {
		s->alive = false;
		return;
	}
	ret = ptimer_dump_pid(ctx, v->pid, 0, &s->dump, NULL);
	if (ret) {
		s->dump = NULL;
		s->alive = false;
	}
}

static void snap_free(struct snap *s)
{
	ptimer_dump_free(s->dump);
	s->dump = NULL;
}

static const struct ptimer_timer *find_timer(const struct ptimer_dump *d, int id)
{
	for (size_t i = 0; i < d->ntimers; i++)
		if (d->timers[i].id == id)
			return &d->timers[i];
	return NULL;
}

/* How the values of the timers of @a are expected to have moved on. */
enum values {
	V_KEPT,		/* untouched: less by the time between the two reads */
	V_REARMED,	/* disarmed, then re-armed with the value of the moment */
	V_DISARMED,	/* disarmed for good */
};

static bool same_settings(const struct ptimer_timer *x, const struct ptimer_timer *y)
{
	return x->clockid == y->clockid && x->notify == y->notify && x->signo == y->signo &&
	       x->sigval == y->sigval && x->notify_pid == y->notify_pid;
}

/* Timer @x of a snapshot (or a dump file) taken at @t_a, now timer @y at @t_b. */
static bool value_moved(const struct ptimer_timer *x, int64_t t_a, const struct ptimer_timer *y,
			int64_t t_b, enum values how, char *why, size_t size)
{
	int64_t elapsed = t_b - t_a, want = x->value_ns - elapsed;

	switch (how) {
	case V_DISARMED:
		/*
		 * The kernel goes on reporting the old countdown of a disarmed
		 * SIGEV_NONE timer (its expiry is left in place): only the
		 * interval shows the disarm there.
		 */
		if (y->interval_ns || (y->value_ns && x->notify != PTIMER_NOTIFY_NONE)) {
			snprintf(why, size, "timer %d: not disarmed (%lld)", x->id,
				 (long long)y->value_ns);
			return false;
		}
		return true;
	case V_KEPT:
		if (y->interval_ns != x->interval_ns || llabs(y->value_ns - want) > TOL_NS) {
			snprintf(why, size, "timer %d: value %lld, then %lld after %lld ms"
				 " (interval %lld, then %lld)", x->id, (long long)x->value_ns,
				 (long long)y->value_ns, (long long)(elapsed / RU_MS),
				 (long long)x->interval_ns, (long long)y->interval_ns);
			return false;
		}
		return true;
	case V_REARMED:
		if (y->interval_ns != x->interval_ns || y->value_ns < want - TOL_NS ||
		    y->value_ns > x->value_ns + TOL_NS) {
			snprintf(why, size, "timer %d: value %lld, then %lld after %lld ms, want"
				 " %lld..%lld", x->id, (long long)x->value_ns,
				 (long long)y->value_ns, (long long)(elapsed / RU_MS),
				 (long long)(want - TOL_NS), (long long)(x->value_ns + TOL_NS));
			return false;
		}
		return true;
	}
	return false;
}

/* The per-thread entries of two snapshots that differ, in @why. */
static void threads_diff(const char *a, const char *b, char *why, size_t size)
{
	size_t used = (size_t)snprintf(why, size, "threads:");

	for (const char *p = a, *q = b; (*p || *q) && used < size;) {
		size_t lp = strcspn(p, ";"), lq = strcspn(q, ";");

		if (lp != lq || strncmp(p, q, lp))
			used += (size_t)snprintf(why + used, size - used, " [%.*s] became [%.*s]",
						 (int)lp, p, (int)lq, q);
		p += lp + (p[lp] == ';');
		q += lq + (q[lq] == ';');
		p += strspn(p, " ");
		q += strspn(q, " ");
	}
}

/* Whether @b is @a with the timers moved on as @how says. */
static bool snap_same(const struct snap *a, const struct snap *b, enum values how,
		      char *why, size_t size)
{
	if (!b->alive) {
		snprintf(why, size, "the target died");
		return false;
	}
	if (strcmp(a->status, b->status)) {
		threads_diff(a->status, b->status, why, size);
		return false;
	}
	if (strcmp(a->shdpnd, b->shdpnd)) {
		snprintf(why, size, "ShdPnd %s, then %s", a->shdpnd, b->shdpnd);
		return false;
	}
	if (strcmp(a->maps, b->maps)) {
		snprintf(why, size, "/proc/PID/maps changed");
		return false;
	}
	if (strcmp(a->timers, b->timers)) {
		snprintf(why, size, "/proc/PID/timers changed: %.400s", b->timers);
		return false;
	}
	if (a->eintr != b->eintr || a->signals != b->signals || a->restore_ids != b->restore_ids) {
		snprintf(why, size, "eintr %lld, signals %lld, restore_ids %lld, then %lld, %lld,"
			 " %lld", a->eintr, a->signals, a->restore_ids, b->eintr, b->signals,
			 b->restore_ids);
		return false;
	}
	if (a->dump->restore_ids_state != b->dump->restore_ids_state ||
	    a->dump->ntimers != b->dump->ntimers) {
		snprintf(why, size, "restore_ids %d, %zu timers, then %d, %zu",
			 a->dump->restore_ids_state, a->dump->ntimers,
			 b->dump->restore_ids_state, b->dump->ntimers);
		return false;
	}
	for (size_t i = 0; i < a->dump->ntimers; i++) {
		const struct ptimer_timer *x = &a->dump->timers[i], *y = find_timer(b->dump, x->id);

		if (!y || !same_settings(x, y)) {
			snprintf(why, size, "timer %d is gone or changed", x->id);
			return false;
		}
		if (!value_moved(x, a->dump->monotonic_ns, y, b->dump->monotonic_ns, how, why,
				 size))
			return false;
	}
	return true;
}

/*
 * A target after a complete restore of @file (started at @t_run): as
 * before, plus the timers of @file, created with its values, which have
 * run since.  The tids of thread_id timers follow the creation order.
 */
static bool snap_restored(const struct snap *a, const struct snap *b,
			  const struct ptimer_dump *file, int64_t t_run, char *why, size_t size)
{
	if (!b->alive) {
		snprintf(why, size, "the target died");
		return false;
	}
	if (strcmp(a->status, b->status)) {
		threads_diff(a->status, b->status, why, size);
		return false;
	}
	if (strcmp(a->maps, b->maps) || strcmp(a->shdpnd, b->shdpnd)) {
		snprintf(why, size, "maps or ShdPnd changed");
		return false;
	}
	if (a->eintr != b->eintr || a->signals != b->signals || a->restore_ids != b->restore_ids ||
	    a->dump->restore_ids_state != b->dump->restore_ids_state) {
		snprintf(why, size, "eintr, signals or restore_ids changed");
		return false;
	}
	if (b->dump->ntimers != a->dump->ntimers + file->ntimers) {
		snprintf(why, size, "%zu timers, want %zu + %zu", b->dump->ntimers,
			 a->dump->ntimers, file->ntimers);
		return false;
	}
	for (size_t i = 0; i < a->dump->ntimers; i++) {
		const struct ptimer_timer *x = &a->dump->timers[i], *y = find_timer(b->dump, x->id);

		if (!y || !same_settings(x, y)) {
			snprintf(why, size, "own timer %d is gone or changed", x->id);
			return false;
		}
		if (!value_moved(x, a->dump->monotonic_ns, y, b->dump->monotonic_ns, V_KEPT,
				 why, size))
			return false;
	}
	for (size_t i = 0; i < file->ntimers; i++) {
		const struct ptimer_timer *x = &file->timers[i], *y = find_timer(b->dump, x->id);
		struct ptimer_timer mapped = *x;

		/* The process, or its thread by creation order. */
		if (x->notify_pid == file->pid)
			mapped.notify_pid = b->dump->pid;
		else if (x->notify == PTIMER_NOTIFY_THREAD_ID)
			for (size_t k = 0; k < file->nthreads; k++)
				if (file->tids[k] == x->notify_pid && k < b->dump->nthreads)
					mapped.notify_pid = b->dump->tids[k];
		if (!y || !same_settings(&mapped, y)) {
			snprintf(why, size, "timer %d was not restored as dumped", x->id);
			return false;
		}
		if (!value_moved(x, t_run, y, b->dump->monotonic_ns, V_REARMED, why, size))
			return false;
	}
	return true;
}

/* ---- the victims ---- */

/* Far longer than a test lives, so that no timer fires while it looks. */
static const struct ru_spec held[] = {
	{ 3, "monotonic", "signal", 10, 0, 0x3, 600000, 0 },
	{ 12, "boottime", "none", 35, 0, 0xc, 500000, 1000000 },
	{ 70000, "realtime", "thread_id", 34, 1, 0x70000, 700000, 0 },
};
static const struct ru_spec own[] = {
	{ OWN_ID, "monotonic", "none", 10, 0, 0x500, 800000, 0 },
};
static const struct ru_spec far[] = {
	{ FAR_ID, "monotonic", "signal", 12, 0, 0x300, 900000, 0 },
};
static const char *const one_worker[] = { "--threads", "1", NULL };

static struct victim *with_timers(void)
{
	return ru_start(held, sizeof(held) / sizeof(held[0]), one_worker);
}

static struct victim *restore_target(void)
{
	return ru_start(own, 1, one_worker);
}

static struct ptimer_dump *load_dump(struct ptimer_ctx *ctx, const char *path)
{
	struct ptimer_dump *d;
	char *text;
	size_t len;
	FILE *f = fopen(path, "r");

	cr_assert(f);
	text = calloc(1, 1 << 20);
	cr_assert(text);
	len = fread(text, 1, (1 << 20) - 1, f);
	fclose(f);
	cr_assert_eq(ptimer_dump_from_json(ctx, text, len, &d), 0, "%s", ptimer_last_error(ctx));
	free(text);
	return d;
}

/* ---- the matrix ---- */

enum op { OP_DUMP, OP_DISARM, OP_SHOW, OP_RESTORE, OP_WALK, OP_MIGRATE, OP_CHECK };

static const char *const op_names[] = {
	[OP_DUMP] = "dump", [OP_DISARM] = "dump --disarm", [OP_SHOW] = "show",
	[OP_RESTORE] = "restore", [OP_WALK] = "restore --method=loop",
	[OP_MIGRATE] = "migrate", [OP_CHECK] = "check",
};

/* What a terminating signal at the cell's phase must lead to. */
enum want {
	W_INTERRUPTED,	/* exit 12, everything as before */
	W_REARMED,	/* migrate: exit 12, SRC re-armed, DST as before */
	W_COMPLETED,	/* exit 0, as a complete operation leaves it */
	W_DEFAULT,	/* not holding: the signal's default action */
};

struct cell {
	enum op op;
	const char *phase;
	enum want on_term;
};

enum kind { K_TERM, K_IGNORED, K_STOP };

struct sigcase {
	int sig;
	const char *name;
	enum kind kind;
};

static void sigcases(struct sigcase *out)
{
	const struct sigcase all[] = {
		{ SIGINT, "SIGINT", K_TERM }, { SIGTERM, "SIGTERM", K_TERM },
		{ SIGHUP, "SIGHUP", K_TERM }, { SIGQUIT, "SIGQUIT", K_TERM },
		{ SIGPIPE, "SIGPIPE", K_IGNORED }, { SIGUSR1, "SIGUSR1", K_TERM },
		{ SIGRTMIN, NULL, K_TERM }, { SIGTSTP, "SIGTSTP", K_STOP },
	};

	memcpy(out, all, sizeof(all));
	/* glibc's SIGRTMIN is the kernel's SIGRTMIN+2, which names it so. */
	out[6].name = ptimer_signal_name(SIGRTMIN);
}
#define NSIGCASES 8

/* The processes and files a matrix row works on; replaced when changed. */
struct world {
	struct ptimer_ctx *ctx;
	struct victim *a;	/* timers: dumped, shown, migrated from */
	struct victim *b;	/* restored into, migrated to */
	struct victim *w;	/* walked in */
	char *dump_path, *far_path;
	struct ptimer_dump *dump_file, *far_file;
	int runs;
};

static void world_init(struct world *w, bool files)
{
	memset(w, 0, sizeof(*w));
	cr_assert_eq(ptimer_new(&w->ctx), 0);
	if (!files)
		return;
	w->a = with_timers();
	w->dump_path = ru_dump_file(w->a->pid, NULL);
	w->dump_file = load_dump(w->ctx, w->dump_path);
	w->w = ru_start(far, 1, one_worker);
	w->far_path = ru_dump_file(w->w->pid, NULL);
	w->far_file = load_dump(w->ctx, w->far_path);
	victim_kill(w->w);
	w->w = NULL;
}

static void world_free(struct world *w)
{
	victim_kill(w->a);
	victim_kill(w->b);
	victim_kill(w->w);
	if (w->dump_path)
		ru_file_free(w->dump_path);
	if (w->far_path)
		ru_file_free(w->far_path);
	ptimer_dump_free(w->dump_file);
	ptimer_dump_free(w->far_file);
	ptimer_free(w->ctx);
}

static struct victim *need(struct victim **v, struct victim *(*make)(void))
{
	if (!*v)
		*v = make();
	return *v;
}

static struct victim *walk_target(void)
{
	return ru_start(NULL, 0, one_worker);
}

/* The command line of @op, on the world's processes, in @buf. */
static void op_args(struct world *w, enum op op, const char **args, char (*buf)[16])
{
	size_t n = 0;

	switch (op) {
	case OP_DUMP:
	case OP_SHOW:
	case OP_CHECK:
		args[n++] = op_names[op];
		args[n++] = ru_pidstr(buf[0], need(&w->a, with_timers)->pid);
		break;
	case OP_DISARM:
		args[n++] = "dump";
		args[n++] = "--disarm";
		args[n++] = ru_pidstr(buf[0], need(&w->a, with_timers)->pid);
		break;
	case OP_RESTORE:
		args[n++] = "restore";
		args[n++] = "--method=prctl";
		args[n++] = "-i";
		args[n++] = w->dump_path;
		args[n++] = ru_pidstr(buf[0], need(&w->b, restore_target)->pid);
		break;
	case OP_WALK:
		args[n++] = "restore";
		args[n++] = "--method=loop";
		args[n++] = "-i";
		args[n++] = w->far_path;
		args[n++] = ru_pidstr(buf[0], need(&w->w, walk_target)->pid);
		break;
	case OP_MIGRATE:
		args[n++] = "migrate";
		args[n++] = ru_pidstr(buf[0], need(&w->a, with_timers)->pid);
		args[n++] = ru_pidstr(buf[1], need(&w->b, restore_target)->pid);
		break;
	}
	args[n] = NULL;
}

/* The victims an operation touches: [0] the one it changes first, [1] DST of a migrate. */
static int op_targets(struct world *w, enum op op, struct victim **t)
{
	switch (op) {
	case OP_RESTORE:
		t[0] = w->b;
		return 1;
	case OP_WALK:
		t[0] = w->w;
		return 1;
	case OP_MIGRATE:
		t[0] = w->a;
		t[1] = w->b;
		return 2;
	default:
		t[0] = w->a;
		return 1;
	}
}

struct outcome {
	int status;		/* ptimerctl's wait status at the end */
	bool ran;		/* it reached the phase and ended */
	bool msg_ok;
	bool state_ok;
	bool deferred_ok;	/* SIGTSTP: stopped only once the target was let go */
	char why[1024];
	char msg[320];		/* what was wrong with the message or the output */
};

/* No thread of @pid traced or stopped. */
static bool all_free(pid_t pid, char *why, size_t size)
{
	char path[64];
	struct dirent *d;
	bool ok = true;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return false;
	while (ok && (d = readdir(dir))) {
		pid_t tid = atoi(d->d_name);
		char st;

		if (tid <= 0)
			continue;
		st = proc_state(tid);
		if (st == 't' || st == 'T' || proc_tracer_pid(tid) > 0) {
			snprintf(why, size, "thread %d of %d: state %c, tracer %ld", (int)tid,
				 (int)pid, st, proc_tracer_pid(tid));
			ok = false;
		}
	}
	closedir(dir);
	return ok;
}

/*
 * ptimerctl stopped at its phase, under our ptrace: send SIGTSTP, let it
 * take it as it resumes, and detach handing it over.  It must then stop,
 * but only once every target is let go (o->deferred_ok).  True when it
 * stopped and was sent SIGCONT.
 */
static bool run_tstp(struct ctl *c, struct victim **t, int nt, struct outcome *o)
{
	int status;

	o->deferred_ok = false;
	kill(c->pid, SIGTSTP);
	if (!traced_until_signal(c, SIGTSTP, o->why, sizeof(o->why)))
		return false;
	if (ptrace(PTRACE_DETACH, c->pid, 0, SIGTSTP) < 0) {
		snprintf(o->why, sizeof(o->why), "PTRACE_DETACH: %s", strerror(errno));
		return false;
	}
	if (!ctl_event(c, &status, EVENT_MS) || c->exited || WSTOPSIG(status) != SIGTSTP) {
		snprintf(o->why, sizeof(o->why), "SIGTSTP did not stop ptimerctl: %s: %.300s",
			 c->exited ? status_str(status) : "no stop", c->err);
		return false;
	}
	o->deferred_ok = true;
	for (int i = 0; i < nt; i++)
		if (!all_free(t[i]->pid, o->why, sizeof(o->why)))
			o->deferred_ok = false;
	kill(c->pid, SIGCONT);
	return true;
}

/*
 * `check` holds nothing: stop it, under our ptrace, once its handlers are
 * in place (after its last rt_sigaction(), for SIGTTIN), and send @sig there.
 */
static bool check_until_handlers(struct ctl *c, char *why, size_t size)
{
	struct __ptrace_syscall_info info;
	bool seen = false;
	int status;

	if (ptrace(PTRACE_SETOPTIONS, c->pid, 0, PTRACE_O_TRACESYSGOOD | PTRACE_O_EXITKILL) < 0) {
		snprintf(why, size, "PTRACE_SETOPTIONS: %s", strerror(errno));
		return false;
	}
	for (int sig = 0;;) {
		if (ptrace(PTRACE_SYSCALL, c->pid, 0, sig) < 0 ||
		    !ctl_event(c, &status, EVENT_MS) || c->exited) {
			snprintf(why, size, "check ended before its handlers were in place");
			return false;
		}
		sig = 0;
		if (WSTOPSIG(status) != (SIGTRAP | 0x80)) {
			sig = WSTOPSIG(status);
			continue;
		}
		if (ptrace(PTRACE_GET_SYSCALL_INFO, c->pid, sizeof(info), &info) <= 0)
			continue;
		if (info.op == PTRACE_SYSCALL_INFO_ENTRY && info.entry.nr == SYS_rt_sigaction &&
		    info.entry.args[0] == SIGTTIN)
			seen = true;
		else if (info.op == PTRACE_SYSCALL_INFO_EXIT && seen)
			return true;
	}
}

static void run_cell(struct world *w, const struct cell *cell, const struct sigcase *sc,
		     struct outcome *o)
{
	char pids[2][16], want[96];
	const char *args[16];
	struct snap before[2], after[2];
	struct victim *t[2];
	bool traced = sc->kind == K_STOP || cell->op == OP_CHECK;
	enum want expect = sc->kind == K_TERM ? cell->on_term : W_COMPLETED;
	int64_t t_run;
	struct ctl c;
	int nt, status;

	memset(o, 0, sizeof(*o));
	o->deferred_ok = true;
	op_args(w, cell->op, args, pids);
	nt = op_targets(w, cell->op, t);
	for (int i = 0; i < nt; i++)
		snap_take(t[i], &before[i], w->ctx);
	t_run = clock_ns(CLOCK_MONOTONIC);
	ctl_start(&c, cell->phase, traced, -1, args);
	w->runs++;

	if (traced) {
		/* The exec stop first. */
		if (!ctl_event(&c, &status, EVENT_MS) || c.exited ||
		    WSTOPSIG(status) != SIGTRAP) {
			snprintf(o->why, sizeof(o->why), "no exec stop: %s", status_str(status));
			goto out;
		}
	}
	if (cell->op == OP_CHECK) {
		if (!check_until_handlers(&c, o->why, sizeof(o->why)))
			goto out;
		kill(c.pid, sc->sig);
		ptrace(PTRACE_DETACH, c.pid, 0, 0);
		if (sc->kind == K_STOP) {
			if (!ctl_event(&c, &status, EVENT_MS) || c.exited ||
			    WSTOPSIG(status) != SIGTSTP) {
				snprintf(o->why, sizeof(o->why), "check did not stop: %s",
					 status_str(status));
				goto out;
			}
			kill(c.pid, SIGCONT);
		}
	} else if (traced) {
		if (ptrace(PTRACE_SETOPTIONS, c.pid, 0, PTRACE_O_EXITKILL) < 0 ||
		    !traced_until_signal(&c, SIGSTOP, o->why, sizeof(o->why)))
			goto out;
		/* At the phase: its SIGSTOP is dropped by the next resumption. */
		if (!run_tstp(&c, t, nt, o))
			goto out;
	} else {
		if (!ctl_event(&c, &status, EVENT_MS) || c.exited ||
		    WSTOPSIG(status) != SIGSTOP) {
			snprintf(o->why, sizeof(o->why), "phase %s never reached: %s: %.300s",
				 cell->phase, status_str(status), c.err);
			goto out;
		}
		kill(c.pid, sc->sig);
		kill(c.pid, SIGCONT);
	}
	if (!c.exited && !ctl_wait_exit(&c, o->why, sizeof(o->why)))
		goto out;
	o->ran = true;
	o->status = c.status;

	/* The exit and the message, a line of its own (a walk prints its plan first). */
	snprintf(want, sizeof(want), "ptimerctl: interrupted by %s; ", sc->name);
	switch (expect) {
	case W_INTERRUPTED:
	case W_REARMED: {
		const char *m = strstr(c.err, want);

		o->msg_ok = m && (m == c.err || m[-1] == '\n');
		break;
	}
	case W_COMPLETED:
		o->msg_ok = !strstr(c.err, "interrupted");
		if (cell->op == OP_DUMP || cell->op == OP_DISARM)
			o->msg_ok &= c.out_len > 0 && c.out[0] == '{';
		if (cell->op == OP_SHOW)
			o->msg_ok &= !strncmp(c.out, "pid ", 4);
		break;
	case W_DEFAULT:
		o->msg_ok = !c.err_len;
		break;
	}
	if (expect == W_INTERRUPTED || expect == W_REARMED)
		o->msg_ok &= c.out_len == 0;
	if (!o->msg_ok)
		snprintf(o->msg, sizeof(o->msg), "stderr \"%.*s\", %zu bytes on stdout",
			 (int)strcspn(c.err, "\n"), c.err, c.out_len);

	/* The targets. */
	for (int i = 0; i < nt; i++)
		snap_take(t[i], &after[i], w->ctx);
	o->state_ok = true;
	for (int i = 0; i < nt && o->state_ok; i++) {
		enum values how = V_KEPT;
		bool src = i == 0 && cell->op == OP_MIGRATE;

		if (!before[i].alive) {
			snprintf(o->why, sizeof(o->why), "no snapshot before");
			o->state_ok = false;
			break;
		}
		if (expect == W_COMPLETED && (cell->op == OP_RESTORE || cell->op == OP_WALK ||
					      (cell->op == OP_MIGRATE && !src))) {
			const struct ptimer_dump *file = cell->op == OP_WALK ? w->far_file :
							 cell->op == OP_RESTORE ? w->dump_file :
							 before[0].dump;

			o->state_ok = snap_restored(&before[i], &after[i], file,
						    cell->op == OP_MIGRATE ?
						    before[0].dump->monotonic_ns : t_run,
						    o->why, sizeof(o->why));
			continue;
		}
		if (expect == W_COMPLETED && (cell->op == OP_DISARM || src))
			how = V_DISARMED;
		if (expect == W_REARMED && src)
			how = V_REARMED;
		o->state_ok = snap_same(&before[i], &after[i], how, o->why, sizeof(o->why));
	}
	for (int i = 0; i < nt; i++)
		snap_free(&after[i]);
	/* A changed target is not reused. */
	if (!o->state_ok || expect == W_REARMED ||
	    (expect == W_COMPLETED && cell->op != OP_DUMP && cell->op != OP_SHOW &&
	     cell->op != OP_CHECK)) {
		for (int i = 0; i < nt; i++) {
			if (t[i] == w->a)
				w->a = NULL;
			if (t[i] == w->b)
				w->b = NULL;
			if (t[i] == w->w)
				w->w = NULL;
			victim_kill(t[i]);
		}
	}
out:
	for (int i = 0; i < nt; i++)
		snap_free(&before[i]);
	ctl_kill(&c);
	if (!o->ran) {
		for (int i = 0; i < nt; i++) {
			if (t[i] == w->a)
				w->a = NULL;
			if (t[i] == w->b)
				w->b = NULL;
			if (t[i] == w->w)
				w->w = NULL;
			victim_kill(t[i]);
		}
	}
	(void)w;
}

/* Run every signal at every cell; log one table line each, fail at the end. */
static void run_matrix(const struct cell *cells, size_t ncells)
{
	struct sigcase sc[NSIGCASES];
	struct world w;

	sigcases(sc);
	world_init(&w, true);
	failures_len = 0;
	failures[0] = '\0';
	for (size_t i = 0; i < ncells; i++) {
		const struct cell *cl = &cells[i];

		if (cl->op == OP_RESTORE && !harness_have_restore_ids()) {
			cr_log_info("%s: not run, the kernel lacks prctl(77)", op_names[cl->op]);
			continue;
		}
		for (size_t k = 0; k < NSIGCASES; k++) {
			enum want expect = sc[k].kind == K_TERM ? cl->on_term : W_COMPLETED;
			int want_exit = expect == W_COMPLETED ? 0 : expect == W_DEFAULT ? -1 : 12;
			char label[64];
			struct outcome o;
			bool exit_ok;

			snprintf(label, sizeof(label), "%s@%s", op_names[cl->op],
				 cl->phase ? cl->phase : "-");
			run_cell(&w, cl, &sc[k], &o);
			if (expect == W_DEFAULT)
				exit_ok = o.ran && WIFSIGNALED(o.status) &&
					  WTERMSIG(o.status) == sc[k].sig;
			else
				exit_ok = o.ran && WIFEXITED(o.status) &&
					  WEXITSTATUS(o.status) == want_exit;
			cr_log_info("%-9s %-32s %-16s (want %-12s) target %-4s message %-3s%s",
				    sc[k].name, label, o.ran ? status_str(o.status) : "did not run",
				    want_exit < 0 ? "killed by it" :
				    want_exit ? "exit 12" : "exit 0",
				    o.state_ok ? "same" : "DIFF", o.msg_ok ? "ok" : "BAD",
				    sc[k].kind == K_STOP ? (o.deferred_ok ? " stop deferred" :
							    " STOP NOT DEFERRED") : "");
			if (!exit_ok || !o.state_ok || !o.msg_ok || !o.deferred_ok)
				fail_later("%s at %s: %s; %s; %s", sc[k].name, label,
					   o.ran ? status_str(o.status) : "did not run",
					   o.why[0] ? o.why : "target as it should be",
					   o.msg_ok ? "message ok" : o.msg);
		}
	}
	cr_log_info("%d runs", w.runs);
	world_free(&w);
	assert_no_failures();
}

Test(signals, dump_and_show)
{
	static const struct cell cells[] = {
		{ OP_DUMP, "attached", W_INTERRUPTED },
		{ OP_DUMP, "injecting", W_INTERRUPTED },
		{ OP_DUMP, "read", W_INTERRUPTED },
		{ OP_DISARM, "injecting", W_INTERRUPTED },
		{ OP_DISARM, "read", W_COMPLETED },
		{ OP_SHOW, "attached", W_INTERRUPTED },
		{ OP_SHOW, "read", W_INTERRUPTED },
	};

	run_matrix(cells, sizeof(cells) / sizeof(cells[0]));
}

Test(signals, restore_and_walk)
{
	static const struct cell cells[] = {
		{ OP_RESTORE, "attached", W_INTERRUPTED },
		{ OP_RESTORE, "injecting", W_INTERRUPTED },
		{ OP_RESTORE, "created", W_INTERRUPTED },
		{ OP_RESTORE, "armed", W_INTERRUPTED },
		{ OP_RESTORE, "released", W_COMPLETED },
		{ OP_WALK, "walk:3", W_INTERRUPTED },
	};

	run_matrix(cells, sizeof(cells) / sizeof(cells[0]));
}

Test(signals, migrate)
{
	/* The first dump (attached:1 ... released:1) is a probe; the second disarms. */
	static const struct cell cells[] = {
		{ OP_MIGRATE, "read:1", W_INTERRUPTED },
		{ OP_MIGRATE, "attached:2", W_INTERRUPTED },
		{ OP_MIGRATE, "injecting:2", W_INTERRUPTED },
		{ OP_MIGRATE, "read:2", W_REARMED },
		{ OP_MIGRATE, "attached:3", W_REARMED },
		{ OP_MIGRATE, "injecting:3", W_REARMED },
		{ OP_MIGRATE, "created", W_REARMED },
		{ OP_MIGRATE, "armed", W_REARMED },
		{ OP_MIGRATE, "released:3", W_COMPLETED },
	};

	run_matrix(cells, sizeof(cells) / sizeof(cells[0]));
}

Test(signals, check_holds_nothing)
{
	static const struct cell cells[] = {
		{ OP_CHECK, NULL, W_DEFAULT },
	};

	run_matrix(cells, sizeof(cells) / sizeof(cells[0]));
}

/* ---- SIGKILL: the window it cannot be caught in ---- */

/*
 * After ptimerctl died: wait until the target is settled, either dead
 * (its status in *@died) or with every thread free and its main thread
 * (the one ptimerctl injects into) back asleep.  False if neither came.
 */
static bool settle(struct victim *v, int *died, char *why, size_t size)
{
	int64_t deadline = clock_ns(CLOCK_MONOTONIC) + 5000 * RU_MS;
	int status;

	*died = 0;
	do {
		if (waitpid(v->pid, &status, WNOHANG) == v->pid) {
			*died = WIFSIGNALED(status) ? WTERMSIG(status) : -1;
			return true;
		}
		if (all_free(v->pid, why, size) && proc_state(v->pid) == 'S')
			return true;
		usleep(1000);
	} while (clock_ns(CLOCK_MONOTONIC) < deadline);
	snprintf(why, size, "main thread in state %c after 5 s", proc_state(v->pid));
	return false;
}

/*
 * Whether @b, after a SIGKILL of ptimerctl at any phase, is @a run on
 * unharmed but for what the kill left behind (a stray mapping, timers
 * created or disarmed): alive, every thread free with its own signal mask,
 * no signal lost or seen twice, no EINTR.  Between two injected calls the
 * thread waits with its own registers and mask, so a tracer's death lets
 * it run on.
 */
static bool snap_survived(const struct snap *a, const struct snap *b, char *why, size_t size)
{
	if (!b->alive) {
		snprintf(why, size, "the target died");
		return false;
	}
	if (strcmp(a->status, b->status)) {
		threads_diff(a->status, b->status, why, size);
		return false;
	}
	if (strcmp(a->shdpnd, b->shdpnd)) {
		snprintf(why, size, "ShdPnd %s, then %s", a->shdpnd, b->shdpnd);
		return false;
	}
	if (a->eintr != b->eintr || a->signals != b->signals) {
		snprintf(why, size, "eintr %lld, signals %lld, then %lld, %lld", a->eintr,
			 a->signals, b->eintr, b->signals);
		return false;
	}
	return true;
}

/* Lines of @after that @before lacks: a stray mapping. */
static int new_lines(const char *before, const char *after)
{
	int n = 0;

	for (const char *p = after; *p;) {
		size_t len = strcspn(p, "\n");
		char line[512];

		snprintf(line, sizeof(line), "%.*s\n", (int)(len < 500 ? len : 500), p);
		if (!strstr(before, line))
			n++;
		p += len + (p[len] == '\n');
	}
	return n;
}

Test(signals, sigkill_window)
{
	static const struct cell cells[] = {
		{ OP_DUMP, "attached", W_INTERRUPTED },
		{ OP_DUMP, "injecting", W_INTERRUPTED },
		{ OP_DUMP, "read", W_INTERRUPTED },
		{ OP_DUMP, "released", W_COMPLETED },
		{ OP_RESTORE, "attached", W_INTERRUPTED },
		{ OP_RESTORE, "injecting", W_INTERRUPTED },
		{ OP_RESTORE, "created", W_INTERRUPTED },
		{ OP_RESTORE, "armed", W_INTERRUPTED },
		{ OP_RESTORE, "released", W_COMPLETED },
		{ OP_WALK, "walk:3", W_INTERRUPTED },
	};
	struct world w;

	world_init(&w, true);
	failures_len = 0;
	failures[0] = '\0';
	for (size_t i = 0; i < sizeof(cells) / sizeof(cells[0]); i++) {
		const struct cell *cl = &cells[i];
		bool harmless_wanted = !strcmp(cl->phase, "attached") ||
				       !strcmp(cl->phase, "released");
		struct snap before, after;
		char pids[2][16], why[1024] = "", label[64];
		const char *args[16];
		struct victim *t[2];
		int64_t t_run;
		struct ctl c;
		int status, died = 0, stray = 0;
		bool harmless = false, survived = false;

		if (cl->op == OP_RESTORE && !harness_have_restore_ids()) {
			cr_log_info("%s: not run, the kernel lacks prctl(77)", op_names[cl->op]);
			continue;
		}
		snprintf(label, sizeof(label), "%s@%s", op_names[cl->op], cl->phase);
		op_args(&w, cl->op, args, pids);
		op_targets(&w, cl->op, t);
		snap_take(t[0], &before, w.ctx);
		cr_assert(before.alive, "%s: no snapshot before", label);
		t_run = clock_ns(CLOCK_MONOTONIC);
		ctl_start(&c, cl->phase, false, -1, args);
		cr_assert(ctl_event(&c, &status, EVENT_MS) && !c.exited &&
			  WSTOPSIG(status) == SIGSTOP, "%s: phase never reached: %s: %s", label,
			  status_str(status), c.err);
		kill(c.pid, SIGKILL);
		cr_assert(ctl_event(&c, &status, EVENT_MS) && c.exited && WIFSIGNALED(status),
			  "%s: SIGKILL did not end ptimerctl", label);
		memset(&after, 0, sizeof(after));
		if (settle(t[0], &died, why, sizeof(why)) && !died) {
			snap_take(t[0], &after, w.ctx);
			if (after.alive)
				stray = new_lines(before.maps, after.maps);
			why[0] = '\0';
			survived = snap_survived(&before, &after, why, sizeof(why));
			if (survived && cl->on_term == W_COMPLETED && cl->op == OP_RESTORE)
				harmless = snap_restored(&before, &after, w.dump_file, t_run, why,
							 sizeof(why));
			else if (survived)
				harmless = snap_same(&before, &after, V_KEPT, why, sizeof(why));
		}
		cr_log_info("SIGKILL   %-28s target %-18s %-8s stray mappings %d%s%.200s", label,
			    died > 0 ? strsignal(died) : died ? "exited" :
			    after.alive ? "alive" : "unreadable",
			    harmless ? "harmless" : "HARMED", stray, why[0] ? ": " : "", why);
		if (harmless_wanted && !harmless)
			fail_later("SIGKILL at %s harmed the target: %s", label,
				   died ? "it died" : why);
		else if (!survived)
			fail_later("SIGKILL at %s: the target did not run on as it was: %s", label,
				   died ? "it died" : why);
		snap_free(&before);
		snap_free(&after);
		/* Never reuse a target SIGKILL may have touched. */
		if (t[0] == w.a)
			w.a = NULL;
		if (t[0] == w.b)
			w.b = NULL;
		if (t[0] == w.w)
			w.w = NULL;
		victim_kill(t[0]);
	}
	world_free(&w);
	assert_no_failures();
}

/* The phase times of one live operation, by CLOCK_MONOTONIC. */
static int64_t phase_ns[PTIMER_PHASE_COUNT];

static void note_phase(struct ptimer_ctx *ctx, enum ptimer_phase phase)
{
	(void)ctx;
	if ((unsigned int)phase < PTIMER_PHASE_COUNT)
		phase_ns[phase] = clock_ns(CLOCK_MONOTONIC);
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/*
 * How long the SIGKILL window lasts: from the phase "injecting" (our
 * mapping and code are in the target) to "released", for dumps of 10 and
 * 1000 timers, through the library's phase callback.  Logged, not asserted.
 */
Test(signals, sigkill_window_duration)
{
	static const char *const counts[] = { "10", "1000" };
	struct ptimer_ctx *ctx;

	cr_assert_eq(ptimer_new(&ctx), 0);
	ptimer_set_phase_fn(ctx, note_phase);
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		const char *argv[] = { NULL, "--timers", counts[i], NULL };
		int64_t window[7], stopped[7];
		struct victim *v;
		const int runs = 7;

		argv[0] = strdup(helper_path("stuck"));
		v = victim_spawn(argv, (uid_t)-1);
		free((char *)argv[0]);
		cr_assert(v && v->ready, "stuck: %s", v ? v->error : "fork");
		for (int k = 0; k < runs; k++) {
			struct ptimer_dump *d = NULL;

			memset(phase_ns, 0, sizeof(phase_ns));
			cr_assert_eq(ptimer_dump_pid(ctx, v->pid, 0, &d, NULL), 0, "%s",
				     ptimer_last_error(ctx));
			cr_assert_eq(d->ntimers, (size_t)atoi(counts[i]));
			ptimer_dump_free(d);
			cr_assert(phase_ns[PTIMER_PHASE_INJECTING] && phase_ns[PTIMER_PHASE_READ] &&
				  phase_ns[PTIMER_PHASE_RELEASED], "a phase was not reported");
			window[k] = phase_ns[PTIMER_PHASE_RELEASED] - phase_ns[PTIMER_PHASE_INJECTING];
			stopped[k] = phase_ns[PTIMER_PHASE_RELEASED] - phase_ns[PTIMER_PHASE_ATTACHED];
		}
		qsort(window, (size_t)runs, sizeof(window[0]), cmp_i64);
		qsort(stopped, (size_t)runs, sizeof(stopped[0]), cmp_i64);
		cr_log_info("SIGKILL window (injecting -> released), dump of %s timers: median"
			    " %lld us, max %lld us; attached -> released: median %lld us, max %lld us",
			    counts[i], (long long)(window[runs / 2] / 1000),
			    (long long)(window[runs - 1] / 1000), (long long)(stopped[runs / 2] / 1000),
			    (long long)(stopped[runs - 1] / 1000));
		victim_kill(v);
	}
	ptimer_free(ctx);
}

/* ---- a write error: stdout a pipe nobody reads ---- */

Test(signals, write_to_a_closed_pipe)
{
	static const char *const subs[] = { "dump", "show" };
	struct ptimer_ctx *ctx;
	struct victim *v = with_timers();

	cr_assert_eq(ptimer_new(&ctx), 0);
	failures_len = 0;
	failures[0] = '\0';
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		char pid[16], why[1024] = "";
		const char *args[] = { subs[i], ru_pidstr(pid, v->pid), NULL };
		struct snap before, after;
		struct ctl c;
		int p[2];
		bool same;

		snap_take(v, &before, ctx);
		cr_assert(before.alive);
		cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
		close(p[0]);
		ctl_start(&c, NULL, false, p[1], args);
		close(p[1]);
		cr_assert(ctl_wait_exit(&c, why, sizeof(why)), "%s: %s", subs[i], why);
		snap_take(v, &after, ctx);
		same = snap_same(&before, &after, V_KEPT, why, sizeof(why));
		cr_log_info("%s into a closed pipe: %s, stderr \"%.*s\", target %s", subs[i],
			    status_str(c.status), (int)strcspn(c.err, "\n"), c.err,
			    same ? "same" : why);
		if (!WIFEXITED(c.status) || WEXITSTATUS(c.status) == 0)
			fail_later("%s into a closed pipe: %s", subs[i], status_str(c.status));
		if (strncmp(c.err, "ptimerctl: ", 11))
			fail_later("%s into a closed pipe: no message (stderr \"%s\")", subs[i],
				   c.err);
		if (!same)
			fail_later("%s into a closed pipe: the target changed: %s", subs[i], why);
		snap_free(&before);
		snap_free(&after);
	}
	ptimer_free(ctx);
	victim_kill(v);
	assert_no_failures();
}

/*
 * A signal ignored when ptimerctl starts stays ignored (nohup): a SIGHUP
 * while it reads its dump from stdin, before anything is attached, killed
 * it, since its handler, outside the hold, acted as the default would.
 */
Test(signals, an_inherited_sig_ign_stays_ignored)
{
	struct victim *v = victim_start("--timer", "id=3,value_ms=60000", NULL);
	/* Its counter short of ID 3: a walk of two steps, not a lap (refused since). */
	struct victim *dst = victim_start("--timer", "id=1,value_ms=60000", NULL);
	char pid[16], *file, text[1 << 16];
	int in[2], status, fd;
	ssize_t len;
	pid_t c;

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	cr_assert(dst && dst->ready, "%s", dst ? dst->error : "fork");
	file = ru_dump_file(v->pid, NULL);
	fd = open(file, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	len = read(fd, text, sizeof(text));
	close(fd);
	cr_assert_gt(len, 0);
	snprintf(pid, sizeof(pid), "%d", (int)dst->pid);
	cr_assert_eq(pipe2(in, O_CLOEXEC), 0);
	c = fork();
	cr_assert_geq(c, 0);
	if (c == 0) {
		const char *argv[] = { ptimerctl_path(), "restore", "--dry-run", "-i", "-", pid,
				       NULL };
		int devnull = open("/dev/null", O_WRONLY);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGHUP, SIG_IGN);
		dup2(in[0], STDIN_FILENO);
		dup2(devnull, STDOUT_FILENO);
		dup2(devnull, STDERR_FILENO);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	close(in[0]);
	/* Reading stdin, which stays empty until we write. */
	cr_assert(proc_wait_state(c, "S", 5000), "ptimerctl never waited for its input");
	kill(c, SIGHUP);
	sleep_ms(100);
	cr_expect_eq(waitpid(c, &status, WNOHANG), 0, "ptimerctl ended on an ignored SIGHUP:"
		     " status %#x", status);
	cr_assert_eq(write(in[1], text, (size_t)len), len);
	close(in[1]);
	cr_assert_eq(waitpid(c, &status, 0), c);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "status %#x", status);
	ru_file_free(file);
	victim_kill(dst);
	victim_kill(v);
}

/*
 * A standard error that takes nothing (a pipe nobody reads, as 2>&1 |
 * less paused; a terminal stopped by Ctrl-S; a stalled ssh session) must
 * not hold the target: the messages of the hold (-v: the library's debug
 * lines) wait in ptimerctl, and only once the target is let go does
 * ptimerctl block on them, where a signal acts as it normally would.
 * Before, ptimerctl blocked in write(2) with the target stopped, and no
 * signal but SIGKILL got it out.
 */
/* A pipe that takes nothing more: O_NONBLOCK only to fill it, off again after. */
static void full_pipe(int p[2])
{
	static char buf[65536];

	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	cr_assert_eq(fcntl(p[1], F_SETFL, O_NONBLOCK), 0);
	memset(buf, 'x', sizeof(buf));
	for (size_t piece = sizeof(buf); piece; piece = piece > 1 ? piece / 2 : 0)
		while (write(p[1], buf, piece) > 0)
			;
	cr_assert_eq(write(p[1], buf, 1), -1);
	cr_assert_eq(errno, EAGAIN);
	cr_assert_eq(fcntl(p[1], F_SETFL, 0), 0);
}

/* Read @fd to its end. */
static void read_to_end(int fd)
{
	static char buf[65536];

	for (;;) {
		ssize_t got = read(fd, buf, sizeof(buf));

		if (got == 0 || (got < 0 && errno != EINTR))
			break;
	}
}

/* ptimerctl with @args, on these standard descriptors; tracked. */
static pid_t spawn_ctl(int in, int out, int err, const char *const *args)
{
	const char *argv[8] = { ptimerctl_path() };
	pid_t pid;

	for (int i = 0; args[i] && i < 6; i++)
		argv[i + 1] = args[i];
	pid = fork();
	cr_assert_geq(pid, 0);
	if (!pid) {
		dup2(in, STDIN_FILENO);
		dup2(out, STDOUT_FILENO);
		dup2(err, STDERR_FILENO);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	harness_track(pid);
	return pid;
}

Test(signals, a_stalled_stderr_holds_no_target, .timeout = 90)
{
	struct victim *v = with_timers();
	int p[2], devnull, status;
	char pid[16];
	long tracer;
	pid_t ctl;

	full_pipe(p);
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	cr_assert_geq(devnull, 0);
	ctl = spawn_ctl(devnull, devnull, p[1],
			(const char *[]){ "-v", "dump", ru_pidstr(pid, v->pid), NULL });
	close(p[1]);
	close(devnull);
	cr_assert(proc_wait_syscall(ctl, ctl, SYS_write, NULL, 30000),
		  "ptimerctl never waited on its standard error");
	tracer = proc_tracer_pid(v->pid);
	/* Drained: ptimerctl writes what waited and ends. */
	read_to_end(p[0]);
	close(p[0]);
	cr_assert_eq(waitpid(ctl, &status, 0), ctl);
	harness_untrack(ctl);
	cr_expect_eq(tracer, 0, "ptimerctl waited on its standard error with pid %d held",
		     v->pid);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0, "%s", status_str(status));
	victim_kill(v);
}

/*
 * dump --disarm whose output takes nothing (the reader of the pipe, an
 * ssh session, stalled): the timers are disarmed, the target let go, and
 * ptimerctl waits to write.  SIGTERM must stop that wait, re-arm the
 * timers and exit 12; before, the write restarted after the signal, and
 * only SIGKILL ended it, losing the timers for good.
 */
/* The test below, with standard error into the same stalled pipe if @err_too. */
static void stalled_disarmed_dump(bool err_too)
{
	struct victim *v = with_timers();
	static struct ru_snap before, after;
	struct vtimer t[RU_MAX_TIMERS];
	char pid[16], why[256], err[4096] = "";
	int p[2], e[2], devnull, status = -1, n;
	int64_t deadline;
	bool disarmed = false;
	pid_t ctl;

	ru_snap_take(v, &before);
	full_pipe(p);
	cr_assert_eq(pipe2(e, O_CLOEXEC), 0);
	devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
	cr_assert_geq(devnull, 0);
	ctl = spawn_ctl(devnull, p[1], err_too ? p[1] : e[1],
			(const char *[]){ "dump", "--disarm", ru_pidstr(pid, v->pid), NULL });
	close(p[1]);
	close(e[1]);
	close(devnull);
	/* Disarmed, and let go: ptimerctl is at its output. */
	deadline = harness_deadline(30000);
	while (!disarmed && clock_ns(CLOCK_MONOTONIC) < deadline) {
		sleep_ms(20);
		if (proc_tracer_pid(v->pid))
			continue;
		n = ru_timers(v, t, RU_MAX_TIMERS);
		disarmed = n == (int)(sizeof(held) / sizeof(held[0]));
		/* A disarmed SIGEV_NONE timer may read its old countdown (see value_moved()). */
		for (int i = 0; i < n; i++)
			disarmed = disarmed && !t[i].interval_ns &&
				   (!t[i].value_ns || !strcmp(t[i].notify, "none"));
	}
	cr_assert(disarmed, "the dump never disarmed the timers and let the target go");
	kill(ctl, SIGTERM);
	deadline = harness_deadline(10000);
	while (waitpid(ctl, &status, WNOHANG) == 0 && clock_ns(CLOCK_MONOTONIC) < deadline)
		sleep_ms(10);
	if (status == -1) {
		read_to_end(p[0]);
		waitpid(ctl, &status, 0);
		cr_expect_fail("SIGTERM did not end a dump stalled at its output");
	}
	harness_untrack(ctl);
	close(p[0]);
	/* With stderr stalled too, its messages are dropped, not waited on. */
	cr_expect(err_too || read(e[0], err, sizeof(err) - 1) > 0);
	close(e[0]);
	cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == PX_INTERRUPTED, "%s: %s",
		  status_str(status), err);
	cr_expect(err_too || strstr(err, "re-armed the timers"), "%s", err);
	ru_snap_take(v, &after);
	cr_expect(ru_snaps_same(&before, &after, RU_PUT_BACK, why, sizeof(why)),
		  "the timers were not put back (%s): %s", why, ru_timers_str(after.t, after.n));
	victim_kill(v);
}

Test(signals, a_signal_stops_a_stalled_disarmed_dump_and_rearms, .timeout = 90)
{
	stalled_disarmed_dump(false);
}

/*
 * `dump --disarm P 2>&1 | stalled`: once the signal came, the messages
 * that say so cannot go out either.  They are dropped, and ptimerctl
 * ends with its 12; waiting on them, it would hold on until a second
 * signal killed it, the timers re-armed but its exit status lost.
 */
Test(signals, a_stalled_stderr_after_a_signal_keeps_the_exit_status, .timeout = 90)
{
	stalled_disarmed_dump(true);
}
