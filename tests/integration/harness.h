/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * Shared code for the integration tests: start a victim (tests/helpers/
 * victim.c) and talk to it, run ptimerctl and capture what it prints, and
 * read /proc.  Every wait has a deadline, and every process started here
 * dies with the test: children get PR_SET_PDEATHSIG(SIGKILL), and
 * harness_kill_all() (call it from a test's .fini) kills and reaps
 * whatever is left, stopped or not.
 */
#ifndef PTIMER_TEST_HARNESS_H
#define PTIMER_TEST_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include <json-c/json.h>

#include "time_scale.h"

/*
 * Deadlines against hangs, not speed limits: a wait ends as soon as what
 * it waits for happens, so a long deadline costs time only when something
 * is broken, and a short one fails on a loaded machine under ASan.
 */
#define HARNESS_TIMEOUT_MS	30000	/* default for one victim answer */
#define HARNESS_RUN_TIMEOUT_MS	60000	/* default for one ptimerctl run */
#define VICTIM_WAKE_SIG		63	/* reserved by the victim */

/* CLOCK_MONOTONIC in ns, @ms (times the scale) from now. */
int64_t harness_deadline(int ms);

/* Exit codes of ptimerctl (cmd/exit_codes.h), repeated to stay independent. */
enum {
	PX_OK = 0, PX_GENERIC = 1, PX_USAGE = 2, PX_NO_PROCESS = 3,
	PX_PERMISSION = 4, PX_UNSUPPORTED = 5, PX_ZOMBIE = 6,
	PX_KERNEL_THREAD = 7, PX_COMPAT = 8, PX_TRACED = 9, PX_BAD_INPUT = 10,
	PX_COLLISION = 11, PX_INTERRUPTED = 12, PX_TARGET_DIED = 13, PX_TIMEOUT = 14,
};

/* Paths from the environment the Makefile sets, with build/ fallbacks. */
const char *ptimerctl_path(void);
const char *helper_path(const char *name);	/* static buffer */

/*
 * In a child just forked from @parent: die with it (PR_SET_PDEATHSIG), and
 * exit 127 at once if it is already gone.
 */
void harness_die_with_parent(pid_t parent);
/*
 * In a child forked as root: drop every supplementary group and become
 * @uid, with a gid of the same number.  False (errno set) if refused.  A
 * change of ids clears the parent-death signal: call
 * harness_die_with_parent() after it.
 */
bool harness_become(uid_t uid);

/*
 * prctl(PR_TIMER_CREATE_RESTORE_IDS): Linux 6.15 and later, or a kernel
 * with kernel-patch/.  Without it the victim walks to the IDs it is asked
 * for (as far as it can), and a test that needs the prctl itself skips
 * with the reason: harness_need_restore_ids(), or victim_spawn() when the
 * victim could not do without it.
 */
bool harness_have_restore_ids(void);
/*
 * Whether the kernel drops a disarmed POSIX timer's queued signal at
 * delivery (Linux 6.13), as libptimer's probe finds: what a migrated
 * source delivers of its own queue depends on it.  Tests that a signal
 * comes exactly once where ptimerctl puts it do not.
 */
bool harness_stale_signals_dropped(void);
void harness_need_restore_ids(void);
/* The victim's restore_ids (STATE) with the mode off: 0, or -1 without the prctl. */
long long harness_restore_ids_off(void);

/* ---- the victim ---- */

struct victim {
	pid_t pid;
	int to_fd;			/* its stdin */
	int from_fd;			/* its stdout */
	bool ready;			/* READY seen */
	char error[512];		/* why not ready (its ERROR line, or ours) */
	int error_errno;		/* errno= of its ERROR line, or 0 */
	char woke[512];			/* a WOKE line seen while reading */
	char rbuf[1 << 16];
	size_t rlen;
};

/*
 * Start the victim with these arguments (NULL-terminated) and wait for
 * READY.  Returns NULL only if fork fails; otherwise check ->ready and
 * ->error.  The victim is registered for harness_kill_all().
 */
struct victim *victim_start(const char *arg, ...) __attribute__((sentinel));
struct victim *victim_startv(const char *const *args);
/* The victim as user @uid ((uid_t)-1: as we are), dropping root's ids. */
struct victim *victim_startv_as(uid_t uid, const char *const *args);
/*
 * Any program that speaks the victim protocol (argv[0] a path), as @uid
 * when that is not (uid_t)-1: stdin and stdout on pipes, ->ready once its
 * first line is "READY".
 */
struct victim *victim_spawn(const char *const *argv, uid_t uid);
/* Kill (SIGKILL, even if stopped), reap and free.  NULL is fine. */
void victim_kill(struct victim *v);
/* Send "exit" and reap; returns the exit status or -1. */
int victim_exit(struct victim *v);

/* Read one line into @line; skips nothing.  0, -ETIMEDOUT or -EPIPE. */
int victim_read_line(struct victim *v, char *line, size_t size, int timeout_ms);
/* Send @cmd and read its one-line answer (WOKE lines are put aside). */
int victim_cmd(struct victim *v, const char *cmd, char *line, size_t size);
/* How many signals @signo the victim's handler has taken ("sigcount"); asserts it answers. */
long long victim_sigcount(struct victim *v, int signo);
/*
 * Send @cmd and collect lines up to "END".  On success *lines is a
 * NULL-terminated array to free with strv_free(); returns the count.
 */
int victim_cmd_list(struct victim *v, const char *cmd, char ***lines);
void strv_free(char **lines);
/* Send "wake" (unless @send is false) and wait for the WOKE line. */
int victim_wake(struct victim *v, bool send, char *line, size_t size, int timeout_ms);

/* Values from "key=value" pairs in a line.  False when the key is absent. */
bool kv_str(const char *line, const char *key, char *out, size_t size);
bool kv_ll(const char *line, const char *key, long long *val);
bool kv_hex(const char *line, const char *key, unsigned long long *val);
/* How many times @needle occurs in @hay, without overlapping. */
int str_count(const char *hay, const char *needle);
/*
 * Ask @cmd every few ms until the @key of its answer is at least @n, for
 * at most @ms: a victim's counter that a signal, handled later, moves.
 * 0, -ETIMEDOUT, -EPROTO when the answer has no @key, or victim_cmd()'s.
 */
int victim_wait_count(struct victim *v, const char *cmd, const char *key,
		      long long n, int ms);

struct vstate {
	unsigned long long maps, sigmask, sigpnd, shdpnd;
	long long eintr, signals, cb, wakes, threads, restore_ids;
	char masks[1024];		/* SigBlk of every known thread */
};
int victim_state(struct victim *v, struct vstate *st);

/* "tids": main, workers, busy threads, control thread; returns count. */
int victim_tids(struct victim *v, pid_t *tids, int max);
/* "alltids": /proc/self/task of the victim, in readdir order. */
int victim_alltids(struct victim *v, pid_t *tids, int max);

struct vtimer {
	int id;
	int clockid;
	char notify[16];
	int signo;
	unsigned long long sigval;
	int tid;			/* the pid or tid /proc/PID/timers names */
	long long value_ns, interval_ns, overrun;
	long long expiry_ns;		/* on its clock, from the victim; -1 unknown */
};
/* The victim's own view of its timers (/proc/self/timers + timer_gettime). */
int victim_timers(struct victim *v, struct vtimer *out, int max);
const struct vtimer *vtimer_find(const struct vtimer *t, int n, int id);

/* ---- running ptimerctl and other programs ---- */

struct run_result {
	int exit_code;			/* -1 when killed by a signal */
	int term_sig;
	bool timed_out;
	char *out;			/* NUL-terminated, never NULL after a run */
	size_t out_len;
	char *err;
	size_t err_len;
};

struct run_opts {
	int timeout_ms;			/* 0: HARNESS_RUN_TIMEOUT_MS */
	uid_t uid;			/* used when as_user */
	gid_t gid;
	bool as_user;
};

/* Run argv[0] (a path) with @argv; 0 when it ran, -errno otherwise. */
int run_argv(struct run_result *r, const struct run_opts *o, const char *const *argv);
/* ptimerctl with these arguments (NULL-terminated). */
int run_ptimerctl(struct run_result *r, const char *arg, ...) __attribute__((sentinel));
int run_ptimerctl_opts(struct run_result *r, const struct run_opts *o,
		       const char *arg, ...) __attribute__((sentinel));
void run_result_free(struct run_result *r);
/* A short description for assertion messages: exit code and stderr. */
const char *run_describe(const struct run_result *r);

/* ---- /proc ---- */

/* A numeric field of /proc/PID/status; -1 when it cannot be read. */
long proc_status_long(pid_t pid, const char *key);
/*
 * A hexadecimal field of /proc/PID/status (a signal set: SigPnd is the
 * main thread's own queue, ShdPnd the process's); false when it cannot be
 * read.
 */
bool proc_status_hex(pid_t pid, const char *key, unsigned long long *out);
/* The State letter of /proc/PID/status ('R', 'S', 'T', 't', 'Z', ...), 0 on error. */
char proc_state(pid_t pid);
static inline long proc_tracer_pid(pid_t pid)
{
	return proc_status_long(pid, "TracerPid");
}
/*
 * The system call that @tid of @pid sleeps in, from /proc/PID/task/TID/
 * syscall (its number, or restart_syscall's when the kernel resumes a
 * sleep with a timeout), and its pc if @pc; -1 while it runs, or outside
 * any system call.
 */
long long proc_sleeping_syscall(pid_t pid, pid_t tid, unsigned long long *pc);
/* Wait until @tid of @pid sleeps in system call @nr; false on timeout. */
bool proc_wait_syscall(pid_t pid, pid_t tid, long long nr, unsigned long long *pc,
		       int timeout_ms);
/* Wait until proc_state(pid) is one of @states; false on timeout. */
bool proc_wait_state(pid_t pid, const char *states, int timeout_ms);
/* How many descriptors @pid holds (asserts that /proc/PID/fd reads). */
int proc_count_fds(pid_t pid);
/* The threads of @pid from /proc/PID/task, in readdir order, at most @max; -errno. */
int proc_tids(pid_t pid, pid_t *tids, int max);
/* How many POSIX timers /proc/PID/timers lists (asserts that it reads). */
int proc_count_timers(pid_t pid);

/* ---- misc ---- */

int64_t clock_ns(clockid_t clk);
void sleep_ms(long ms);
/* Fork a child that exits at once and is reaped: a pid nobody holds. */
pid_t reaped_pid(void);
/* Register or forget a pid that harness_kill_all() must kill and reap. */
void harness_track(pid_t pid);
void harness_untrack(pid_t pid);
/* Kill and reap every process this harness started; for .fini. */
void harness_kill_all(void);

/* ---- dump documents ---- */

/* Parse ptimerctl's JSON; NULL on a syntax error. */
json_object *json_parse_text(const char *text);
/* The timers[] entry with this id, or NULL. */
json_object *dump_timer(json_object *root, int id);
bool json_get_int64(json_object *obj, const char *key, int64_t *val);
/* The string of @key, or NULL (also when the value is null). */
const char *json_get_str(json_object *obj, const char *key);
/* Whether @key is present with a JSON null value. */
bool json_is_null_member(json_object *obj, const char *key);

#endif
