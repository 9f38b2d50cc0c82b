// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* Shared code for the integration tests; see harness.h. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <grp.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "harness.h"
#include "internal.h"	/* kernel_drops_stale_timer_signals() */

/*
 * The tests send ptimerctl signals and expect it to act on them.  A run
 * started in the background of a script (SIGINT and SIGQUIT ignored), or
 * under nohup (SIGHUP), would pass those on ignored to every ptimerctl and
 * victim it starts, and ptimerctl keeps a signal ignored that was ignored
 * when it started.  So every test binary starts from the defaults, as a
 * run from a terminal does.
 */
__attribute__((constructor)) static void harness_default_signals(void)
{
	for (int sig = 1; sig < SIGRTMIN; sig++) {
		struct sigaction sa;

		if (sig != SIGKILL && sig != SIGSTOP && !sigaction(sig, NULL, &sa) &&
		    sa.sa_handler == SIG_IGN)
			signal(sig, SIG_DFL);
	}
}

#define MAX_ARGS	128
#define MAX_TRACKED	256

static pid_t tracked[MAX_TRACKED];

void harness_track(pid_t pid)
{
	for (int i = 0; i < MAX_TRACKED; i++) {
		if (!tracked[i]) {
			tracked[i] = pid;
			return;
		}
	}
}

void harness_untrack(pid_t pid)
{
	for (int i = 0; i < MAX_TRACKED; i++)
		if (tracked[i] == pid)
			tracked[i] = 0;
}

/* Reap those threads of @pid that this process traces and that have exited. */
static void reap_traced_threads(pid_t pid)
{
	char path[64];
	struct dirent *e;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return;
	while ((e = readdir(d)))
		if (e->d_name[0] != '.' && atoi(e->d_name) != pid)
			waitpid(atoi(e->d_name), NULL, __WALL | WNOHANG);
	closedir(d);
}

/*
 * A test that failed with a library job under way may leave threads of
 * its victim traced by this process, whose leader then cannot be reaped
 * until they are: reap them too, within bounds, rather than hang the
 * suite's fini until Criterion's timeout hides the failure.
 */
static void kill_and_reap(pid_t pid)
{
	int64_t deadline = harness_deadline(HARNESS_TIMEOUT_MS);

	kill(pid, SIGKILL);
	while (waitpid(pid, NULL, WNOHANG) == 0 && clock_ns(CLOCK_MONOTONIC) < deadline) {
		reap_traced_threads(pid);
		sleep_ms(1);
	}
}

/*
 * The victims a test left to the suite's fini: freed there, so that the
 * sanitizer's leak check sees the harness, not the tests, as tidy.
 */
static struct victim *victims_left[MAX_TRACKED];

static void victim_keep(struct victim *v)
{
	for (int i = 0; i < MAX_TRACKED; i++) {
		if (!victims_left[i]) {
			victims_left[i] = v;
			return;
		}
	}
}

static void victim_forget(struct victim *v)
{
	for (int i = 0; i < MAX_TRACKED; i++)
		if (victims_left[i] == v)
			victims_left[i] = NULL;
}

void harness_kill_all(void)
{
	for (int i = 0; i < MAX_TRACKED; i++) {
		if (tracked[i]) {
			kill_and_reap(tracked[i]);
			tracked[i] = 0;
		}
	}
	for (int i = 0; i < MAX_TRACKED; i++) {
		if (victims_left[i]) {
			close(victims_left[i]->to_fd);
			close(victims_left[i]->from_fd);
			free(victims_left[i]);
			victims_left[i] = NULL;
		}
	}
}

const char *ptimerctl_path(void)
{
	const char *p = getenv("PTIMERCTL");

	return p && *p ? p : "build/ptimerctl";
}

const char *helper_path(const char *name)
{
	static char buf[PATH_MAX];
	const char *dir = getenv("PTIMER_HELPERS");

	snprintf(buf, sizeof(buf), "%s/%s", dir && *dir ? dir : "build/tests/helpers", name);
	return buf;
}

int64_t clock_ns(clockid_t clk)
{
	struct timespec ts;

	clock_gettime(clk, &ts);
	return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000 };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int64_t harness_deadline(int ms)
{
	return clock_ns(CLOCK_MONOTONIC) + (int64_t)ms * harness_time_scale() * 1000000;
}

static int remaining_ms(int64_t deadline)
{
	int64_t left = (deadline - clock_ns(CLOCK_MONOTONIC)) / 1000000;

	return left < 0 ? 0 : (int)(left > INT_MAX ? INT_MAX : left);
}

/* In a forked child: die with the test, whatever happens to it. */
void harness_die_with_parent(pid_t parent)
{
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() != parent)
		_exit(127);
}

bool harness_become(uid_t uid)
{
	return setgroups(0, NULL) == 0 && setgid(uid) == 0 && setuid(uid) == 0;
}

bool harness_stale_signals_dropped(void)
{
	return kernel_drops_stale_timer_signals() != 0;
}

bool harness_have_restore_ids(void)
{
	/* GET answers 0 or 1; a kernel without the prctl says EINVAL */
	return prctl(77, 2, 0, 0, 0) >= 0;
}

void harness_need_restore_ids(void)
{
	if (!harness_have_restore_ids())
		cr_skip_test("the kernel lacks prctl(PR_TIMER_CREATE_RESTORE_IDS) (Linux 6.15,"
			     " kernel-patch/)");
}

long long harness_restore_ids_off(void)
{
	return harness_have_restore_ids() ? 0 : -1;
}

/* ---- the victim ---- */

struct victim *victim_spawn(const char *const *argv, uid_t uid)
{
	int in[2], out[2];
	struct victim *v;
	pid_t parent = getpid();
	char line[512];
	int r;

	v = calloc(1, sizeof(*v));
	if (!v || pipe2(in, O_CLOEXEC) < 0) {
		free(v);
		return NULL;
	}
	if (pipe2(out, O_CLOEXEC) < 0) {
		close(in[0]);
		close(in[1]);
		free(v);
		return NULL;
	}
	v->pid = fork();
	if (v->pid < 0) {
		close(in[0]); close(in[1]); close(out[0]); close(out[1]);
		free(v);
		return NULL;
	}
	if (v->pid == 0) {
		/* Before the death signal: a change of ids clears it. */
		if (uid != (uid_t)-1 && !harness_become(uid)) {
			dprintf(out[1], "ERROR errno=%d msg=cannot become %u\n", errno, uid);
			_exit(126);
		}
		harness_die_with_parent(parent);
		dup2(in[0], STDIN_FILENO);
		dup2(out[1], STDOUT_FILENO);
		execv(argv[0], (char *const *)argv);
		dprintf(STDOUT_FILENO, "ERROR errno=%d msg=exec %s: %s\n", errno,
			argv[0], strerror(errno));
		_exit(127);
	}
	harness_track(v->pid);
	victim_keep(v);
	close(in[0]);
	close(out[1]);
	v->to_fd = in[1];
	v->from_fd = out[0];
	signal(SIGPIPE, SIG_IGN);

	r = victim_read_line(v, line, sizeof(line), HARNESS_TIMEOUT_MS);
	if (r < 0) {
		snprintf(v->error, sizeof(v->error), "%.200s: no READY (%s)", argv[0],
			 r == -ETIMEDOUT ? "timed out" : "it exited");
	} else if (!strncmp(line, "READY ", 6)) {
		v->ready = true;
	} else {
		long long e = 0;

		kv_ll(line, "errno", &e);
		v->error_errno = (int)e;
		snprintf(v->error, sizeof(v->error), "victim: %.480s", line);
		/* It needed the prctl (exact IDs out of the walk's reach, the mode on) */
		if (e == EINVAL && strstr(line, "PR_TIMER_CREATE_RESTORE_IDS") &&
		    !harness_have_restore_ids())
			cr_skip_test("the kernel lacks prctl(PR_TIMER_CREATE_RESTORE_IDS) (Linux 6.15,"
				     " kernel-patch/): %s", v->error);
	}
	return v;
}

struct victim *victim_startv_as(uid_t uid, const char *const *args)
{
	const char *argv[MAX_ARGS + 2];
	struct victim *v;
	size_t n = 0;

	argv[n++] = strdup(helper_path("victim"));
	if (!argv[0])
		return NULL;
	for (; args && args[n - 1] && n < MAX_ARGS; n++)
		argv[n] = args[n - 1];
	argv[n] = NULL;
	v = victim_spawn(argv, uid);
	free((char *)argv[0]);
	return v;
}

struct victim *victim_startv(const char *const *args)
{
	return victim_startv_as((uid_t)-1, args);
}

struct victim *victim_start(const char *arg, ...)
{
	const char *args[MAX_ARGS + 1];
	size_t n = 0;
	va_list ap;

	va_start(ap, arg);
	for (const char *a = arg; a && n < MAX_ARGS; a = va_arg(ap, const char *))
		args[n++] = a;
	va_end(ap);
	args[n] = NULL;
	return victim_startv(args);
}

void victim_kill(struct victim *v)
{
	if (!v)
		return;
	if (v->pid > 0) {
		kill_and_reap(v->pid);
		harness_untrack(v->pid);
	}
	victim_forget(v);
	close(v->to_fd);
	close(v->from_fd);
	free(v);
}

int victim_exit(struct victim *v)
{
	int64_t deadline = harness_deadline(HARNESS_TIMEOUT_MS);
	int status = -1;

	if (write(v->to_fd, "exit\n", 5) != 5)
		return -1;
	while (remaining_ms(deadline) > 0) {
		pid_t r = waitpid(v->pid, &status, WNOHANG);

		if (r == v->pid) {
			harness_untrack(v->pid);
			v->pid = 0;
			return status;
		}
		sleep_ms(5);
	}
	return -1;
}

static int read_line_by(struct victim *v, char *line, size_t size, int64_t deadline)
{
	for (;;) {
		char *nl = memchr(v->rbuf, '\n', v->rlen);
		struct pollfd pfd = { .fd = v->from_fd, .events = POLLIN };
		ssize_t n;
		int r;

		if (nl) {
			size_t len = (size_t)(nl - v->rbuf);
			size_t copy = len < size - 1 ? len : size - 1;

			memcpy(line, v->rbuf, copy);
			line[copy] = '\0';
			v->rlen -= len + 1;
			memmove(v->rbuf, nl + 1, v->rlen);
			return 0;
		}
		if (v->rlen == sizeof(v->rbuf))
			v->rlen = 0;	/* a line longer than the buffer: drop it */
		r = poll(&pfd, 1, remaining_ms(deadline));
		if (r < 0 && errno == EINTR)
			continue;
		if (r == 0)
			return -ETIMEDOUT;
		if (r < 0)
			return -errno;
		n = read(v->from_fd, v->rbuf + v->rlen, sizeof(v->rbuf) - v->rlen);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -EPIPE;
		v->rlen += (size_t)n;
	}
}

int victim_read_line(struct victim *v, char *line, size_t size, int timeout_ms)
{
	return read_line_by(v, line, size, harness_deadline(timeout_ms));
}

/* Read a line that is not a WOKE line, which is put aside. */
static int read_answer(struct victim *v, char *line, size_t size, int64_t deadline)
{
	for (;;) {
		int r = read_line_by(v, line, size, deadline);

		if (r < 0)
			return r;
		if (strncmp(line, "WOKE ", 5))
			return 0;
		snprintf(v->woke, sizeof(v->woke), "%.*s", (int)sizeof(v->woke) - 1, line);
	}
}

static int send_cmd(struct victim *v, const char *cmd)
{
	char buf[256];
	int n = snprintf(buf, sizeof(buf), "%s\n", cmd);

	if (n < 0 || (size_t)n >= sizeof(buf))
		return -EINVAL;
	if (write(v->to_fd, buf, (size_t)n) != n)
		return -EPIPE;
	return 0;
}

int victim_cmd(struct victim *v, const char *cmd, char *line, size_t size)
{
	int64_t deadline = harness_deadline(HARNESS_TIMEOUT_MS);
	int r = send_cmd(v, cmd);

	return r ? r : read_answer(v, line, size, deadline);
}

long long victim_sigcount(struct victim *v, int signo)
{
	char cmd[32], line[256];
	long long n;

	snprintf(cmd, sizeof(cmd), "sigcount %d", signo);
	cr_assert_eq(victim_cmd(v, cmd, line, sizeof(line)), 0, "no answer to %s", cmd);
	cr_assert(kv_ll(line, "n", &n), "bad SIGCOUNT line: %s", line);
	return n;
}

void strv_free(char **lines)
{
	if (!lines)
		return;
	for (char **p = lines; *p; p++)
		free(*p);
	free(lines);
}

int victim_cmd_list(struct victim *v, const char *cmd, char ***lines)
{
	int64_t deadline = harness_deadline(HARNESS_TIMEOUT_MS);
	char line[1024];
	char **vec = NULL;
	size_t n = 0;
	int r = send_cmd(v, cmd);

	*lines = NULL;
	if (r)
		return r;
	for (;;) {
		char **nv;

		r = read_answer(v, line, sizeof(line), deadline);
		if (r < 0) {
			strv_free(vec);
			return r;
		}
		nv = realloc(vec, (n + 2) * sizeof(*vec));
		if (!nv) {
			strv_free(vec);
			return -ENOMEM;
		}
		vec = nv;
		vec[n] = NULL;
		if (!strcmp(line, "END"))
			break;
		vec[n++] = strdup(line);
		vec[n] = NULL;
	}
	*lines = vec;
	return (int)n;
}

int victim_wake(struct victim *v, bool send, char *line, size_t size, int timeout_ms)
{
	int64_t deadline = harness_deadline(timeout_ms);

	if (send) {
		int r = send_cmd(v, "wake");

		if (r)
			return r;
	}
	for (;;) {
		int r;

		if (v->woke[0]) {
			snprintf(line, size, "%s", v->woke);
			v->woke[0] = '\0';
			return 0;
		}
		r = read_line_by(v, line, size, deadline);
		if (r < 0)
			return r;
		if (!strncmp(line, "WOKE ", 5))
			return 0;
	}
}

int str_count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p += strlen(needle))
		n++;
	return n;
}

bool kv_str(const char *line, const char *key, char *out, size_t size)
{
	size_t klen = strlen(key);

	for (const char *p = line; (p = strstr(p, key)); p += klen) {
		if ((p == line || p[-1] == ' ') && p[klen] == '=') {
			const char *v = p + klen + 1;
			size_t n = strcspn(v, " ");

			if (n >= size)
				n = size - 1;
			memcpy(out, v, n);
			out[n] = '\0';
			return true;
		}
	}
	return false;
}

bool kv_ll(const char *line, const char *key, long long *val)
{
	char buf[64], *end;

	if (!kv_str(line, key, buf, sizeof(buf)))
		return false;
	errno = 0;
	*val = strtoll(buf, &end, 0);
	return !errno && end != buf && !*end;
}

bool kv_hex(const char *line, const char *key, unsigned long long *val)
{
	char buf[64], *end;

	if (!kv_str(line, key, buf, sizeof(buf)))
		return false;
	errno = 0;
	*val = strtoull(buf, &end, 16);
	return !errno && end != buf && !*end;
}

int victim_wait_count(struct victim *v, const char *cmd, const char *key,
		      long long n, int ms)
{
	int64_t deadline = harness_deadline(ms);
	char line[1024];
	long long got;

	for (;;) {
		int r = victim_cmd(v, cmd, line, sizeof(line));

		if (r)
			return r;
		if (!kv_ll(line, key, &got))
			return -EPROTO;
		if (got >= n)
			return 0;
		if (clock_ns(CLOCK_MONOTONIC) > deadline)
			return -ETIMEDOUT;
		sleep_ms(5);
	}
}

int victim_state(struct victim *v, struct vstate *st)
{
	char line[2048];
	int r = victim_cmd(v, "state", line, sizeof(line));

	if (r)
		return r;
	memset(st, 0, sizeof(*st));
	if (strncmp(line, "STATE ", 6) ||
	    !kv_hex(line, "maps", &st->maps) || !kv_hex(line, "sigmask", &st->sigmask) ||
	    !kv_hex(line, "sigpnd", &st->sigpnd) || !kv_hex(line, "shdpnd", &st->shdpnd) ||
	    !kv_ll(line, "eintr", &st->eintr) || !kv_ll(line, "signals", &st->signals) ||
	    !kv_ll(line, "cb", &st->cb) || !kv_ll(line, "wakes", &st->wakes) ||
	    !kv_ll(line, "threads", &st->threads) ||
	    !kv_ll(line, "restore_ids", &st->restore_ids) ||
	    !kv_str(line, "masks", st->masks, sizeof(st->masks)))
		return -EINVAL;
	return 0;
}

static int parse_tid_line(const char *line, const char *tag, pid_t *tids, int max)
{
	size_t tlen = strlen(tag);
	const char *p = line + tlen;
	int n = 0;

	if (strncmp(line, tag, tlen))
		return -EINVAL;
	while (*p == ' ' && n < max) {
		char *end;
		long t = strtol(p + 1, &end, 10);

		if (end == p + 1)
			break;
		tids[n++] = (pid_t)t;
		p = end;
	}
	return n;
}

int victim_tids(struct victim *v, pid_t *tids, int max)
{
	char line[2048];
	int r = victim_cmd(v, "tids", line, sizeof(line));

	return r ? r : parse_tid_line(line, "TIDS", tids, max);
}

int victim_alltids(struct victim *v, pid_t *tids, int max)
{
	char line[4096];
	int r = victim_cmd(v, "alltids", line, sizeof(line));

	return r ? r : parse_tid_line(line, "ALLTIDS", tids, max);
}

int victim_timers(struct victim *v, struct vtimer *out, int max)
{
	char **lines;
	int n = victim_cmd_list(v, "timers", &lines);
	int k = 0;

	if (n < 0)
		return n;
	for (int i = 0; i < n && k < max; i++) {
		struct vtimer *t = &out[k];
		long long id, clk, sig, tid;
		char sv[32], *e;

		if (!kv_ll(lines[i], "id", &id) || !kv_ll(lines[i], "clockid", &clk) ||
		    !kv_str(lines[i], "notify", t->notify, sizeof(t->notify)) ||
		    !kv_ll(lines[i], "signal", &sig) || !kv_ll(lines[i], "tid", &tid) ||
		    !kv_str(lines[i], "sigval", sv, sizeof(sv)) ||
		    !kv_ll(lines[i], "value_ns", &t->value_ns) ||
		    !kv_ll(lines[i], "interval_ns", &t->interval_ns) ||
		    !kv_ll(lines[i], "overrun", &t->overrun)) {
			strv_free(lines);
			return -EINVAL;
		}
		/* Only the victim helper tells it. */
		if (!kv_ll(lines[i], "expiry_ns", &t->expiry_ns))
			t->expiry_ns = -1;
		errno = 0;
		t->sigval = strtoull(sv, &e, 16);
		if (errno || *e) {
			strv_free(lines);
			return -EINVAL;
		}
		t->id = (int)id;
		t->clockid = (int)clk;
		t->signo = (int)sig;
		t->tid = (int)tid;
		k++;
	}
	strv_free(lines);
	return k;
}

const struct vtimer *vtimer_find(const struct vtimer *t, int n, int id)
{
	for (int i = 0; i < n; i++)
		if (t[i].id == id)
			return &t[i];
	return NULL;
}

/* ---- running programs ---- */

static int append(char **buf, size_t *len, size_t *cap, const char *data, size_t n)
{
	if (*len + n + 1 > *cap) {
		size_t ncap = (*cap ? *cap * 2 : 4096);
		char *nb;

		while (ncap < *len + n + 1)
			ncap *= 2;
		nb = realloc(*buf, ncap);
		if (!nb)
			return -ENOMEM;
		*buf = nb;
		*cap = ncap;
	}
	memcpy(*buf + *len, data, n);
	*len += n;
	(*buf)[*len] = '\0';
	return 0;
}

int run_argv(struct run_result *r, const struct run_opts *o, const char *const *argv)
{
	int timeout = o && o->timeout_ms ? o->timeout_ms : HARNESS_RUN_TIMEOUT_MS;
	int64_t deadline = harness_deadline(timeout);
	size_t ocap = 0, ecap = 0;
	int opipe[2], epipe[2], status = 0;
	pid_t parent = getpid(), pid;
	bool oopen = true, eopen = true;

	memset(r, 0, sizeof(*r));
	r->exit_code = -1;
	if (append(&r->out, &r->out_len, &ocap, "", 0) ||
	    append(&r->err, &r->err_len, &ecap, "", 0))
		return -ENOMEM;
	if (pipe2(opipe, O_CLOEXEC) < 0)
		return -errno;
	if (pipe2(epipe, O_CLOEXEC) < 0) {
		close(opipe[0]);
		close(opipe[1]);
		return -errno;
	}
	pid = fork();
	if (pid < 0) {
		close(opipe[0]); close(opipe[1]); close(epipe[0]); close(epipe[1]);
		return -errno;
	}
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		harness_die_with_parent(parent);
		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		dup2(opipe[1], STDOUT_FILENO);
		dup2(epipe[1], STDERR_FILENO);
		if (o && o->as_user) {
			if (setgroups(0, NULL) < 0 || setgid(o->gid) < 0 || setuid(o->uid) < 0) {
				dprintf(STDERR_FILENO, "harness: cannot become %u: %s\n",
					(unsigned int)o->uid, strerror(errno));
				_exit(126);
			}
		}
		execv(argv[0], (char *const *)argv);
		dprintf(STDERR_FILENO, "harness: exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	harness_track(pid);
	close(opipe[1]);
	close(epipe[1]);
	while (oopen || eopen) {
		struct pollfd pfd[2] = {
			{ .fd = oopen ? opipe[0] : -1, .events = POLLIN },
			{ .fd = eopen ? epipe[0] : -1, .events = POLLIN },
		};
		int left = remaining_ms(deadline);
		int pr;

		if (!left) {
			r->timed_out = true;
			break;
		}
		pr = poll(pfd, 2, left);
		if (pr < 0 && errno == EINTR)
			continue;
		if (pr <= 0) {
			r->timed_out = pr == 0;
			break;
		}
		for (int i = 0; i < 2; i++) {
			char buf[8192];
			ssize_t n;

			if (!(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(pfd[i].fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				if (i == 0)
					oopen = false;
				else
					eopen = false;
				continue;
			}
			if (i == 0)
				append(&r->out, &r->out_len, &ocap, buf, (size_t)n);
			else
				append(&r->err, &r->err_len, &ecap, buf, (size_t)n);
		}
	}
	close(opipe[0]);
	close(epipe[0]);
	if (r->timed_out)
		kill(pid, SIGKILL);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	harness_untrack(pid);
	if (WIFEXITED(status))
		r->exit_code = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		r->term_sig = WTERMSIG(status);
	return 0;
}

static int run_ptimerctl_va(struct run_result *r, const struct run_opts *o,
			    const char *arg, va_list ap)
{
	const char *argv[MAX_ARGS + 2];
	size_t n = 0;

	argv[n++] = ptimerctl_path();
	for (const char *a = arg; a && n < MAX_ARGS; a = va_arg(ap, const char *))
		argv[n++] = a;
	argv[n] = NULL;
	return run_argv(r, o, argv);
}

int run_ptimerctl(struct run_result *r, const char *arg, ...)
{
	va_list ap;
	int ret;

	va_start(ap, arg);
	ret = run_ptimerctl_va(r, NULL, arg, ap);
	va_end(ap);
	return ret;
}

int run_ptimerctl_opts(struct run_result *r, const struct run_opts *o, const char *arg, ...)
{
	va_list ap;
	int ret;

	va_start(ap, arg);
	ret = run_ptimerctl_va(r, o, arg, ap);
	va_end(ap);
	return ret;
}

void run_result_free(struct run_result *r)
{
	free(r->out);
	free(r->err);
	r->out = r->err = NULL;
}

const char *run_describe(const struct run_result *r)
{
	static char buf[1024];

	snprintf(buf, sizeof(buf), "exit %d%s%s, stderr: %.900s", r->exit_code,
		 r->term_sig ? " (killed by a signal)" : "",
		 r->timed_out ? " (timed out)" : "", r->err ? r->err : "");
	return buf;
}

/* ---- /proc ---- */

static int read_status(pid_t pid, char *buf, size_t size)
{
	char path[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	close(fd);
	if (n < 0)
		return -EIO;
	buf[n] = '\0';
	return 0;
}

static const char *status_value(const char *buf, const char *key)
{
	size_t klen = strlen(key);

	for (const char *p = buf; p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
		if (!strncmp(p, key, klen) && p[klen] == ':')
			return p + klen + 1 + strspn(p + klen + 1, " \t");
	}
	return NULL;
}

long proc_status_long(pid_t pid, const char *key)
{
	char buf[8192];
	const char *v;

	if (read_status(pid, buf, sizeof(buf)) < 0)
		return -1;
	v = status_value(buf, key);
	return v ? strtol(v, NULL, 10) : -1;
}

bool proc_status_hex(pid_t pid, const char *key, unsigned long long *out)
{
	char buf[8192], *end;
	const char *v;

	if (read_status(pid, buf, sizeof(buf)) < 0)
		return false;
	v = status_value(buf, key);
	if (!v)
		return false;
	errno = 0;
	*out = strtoull(v, &end, 16);
	return !errno && end != v;
}

char proc_state(pid_t pid)
{
	char buf[8192];
	const char *v;

	if (read_status(pid, buf, sizeof(buf)) < 0)
		return 0;
	v = status_value(buf, "State");
	return v ? *v : 0;
}

long long proc_sleeping_syscall(pid_t pid, pid_t tid, unsigned long long *pc)
{
	char path[64], line[256] = "";
	long long nr = -1;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/syscall", (int)pid, (int)tid);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (fgets(line, sizeof(line), f) && line[0] >= '0' && line[0] <= '9') {
		const char *last = strrchr(line, ' ');

		nr = strtoll(line, NULL, 10);
		/* "nr arg1 ... arg6 sp pc": the pc last. */
		if (pc)
			*pc = last ? strtoull(last + 1, NULL, 16) : 0;
	}
	fclose(f);
	return nr;
}

bool proc_wait_syscall(pid_t pid, pid_t tid, long long nr, unsigned long long *pc,
		       int timeout_ms)
{
	int64_t deadline = harness_deadline(timeout_ms);

	do {
		if (proc_sleeping_syscall(pid, tid, pc) == nr)
			return true;
		sleep_ms(2);
	} while (remaining_ms(deadline) > 0);
	return false;
}

bool proc_wait_state(pid_t pid, const char *states, int timeout_ms)
{
	int64_t deadline = harness_deadline(timeout_ms);

	do {
		char s = proc_state(pid);

		if (s && strchr(states, s))
			return true;
		sleep_ms(2);
	} while (remaining_ms(deadline) > 0);
	return false;
}

int proc_tids(pid_t pid, pid_t *tids, int max)
{
	char path[64];
	struct dirent *d;
	int n = 0;
	DIR *dir;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((d = readdir(dir)) && n < max)
		if (atoi(d->d_name) > 0)
			tids[n++] = atoi(d->d_name);
	closedir(dir);
	return n;
}

int proc_count_fds(pid_t pid)
{
	char path[64];
	struct dirent *de;
	int n = 0;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/fd", (int)pid);
	d = opendir(path);
	cr_assert(d, "%s: %s", path, strerror(errno));
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

int proc_count_timers(pid_t pid)
{
	char path[64], line[256];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/timers", (int)pid);
	f = fopen(path, "re");
	cr_assert(f, "%s: %s", path, strerror(errno));
	while (fgets(line, sizeof(line), f))
		n += !strncmp(line, "ID: ", 4);
	fclose(f);
	return n;
}

pid_t reaped_pid(void)
{
	pid_t pid = fork();

	if (pid == 0)
		_exit(0);
	if (pid > 0)
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
	return pid;
}

/* ---- dump documents ---- */

json_object *json_parse_text(const char *text)
{
	struct json_tokener *tok;
	json_object *obj;

	if (!text)
		return NULL;
	tok = json_tokener_new();
	if (!tok)
		return NULL;
	obj = json_tokener_parse_ex(tok, text, (int)strlen(text));
	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(obj);
		obj = NULL;
	} else if (obj) {
		/* nothing but whitespace may follow the document */
		const char *rest = text + json_tokener_get_parse_end(tok);

		if (rest[strspn(rest, " \t\r\n")]) {
			json_object_put(obj);
			obj = NULL;
		}
	}
	json_tokener_free(tok);
	return obj;
}

json_object *dump_timer(json_object *root, int id)
{
	json_object *arr, *t, *idv;

	if (!json_object_object_get_ex(root, "timers", &arr) ||
	    !json_object_is_type(arr, json_type_array))
		return NULL;
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		t = json_object_array_get_idx(arr, i);
		if (json_object_object_get_ex(t, "id", &idv) &&
		    json_object_is_type(idv, json_type_int) && json_object_get_int(idv) == id)
			return t;
	}
	return NULL;
}

bool json_get_int64(json_object *obj, const char *key, int64_t *val)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_int))
		return false;
	*val = json_object_get_int64(v);
	return true;
}

const char *json_get_str(json_object *obj, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

bool json_is_null_member(json_object *obj, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(obj, key, &v) && v == NULL;
}
