// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * The floors of ptrace, measured by the bench itself: what bare
 * PTRACE_SEIZE, INTERRUPT and DETACH cost, and, on a 1-thread target
 * asleep in pause(), the least any ptrace tool pays to run one system
 * call in another process, and to run one more.  All wait for a stop the
 * same way, polling, as the library does.
 *
 * Issue 15 compares a dump of nothing with bare PTRACE_SEIZE, INTERRUPT
 * and DETACH; but a dump must run code in the target (no /proc file
 * shows the interval timers or the prctl's state), and these floors show
 * what that alone costs: the library's own syscall site and register
 * set-up (lib/arch/), written at the thread's ip, and nothing else: no
 * /proc read, no check, no signal mask, no scratch.
 */
#include <dirent.h>
#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/wait.h>

#include "arch.h"
#include "bench.h"

#define SITE_WORDS	2	/* the site at any ip spans at most two words */
#define WAIT_LIMIT_NS	(5 * 1000000000LL)

struct site {
	uint64_t at;			/* first word */
	long saved[SITE_WORDS];
	size_t nwords;
};

/*
 * Polled, yielding, as the library waits: a blocking wait lets the
 * woken thread land on another CPU, and costs each call an IPI or two
 * (about twice the time here), which would make this floor no floor.
 */
static int wait_stop(pid_t tid)
{
	int64_t deadline = bench_now_ns() + WAIT_LIMIT_NS;
	int status;
	pid_t w;

	while ((w = waitpid(tid, &status, __WALL | WNOHANG)) != tid) {
		if (w < 0 && errno != EINTR)
			return -errno;
		if (bench_now_ns() > deadline)
			return -ETIMEDOUT;
		sched_yield();
	}
	return WIFSTOPPED(status) ? 0 : -ESRCH;
}

static int seize_stop(pid_t tid)
{
	if (ptrace(PTRACE_SEIZE, tid, 0, 0) < 0 || ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0)
		return -errno;
	return wait_stop(tid);
}

/* The bare ptrace cost: seize and interrupt every thread, then detach them. */
int floor_attach(pid_t pid, struct floor_result *r)
{
	size_t n = 0, room = 0;
	pid_t *tids = NULL;
	struct dirent *de;
	char path[32];
	int64_t t0;
	DIR *dir;

	memset(r, 0, sizeof(*r));
	t0 = bench_now_ns();
	snprintf(path, sizeof(path), "/proc/%d/task", pid);
	dir = opendir(path);
	if (!dir)
		return -errno;
	while ((de = readdir(dir)) && !r->err) {
		if (de->d_name[0] == '.')
			continue;
		/* Every thread, however many: grown by doubling, as a floor may. */
		if (n == room) {
			size_t more = room ? 2 * room : 64;
			pid_t *grown = realloc(tids, more * sizeof(*tids));

			if (!grown) {
				r->err = -ENOMEM;
				break;
			}
			tids = grown;
			room = more;
		}
		tids[n++] = atoi(de->d_name);
	}
	closedir(dir);
	for (size_t i = 0; i < n && !r->err; i++)
		r->err = seize_stop(tids[i]);
	for (size_t i = 0; i < n; i++)
		ptrace(PTRACE_DETACH, tids[i], 0, 0);
	r->ns = bench_now_ns() - t0;
	r->count = n;
	free(tids);
	return r->err;
}

/* Write arch_syscall_site[] at @ip, word by word, keeping what it covers. */
static int site_write(pid_t tid, uint64_t ip, struct site *s)
{
	const size_t word = sizeof(long);

	size_t nwords;

	s->at = ip & ~(uint64_t)(word - 1);
	nwords = (ip + ARCH_SYSCALL_SITE_LEN - s->at + word - 1) / word;
	for (size_t i = 0; i < nwords; i++) {
		uint8_t bytes[sizeof(long)];
		uint64_t at = s->at + i * word;
		long w;

		errno = 0;
		w = ptrace(PTRACE_PEEKTEXT, tid, at, 0);
		if (errno)
			return -errno;
		s->saved[i] = w;
		memcpy(bytes, &w, word);
		for (size_t k = 0; k < word; k++)
			if (at + k >= ip && at + k < ip + ARCH_SYSCALL_SITE_LEN)
				bytes[k] = arch_syscall_site[at + k - ip];
		memcpy(&w, bytes, word);
		if (ptrace(PTRACE_POKETEXT, tid, at, w) < 0)
			return -errno;
		s->nwords = i + 1;
	}
	return 0;
}

static void site_restore(pid_t tid, const struct site *s)
{
	for (size_t i = 0; i < s->nwords; i++)
		ptrace(PTRACE_POKETEXT, tid, s->at + i * sizeof(long), s->saved[i]);
}

/* One getpid() at @ip, from a stop to the breakpoint's stop. */
static int one_call(pid_t tid, const struct arch_regs *saved, uint64_t ip)
{
	static const uint64_t args[6];
	struct arch_regs regs = *saved;
	int ret;

	arch_prep_syscall(&regs, ip, ARCH_NR_GETPID, args);
	ret = arch_set_regs(tid, &regs);
	if (!ret && ptrace(PTRACE_CONT, tid, 0, 0) < 0)
		ret = -errno;
	return ret ? ret : wait_stop(tid);
}

/* Back in a PTRACE_INTERRUPT stop with its own registers, as the library parks. */
static int park(pid_t tid, const struct arch_regs *saved)
{
	int ret;

	if (ptrace(PTRACE_INTERRUPT, tid, 0, 0) < 0 || ptrace(PTRACE_CONT, tid, 0, 0) < 0)
		return -errno;
	ret = wait_stop(tid);
	return ret ? ret : arch_set_regs(tid, saved);
}

/*
 * @calls getpid()s, each parked after (@parked) or not, between a seize
 * and a detach; r->ns is the whole stop (@calls 1) or one call each.
 */
static int injected_calls(pid_t pid, int calls, bool parked, bool per_call,
			  struct floor_result *r)
{
	struct arch_regs saved;
	struct site s = { 0 };
	int64_t t0, t1 = 0;
	uint64_t ip;
	int ret;

	memset(r, 0, sizeof(*r));
	t0 = bench_now_ns();
	ret = seize_stop(pid);
	if (ret)
		return ret;
	ret = arch_get_regs(pid, &saved);
	ip = arch_get_ip(&saved);
	if (!ret)
		ret = site_write(pid, ip, &s);
	if (per_call)
		t1 = bench_now_ns();
	for (int i = 0; i < calls && !ret; i++) {
		ret = one_call(pid, &saved, ip);
		if (!ret && parked)
			ret = park(pid, &saved);
	}
	if (per_call)
		r->ns = (bench_now_ns() - t1) / calls;
	site_restore(pid, &s);
	arch_set_regs(pid, &saved);
	/* From the breakpoint's stop, a detach without a signal drops the SIGTRAP. */
	ptrace(PTRACE_DETACH, pid, 0, 0);
	if (!per_call)
		r->ns = bench_now_ns() - t0;
	r->count = calls;
	r->err = ret;
	return ret;
}

int floor_attach_inject(pid_t pid, struct floor_result *r)
{
	return injected_calls(pid, 1, false, false, r);
}

int floor_round_trip(pid_t pid, int calls, bool parked, struct floor_result *r)
{
	return injected_calls(pid, calls, parked, true, r);
}
