/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * /proc access.  A process is opened once, as a directory fd, and every
 * later read goes relative to it: if the process dies and its PID is
 * reused, reads through the old fd fail with ESRCH instead of reading the
 * newcomer.
 */
#ifndef PTIMER_PROCFS_H
#define PTIMER_PROCFS_H

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <sys/types.h>

struct procfs_status {
	char state;		/* R, S, D, T, t, Z, X, ... */
	pid_t tgid;
	pid_t ppid;		/* its parent's, numbered by this /proc; 0: not in it */
	pid_t tracer_pid;
	int seccomp;		/* 0 off, 1 strict, 2 filter; -1 unknown */
	bool kernel_thread;
	char comm[17];
	unsigned long long sig_ign;	/* SigIgn: the signals it ignores, bit N-1 for N */
};

int procfs_open(pid_t pid, int *dirfd);
/* Read a whole file below the process directory; NUL-terminated. */
int procfs_read(int dirfd, const char *name, char **buf, size_t *len);
/*
 * Files read again with the target stopped are opened once, before: a
 * read of an open file costs the stopped target no path walk and no
 * access check (/proc/PID/stat read again: about half the time of an
 * open, read and close).  Such a file reads the process the directory
 * was opened for, as a file opened through it would.  procfs_keep()
 * (procfs_keep_dir() for a directory) opens @name unless *@fd already
 * is (-1: not yet).  procfs_reread_record() reads such a file of one
 * record (single_open(): stat, status) whole, from its start.
 */
int procfs_keep(int dirfd, const char *name, int *fd);
int procfs_keep_dir(int dirfd, const char *name, int *fd);
int procfs_reread_record(int fd, char **buf, size_t *len);
/* The same for a file of many records (maps), to its end. */
int procfs_reread(int fd, char **buf, size_t *len);
int procfs_read_status(int dirfd, struct procfs_status *st);
/*
 * The soft RLIMIT_NOFILE of the process, from its limits file ("Max open
 * files"), which any user may read: a descriptor number it can have is
 * below it.
 */
int procfs_nofile(int dirfd, unsigned long long *soft);
/*
 * SigQ of status: the signals queued for the process's real user (POSIX
 * timers count too, each holding one ready), and the process's own
 * RLIMIT_SIGPENDING, which a queue entry may not take the count past.
 */
int procfs_sigq(int dirfd, unsigned long long *queued, unsigned long long *limit);
/*
 * The thread ids in creation order, the leader first, as the kernel keeps
 * them, from one read of /proc/PID/task.  -EAGAIN when the leader does not
 * come first (the group changed under the read).  A thread that exits
 * during the read may be missing; once every thread is stopped, the list
 * is exact.
 */
int procfs_list_threads(int dirfd, pid_t pid, pid_t **tids, size_t *n);
/* The same list, from @taskfd: task/, kept (procfs_keep_dir()). */
int procfs_list_tids(int taskfd, pid_t pid, pid_t **tids, size_t *n);
/*
 * What a read of stat, kept open as @statfd, tells of the process: the
 * signals it ignores (SIG_IGN, field 33), and a stamp of its memory: the
 * fields that come from its mm (26-28 and 45-51: where its code, stack,
 * data, heap, arguments and environment lie).  An exec gives the process
 * new memory, and new values there (randomised addresses, other
 * arguments), so a file kept open on the old memory (maps) is known stale.
 */
#define PROCFS_MM_STAMP_FIELDS	10

struct procfs_stat {
	unsigned long long sig_ign;
	bool mm_known;		/* all ten fields read (Linux 3.5 on) */
	unsigned long long mm[PROCFS_MM_STAMP_FIELDS];
};

int procfs_reread_stat(int statfd, struct procfs_stat *st);
/*
 * Whether thread @tid has a pending signal that it does not block and
 * that the program does not ignore (SIG_IGN, or SIG_DFL where the
 * default is to ignore, or, in an @init of a pid namespace, SIG_DFL but
 * for SIGKILL and SIGSTOP): one whose delivery would interrupt a wait.
 */
int procfs_thread_has_deliverable_signal(int dirfd, pid_t tid, bool init, bool *yes);
/*
 * Whether the kernel drops signal @sig once thread @tid dequeues it, as it
 * would have dropped it unsent had the thread not been traced: by the same
 * rules as procfs_thread_has_deliverable_signal().
 */
int procfs_signal_dropped(int dirfd, pid_t tid, int sig, bool init, bool *yes);
/* The signals pending for thread @tid: its own queue's and the process's. */
int procfs_thread_pending(int dirfd, pid_t tid, unsigned long long *pending);
/*
 * Thread @tid's id in its own (innermost) pid namespace: the last NSpid
 * field.  The same id where the kernel has no NSpid line (before 4.1).
 */
int procfs_ns_tid(int dirfd, pid_t tid, pid_t *ns_tid);
/*
 * The same, and @levels, the number of NSpid fields: 1 when the thread's
 * namespace is that of this /proc, more when it is nested below it.
 */
int procfs_nspid(int dirfd, pid_t tid, pid_t *ns_tid, int *levels);
/* Whether thread @tid has exited or is exiting (PF_EXITING), as far as /proc shows. */
bool procfs_thread_exiting(int dirfd, pid_t tid);
/* Our own pid, as the /proc that @dirfd (a /proc/PID) is in numbers it. */
int procfs_self_pid(int dirfd, pid_t *pid);
/* The CPU thread @tid last ran on (stat field 39). */
int procfs_thread_cpu(int dirfd, pid_t tid, int *cpu);
/* The start time of the process, in clock ticks since boot (stat field 22), from @statfd. */
int procfs_start_time(int statfd, unsigned long long *ticks);
/* Whether the executable is an ELF of the given machine and class. */
int procfs_exe_matches(int dirfd, int machine, int elf_class);

/* task/TID of the process directory, as a directory fd, or -errno (procfs_task.c). */
int procfs_open_task(int dirfd, pid_t tid);
/* The status of thread @tid, from task/TID/status. */
int procfs_thread_status(int dirfd, pid_t tid, struct procfs_status *st);
/*
 * What task/TID/syscall shows of a thread blocked in a system call: its
 * number, arguments, stack pointer and the ip after the call.  nr is -1
 * when the thread is in none (or running).
 */
struct procfs_syscall {
	long nr;
	uint64_t args[6];
	uint64_t sp, pc;
};
int procfs_thread_syscall(int dirfd, pid_t tid, struct procfs_syscall *sc);
/*
 * What @tid waits in: its wchan symbol ("?" if unknown) and the number of
 * the system call it is in (-1: none, or not readable).
 */
int procfs_thread_wait(int dirfd, pid_t tid, char *wchan, size_t size, long *nr);

#endif
