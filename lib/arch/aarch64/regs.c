// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* aarch64: register access and syscall set-up for injection. */
#include <errno.h>
#include <linux/elf.h>	/* NT_ARM_SSVE, which glibc's <elf.h> lacks */
#include <signal.h>
#include <stddef.h>
#include <string.h>
#include <sys/ptrace.h>
#include <sys/uio.h>

#include "arch.h"
#include "eintr.h"
#include "procfs.h"
#include "ptimer.h"

/* PSTATE.BTYPE (arch/arm64/include/uapi/asm/ptrace.h: PSR_BTYPE_MASK) */
#define AARCH64_PSR_BTYPE_MASK	0x00000c00ULL

const uint8_t arch_syscall_site[ARCH_SYSCALL_SITE_LEN] = {
	0x01, 0x00, 0x00, 0xd4,		/* svc #0 */
	0x00, 0x00, 0x20, 0xd4,		/* brk #0 */
};
const int arch_elf_machine = EM_AARCH64;
const int arch_elf_class = ELFCLASS64;
/* A wait's x0 is gone once it returned: see arch_restart_interrupted_wait(). */
const bool arch_wait_needs_snapshot = true;
/* restart_syscall is set up on resuming at the svc: see arch_restart_pending(). */
const bool arch_restart_at_ip = true;

static int regset(pid_t tid, int req, int type, void *buf, size_t len, size_t *got)
{
	struct iovec iov = { .iov_base = buf, .iov_len = len };

	if (ptrace(req, tid, type, &iov) < 0)
		return -errno;
	if (got)
		*got = iov.iov_len;
	return 0;
}

/*
 * Read the vector registers of @note (NT_ARM_SSVE or NT_ARM_SVE) into
 * @regs, and keep them if they are live SVE state: 1 if kept, 0 if not
 * (only the FPSIMD view, or not that mode), -errno on error.  A kernel or
 * CPU without the extension answers EINVAL or ENODEV: nothing to keep.
 */
static int get_vec_note(pid_t tid, struct arch_regs *regs, unsigned int note)
{
	const struct user_sve_header *h = (const void *)regs->vec;
	int ret;

	ret = regset(tid, PTRACE_GETREGSET, note, regs->vec, sizeof(regs->vec), NULL);
	if (ret == -EINVAL || ret == -ENODEV)
		return 0;
	if (ret)
		return ret;
	if ((h->flags & SVE_PT_REGS_MASK) != SVE_PT_REGS_SVE)
		return 0;
	if (h->size > sizeof(regs->vec))
		return -EOVERFLOW;
	regs->vec_note = note;
	regs->vec_len = h->size;
	return 1;
}

/*
 * A system call discards the SVE registers beyond their FPSIMD view (the
 * Z registers' upper bits, P and FFR) and leaves streaming mode
 * (PSTATE.SM), so an injected call would change them under a thread
 * stopped in user space: keep the live set, the streaming one if the
 * thread is in streaming mode (only then does NT_ARM_SSVE read as SVE
 * state), to put back.  ZA and ZT0 survive system calls (the kernel's
 * sme.rst), so they need nothing.  Writing the set back also sets the
 * vector length the thread gets on exec (from its inherit flag): a
 * PR_SVE_SET_VL_ONEXEC still pending, which no regset shows, is lost.
 */
static int get_vec(pid_t tid, struct arch_regs *regs)
{
	int ret;

	regs->vec_note = 0;
	regs->vec_len = 0;
	ret = get_vec_note(tid, regs, NT_ARM_SSVE);
	if (ret)
		return ret < 0 ? ret : 0;
	ret = get_vec_note(tid, regs, NT_ARM_SVE);
	return ret < 0 ? ret : 0;
}

int arch_get_regs(pid_t tid, struct arch_regs *regs)
{
	size_t got = 0;
	int ret;

	ret = regset(tid, PTRACE_GETREGSET, NT_PRSTATUS, &regs->r, sizeof(regs->r), &got);
	if (ret)
		return ret;
	/*
	 * An AArch32 (compat) task hands back the shorter 32-bit register
	 * set; the injected code is AArch64 only, so it cannot be driven.
	 */
	if (got != sizeof(regs->r))
		return -PTIMER_ERR_COMPAT;
	ret = regset(tid, PTRACE_GETREGSET, NT_ARM_SYSTEM_CALL, &regs->syscallno,
		     sizeof(regs->syscallno), NULL);
	if (ret)
		return ret;
	return get_vec(tid, regs);
}

int arch_set_regs(pid_t tid, const struct arch_regs *regs)
{
	int ret;

	ret = regset(tid, PTRACE_SETREGSET, NT_PRSTATUS, (void *)&regs->r,
		     sizeof(regs->r), NULL);
	if (ret)
		return ret;
	ret = regset(tid, PTRACE_SETREGSET, NT_ARM_SYSTEM_CALL, (void *)&regs->syscallno,
		     sizeof(regs->syscallno), NULL);
	if (ret || !regs->vec_note)
		return ret;
	return regset(tid, PTRACE_SETREGSET, regs->vec_note, (void *)regs->vec, regs->vec_len,
		      NULL);
}

uint64_t arch_get_ip(const struct arch_regs *regs)
{
	return regs->r.pc;
}

uint64_t arch_get_sp(const struct arch_regs *regs)
{
	return regs->r.sp;
}

/*
 * No system call of the thread's may be restarted into our code: the
 * kernel restarts the call NT_ARM_SYSTEM_CALL names, so that becomes -1.
 * (arm64 rewinds pc for a restart before the ptrace stop, so by then it
 * is already -1 after PTRACE_INTERRUPT; not after other stops.)  A
 * branch-target type left in PSTATE by an interrupted indirect branch
 * would fault our first instruction on a BTI-guarded page: clear it.
 * The thread's vector state goes back only with its own registers.
 */
static void prep_common(struct arch_regs *regs, uint64_t pc)
{
	regs->r.pc = pc;
	regs->r.pstate &= ~AARCH64_PSR_BTYPE_MASK;
	regs->syscallno = -1;
	/* our code needs no vector state, and a system call discards it */
	regs->vec_note = 0;
}

void arch_prep_syscall(struct arch_regs *regs, uint64_t site, long nr,
		       const uint64_t args[6])
{
	prep_common(regs, site);
	regs->r.regs[8] = nr;
	for (int i = 0; i < 6; i++)
		regs->r.regs[i] = args[i];
}

void arch_prep_blob_call(struct arch_regs *regs, uint64_t entry, uint64_t arg)
{
	prep_common(regs, entry);
	regs->r.regs[0] = arg;
}

long arch_syscall_result(const struct arch_regs *regs)
{
	return (long)regs->r.regs[0];
}

/*
 * arm64 decides on a restart before the stop (do_signal() moves pc back
 * onto the svc before get_signal()): a call to restart is not past it.
 */
bool arch_call_returned(const struct arch_regs *regs, uint64_t call_end)
{
	return regs->r.pc == call_end;
}

/*
 * brk reports TRAP_BRKPT with pc still on the brk instruction, the last
 * one of the site or blob entry: 4 bytes before @trap_end.
 */
enum { AARCH64_INSN_LEN = 4 };

bool arch_is_injected_trap(const siginfo_t *si, const struct arch_regs *regs,
			   uint64_t trap_end)
{
	return si->si_signo == SIGTRAP && si->si_code == ARCH_TRAP_SI_CODE &&
	       regs->r.pc + AARCH64_INSN_LEN == trap_end;
}

/* The ip on an svc #0: the first half of the site. */
bool arch_restart_pending(const struct arch_regs *regs, const uint8_t *insn)
{
	return !memcmp(insn, arch_syscall_site, AARCH64_INSN_LEN);
}

/* x0 stays as set: el0_svc_common() sets -ENOSYS only for a call made as -1. */
void arch_skip_call(struct arch_regs *regs)
{
	regs->syscallno = -1;
}

/*
 * A wait that a ptrace stop ended with -EINTR (lib/eintr.c) has lost its
 * first argument: the result overwrote x0, and the kernel keeps the
 * original (orig_x0) where no regset shows it.  /proc showed it just
 * before our interrupt (@before); it is that same call only if the number,
 * the other arguments, the stack pointer and the return address all
 * match.  Then put x0 back and step pc back onto the svc, which the thread
 * runs again; x8 still holds the number.
 */
bool arch_restart_interrupted_wait(struct arch_regs *regs,
				   const struct procfs_syscall *before)
{
	const __u64 *x = regs->r.regs;
	long nr = (long)x[8];

	if (!before || (long)x[0] != -EINTR || before->nr != nr ||
	    before->pc != regs->r.pc || before->sp != regs->r.sp)
		return false;
	for (int i = 1; i < 6; i++)
		if (before->args[i] != x[i])
			return false;
	if (!eintr_wait_forever(nr, before->args))
		return false;
	regs->r.regs[0] = before->args[0];
	regs->r.pc -= AARCH64_INSN_LEN;
	return true;
}
