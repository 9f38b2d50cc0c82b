/* SPDX-License-Identifier: GPL-2.0-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/* What the ptimerctl subcommands share. */
#ifndef PTIMERCTL_CLI_H
#define PTIMERCTL_CLI_H

#include <argp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <sys/types.h>

#include "exit_codes.h"
#include "ptimer.h"
#include "ptimer-private.h"

struct cli {
	struct ptimer_ctx *ctx;
	int verbosity;		/* -1 quiet, 0 normal, 1+ verbose */
	const char *subcommand;
	unsigned int timeout_ms;	/* --timeout; 0: the library's default */
};

extern struct cli cli;

/* Subcommands: argc/argv start at the subcommand's name. */
int cmd_dump(int argc, char **argv);
int cmd_show(int argc, char **argv);
int cmd_check(int argc, char **argv);
int cmd_restore(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_list(int argc, char **argv);
int cmd_diff(int argc, char **argv);

/*
 * Standard error (stderr.c): @len bytes, in order; while a target is held
 * (cli_stderr_hold()), never blocking: what stderr does not take at once
 * waits until the hold ends.  After a terminating signal, never blocking
 * either: what it does not take is dropped, so that ptimerctl ends with
 * the status it owes.  cli_stderr_try() writes a progress frame only if
 * it can go out whole at once, in order, and says whether it did.
 */
void cli_stderr_write(const char *s, size_t len);
bool cli_stderr_try(const char *s, size_t len);
void cli_stderr_hold(bool on);

/* "ptimerctl: <what>: <strerror>", with the library's detail when it has one. */
void cli_error(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cli_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The exit code for a library error, per ptimerctl(1) EXIT STATUS. */
int cli_exit_code(int err);
/* Report a library failure and return its exit code. */
int cli_fail(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* When a restore into @pid failed with -EAGAIN: name RLIMIT_SIGPENDING and how to raise it. */
void cli_hint_sigpending(pid_t pid, size_t ntimers, size_t nsigs);
/*
 * @src with every byte outside printable ASCII, and a backslash that
 * starts "\x", written as \xHH (util-linux's convention), so that a
 * process name cannot drive the terminal.  @dst holds 4 * strlen(@src) + 1
 * bytes; a shorter one truncates between escapes.  Returns @dst.
 */
char *cli_escape(char *dst, size_t size, const char *src);
/* The process name (comm) of a dump or probe, escaped: 16 bytes at most, each 4. */
#define CLI_COMM_ESCAPED_SIZE (16 * 4 + 1)
/* A field of /proc/PID/status ("Tgid", "Uid", "SigQ"), its value after the blanks. */
int cli_proc_status(pid_t pid, const char *key, char *val, size_t len);

/* Misuse: the message, then "Try 'ptimerctl SUB --help'"; exits EXIT_USAGE. */
void cli_usage_error(struct argp_state *state, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));
/* A PID argument: digits only, 1..INT_MAX. */
pid_t cli_parse_pid(struct argp_state *state, const char *arg);
/* --tid-map's OLD:NEW[,OLD:NEW...] into *@map (freed first), or a usage error. */
void cli_parse_tid_map(struct argp_state *state, const char *arg, struct ptimer_tid_map **map,
		       size_t *n);
/* The same without exiting: NULL and *@pid set, or why not, in @buf. */
const char *cli_pid_problem(const char *arg, pid_t *pid, char *buf, size_t size);
/* The one PID argument of a subcommand: a second one is misuse. */
void cli_take_pid(struct argp_state *state, pid_t *pid, const char *arg);
/* Run a subcommand's argp over argv; exits EXIT_USAGE on misuse. */
void cli_parse(const struct argp *argp, int argc, char **argv, void *input);

/*
 * Keep only the capabilities ptimerctl uses, before touching a target:
 * CAP_SYS_PTRACE, and CAP_SYS_ADMIN when one of @pids runs under seccomp
 * and !@keep_seccomp, to suspend the filter.  *@seccomp_flags gets the
 * library's PTIMER_DUMP_SUSPEND_SECCOMP, PTIMER_DUMP_KEEP_SECCOMP (asked
 * for), or 0: then the library refuses a target under a filter.
 */
int cli_drop_capabilities(const pid_t *pids, int npids, bool keep_seccomp,
			  unsigned int *seccomp_flags);
/* The --keep-seccomp option, shared by the subcommands that attach. */
#define CLI_OPT_KEEP_SECCOMP 0x200
#define CLI_KEEP_SECCOMP_OPTION \
	{ "keep-seccomp", CLI_OPT_KEEP_SECCOMP, NULL, 0, \
	  "Let the target's seccomp filter judge injected calls (default: suspend it)", 0 }

/*
 * The --kinds=LIST option of dump, show, restore and migrate: kind names
 * (ptimer_kind_name()) separated by commas, or "all".  An unknown name is
 * a usage error naming it.
 */
#define CLI_OPT_KINDS 0x201
#define CLI_KINDS_OPTION \
	{ "kinds", CLI_OPT_KINDS, "LIST", 0, \
	  "Only these kinds of timer: posix,itimer,timerfd,signals or all (the default)", 0 }
unsigned int cli_parse_kinds(struct argp_state *state, const char *arg);

/*
 * Where -o writes; ptimerctl(1) documents the rules.  "-" is stdout.  A
 * regular file, or a name that does not exist yet, is written to a new
 * 0600 file beside it that cli_output_commit() renames over it, so that a
 * failure leaves the old file alone; a symbolic link there is replaced,
 * never written through.  Anything else (a terminal, /dev/null, a FIFO,
 * one of ptimerctl's own descriptors as /dev/stdout or /dev/fd/N name
 * them, or a symbolic link to one of those) is written through, as tee(1)
 * does.  cli_output_open() settles whether the output can be written, with
 * the privileges the rename will have: call it after
 * cli_drop_capabilities() and before touching a target.
 */
struct cli_output {
	FILE *f;
	const char *path;
	char *tmp;		/* the temporary file renamed to @path, or NULL */
	bool complete;		/* @tmp holds the whole document; only its rename failed */
};

int cli_output_open(struct cli_output *out, const char *path);
/*
 * A stream over @out's descriptor (@fd holds it) whose writes a terminating
 * signal stops once the output takes no more at once (output.c);
 * cli_output_unguard() flushes and closes it, 0 or -errno (-EINTR then).
 */
FILE *cli_output_guard(struct cli_output *out, int *fd);
int cli_output_unguard(FILE *g);
/*
 * @dump, whose timers stay disarmed in @pid, kept in a new file of its own
 * in $TMPDIR (else /tmp), 0600: its name (to free), or NULL if it could
 * not be kept.
 */
char *cli_keep_dump(const struct ptimer_dump *dump, pid_t pid);
/* Say that @pid's timers stay disarmed, and where their dump is (@kept, freed), if anywhere. */
void cli_say_disarmed(pid_t pid, char *kept);
/*
 * Flush, and rename a file into place.  On failure (-errno) the temporary
 * file is gone, unless only the rename failed (@complete); call
 * cli_output_abort() or cli_output_keep() then.
 */
int cli_output_commit(struct cli_output *out);
/* Give up: close, and remove the temporary file. */
void cli_output_abort(struct cli_output *out);
/* Give up but keep the temporary file; returns its name (free it) or NULL. */
char *cli_output_keep(struct cli_output *out);
/* "stdout" or the quoted path, for messages. */
const char *cli_output_name(const struct cli_output *out, char *buf, size_t len);
/* Flush stdout after printing to it; an error is reported and gives EXIT_FAILURE_GENERIC. */
int cli_finish_stdout(void);
/*
 * Before a live read whose result goes to stdout: whether stdout can
 * take it (open for writing; a pipe or socket with a reader), said and
 * EXIT_FAILURE_GENERIC if not, so that no process is touched for output
 * that cannot be written.
 */
int cli_check_stdout(void);
/* Read and decode a dump document ("-" is stdin); returns an exit code. */
int cli_load_dump(const char *path, struct ptimer_dump **dump);
/* Read a whole file ("-" is stdin), at most @limit bytes. */
int cli_read_input(const char *path, size_t limit, char **buf, size_t *len);

/*
 * restore --verify: dump @pid without changing it and compare it with
 * @dump through the same thread mapping (diff's rules and default
 * tolerance); the differences go to stderr.  EXIT_OK when they match,
 * EXIT_FAILURE_GENERIC when not, another exit code for a failure.
 */
int cli_verify_restore(const struct ptimer_dump *dump, pid_t pid,
		       const struct ptimer_tid_map *tid_map, size_t ntid_map,
		       unsigned int seccomp_flags);

/* Encode @dump, write it to @out and commit it; -errno, @out left to the caller then. */
int cli_write_dump(const struct ptimer_dump *dump, struct cli_output *out, bool pretty);

/*
 * Signals (signals.c).  cli_signals_init() installs the handlers; between
 * cli_hold_begin() and cli_hold_end() ptimerctl holds a target, and a
 * terminating signal only sets cli_interrupted (its number), which the
 * library polls.  ptimerctl(1) SIGNALS documents the rules.
 */
extern volatile sig_atomic_t cli_interrupted;
void cli_signals_init(void);
/* PTIMER_STOP_AT, a test aid (stop_at.c). */
void cli_stop_at_init(void);
void cli_hold_begin(void);
void cli_hold_end(void);
/* "SIGINT", for messages. */
const char *cli_signal_name(int sig);
/* Report an operation that a signal interrupted; returns EXIT_INTERRUPTED. */
int cli_interrupted_exit(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

void cli_format_ns(char *buf, size_t len, int64_t ns);
/* A clock for people: "monotonic", a CPU clock as "process_cpu:42" or "thread_cpu:self". */
void cli_clock_label(char *buf, size_t len, int clockid);
/* A duration for people: "26 us", "1.5 s", "22.0 min". */
void cli_format_duration(char *buf, size_t len, int64_t ns);

#endif
