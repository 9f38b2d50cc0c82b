/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * Facts of the kernel's ABI that libptimer relies on, written once.  The
 * uapi headers of an older libc may lack some of them, and a few are not
 * in any uapi header at all (the CPU-clock encoding, the id space).
 */
#ifndef PTIMER_KABI_H
#define PTIMER_KABI_H

/*
 * A raw system call returns -MAX_ERRNO..-1 for a failure
 * (include/linux/err.h).  First, for the blob.S files to include.
 */
#define KMAX_ERRNO	4095

#ifndef __ASSEMBLER__
#include <linux/ioctl.h>
#include <signal.h>
#include <stdint.h>

#include "ptimer.h"

/* Clock ids (include/uapi/linux/time.h). */
enum kclock {
	KCLOCK_REALTIME = 0,
	KCLOCK_MONOTONIC = 1,
	KCLOCK_PROCESS_CPUTIME_ID = 2,
	KCLOCK_THREAD_CPUTIME_ID = 3,
	KCLOCK_MONOTONIC_RAW = 4,
	KCLOCK_REALTIME_COARSE = 5,
	KCLOCK_MONOTONIC_COARSE = 6,
	KCLOCK_BOOTTIME = 7,
	KCLOCK_REALTIME_ALARM = 8,
	KCLOCK_BOOTTIME_ALARM = 9,
	KCLOCK_TAI = 11,
	KCLOCK_MAX = 16,
};

/*
 * A negative clock id is a CPU clock, ((~pid) << 3) | (thread ? 4 : 0) |
 * which, or, when which is 3, a dynamic posix clock (CLOCKFD), which has
 * no timers (include/linux/posix-timers_types.h).
 */
#define KCPUCLOCK_SHIFT		3
#define KCPUCLOCK_PERTHREAD	4
#define KCPUCLOCK_WHICH_MASK	3
#define KCPUCLOCK_CLOCKFD	3

/*
 * The size of a siginfo, which rt_sigtimedwait() writes whole and
 * rt_sigqueueinfo() reads whole (SI_MAX_SIZE, include/uapi/asm-generic/
 * siginfo.h); glibc's siginfo_t is as large, so arrays of it are laid out
 * as the kernel reads them.
 */
#define KSI_MAX_SIZE	128
_Static_assert(sizeof(siginfo_t) == KSI_MAX_SIZE, "siginfo_t is the kernel's siginfo");

/* sigev_notify values (include/uapi/asm-generic/siginfo.h). */
enum ksigev {
	KSIGEV_SIGNAL = 0,
	KSIGEV_NONE = 1,
	KSIGEV_THREAD = 2,
	KSIGEV_THREAD_ID = 4,
};

/*
 * What an interrupted system call returns for the kernel to restart it,
 * never seen by the program (include/linux/errno.h): ERESTARTSYS,
 * ERESTARTNOINTR, ERESTARTNOHAND, ENOIOCTLCMD, ERESTART_RESTARTBLOCK.
 */
#define KERESTART_FIRST		512
#define KERESTART_LAST		516

/* The kernel's signal numbers: 1..64, the real-time ones from 32. */
#define KSIGRTMIN	32
#define KSIGMAX		64

/*
 * Signal @sig's bit in the kernel's 64-bit sigset (bit sig - 1), as
 * rt_sigprocmask(), PTRACE_{GET,SET}SIGMASK and the Sig* lines of
 * /proc/PID/status have it.
 */
static inline uint64_t ksig_bit(int sig)
{
	return 1ULL << (sig - 1);
}

/*
 * The signals whose default action is to do nothing, signal(7)'s "Ign":
 * the kernel's SIG_KERNEL_IGNORE_MASK (include/linux/signal.h), the same
 * numbers on every architecture we build for.  Left at SIG_DFL, such a
 * signal is dropped when sent (sig_handler_ignored(), kernel/signal.c)
 * or, if it was queued all the same, when dequeued (get_signal():
 * "Default is nothing").
 */
static inline uint64_t ksig_default_ignored(void)
{
	return ksig_bit(SIGCHLD) | ksig_bit(SIGCONT) | ksig_bit(SIGURG) | ksig_bit(SIGWINCH);
}

/*
 * The signals a thread's own instruction raises: a breakpoint, a fault,
 * a system call trapped by seccomp (SECCOMP_RET_TRAP) or by syscall user
 * dispatch.  The kernel raises them with force_sig_*(), which, when the
 * signal is blocked or ignored, sets its action to SIG_DFL for the whole
 * process (force_sig_info_to_task()) before any tracer sees it.
 */
static inline uint64_t ksig_forced(void)
{
	return ksig_bit(SIGTRAP) | ksig_bit(SIGSEGV) | ksig_bit(SIGBUS) | ksig_bit(SIGILL) |
	       ksig_bit(SIGFPE) | ksig_bit(SIGSYS);
}

/*
 * Timer ids run from 0 to INT_MAX; the per-process counter that hands
 * them out wraps back to 0 (kernel/time/posix-timers.c).  The public
 * header states it for the callers of a walk.
 */
#define KTIMER_ID_SPACE	((int64_t)PTIMER_ID_SPACE)

/*
 * Syscall user dispatch (Linux 5.11, prctl PR_SET_SYSCALL_USER_DISPATCH;
 * Wine's): a thread's system calls made outside one region of its code
 * trap with SIGSYS unless its selector byte says ALLOW.  A tracer reads
 * the setting since Linux 6.4; uapi/linux/ptrace.h and prctl.h there,
 * which older headers lack.
 */
#define KPTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG	0x4211
#define KPR_SYS_DISPATCH_ON			1
#define KSYSCALL_DISPATCH_FILTER_ALLOW		0

struct ksud_config {
	uint64_t mode;
	uint64_t selector;
	uint64_t offset;
	uint64_t len;
};

/*
 * PROCMAP_QUERY (Linux 6.11, include/uapi/linux/fs.h): an ioctl of
 * /proc/PID/maps that answers which mapping holds an address, or the
 * next one from it with the flags asked for, without formatting the text
 * of every mapping.  Older kernels answer ENOTTY.  VMA_SHARED is
 * VM_MAYSHARE, the 's' of the text.
 */
struct kprocmap_query {
	uint64_t size;
	uint64_t query_flags;
	uint64_t query_addr;
	uint64_t vma_start;
	uint64_t vma_end;
	uint64_t vma_flags;
	uint64_t vma_page_size;
	uint64_t vma_offset;
	uint64_t inode;
	uint32_t dev_major;
	uint32_t dev_minor;
	uint32_t vma_name_size;
	uint32_t build_id_size;
	uint64_t vma_name_addr;
	uint64_t build_id_addr;
};

#define KPROCMAP_QUERY				_IOWR('f', 17, struct kprocmap_query)
#define KPROCMAP_QUERY_VMA_EXECUTABLE		0x04
#define KPROCMAP_QUERY_VMA_SHARED		0x08
#define KPROCMAP_QUERY_COVERING_OR_NEXT_VMA	0x10

/* task_struct flags as /proc/PID/stat field 9 shows them. */
#define KPF_EXITING	0x00000004
#define KPF_KTHREAD	0x00200000

/* The public enums are numbered as the kernel numbers them. */
_Static_assert((int)PTIMER_NOTIFY_SIGNAL == KSIGEV_SIGNAL &&
	       (int)PTIMER_NOTIFY_NONE == KSIGEV_NONE &&
	       (int)PTIMER_NOTIFY_THREAD == KSIGEV_THREAD &&
	       (int)PTIMER_NOTIFY_THREAD_ID == KSIGEV_THREAD_ID,
	       "enum ptimer_notify is the kernel's SIGEV_*");
_Static_assert((int)PTIMER_CPU_SCHED < KCPUCLOCK_CLOCKFD, "CPU clock kinds below CLOCKFD");

#endif /* !__ASSEMBLER__ */
#endif
