// SPDX-License-Identifier: GPL-2.0-or-later
/* x86_64: register access and syscall set-up for injection. */
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#include "arch.h"

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
		return -EXDEV;
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

/* System calls that end with -EINTR rather than a restart code when a stop interrupts them. */
enum {
	X86_64_NR_RT_SIGTIMEDWAIT = 128,
	X86_64_NR_EPOLL_WAIT = 232,
	X86_64_NR_EPOLL_PWAIT = 281,
	X86_64_NR_EPOLL_PWAIT2 = 441,
	X86_64_SYSCALL_INSN_LEN = 2,
};

bool arch_restart_interrupted_wait(struct arch_regs *regs)
{
	long nr = (long)regs->r.orig_rax;
	bool forever;

	if ((long)regs->r.rax != -EINTR)
		return false;
	/* The arguments survive the call: only rax, rcx and r11 are clobbered. */
	switch (nr) {
	case X86_64_NR_EPOLL_WAIT:
	case X86_64_NR_EPOLL_PWAIT:
		forever = (int)regs->r.r10 < 0;
		break;
	case X86_64_NR_EPOLL_PWAIT2:
		forever = regs->r.r10 == 0;
		break;
	case X86_64_NR_RT_SIGTIMEDWAIT:
		forever = regs->r.rdx == 0;
		break;
	default:
		return false;
	}
	/* A finite wait would start its timeout afresh: leave its EINTR alone. */
	if (!forever)
		return false;
	regs->r.rax = nr;
	regs->r.rip -= X86_64_SYSCALL_INSN_LEN;
	return true;
}
