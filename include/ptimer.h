/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * libptimer: checkpoint and restore the POSIX interval timers of a live
 * process, keeping their timer IDs.
 *
 * Every function that can fail returns 0 (or a count) on success and a
 * negative errno value on failure.  The library never prints and never
 * exits; diagnostics go to the log function installed with
 * ptimer_set_log_fn().
 */
#ifndef PTIMER_H
#define PTIMER_H

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/*
 * On a function whose result says whether it worked: ignoring it is a bug
 * the compiler should report.  (A cast to void does not silence GCC.)
 */
#if defined(__GNUC__) || defined(__clang__)
#define PTIMER_MUST_CHECK __attribute__((warn_unused_result))
#else
#define PTIMER_MUST_CHECK
#endif

/* The dump format version this library writes, and the newest it reads. */
#define PTIMER_FORMAT_VERSION 2

/* prctl(PR_TIMER_CREATE_RESTORE_IDS) from Linux 6.15; older uapi headers lack it. */
#define PTIMER_PR_TIMER_CREATE_RESTORE_IDS	77
#define PTIMER_PR_RESTORE_IDS_OFF		0
#define PTIMER_PR_RESTORE_IDS_ON		1
#define PTIMER_PR_RESTORE_IDS_GET		2

/*
 * Largest dump document ptimer_dump_from_json() accepts, in bytes: room
 * for 262144 timers (more than RLIMIT_SIGPENDING lets a user have by
 * default) at 512 bytes each, which a pretty-printed timer of any kind
 * stays under, and 16 MiB for the rest: 144 MiB.
 */
#define PTIMER_JSON_MAX_BYTES	((16u << 20) + (262144u * 512u))

struct ptimer_ctx;

/* Log priorities follow syslog(3): LOG_ERR = 3 ... LOG_DEBUG = 7. */
typedef void (*ptimer_log_fn)(struct ptimer_ctx *ctx, int priority,
			      const char *file, int line, const char *fn,
			      const char *format, va_list args);

PTIMER_MUST_CHECK int ptimer_new(struct ptimer_ctx **ctx);
void ptimer_free(struct ptimer_ctx *ctx);
void ptimer_set_log_fn(struct ptimer_ctx *ctx, ptimer_log_fn fn);
void ptimer_set_log_priority(struct ptimer_ctx *ctx, int priority);
int ptimer_get_log_priority(struct ptimer_ctx *ctx);
void ptimer_set_userdata(struct ptimer_ctx *ctx, void *userdata);
void *ptimer_get_userdata(struct ptimer_ctx *ctx);

/*
 * Ask live operations to stop: the library polls *@flag while it holds a
 * target (seizing, between injected steps, between walk chunks) and, once
 * it is non-zero, undoes what it did, lets the target go and returns
 * -EINTR.  Set it from a signal handler.  NULL turns polling off.
 */
void ptimer_set_interrupt(struct ptimer_ctx *ctx, volatile sig_atomic_t *flag);

/*
 * How long one wait on the target may last, in milliseconds: for every
 * thread to stop when seizing, and for injected code to trap.  Past it the
 * operation is undone and returns -ETIMEDOUT.  0 restores the default.
 * A thread only slow to stop when seizing is waited for up to 10 s more,
 * once the others are let go, and let go from its stop as they are; one
 * that never stopped stays attached to the caller until the caller exits,
 * when the kernel lets it go: should it leave what held it before then (a
 * vfork() parent whose child execs), it stops, and stays stopped until
 * then.  Meanwhile a caller that waits with waitpid(-1, ..., __WALL) may
 * see its stop, and another operation on that process finds it traced.
 * A thread that must be seen to stop before it can be let go unharmed (in
 * injected code, or resumed to park after it) is waited for as long as
 * that takes.  Undoing gives a run
 * that got nowhere twice the time, up to 16 s.
 */
#define PTIMER_DEFAULT_TIMEOUT_MS 5000
void ptimer_set_timeout(struct ptimer_ctx *ctx, unsigned int timeout_ms);
unsigned int ptimer_get_timeout(struct ptimer_ctx *ctx);

/*
 * The moments of a live operation at which the application may look at,
 * or act on, what the library does (progress, tests that signal the tool
 * at a known point).  The callback must not call back into @ctx.
 */
enum ptimer_phase {
	PTIMER_PHASE_ATTACHED = 0,	/* every thread seized and stopped */
	PTIMER_PHASE_INJECTING,		/* scratch mapping in place, nothing changed yet */
	PTIMER_PHASE_READ,		/* dump: every value read, about to let go */
	PTIMER_PHASE_CREATED,		/* restore: timers created, not yet armed */
	PTIMER_PHASE_ARMED,		/* restore: timers armed, about to let go */
	PTIMER_PHASE_WALK,		/* restore: a walk chunk done */
	PTIMER_PHASE_RELEASED,		/* the target was let go */
	PTIMER_PHASE_COUNT,
};
typedef void (*ptimer_phase_fn)(struct ptimer_ctx *ctx, enum ptimer_phase phase);
void ptimer_set_phase_fn(struct ptimer_ctx *ctx, ptimer_phase_fn fn);
/* "attached", "injecting", ...; NULL for an unknown value. */
const char *ptimer_phase_name(enum ptimer_phase phase);

/*
 * The last error's detail: for a decode error the JSON field path and what
 * was wrong ("timers[3].clockid: expected integer"); for a live operation
 * the step that failed ("timer_create id 7 in pid 42").  Valid until the
 * next call on @ctx.
 */
const char *ptimer_last_error(struct ptimer_ctx *ctx);

/*
 * Errors of libptimer's own.  Functions return them negated, as they
 * return -errno, and ptimer_strerror() names both kinds.  An errno value
 * always means what the kernel means by it (-ESRCH: no such process,
 * -EPERM: not permitted, -EINTR: interrupted, -ETIMEDOUT: a wait ran out,
 * -EAGAIN: a resource limit such as RLIMIT_SIGPENDING); these say what
 * no errno says.  They start past every errno value, as libmount's do.
 */
enum ptimer_error {
	PTIMER_ERR_BASE = 5000,
	PTIMER_ERR_ZOMBIE = PTIMER_ERR_BASE,	/* the process is a zombie */
	PTIMER_ERR_KERNEL_THREAD,	/* the process is a kernel thread */
	PTIMER_ERR_COMPAT,		/* it runs 32-bit (compat) code */
	PTIMER_ERR_TRACED,		/* a thread of it already has a tracer */
	PTIMER_ERR_NOT_LEADER,		/* the pid is a thread of another process */
	PTIMER_ERR_SECCOMP,		/* under a seccomp filter we may not suspend */
	PTIMER_ERR_ID_IN_USE,		/* a dumped timer ID exists in the target */
	PTIMER_ERR_BAD_DUMP,		/* the dump is invalid, or does not fit the target */
	PTIMER_ERR_WALK_TOO_LONG,	/* the walk is longer than the caller allows */
	PTIMER_ERR_TARGET_DIED,		/* the target exited during the operation */
	PTIMER_ERR_END,
};

/* "the process is a zombie", or strerror() for an errno value; @err may be negated. */
const char *ptimer_strerror(int err);

/* Notification modes, numbered as the kernel's SIGEV_* values. */
enum ptimer_notify {
	PTIMER_NOTIFY_SIGNAL = 0,
	PTIMER_NOTIFY_NONE = 1,
	PTIMER_NOTIFY_THREAD = 2,
	PTIMER_NOTIFY_THREAD_ID = 4,
};

/* The CPU clock sample kinds, numbered as the kernel's CPUCLOCK_* values. */
enum ptimer_cpu_which {
	PTIMER_CPU_PROF = 0,
	PTIMER_CPU_VIRT = 1,
	PTIMER_CPU_SCHED = 2,
};

/*
 * The data structs, struct ptimer_timer and struct ptimer_dump, stay
 * transparent: programs index dump->timers[] and read the fields, and
 * every test and ptimerctl itself does.  Their layout is therefore frozen
 * for as long as the soname is libptimer.so.1: no field is added, removed,
 * moved or resized, the fixed-size strings included.  A later field goes
 * behind a new accessor function instead.  A struct ptimer_dump is only
 * ever allocated by the library (ptimer_dump_new(), ptimer_dump_pid(),
 * ptimer_dump_from_json()), never by the caller, which leaves the library
 * room behind it; struct ptimer_timer values are copied by
 * ptimer_dump_add_timer().
 *
 * The option and report structs below grow instead, as openat2(2)'s
 * struct open_how and clone3(2)'s struct clone_args do: each starts with
 * a size that the party who allocates it sets to sizeof (the caller for
 * options and reports it passes in, the library for what it hands to a
 * callback).  The library accepts every size from the first version's
 * (the *_SIZE_VER0 constants) up: from a larger struct than it knows it
 * takes an option only if every byte past its own end is zero and
 * otherwise fails with -E2BIG, as openat2() does; into a larger report
 * it writes what it knows and zeroes the rest.  Fields are only ever
 * appended, and a zero in a new field means what the old behaviour meant.
 * This was chosen over opaque objects with accessors because ptimerctl,
 * the tests and the benchmark set these as designated initializers, which
 * stay readable, and because the check costs one comparison.
 */

/* One timer, as the kernel holds it. */
struct ptimer_timer {
	int id;			/* the kernel timer ID (timer_t)	*/
	int clockid;		/* raw, signed kernel clock id		*/
	int notify;		/* enum ptimer_notify			*/
	int signo;		/* sigev_signo				*/
	uint64_t sigval;	/* sigev_value, as the raw 64 bits	*/
	int notify_pid;		/* pid (or tid for THREAD_ID) in the dump's pid namespace */
	int64_t value_ns;	/* time left; 0 means disarmed		*/
	int64_t interval_ns;	/* reload interval; 0 means one-shot	*/
	int overrun;		/* timer_getoverrun() at dump time	*/
};

/* A process's timers and the context a restore needs to interpret them. */
struct ptimer_dump {
	int version;		/* PTIMER_FORMAT_VERSION when produced here */
	pid_t pid;
	char comm[17];
	char kernel_release[65];
	char arch[17];
	int restore_ids_state;	/* prctl GET: 0 or 1; -1 when not supported */
	int64_t realtime_ns;	/* capture timestamps: stopped, just before the values */
	int64_t monotonic_ns;
	int64_t boottime_ns;
	size_t nthreads;	/* leader first, then by creation order */
	pid_t *tids;
	size_t ntimers;		/* ascending by id */
	struct ptimer_timer *timers;
};

PTIMER_MUST_CHECK struct ptimer_dump *ptimer_dump_new(void);
void ptimer_dump_free(struct ptimer_dump *dump);
PTIMER_MUST_CHECK
int ptimer_dump_add_timer(struct ptimer_dump *dump, const struct ptimer_timer *t);
void ptimer_dump_sort(struct ptimer_dump *dump);

/* Name tables, indexed by value.  NULL when the value has no name. */
const char *ptimer_clock_name(int clockid);
const char *ptimer_notify_name(int notify);
const char *ptimer_signal_name(int signo);	/* "SIGUSR1", "SIGRTMIN+3" */
PTIMER_MUST_CHECK int ptimer_clock_from_name(const char *name);	/* -EINVAL when unknown */
PTIMER_MUST_CHECK int ptimer_notify_from_name(const char *name);
PTIMER_MUST_CHECK int ptimer_signal_from_name(const char *name);
const char *ptimer_cpu_which_name(int which);	/* "prof", "virt", "sched" */
PTIMER_MUST_CHECK int ptimer_cpu_which_from_name(const char *name);

/*
 * CPU-clock encoding: clockid = ((~pid) << 3) | (thread ? 4 : 0) | which.
 * ptimer_cpu_clock_make() takes pids below 2^28 (PID_MAX_LIMIT is 2^22);
 * check the range first, since its -EINVAL is itself a negative clock id.
 */
bool ptimer_clock_is_cpu(int clockid);
PTIMER_MUST_CHECK
int ptimer_cpu_clock_make(pid_t pid, bool thread, enum ptimer_cpu_which which);
pid_t ptimer_cpu_clock_pid(int clockid);	/* 0 means "the caller" */
bool ptimer_cpu_clock_is_thread(int clockid);
enum ptimer_cpu_which ptimer_cpu_clock_which(int clockid);
/* Whether timer_create() accepts @clockid at all (a static check). */
bool ptimer_clock_valid_for_timer(int clockid);

/*
 * Parse the text of /proc/PID/timers.  Strict: every record must carry the
 * four keys ID, signal, notify and ClockID once each.  On error returns
 * -EINVAL and, when @err_line is not NULL, the 1-based line that failed.
 * Values and overruns are left zero; they need the live process.
 */
PTIMER_MUST_CHECK int ptimer_parse_proc_timers(const char *text, size_t len,
			     struct ptimer_dump *dump, unsigned int *err_line);

/* JSON codec.  @pretty selects indented output. */
PTIMER_MUST_CHECK
int ptimer_dump_to_json(struct ptimer_ctx *ctx, const struct ptimer_dump *dump,
			bool pretty, char **out);
/*
 * Decode and validate a dump document.  On -PTIMER_ERR_BAD_DUMP, ptimer_last_error()
 * names the field path.  Unknown fields are ignored; a missing required
 * field, a wrong type, an out-of-range value or a newer version is an error.
 */
PTIMER_MUST_CHECK
int ptimer_dump_from_json(struct ptimer_ctx *ctx, const char *text, size_t len,
			  struct ptimer_dump **dump);

/*
 * Every kind of timer a process has (LIBPTIMER_1.1).  A dump carries some
 * of them; ptimer_set_kinds() says which ones the live operations on a
 * context handle.
 */
enum ptimer_kind {
	PTIMER_KIND_POSIX = 1 << 0,	/* timer_create(2) timers */
	PTIMER_KIND_ITIMER = 1 << 1,	/* setitimer(2): real, virtual, prof */
	PTIMER_KIND_TIMERFD = 1 << 2,	/* timerfd_create(2) descriptors */
	PTIMER_KIND_SIGNALS = 1 << 3,	/* queued SI_TIMER signals */
	PTIMER_KIND_ALL = 0xf,
};

/*
 * Which kinds ptimer_dump_pid(), ptimer_restore_pid() and
 * ptimer_rearm_pid() on @ctx handle; PTIMER_KIND_ALL by default.  -EINVAL
 * for 0 or an unknown bit.  A restore handles the kinds both the context
 * and the dump have.
 */
int ptimer_set_kinds(struct ptimer_ctx *ctx, unsigned int kinds);
unsigned int ptimer_get_kinds(struct ptimer_ctx *ctx);
/* One bit to "posix", "itimer", "timerfd" or "signals"; NULL otherwise. */
const char *ptimer_kind_name(unsigned int kind);
PTIMER_MUST_CHECK int ptimer_kind_from_name(const char *name);	/* the bit, or -EINVAL */

/*
 * An interval timer: setitimer(2).  Only armed ones are dumped; value_ns
 * 0 with an interval is an ITIMER_REAL that expired with its SIGALRM
 * pending, which the kernel re-arms when that signal is dequeued.
 */
struct ptimer_itimer {
	int which;		/* ITIMER_REAL, ITIMER_VIRTUAL, ITIMER_PROF */
	int64_t value_ns;	/* time left (CPU time for virtual/prof) */
	int64_t interval_ns;
};

/*
 * A timerfd, as /proc/PID/fdinfo shows it.  For a TFD_TIMER_ABSTIME timer
 * value_ns is still the time left: a restore arms it absolute again at
 * "now + value_ns" on its clock, keeping TFD_TIMER_CANCEL_ON_SET.
 */
struct ptimer_timerfd {
	int fd;			/* descriptor number in the target */
	int clockid;		/* CLOCK_REALTIME, _MONOTONIC, _BOOTTIME, _REALTIME_ALARM, _BOOTTIME_ALARM */
	unsigned int settime_flags;	/* TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET */
	unsigned int fd_flags;	/* O_NONBLOCK | O_CLOEXEC (TFD_NONBLOCK, TFD_CLOEXEC) */
	uint64_t ticks;		/* expirations not yet read */
	int64_t value_ns;	/* time left; 0 = disarmed */
	int64_t interval_ns;
};

/* A queued timer signal (si_code SI_TIMER), not yet delivered. */
struct ptimer_pending_signal {
	pid_t tid;		/* thread queue: the tid (one of dump->tids); 0: the process queue */
	int signo;
	int timerid;		/* si_timerid */
	int overrun;		/* si_overrun */
	uint64_t sigval;	/* si_value, the raw 64 bits */
};

const char *ptimer_itimer_name(int which);	/* "real", "virtual", "prof"; NULL otherwise */
PTIMER_MUST_CHECK int ptimer_itimer_from_name(const char *name);	/* -EINVAL when unknown */

/*
 * The other kinds of a dump, behind accessors since struct ptimer_dump is
 * frozen.  ptimer_dump_kinds() says which kinds the dump carries: a kind
 * it carries with no entries means "there were none"; a kind it does not
 * carry is left alone by a restore.  A version-1 document carries
 * PTIMER_KIND_POSIX only, and so does a new dump until a kind is added
 * (each ptimer_dump_add_*() adds its kind) or set.
 */
unsigned int ptimer_dump_kinds(const struct ptimer_dump *dump);
void ptimer_dump_set_kinds(struct ptimer_dump *dump, unsigned int kinds);
const struct ptimer_itimer *ptimer_dump_itimers(const struct ptimer_dump *dump, size_t *n);
const struct ptimer_timerfd *ptimer_dump_timerfds(const struct ptimer_dump *dump, size_t *n);
const struct ptimer_pending_signal *ptimer_dump_signals(const struct ptimer_dump *dump, size_t *n);
PTIMER_MUST_CHECK
int ptimer_dump_add_itimer(struct ptimer_dump *dump, const struct ptimer_itimer *it);
PTIMER_MUST_CHECK
int ptimer_dump_add_timerfd(struct ptimer_dump *dump, const struct ptimer_timerfd *tfd);
PTIMER_MUST_CHECK
int ptimer_dump_add_signal(struct ptimer_dump *dump, const struct ptimer_pending_signal *sig);

/* Live operations. */
enum ptimer_dump_flags {
	/*
	 * Read and disarm atomically (migrate): POSIX timers, interval
	 * timers and timerfds.  Queued timer signals are read first; the
	 * disarm leaves them stale, so that the kernel drops them.
	 */
	PTIMER_DUMP_DISARM = 1 << 0,
	/* 1 << 1 is retired: it was a benchmark knob, now private. */
	/*
	 * If the target runs under seccomp, suspend its filter while we inject
	 * (PTRACE_O_SUSPEND_SECCOMP; needs CAP_SYS_ADMIN).  Without it the
	 * filter judges the injected calls as it would the program's own.
	 */
	PTIMER_DUMP_SUSPEND_SECCOMP = 1 << 2,
	/*
	 * Work on a target under seccomp with its filter in force, taking the
	 * risk that it kills the process for an injected call.  With neither
	 * this nor PTIMER_DUMP_SUSPEND_SECCOMP such a target is refused with
	 * -PTIMER_ERR_SECCOMP before anything is attached.
	 */
	PTIMER_DUMP_KEEP_SECCOMP = 1 << 3,
};

struct ptimer_dump_stats {
	size_t size;			/* set by the caller: sizeof(struct ptimer_dump_stats) */
	int64_t stopped_ns;		/* from the first seize to the last detach */
	unsigned int injected_syscalls;	/* syscalls run inside the target */
	unsigned int round_trips;	/* ptrace resumptions of the target */
};
#define PTIMER_DUMP_STATS_SIZE_VER0	24


PTIMER_MUST_CHECK int ptimer_dump_pid(struct ptimer_ctx *ctx, pid_t pid, unsigned int flags,
		    struct ptimer_dump **dump, struct ptimer_dump_stats *stats);

/* Restore. */
enum ptimer_method {
	PTIMER_METHOD_AUTO = 0,		/* the prctl if the target's kernel has it, else the walk */
	PTIMER_METHOD_PRCTL = 1,	/* exact IDs through PR_TIMER_CREATE_RESTORE_IDS */
	PTIMER_METHOD_WALK = 2,		/* walk the sequential ID counter inside the target */
	PTIMER_METHOD_LOOP = PTIMER_METHOD_WALK,	/* its first name; kept for old sources */
};

enum ptimer_time_mode {
	PTIMER_TIME_FROZEN = 0,		/* arm with the dumped remaining time */
	PTIMER_TIME_DEADLINE = 1,	/* subtract the time elapsed since the dump */
};

struct ptimer_tid_map {
	pid_t from;	/* a tid (or pid) as the dump names it */
	pid_t to;	/* the thread (or process) in the target */
};

struct ptimer_plan {
	size_t size;			/* sizeof(struct ptimer_plan): by the caller for
					   ptimer_restore_pid()'s @plan, by the library
					   for the on_plan callback */
	enum ptimer_method method;	/* the method chosen */
	size_t ntimers;
	uint64_t walk_steps;		/* timer creations the walk needs */
	bool walk_steps_exact;		/* false: a lower bound (dry run) */
	double ns_per_step;		/* measured by calibration; 0 if none */
	int64_t estimate_ns;
	pid_t inject_tid;		/* the thread the timers are created from */
};
#define PTIMER_PLAN_SIZE_VER0	64


/* Handed to the on_progress callback; the library sets size. */
struct ptimer_progress {
	size_t size;			/* sizeof(struct ptimer_progress) as the library knows it */
	uint64_t steps_done;
	uint64_t steps_total;
	size_t timers_done;
	size_t ntimers;
	int64_t elapsed_ns;
};
#define PTIMER_PROGRESS_SIZE_VER0	48

/* All zero but size means: auto method, frozen time, default tid mapping, nothing else. */
struct ptimer_restore_opts {
	size_t size;			/* set by the caller: sizeof(struct ptimer_restore_opts) */
	enum ptimer_method method;
	enum ptimer_time_mode time;
	const struct ptimer_tid_map *tid_map;	/* overrides the default mapping */
	size_t ntid_map;
	bool replace;			/* re-arm or delete target timers whose IDs collide */
	bool dry_run;			/* validate and plan; attach nothing */
	bool suspend_seccomp;		/* as PTIMER_DUMP_SUSPEND_SECCOMP */
	bool keep_seccomp;		/* as PTIMER_DUMP_KEEP_SECCOMP */
	uint64_t max_steps;		/* most walk steps allowed; 0 = no limit */
	/* Called once the plan is known, before anything is created; non-zero aborts. */
	int (*on_plan)(void *data, const struct ptimer_plan *plan);
	/* Called between walk chunks (about every 0.1 s); non-zero aborts. */
	int (*on_progress)(void *data, const struct ptimer_progress *progress);
	void *data;			/* passed to on_plan and on_progress */
};
#define PTIMER_RESTORE_OPTS_SIZE_VER0	72

/*
 * Timer IDs run from 0 to INT_MAX and the kernel's counter wraps: a walk
 * to an ID behind the counter goes round all of them, up to this many
 * steps, then on to the highest ID wanted.  With replace and the walk, a max_steps below it refuses the
 * restore before the attach (-PTIMER_ERR_WALK_TOO_LONG), since a replaced
 * ID is always behind the counter.
 */
#define PTIMER_ID_SPACE		2147483648ULL

struct ptimer_restore_stats {
	size_t size;			/* set by the caller: sizeof(struct ptimer_restore_stats) */
	int64_t stopped_ns;
	unsigned int injected_syscalls;
	unsigned int round_trips;
	uint64_t walk_steps;
};
#define PTIMER_RESTORE_STATS_SIZE_VER0	32

/*
 * Recreate @dump's timers in @pid with the same IDs.  Everything is
 * validated before the target is attached; on any failure every timer
 * created so far is deleted, replaced timers are put back, the target's
 * prctl state is restored and the target runs on.  -PTIMER_ERR_BAD_DUMP:
 * the dump is invalid or does not fit the target (an unmapped tid);
 * -PTIMER_ERR_ID_IN_USE: an ID is in use, a dumped fd is open and not a
 * timerfd of the same clock, or a dumped interval timer is armed; -EINTR: aborted;
 * -PTIMER_ERR_WALK_TOO_LONG: the walk is longer than max_steps (a dry run:
 * its lower bound), or (before the attach) replacing by a walk would need
 * more steps than it allows;
 * -EOPNOTSUPP: the prctl was asked for and is missing, or the target ignores
 * SIGTRAP (which injecting would reset); -PTIMER_ERR_TARGET_DIED: the target
 * exited part-way.
 */
PTIMER_MUST_CHECK
int ptimer_restore_pid(struct ptimer_ctx *ctx, pid_t pid, const struct ptimer_dump *dump,
		       const struct ptimer_restore_opts *opts, struct ptimer_plan *plan,
		       struct ptimer_restore_stats *stats);

/*
 * Re-arm timers that a PTIMER_DUMP_DISARM dump left disarmed in @pid,
 * with the values the dump recorded (the undo of a failed migration):
 * every kind the dump carries and the context handles, the timerfds at
 * their descriptors, and the dump's pending signals queued again (the
 * disarm left the originals stale).  A timer the program deleted or
 * closed since, or one on the CPU clock of a thread that has exited, is
 * passed over with a warning, as is the signal of a deleted POSIX timer;
 * a dump the kernel would refuse, -PTIMER_ERR_BAD_DUMP before any attach.
 * Being an undo, each of its waits has at least PTIMER_DEFAULT_TIMEOUT_MS,
 * or the context's timeout if longer.
 * @seccomp_flags: PTIMER_DUMP_SUSPEND_SECCOMP or PTIMER_DUMP_KEEP_SECCOMP.
 */
PTIMER_MUST_CHECK
int ptimer_rearm_pid(struct ptimer_ctx *ctx, pid_t pid, const struct ptimer_dump *dump,
		     unsigned int seccomp_flags);

/* What the running kernel offers, probed by behaviour, not by version. */
struct ptimer_kernel_probe {
	size_t size;		/* set by the caller: sizeof(struct ptimer_kernel_probe) */
	bool proc_timers;	/* /proc/PID/timers exists */
	bool restore_ids;	/* prctl(PR_TIMER_CREATE_RESTORE_IDS) answers GET */
	char release[65];
	char machine[65];
};
#define PTIMER_KERNEL_PROBE_SIZE_VER0	144


PTIMER_MUST_CHECK int ptimer_probe_kernel(struct ptimer_kernel_probe *probe);

/* What ptimerctl could do with one process; nothing is attached. */
struct ptimer_pid_probe {
	size_t size;		/* set by the caller: sizeof(struct ptimer_pid_probe) */
	int open_error;		/* why the process cannot be worked on, or 0 */
	char comm[17];
	char state;
	pid_t tracer_pid;
	int seccomp;		/* 0 off, 1 strict, 2 filter, -1 unknown */
	bool may_trace;		/* ptrace attach permission (PTRACE_MODE_ATTACH) */
	bool timers_readable;
	size_t ntimers;
	size_t nthreads;
};
#define PTIMER_PID_PROBE_SIZE_VER0	64

PTIMER_MUST_CHECK
int ptimer_probe_pid(struct ptimer_ctx *ctx, pid_t pid, struct ptimer_pid_probe *probe);

#ifdef __cplusplus
}
#endif

#endif /* PTIMER_H */
