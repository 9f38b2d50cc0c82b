// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* x86_64: register access and syscall set-up for injection. */
#include <asm/processor-flags.h>
#include <asm/unistd.h>
#include <elf.h>
#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#include "arch.h"
#include "eintr.h"
#include "kabi.h"
#include "ptimer.h"

const uint8_t arch_syscall_site[ARCH_SYSCALL_SITE_LEN] = { 0x0f, 0x05, 0xcc, 0xeb, 0xfd };
const int arch_elf_machine = EM_X86_64;
const int arch_elf_class = ELFCLASS64;
/* orig_rax and the argument registers survive the call: nothing is lost. */
const bool arch_wait_needs_snapshot = false;
/* A restart is set up from orig_rax and rax, which the injector puts back. */
const bool arch_restart_at_ip = false;

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

uint64_t arch_get_sp(const struct arch_regs *regs)
{
	return regs->r.rsp;
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

/*
 * Not with the thread's own TF, set by a program that single-steps
 * itself (or left by a debugger's step): it would trap after each of the
 * blob's instructions, and each SIGTRAP, held and handed back, would tell
 * the program of an address it never ran.  The thread gets its flags back
 * with its registers.  A syscall site needs no such care: the int3 after
 * the syscall is trapped as our breakpoint, and raises no step of its own.
 */
void arch_prep_blob_call(struct arch_regs *regs, uint64_t entry, uint64_t arg)
{
	regs->r.eflags &= ~(unsigned long long)X86_EFLAGS_TF;
	regs->r.rip = entry;
	regs->r.rdi = arg;
	regs->r.orig_rax = -1;
}

long arch_syscall_result(const struct arch_regs *regs)
{
	return (long)regs->r.rax;
}

/*
 * x86_64 decides on a restart after the stop (arch_do_signal_or_restart()
 * runs once get_signal() is back): a call to restart still shows its
 * restart code in rax.
 */
bool arch_call_returned(const struct arch_regs *regs, uint64_t call_end)
{
	long rax = (long)regs->r.rax;

	return regs->r.rip == call_end && !(rax <= -KERESTART_FIRST && rax >= -KERESTART_LAST);
}

bool arch_is_injected_trap(const siginfo_t *si, const struct arch_regs *regs,
			   uint64_t trap_end)
{
	return si->si_signo == SIGTRAP && si->si_code == ARCH_TRAP_SI_CODE &&
	       regs->r.rip == trap_end;
}

bool arch_restart_pending(const struct arch_regs *regs, const uint8_t *insn)
{
	return false;
}

void arch_skip_call(struct arch_regs *regs)
{
	regs->r.orig_rax = -1;
}

enum { X86_64_SYSCALL_INSN_LEN = 2 };

bool arch_restart_interrupted_wait(struct arch_regs *regs,
				   const struct procfs_syscall *before)
{
	/* The arguments survive the call: only rax, rcx and r11 are clobbered. */
	const uint64_t args[6] = {
		regs->r.rdi, regs->r.rsi, regs->r.rdx, regs->r.r10, regs->r.r8, regs->r.r9,
	};
	long nr = (long)regs->r.orig_rax;

	if ((long)regs->r.rax != -EINTR || !eintr_wait_forever(nr, args))
		return false;
	regs->r.rax = nr;
	regs->r.rip -= X86_64_SYSCALL_INSN_LEN;
	return true;
}
