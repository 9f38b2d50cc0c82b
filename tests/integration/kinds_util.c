// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* The allkinds victim's reports; see kinds_util.h. */
#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kinds_util.h"

#define AK_WAIT_MS	HARNESS_TIMEOUT_MS
#define AK_MAX_ARGS	16

const char *const ak_source_name[AK_NSRC] = {
	"posix_thread", "posix_process", "oneshot_thread", "oneshot_process",
	"itimer_real", "itimer_virtual", "itimer_prof", "timerfd_epoll",
};

static struct victim *ak_startv(uid_t uid, const char *arg, va_list ap)
{
	const char *argv[AK_MAX_ARGS + 2];
	char path[4096];
	struct victim *v;
	int n = 1;

	snprintf(path, sizeof(path), "%s", helper_path("allkinds"));
	argv[0] = path;
	for (const char *a = arg; a && n <= AK_MAX_ARGS; a = va_arg(ap, const char *))
		argv[n++] = a;
	argv[n] = NULL;
	v = victim_spawn(argv, uid);
	cr_assert(v, "cannot fork allkinds");
	cr_assert(v->ready, "allkinds: %s", v->error);
	return v;
}

struct victim *ak_start(const char *arg, ...)
{
	struct victim *v;
	va_list ap;

	va_start(ap, arg);
	v = ak_startv((uid_t)-1, arg, ap);
	va_end(ap);
	return v;
}

struct victim *ak_start_as(uid_t uid, const char *arg, ...)
{
	struct victim *v;
	va_list ap;

	va_start(ap, arg);
	v = ak_startv(uid, arg, ap);
	va_end(ap);
	return v;
}

void ak_ok(struct victim *v, const char *cmd, char *line, size_t size)
{
	char buf[512];

	if (!line) {
		line = buf;
		size = sizeof(buf);
	}
	cr_assert_eq(victim_cmd(v, cmd, line, size), 0, "no answer to %s", cmd);
	cr_assert(!strncmp(line, "OK", 2), "%s: %s", cmd, line);
}

void ak_stats(struct victim *v, struct ak_stats *st)
{
	char **lines;
	int n = victim_cmd_list(v, "stats", &lines);

	cr_assert_geq(n, 0, "no answer to stats");
	memset(st, 0, sizeof(*st));
	st->anomalies = -1;
	for (int i = 0; i < n; i++) {
		char name[32];

		if (!strncmp(lines[i], "ANOMALY", 7)) {
			cr_assert(kv_ll(lines[i], "n", &st->anomalies), "%s", lines[i]);
			cr_assert(kv_str(lines[i], "first", st->first_anomaly,
					 sizeof(st->first_anomaly)));
			continue;
		}
		cr_assert(!strncmp(lines[i], "STAT", 4), "%s", lines[i]);
		cr_assert(kv_str(lines[i], "name", name, sizeof(name)));
		for (int k = 0; k < AK_NSRC; k++) {
			struct ak_stat *s = &st->s[k];

			if (strcmp(name, ak_source_name[k]))
				continue;
			cr_assert(kv_ll(lines[i], "count", &s->count) &&
				  kv_ll(lines[i], "expiries", &s->expiries) &&
				  kv_ll(lines[i], "overruns", &s->overruns) &&
				  kv_ll(lines[i], "window", &s->window) &&
				  kv_ll(lines[i], "period_ns", &s->period_ns), "%s", lines[i]);
		}
	}
	cr_assert_geq(st->anomalies, 0, "stats without an ANOMALY line");
	strv_free(lines);
}

void ak_itimers(struct victim *v, struct ak_itimer it[3])
{
	static const char *const name[3] = { "real", "virtual", "prof" };
	char **lines;
	int n = victim_cmd_list(v, "itimers", &lines);

	cr_assert_eq(n, 3, "itimers: %d lines", n);
	for (int i = 0; i < 3; i++) {
		char which[16];

		cr_assert(kv_str(lines[i], "which", which, sizeof(which)) &&
			  !strcmp(which, name[i]) &&
			  kv_ll(lines[i], "value_ns", &it[i].value_ns) &&
			  kv_ll(lines[i], "interval_ns", &it[i].interval_ns), "%s", lines[i]);
	}
	strv_free(lines);
}

void ak_itimers_armed(struct victim *v, unsigned int disarmed, struct ak_itimer it[3],
		      int timeout_ms)
{
	int64_t deadline = harness_deadline(timeout_ms);

	for (;;) {
		bool armed = true;

		ak_itimers(v, it);
		for (int k = 0; k < 3; k++)
			armed &= ((disarmed >> k) & 1) || it[k].value_ns > 0;
		if (armed || clock_ns(CLOCK_MONOTONIC) > deadline)
			return;
		sleep_ms(1);
	}
}

static void read_timerfds(struct victim *v, struct ak_tfd t[AK_NTFD])
{
	char **lines;
	int n = victim_cmd_list(v, "timerfds", &lines);

	cr_assert_eq(n, AK_NTFD, "timerfds: %d lines", n);
	for (int i = 0; i < AK_NTFD; i++) {
		long long fd, isfd, clockid, flags, nb, ce;

		memset(&t[i], 0, sizeof(t[i]));
		cr_assert(kv_ll(lines[i], "fd", &fd) && fd == AK_TFD_FIRST + i &&
			  kv_ll(lines[i], "timerfd", &isfd), "%s", lines[i]);
		t[i].timerfd = isfd;
		if (!isfd) {
			kv_str(lines[i], "what", t[i].what, sizeof(t[i].what));
			continue;
		}
		cr_assert(kv_ll(lines[i], "clockid", &clockid) &&
			  kv_ll(lines[i], "settime_flags", &flags) &&
			  kv_ll(lines[i], "ticks", &t[i].ticks) &&
			  kv_ll(lines[i], "value_ns", &t[i].value_ns) &&
			  kv_ll(lines[i], "interval_ns", &t[i].interval_ns) &&
			  kv_ll(lines[i], "nonblock", &nb) && kv_ll(lines[i], "cloexec", &ce),
			  "%s", lines[i]);
		t[i].clockid = (int)clockid;
		t[i].settime_flags = (int)flags;
		t[i].nonblock = nb;
		t[i].cloexec = ce;
	}
	strv_free(lines);
}

/*
 * A periodic timerfd that fell due reads value 0 until the hrtimer
 * interrupt has handled its expiry, as a disarmed one does: microseconds,
 * but a loaded TCG guest's vCPU may wait milliseconds to run it.  So a
 * periodic timerfd that reads 0 is read again, for a while, before it
 * counts as disarmed.
 */
void ak_timerfds(struct victim *v, struct ak_tfd t[AK_NTFD])
{
	int64_t deadline = harness_deadline(100);
	bool due;

	for (;;) {
		read_timerfds(v, t);
		due = false;
		for (int i = 0; i < AK_NTFD; i++)
			due |= t[i].timerfd && !t[i].value_ns && t[i].interval_ns;
		if (!due || clock_ns(CLOCK_MONOTONIC) > deadline)
			return;
		sleep_ms(2);
	}
}

long long ak_ticks(struct victim *v, int fd)
{
	char cmd[32], line[256];
	long long t;

	snprintf(cmd, sizeof(cmd), "ticks %d", fd);
	cr_assert_eq(victim_cmd(v, cmd, line, sizeof(line)), 0);
	cr_assert(kv_ll(line, "ticks", &t), "%s: %s", cmd, line);
	return t;
}

pid_t ak_worker(struct victim *v)
{
	pid_t tids[8];

	cr_assert_eq(victim_tids(v, tids, 8), 5);
	return tids[AK_WORKER];
}

bool ak_pending(pid_t pid, pid_t tid, int sig)
{
	char path[64], buf[4096], *p;
	const char *key = tid ? "\nSigPnd:" : "\nShdPnd:";
	unsigned long long mask;
	FILE *f;
	size_t n;

	if (tid)
		snprintf(path, sizeof(path), "/proc/%d/task/%d/status", (int)pid, (int)tid);
	else
		snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "r");
	cr_assert(f, "%s", path);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strstr(buf, key);
	cr_assert(p, "%s has no %s", path, key + 1);
	mask = strtoull(p + strlen(key), NULL, 16);
	return mask & (1ULL << (sig - 1));
}

bool ak_wait_pending(pid_t pid, pid_t tid, int sig, bool want)
{
	int64_t deadline = harness_deadline(AK_WAIT_MS);

	while (ak_pending(pid, tid, sig) != want) {
		if (clock_ns(CLOCK_MONOTONIC) > deadline)
			return false;
		sleep_ms(1);
	}
	return true;
}

bool ak_wait_period(struct victim *v, enum ak_source src, long long nominal_ns, int tol_pct,
		    int min, long long *period)
{
	int64_t deadline = harness_deadline(AK_WAIT_MS);
	struct ak_stats st;

	for (;;) {
		long long tol = nominal_ns * tol_pct / 100;

		ak_stats(v, &st);
		*period = st.s[src].period_ns;
		if (st.s[src].window >= min && *period >= nominal_ns - tol &&
		    *period <= nominal_ns + tol)
			return true;
		if (clock_ns(CLOCK_MONOTONIC) > deadline)
			return false;
		sleep_ms(20);
	}
}

bool ak_wait_count(struct victim *v, enum ak_source src, long long count)
{
	int64_t deadline = harness_deadline(AK_WAIT_MS);
	struct ak_stats st;

	for (;;) {
		ak_stats(v, &st);
		if (st.s[src].count >= count)
			return true;
		if (clock_ns(CLOCK_MONOTONIC) > deadline)
			return false;
		sleep_ms(10);
	}
}
