// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* x86_64: register access and syscall set-up for injection. */
#include <asm/unistd.h>
#include <elf.h>
#include <errno.h>
#include <linux/io_uring.h>
#include <signal.h>
#include <stddef.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#include "arch.h"
#include "ptimer.h"

/* The kernel reports the int3 trap with si_code SI_KERNEL on x86. */
#define X86_TRAP_SI_CODE SI_KERNEL

const uint8_t arch_syscall_site[ARCH_SYSCALL_SITE_LEN] = { 0x0f, 0x05, 0xcc };
const int arch_elf_machine = EM_X86_64;
const int arch_elf_class = ELFCLASS64;

int arch_get_regs(pid_t tid, struct arch_regs *regs)
{
	struct iovec iov = { .iov_base = &regs->r, .iov_len = sizeof(regs->r) };

	if (ptrace(PTRACE_GETREGSET, tid, NT_PRSTATUS, &iov) < 0)
		return -errno;
	/*
	 * A compat task hands back the shorter 32-bit register set; the
	 * injected code is 64-bit only, so such a thread cannot be driven.
	 */
	if (iov.iov_len != sizeof(regs->r))
		return -PTIMER_ERR_COMPAT;
	return 0;
}

int arch_set_regs(pid_t tid, const struct arch_regs *regs)
{
	struct iovec iov = {
		.iov_base = (void *)&regs->r,
		.iov_len = sizeof(regs->r),
	};

	if (ptrace(PTRACE_SETREGSET, tid, NT_PRSTATUS, &iov) < 0)
		return -errno;
	return 0;
}

uint64_t arch_get_ip(const struct arch_regs *regs)
{
	return regs->r.rip;
}

void arch_prep_syscall(struct arch_regs *regs, uint64_t site, long nr,
		       const uint64_t args[6])
{
	regs->r.rip = site;
	regs->r.rax = nr;
	regs->r.rdi = args[0];
	regs->r.rsi = args[1];
	regs->r.rdx = args[2];
	regs->r.r10 = args[3];
	regs->r.r8 = args[4];
	regs->r.r9 = args[5];
	/*
	 * Without this, a thread stopped inside an interrupted system call
	 * would have the kernel rewind our ip by two bytes to restart it.
	 */
	regs->r.orig_rax = -1;
}

void arch_prep_blob_call(struct arch_regs *regs, uint64_t entry, uint64_t arg)
{
	regs->r.rip = entry;
	regs->r.rdi = arg;
	regs->r.orig_rax = -1;
}

long arch_syscall_result(const struct arch_regs *regs)
{
	return (long)regs->r.rax;
}

bool arch_is_injected_trap(const siginfo_t *si, const struct arch_regs *regs,
			   uint64_t trap_end)
{
	return si->si_signo == SIGTRAP && si->si_code == X86_TRAP_SI_CODE &&
	       regs->r.rip == trap_end;
}

/*
 * The system calls that end with a plain -EINTR, not a restart code, when
 * a stop interrupts them, and where each keeps its timeout.  Re-issuing
 * one is exact only when it has no timeout: a relative timeout would
 * start afresh, and what is left of it is not known.  Every other
 * blocking call (read, poll, futex, nanosleep, msgrcv, flock, ...) gets a
 * restart code that the kernel acts on by itself.
 */
enum wait_timeout {
	WAIT_NOT_LISTED,	/* left alone */
	WAIT_NO_TIMEOUT,	/* never times out */
	WAIT_MS_NEGATIVE,	/* int milliseconds, negative: no timeout */
	WAIT_TS_NULL,		/* struct timespec pointer, NULL: no timeout */
	WAIT_IO_URING,		/* flags: a wait with no extended (timeout) argument */
};

struct eintr_wait {
	unsigned char timeout;	/* enum wait_timeout */
	unsigned char arg;	/* the argument that holds it */
};

static const struct eintr_wait eintr_waits[] = {
	[__NR_semop]		= { WAIT_NO_TIMEOUT, 0 },
	[__NR_rt_sigtimedwait]	= { WAIT_TS_NULL, 2 },
	[__NR_io_getevents]	= { WAIT_TS_NULL, 4 },
	[__NR_semtimedop]	= { WAIT_TS_NULL, 3 },
	[__NR_epoll_wait]	= { WAIT_MS_NEGATIVE, 3 },
	[__NR_epoll_pwait]	= { WAIT_MS_NEGATIVE, 3 },
	[__NR_io_uring_enter]	= { WAIT_IO_URING, 3 },
	[__NR_epoll_pwait2]	= { WAIT_TS_NULL, 3 },
};

enum { X86_64_SYSCALL_INSN_LEN = 2 };

/* The arguments survive the call: only rax, rcx and r11 are clobbered. */
static uint64_t syscall_arg(const struct arch_regs *regs, unsigned int i)
{
	const uint64_t args[6] = {
		regs->r.rdi, regs->r.rsi, regs->r.rdx, regs->r.r10, regs->r.r8, regs->r.r9,
	};

	return args[i];
}

static bool waits_forever(const struct eintr_wait *w, uint64_t arg)
{
	switch (w->timeout) {
	case WAIT_NO_TIMEOUT:
		return true;
	case WAIT_MS_NEGATIVE:
		return (int)arg < 0;
	case WAIT_TS_NULL:
		return arg == 0;
	case WAIT_IO_URING:
		/*
		 * It returns -EINTR only when it submitted nothing, so a
		 * re-issue only waits again.  An extended argument may hold
		 * a timeout, in memory we do not read.
		 */
		return (arg & IORING_ENTER_GETEVENTS) && !(arg & IORING_ENTER_EXT_ARG);
	}
	return false;
}

bool arch_restart_interrupted_wait(struct arch_regs *regs)
{
	uint64_t nr = regs->r.orig_rax;
	const struct eintr_wait *w;

	if ((long)regs->r.rax != -EINTR ||
	    nr >= sizeof(eintr_waits) / sizeof(eintr_waits[0]))
		return false;
	w = &eintr_waits[nr];
	if (!waits_forever(w, syscall_arg(regs, w->arg)))
		return false;
	regs->r.rax = nr;
	regs->r.rip -= X86_64_SYSCALL_INSN_LEN;
	return true;
}
