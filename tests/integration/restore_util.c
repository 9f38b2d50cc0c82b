// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* Shared code for the restore, walk and migrate tests; see restore_util.h. */
#include <criterion/criterion.h>
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
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "restore_util.h"

#define RU_MAX_ARGS	64

char *ru_pidstr(char *buf, pid_t pid)
{
	snprintf(buf, 16, "%d", (int)pid);
	return buf;
}

static void spec_arg(char *buf, size_t size, const struct ru_spec *s)
{
	int n = 0;

	if (s->id >= 0)
		n = snprintf(buf, size, "id=%d,", s->id);
	snprintf(buf + n, size - (size_t)n, "clock=%s,notify=%s,sig=%d,thread=%d,sigval=0x%llx,"
		 "value_ms=%d,interval_ms=%d", s->clock, s->notify, s->sig, s->thread,
		 s->sigval, s->value_ms, s->interval_ms);
}

struct victim *ru_start(const struct ru_spec *specs, size_t n, const char *const *extra)
{
	static char bufs[RU_MAX_TIMERS][256];
	const char *args[2 * RU_MAX_TIMERS + 32];
	struct victim *v;
	size_t k = 0;

	cr_assert_lt(n, RU_MAX_TIMERS);
	for (size_t i = 0; i < n; i++) {
		spec_arg(bufs[i], sizeof(bufs[i]), &specs[i]);
		args[k++] = "--timer";
		args[k++] = bufs[i];
	}
	for (; extra && *extra && k < sizeof(args) / sizeof(args[0]) - 1; extra++)
		args[k++] = *extra;
	args[k] = NULL;
	v = victim_startv(args);
	cr_assert(v, "cannot fork the victim");
	cr_assert(v->ready, "%s", v->error);
	return v;
}

int ru_fixed_clockid(const char *name)
{
	static const struct { const char *name; int id; } fixed[] = {
		{ "realtime", 0 }, { "monotonic", 1 }, { "boottime", 7 },
		{ "realtime_alarm", 8 }, { "boottime_alarm", 9 }, { "tai", 11 },
		/* the kernel stores the "calling process/thread" forms as pid 0 */
		{ "process_cputime", -6 }, { "thread_cputime", -2 },
	};

	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (!strcmp(name, fixed[i].name))
			return fixed[i].id;
	return INT_MIN;
}

int ru_cpu_clock(pid_t pid, bool thread)
{
	return (int)((~(unsigned int)pid << 3) | (thread ? 4u : 0u) | 2u);
}

/* ---- dumps in files ---- */

static char *temp_path(void)
{
	char dir[] = "/tmp/ptimer-restore-XXXXXX";
	char *path;

	cr_assert(mkdtemp(dir), "mkdtemp: %s", strerror(errno));
	cr_assert(asprintf(&path, "%s/dump.json", dir) > 0);
	return path;
}

char *ru_dump_file(pid_t pid, const char *opt)
{
	char *path = temp_path(), pidbuf[16];
	struct run_result r;

	ru_pidstr(pidbuf, pid);
	if (opt)
		cr_assert_eq(run_ptimerctl(&r, "dump", "-o", path, opt, pidbuf, NULL), 0);
	else
		cr_assert_eq(run_ptimerctl(&r, "dump", "-o", path, pidbuf, NULL), 0);
	cr_assert_eq(r.exit_code, 0, "dump of pid %d: %s", (int)pid, run_describe(&r));
	run_result_free(&r);
	return path;
}

char *ru_text_file(const char *text)
{
	char *path = temp_path();
	FILE *f = fopen(path, "w");

	cr_assert(f, "%s: %s", path, strerror(errno));
	cr_assert_eq(fputs(text, f) < 0, false);
	cr_assert_eq(fclose(f), 0);
	return path;
}

char *ru_public_file(const char *text)
{
	char *path = ru_text_file(text), dir[4096], *slash;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	*slash = '\0';
	cr_assert_eq(chmod(dir, 0755), 0);
	cr_assert_eq(chmod(path, 0644), 0);
	return path;
}

void ru_file_free(char *path)
{
	char *slash;

	if (!path)
		return;
	unlink(path);
	slash = strrchr(path, '/');
	if (slash) {
		*slash = '\0';
		rmdir(path);
	}
	free(path);
}

json_object *ru_json_load(const char *path)
{
	json_object *root = json_object_from_file(path);

	cr_assert(root, "%s does not parse: %s", path, json_util_get_last_err());
	return root;
}

char *ru_json_file(json_object *root)
{
	return ru_text_file(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
}

char *ru_dump_with_ids(const char *path, const int *ids, size_t n)
{
	json_object *root = ru_json_load(path), *timers, *first, *list;
	char *out;

	cr_assert(json_object_object_get_ex(root, "timers", &timers));
	first = json_object_array_get_idx(timers, 0);
	cr_assert(first, "%s has no timer to repeat", path);
	list = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		json_object *t = NULL;

		cr_assert_eq(json_object_deep_copy(first, &t, NULL), 0);
		json_object_object_add(t, "id", json_object_new_int(ids[i]));
		json_object_array_add(list, t);
	}
	json_object_object_add(root, "timers", list);
	out = ru_json_file(root);
	json_object_put(root);
	return out;
}

/* ---- the victim's view ---- */

long long ru_restore_ids(struct victim *v)
{
	struct vstate st;

	cr_assert_eq(victim_state(v, &st), 0, "pid %d does not answer", (int)v->pid);
	return st.restore_ids;
}

int ru_signals(struct victim *v, struct ru_sig *out, int max)
{
	char **lines;
	int n = victim_cmd_list(v, "signals", &lines);
	int k = 0;

	cr_assert_geq(n, 0, "no answer to signals (%d)", n);
	for (int i = 0; i < n && k < max; i++) {
		struct ru_sig *s = &out[k++];
		long long signo, code, timerid, overrun, pid, tidx, rtid;
		char kind[8];

		cr_assert(kv_str(lines[i], "kind", kind, sizeof(kind)) &&
			  kv_ll(lines[i], "signo", &signo) && kv_ll(lines[i], "code", &code) &&
			  kv_ll(lines[i], "timerid", &timerid) &&
			  kv_hex(lines[i], "value", &s->value) &&
			  kv_ll(lines[i], "overrun", &overrun) && kv_ll(lines[i], "pid", &pid) &&
			  kv_ll(lines[i], "tid", &tidx) && kv_ll(lines[i], "rtid", &rtid) &&
			  kv_ll(lines[i], "t_ns", &s->t_ns),
			  "bad signals line: %s", lines[i]);
		s->cb = !strcmp(kind, "cb");
		s->signo = (int)signo;
		s->code = (int)code;
		s->timerid = (int)timerid;
		s->overrun = (int)overrun;
		s->pid = (int)pid;
		s->tidx = (int)tidx;
		s->rtid = (int)rtid;
	}
	strv_free(lines);
	return k;
}

int ru_count(const struct ru_sig *s, int n, int timerid, long long from_ns, long long to_ns)
{
	int c = 0;

	for (int i = 0; i < n; i++)
		c += !s[i].cb && s[i].timerid == timerid && s[i].t_ns >= from_ns &&
		     s[i].t_ns < to_ns;
	return c;
}

int ru_expiries(const struct ru_sig *s, int n, int timerid, long long from_ns)
{
	int c = 0;

	for (int i = 0; i < n; i++)
		if (!s[i].cb && s[i].timerid == timerid && s[i].t_ns >= from_ns)
			c += 1 + (s[i].overrun > 0 ? s[i].overrun : 0);
	return c;
}

static bool wants_met(const struct ru_sig *s, int n, const struct ru_want *want, size_t nwant)
{
	for (size_t i = 0; i < nwant; i++)
		if (ru_expiries(s, n, want[i].timerid, want[i].from_ns) < want[i].expiries)
			return false;
	return true;
}

int ru_wait_expiries(struct victim *v, const struct ru_want *want, size_t nwant,
		     struct ru_sig *out, int max, int timeout_ms)
{
	int64_t deadline = harness_deadline(timeout_ms);
	int n;

	for (;;) {
		n = ru_signals(v, out, max);
		if (wants_met(out, n, want, nwant) || clock_ns(CLOCK_MONOTONIC) > deadline)
			return n;
		sleep_ms(20);
	}
}

long long ru_period(const struct ru_sig *s, int n, int timerid, long long from_ns,
		    long long nominal_ns)
{
	long long c = -1, last, best_a = LLONG_MAX, best_b = LLONG_MAX;
	long long ta = 0, ca = 0, tb = 0, cb = 0;

	/* The expiry index of each delivery: the first is 0. */
	for (int i = 0; i < n; i++)
		if (!s[i].cb && s[i].timerid == timerid && s[i].t_ns >= from_ns)
			c += c < 0 ? 1 : 1 + (s[i].overrun > 0 ? s[i].overrun : 0);
	last = c;
	if (last < 4)
		return -1;
	c = -1;
	for (int i = 0; i < n; i++) {
		long long late;

		if (s[i].cb || s[i].timerid != timerid || s[i].t_ns < from_ns)
			continue;
		c += c < 0 ? 1 : 1 + (s[i].overrun > 0 ? s[i].overrun : 0);
		/* Against any grid of the nominal period: only differences count. */
		late = s[i].t_ns - c * nominal_ns;
		if (c <= last / 4 && late < best_a) {
			best_a = late;
			ta = s[i].t_ns;
			ca = c;
		}
		if (c >= last - last / 4 && late < best_b) {
			best_b = late;
			tb = s[i].t_ns;
			cb = c;
		}
	}
	return (tb - ta) / (cb - ca);
}

bool ru_wait_period(struct victim *v, int timerid, long long from_ns, long long nominal_ns,
		    int min_expiries, struct ru_sig *out, int max, int *nout,
		    long long *period)
{
	int64_t deadline = harness_deadline(RU_WAIT_MS);

	for (;;) {
		*nout = ru_signals(v, out, max);
		*period = -1;
		if (ru_expiries(out, *nout, timerid, from_ns) >= min_expiries) {
			*period = ru_period(out, *nout, timerid, from_ns, nominal_ns);
			if (llabs(*period - nominal_ns) <= nominal_ns / 5)
				return true;
		}
		if (clock_ns(CLOCK_MONOTONIC) > deadline)
			return false;
		sleep_ms(20);
	}
}

int ru_timers(struct victim *v, struct vtimer *out, int max)
{
	int n = victim_timers(v, out, max);

	cr_assert_geq(n, 0, "no answer to timers (%d)", n);
	return n;
}

const char *ru_timers_str(const struct vtimer *t, int n)
{
	static char buf[4096];
	size_t used = 0;

	buf[0] = '\0';
	for (int i = 0; i < n && used < sizeof(buf) - 1; i++)
		used += (size_t)snprintf(buf + used, sizeof(buf) - used,
					 "%s[id %d clock %d %s sig %d sigval %#llx tid %d value %lld"
					 " interval %lld]", i ? " " : "", t[i].id, t[i].clockid,
					 t[i].notify, t[i].signo, t[i].sigval, t[i].tid,
					 t[i].value_ns, t[i].interval_ns);
	if (!n)
		snprintf(buf, sizeof(buf), "(none)");
	return buf;
}

bool ru_timers_same(const struct vtimer *a, int na, const struct vtimer *b, int nb,
		    long long tol_ns, char *why, size_t why_size)
{
	if (na != nb) {
		snprintf(why, why_size, "%d timers, then %d", na, nb);
		return false;
	}
	for (int i = 0; i < na; i++) {
		const struct vtimer *x = &a[i], *y = vtimer_find(b, nb, a[i].id);

		if (!y) {
			snprintf(why, why_size, "timer %d is gone", x->id);
			return false;
		}
		if (x->clockid != y->clockid || strcmp(x->notify, y->notify) ||
		    x->signo != y->signo || x->sigval != y->sigval || x->tid != y->tid ||
		    x->interval_ns != y->interval_ns) {
			snprintf(why, why_size, "timer %d changed its settings", x->id);
			return false;
		}
		if (!x->value_ns != !y->value_ns) {
			snprintf(why, why_size, "timer %d: value %lld, then %lld", x->id,
				 x->value_ns, y->value_ns);
			return false;
		}
		if (!x->interval_ns && x->value_ns &&
		    llabs(x->value_ns - y->value_ns) > tol_ns) {
			snprintf(why, why_size, "timer %d: value %lld, then %lld (tolerance %lld)",
				 x->id, x->value_ns, y->value_ns, tol_ns);
			return false;
		}
	}
	return true;
}

void ru_snap_take(struct victim *v, struct ru_snap *s)
{
	s->t0 = clock_ns(CLOCK_MONOTONIC);
	s->n = ru_timers(v, s->t, RU_MAX_TIMERS);
	s->t1 = clock_ns(CLOCK_MONOTONIC);
}

const struct vtimer *ru_snap_timer(const struct ru_snap *s, int id)
{
	const struct vtimer *t = vtimer_find(s->t, s->n, id);

	cr_assert(t, "timer %d missing: %s", id, ru_timers_str(s->t, s->n));
	return t;
}

bool ru_snaps_same(const struct ru_snap *a, const struct ru_snap *b, enum ru_since since,
		   char *why, size_t why_size)
{
	/* From the end of one reading to the start of the other, and the widest span. */
	long long least = b->t0 - a->t1, most = b->t1 - a->t0;
	long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
	/* Not a tolerance: REALTIME may be slewed (500 ppm at most) against MONOTONIC. */
	long long slew = most / 1000 + 1;

	if (!ru_timers_same(a->t, a->n, b->t, b->n, LLONG_MAX, why, why_size))
		return false;
	for (int i = 0; i < a->n; i++) {
		const struct vtimer *x = &a->t[i], *y = vtimer_find(b->t, b->n, x->id);
		long long lo = least, hi = most;

		if (x->interval_ns || !x->value_ns)
			continue;	/* a periodic value wraps round; a disarmed one stays 0 */
		if (x->clockid < 0) {
			/* a CPU clock: from standing still to every CPU at once */
			lo = 0;
			hi = most * (ncpu > 0 ? ncpu : 1);
		}
		if (since == RU_PUT_BACK)
			lo = 0;		/* disarmed meanwhile: it may have lost no time */
		if (y->value_ns < x->value_ns - hi - slew ||
		    y->value_ns > x->value_ns - lo + slew) {
			snprintf(why, why_size, "timer %d: value %lld, then %lld %lld..%lld ns"
				 " later: %lld..%lld expected", x->id, x->value_ns, y->value_ns,
				 lo, hi, x->value_ns - hi, x->value_ns - lo);
			return false;
		}
	}
	return true;
}

pid_t ru_extra_tid(struct victim *v)
{
	pid_t known[64], all[256];
	int nk = victim_tids(v, known, 64);
	int na = victim_alltids(v, all, 256);

	cr_assert_gt(nk, 0);
	cr_assert_gt(na, 0);
	for (int i = 0; i < na; i++) {
		bool found = false;

		for (int k = 0; k < nk; k++)
			found |= all[i] == known[k];
		if (!found)
			return all[i];
	}
	return 0;
}

/* ---- watching and signalling while ptimerctl runs ---- */

static void *watch_main(void *arg)
{
	struct ru_watch *w = arg;

	while (!atomic_load(&w->stop)) {
		long t = proc_tracer_pid(w->pid);

		if (t > atomic_load(&w->max_tracer))
			atomic_store(&w->max_tracer, t);
		atomic_fetch_add(&w->samples, 1);
		usleep(200);
	}
	return NULL;
}

void ru_watch_start(struct ru_watch *w, pid_t pid)
{
	w->pid = pid;
	atomic_store(&w->stop, false);
	atomic_store(&w->max_tracer, 0);
	atomic_store(&w->samples, 0);
	cr_assert_eq(pthread_create(&w->th, NULL, watch_main, w), 0);
}

long ru_watch_stop(struct ru_watch *w)
{
	atomic_store(&w->stop, true);
	pthread_join(w->th, NULL);
	return atomic_load(&w->max_tracer);
}

static void bg_startv(struct ru_bg *b, const char *stop_at, const char *arg, va_list ap)
{
	const char *argv[RU_MAX_ARGS + 2];
	int opipe[2], epipe[2];
	pid_t parent = getpid();
	size_t n = 0;

	memset(b, 0, sizeof(*b));
	argv[n++] = ptimerctl_path();
	for (const char *a = arg; a && n < RU_MAX_ARGS; a = va_arg(ap, const char *))
		argv[n++] = a;
	argv[n] = NULL;
	cr_assert_eq(pipe2(opipe, O_CLOEXEC), 0);
	cr_assert_eq(pipe2(epipe, O_CLOEXEC), 0);
	b->pid = fork();
	cr_assert_geq(b->pid, 0, "fork: %s", strerror(errno));
	if (b->pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		harness_die_with_parent(parent);
		if (devnull >= 0)
			dup2(devnull, STDIN_FILENO);
		dup2(opipe[1], STDOUT_FILENO);
		dup2(epipe[1], STDERR_FILENO);
		if (stop_at)
			setenv("PTIMER_STOP_AT", stop_at, 1);
		else
			unsetenv("PTIMER_STOP_AT");
		execv(argv[0], (char *const *)argv);
		dprintf(STDERR_FILENO, "exec %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	harness_track(b->pid);
	close(opipe[1]);
	close(epipe[1]);
	b->out_fd = opipe[0];
	b->err_fd = epipe[0];
}

void ru_bg_start(struct ru_bg *b, const char *arg, ...)
{
	va_list ap;

	va_start(ap, arg);
	bg_startv(b, NULL, arg, ap);
	va_end(ap);
}

void ru_bg_start_at(struct ru_bg *b, const char *stop_at, const char *arg, ...)
{
	va_list ap;

	va_start(ap, arg);
	bg_startv(b, stop_at, arg, ap);
	va_end(ap);
}

bool ru_bg_wait_stopped(struct ru_bg *b, int timeout_ms)
{
	/* A zombie ended before its stop: it is reaped by ru_bg_wait(), not here. */
	return proc_wait_state(b->pid, "TZ", timeout_ms) && proc_state(b->pid) == 'T';
}

void ru_bg_signal_and_continue(struct ru_bg *b, int sig)
{
	if (sig)
		cr_assert_eq(kill(b->pid, sig), 0, "kill %d: %s", (int)b->pid, strerror(errno));
	cr_assert_eq(kill(b->pid, SIGCONT), 0, "SIGCONT %d: %s", (int)b->pid, strerror(errno));
}

void ru_bg_term_rolls_back(struct ru_bg *b, const char *phase, const char *what)
{
	cr_assert(ru_bg_wait_stopped(b, RU_WAIT_MS), "%s: ptimerctl never reached \"%s\"",
		  what, phase);
	ru_bg_term_now_rolls_back(b, what);
}

void ru_bg_term_now_rolls_back(struct ru_bg *b, const char *what)
{
	ru_bg_signal_and_continue(b, SIGTERM);
	ru_bg_wait(b, HARNESS_RUN_TIMEOUT_MS);
	cr_expect_eq(b->res.exit_code, PX_INTERRUPTED, "%s: %s", what, run_describe(&b->res));
	cr_expect(!strstr(b->res.err, "could not"), "%s: the rollback failed: %s", what,
		  b->res.err);
	run_result_free(&b->res);
}

static void bg_append(char **buf, size_t *len, const char *data, size_t n)
{
	char *nb = realloc(*buf, *len + n + 1);

	cr_assert(nb);
	memcpy(nb + *len, data, n);
	*len += n;
	nb[*len] = '\0';
	*buf = nb;
}

void ru_bg_wait(struct ru_bg *b, int timeout_ms)
{
	int64_t deadline = harness_deadline(timeout_ms);
	struct run_result *r = &b->res;
	bool exited = false;
	int status = 0;

	r->exit_code = -1;
	bg_append(&r->out, &r->out_len, "", 0);
	bg_append(&r->err, &r->err_len, "", 0);
	while (b->out_fd >= 0 || b->err_fd >= 0 || !exited) {
		struct pollfd pfd[2] = {
			{ .fd = b->out_fd, .events = POLLIN },
			{ .fd = b->err_fd, .events = POLLIN },
		};

		if (clock_ns(CLOCK_MONOTONIC) > deadline) {
			r->timed_out = true;
			break;
		}
		if (!exited && waitpid(b->pid, &status, WNOHANG) == b->pid)
			exited = true;
		if (poll(pfd, 2, 10) <= 0)
			continue;
		for (int i = 0; i < 2; i++) {
			char buf[4096];
			ssize_t n;

			if (pfd[i].fd < 0 || !(pfd[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			n = read(pfd[i].fd, buf, sizeof(buf));
			if (n < 0 && errno == EINTR)
				continue;
			if (n <= 0) {
				close(pfd[i].fd);
				*(i ? &b->err_fd : &b->out_fd) = -1;
				continue;
			}
			if (i)
				bg_append(&r->err, &r->err_len, buf, (size_t)n);
			else
				bg_append(&r->out, &r->out_len, buf, (size_t)n);
		}
	}
	if (b->out_fd >= 0)
		close(b->out_fd);
	if (b->err_fd >= 0)
		close(b->err_fd);
	b->out_fd = b->err_fd = -1;
	if (!exited) {
		kill(b->pid, SIGKILL);
		while (waitpid(b->pid, &status, 0) < 0 && errno == EINTR)
			;
	}
	harness_untrack(b->pid);
	if (WIFEXITED(status))
		r->exit_code = WEXITSTATUS(status);
	else if (WIFSIGNALED(status))
		r->term_sig = WTERMSIG(status);
}

void ru_dumps_and_a_mapped_restore(pid_t pid)
{
	struct run_result r;
	struct victim *src;
	char spid[16], *dump;

	ru_pidstr(spid, pid);
	for (int i = 0; i < 3; i++) {
		cr_assert_eq(run_ptimerctl(&r, "dump", spid, NULL), 0);
		cr_expect_eq(r.exit_code, 0, "dump %d: %s", i, run_describe(&r));
		run_result_free(&r);
	}
	src = victim_start("--many", "300", NULL);
	cr_assert(src && src->ready, "%s", src ? src->error : "fork");
	dump = ru_dump_file(src->pid, NULL);
	victim_kill(src);
	cr_assert_eq(run_ptimerctl(&r, "restore", "-i", dump, spid, NULL), 0);
	cr_expect_eq(r.exit_code, 0, "restore: %s", run_describe(&r));
	run_result_free(&r);
	ru_file_free(dump);
}

/* A process that traces @pid until it is killed, as strace -p would. */
pid_t ru_trace_from_elsewhere(pid_t pid)
{
	int fds[2];
	pid_t child;
	char ok;

	cr_assert_eq(pipe(fds), 0);
	child = fork();
	cr_assert_geq(child, 0);
	if (!child) {
		ok = ptrace(PTRACE_SEIZE, pid, NULL, NULL) == 0;
		if (write(fds[1], &ok, 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(fds[1]);
	cr_assert_eq(read(fds[0], &ok, 1), 1);
	close(fds[0]);
	cr_assert(ok, "could not trace pid %d", pid);
	harness_track(child);
	return child;
}

void ru_trace_end(pid_t tracer)
{
	kill(tracer, SIGKILL);
	waitpid(tracer, NULL, 0);
	harness_untrack(tracer);
}
