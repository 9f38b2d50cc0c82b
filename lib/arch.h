/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * The fixed hooks every architecture provides, in lib/arch/<arch>/.
 * Generic code includes only this header and never tests the architecture.
 */
#ifndef PTIMER_ARCH_H
#define PTIMER_ARCH_H

#include <asm/unistd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "arch_regs.h"	/* struct arch_regs, ARCH_* constants */

struct procfs_syscall;

/*
 * Read the thread's general registers.  Returns -PTIMER_ERR_COMPAT when the thread
 * runs in a compat (32-bit) mode that the injection code cannot drive.
 */
int arch_get_regs(pid_t tid, struct arch_regs *regs);
int arch_set_regs(pid_t tid, const struct arch_regs *regs);

uint64_t arch_get_ip(const struct arch_regs *regs);
uint64_t arch_get_sp(const struct arch_regs *regs);

/*
 * Prepare @regs to execute a system call at @site, a copy of
 * arch_syscall_site[], and stop on the trap that follows it.  Also makes
 * sure the kernel will not treat the stop as an interrupted system call
 * to restart (x86_64: orig_rax = -1).
 */
void arch_prep_syscall(struct arch_regs *regs, uint64_t site, long nr,
		       const uint64_t args[6]);

/* Prepare @regs to run the blob entry at @entry with one argument. */
void arch_prep_blob_call(struct arch_regs *regs, uint64_t entry, uint64_t arg);

/* The system call's return value after the trap. */
long arch_syscall_result(const struct arch_regs *regs);

/*
 * Whether a thread stopped with @regs (by a ptrace interrupt) is back
 * from the system call whose instruction ends at @call_end, done and not
 * to be restarted: then its result is arch_syscall_result().  A stop
 * comes on the way back to user mode, so a call that ran to its end may
 * not have had its result stored yet.
 */
bool arch_call_returned(const struct arch_regs *regs, uint64_t call_end);

/*
 * Whether a SIGTRAP stop is the breakpoint the injected code hits, and
 * not a trap the program itself raised: the signal code and the address
 * after the breakpoint must both match.
 */
bool arch_is_injected_trap(const siginfo_t *si, const struct arch_regs *regs,
			   uint64_t trap_end);

/*
 * A few waits (epoll_wait, sigwaitinfo, semop, io_getevents, io_uring_enter)
 * return -EINTR, not a restart code, when a ptrace stop interrupts them, so
 * the program would notice the stop.  If @regs show such a wait without a
 * timeout that just returned -EINTR, turn them back to re-issue the call
 * and return true.  @before is what /proc showed of the thread's call
 * just before our interrupt, or NULL: when the result has overwritten an
 * argument (arm64: x0), only it can give that back.
 */
bool arch_restart_interrupted_wait(struct arch_regs *regs,
				   const struct procfs_syscall *before);

/*
 * Skip the system call that @regs, a thread's at the call's entry stop,
 * are about to make: the kernel then returns to user mode with @regs as
 * they are set.
 */
void arch_skip_call(struct arch_regs *regs);

/* Whether arch_restart_interrupted_wait() needs @before (else it is NULL). */
extern const bool arch_wait_needs_snapshot;

/*
 * Whether the kernel may still turn the system call at the thread's ip
 * into restart_syscall when the thread resumes with @regs, @insn being the
 * ARCH_TRAP_LEN bytes of code at the ip.  arm64 moves the ip back onto an
 * interrupted call's svc before the stop, and sets up restart_syscall
 * (for a call that returned -ERESTART_RESTARTBLOCK: nanosleep, poll with
 * a timeout, ...) only when the thread resumes right there, so the
 * injector first lets it resume there onto a trap, which must leave the
 * ip on itself.  x86_64 restarts from orig_rax and rax, which the
 * injector puts back anyway.
 */
bool arch_restart_pending(const struct arch_regs *regs, const uint8_t *insn);
/* Whether arch_restart_pending() can be true at all: else the code at the ip is not read. */
extern const bool arch_restart_at_ip;

/*
 * "syscall; breakpoint", written over the code at the injection site; its
 * breakpoint's stop leaves the ip at ARCH_TRAP_END.
 */
extern const uint8_t arch_syscall_site[ARCH_SYSCALL_SITE_LEN];

/* The in-target code blob (blob.S), copied into the injected mapping. */
extern const uint8_t arch_blob_start[];
extern const uint8_t arch_blob_end[];
extern const uint8_t arch_blob_batch[];	/* entry: run a batch */
extern const uint8_t arch_blob_walk[];	/* entry: walk the ID counter */
/* Where each entry's breakpoint leaves the ip, as ARCH_TRAP_END does the site's */
extern const uint8_t arch_blob_batch_trap_end[];
extern const uint8_t arch_blob_walk_trap_end[];
/* Just past the batch's system call instruction, before its result is stored */
extern const uint8_t arch_blob_batch_call_end[];

/*
 * System call numbers the generic code injects, as the kernel's uapi
 * header of the architecture we are built for numbers them.
 */
enum arch_syscall {
	ARCH_NR_MMAP = __NR_mmap,
	ARCH_NR_MUNMAP = __NR_munmap,
	ARCH_NR_MPROTECT = __NR_mprotect,
	ARCH_NR_PRCTL = __NR_prctl,
	ARCH_NR_GETPID = __NR_getpid,
	ARCH_NR_CLOCK_GETTIME = __NR_clock_gettime,
	ARCH_NR_TIMER_CREATE = __NR_timer_create,
	ARCH_NR_TIMER_SETTIME = __NR_timer_settime,
	ARCH_NR_TIMER_GETTIME = __NR_timer_gettime,
	ARCH_NR_TIMER_GETOVERRUN = __NR_timer_getoverrun,
	ARCH_NR_TIMER_DELETE = __NR_timer_delete,
	ARCH_NR_KILL = __NR_kill,
	ARCH_NR_TGKILL = __NR_tgkill,
};

/*
 * The ELF machine and class a target's executable must have; anything else
 * (a 32-bit program on a 64-bit kernel) is refused before attaching.
 */
extern const int arch_elf_machine;
extern const int arch_elf_class;

#endif /* PTIMER_ARCH_H */
