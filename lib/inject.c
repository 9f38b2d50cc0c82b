// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* System calls and code blobs run inside a seized thread. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/uio.h>
#include <unistd.h>
#include <linux/rseq.h>

#include "inject.h"
#include "internal.h"
#include "kabi.h"
#include "procfs.h"
#include "procfs_maps.h"

/* A raw syscall's return in -MAX_ERRNO..-1 is an error, as blob.S also tests. */
static bool syscall_failed(long r)
{
	return r < 0 && r >= -KMAX_ERRNO;
}

/*
 * The target's page size (arm64 kernels run 4, 16 or 64 KiB pages): its
 * kernel is ours, which told us in our auxv (AT_PAGESZ).  The target's
 * own /proc/PID/auxv says the same, but is a 0400 file of the target's
 * user, which root without CAP_DAC_OVERRIDE cannot open.
 */
static int target_page_size(struct injector *in)
{
	unsigned long page = getauxval(AT_PAGESZ);

	if (!page || (page & (page - 1)))
		return -ENODATA;
	in->page = page;
	return 0;
}

static size_t page_align(struct injector *in, size_t len)
{
	return (len + in->page - 1) & ~(in->page - 1);
}

/*
 * Data goes through process_vm_readv/writev, which the kernel allows to
 * whoever may ptrace-attach the target: that is all the privilege we
 * hold.  /proc/PID/mem would also need file access to a 0600 file of the
 * target's user, which root without CAP_DAC_OVERRIDE lacks.  The calls
 * honour page protections, so they only touch our own scratch mapping,
 * or the stack.
 */
static int vm_write(struct injector *in, uint64_t addr, const void *buf, size_t len)
{
	struct iovec local = { .iov_base = (void *)buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };
	ssize_t done;

	if (!len)
		return 0;
	done = process_vm_writev(in->tid, &local, 1, &remote, 1, 0);
	if (done < 0)
		return -errno;
	return (size_t)done == len ? 0 : -EIO;
}

/* @n pieces of the target into @n buffers, in one call. */
static int vm_readv(struct injector *in, const struct iovec *local, const struct iovec *remote,
		    unsigned long n)
{
	size_t len = 0;
	ssize_t done;

	for (unsigned long i = 0; i < n; i++)
		len += local[i].iov_len;
	if (!len)
		return 0;
	done = process_vm_readv(in->tid, local, n, remote, n, 0);
	if (done < 0)
		return -errno;
	return (size_t)done == len ? 0 : -EIO;
}

static int vm_read(struct injector *in, uint64_t addr, void *buf, size_t len)
{
	struct iovec local = { .iov_base = buf, .iov_len = len };
	struct iovec remote = { .iov_base = (void *)(uintptr_t)addr, .iov_len = len };

	return vm_readv(in, &local, &remote, 1);
}

/*
 * A small job's data region is a few hundred bytes of stack, which a job
 * fills in several writes and reads back in several reads.  Each is a
 * system call made while the target waits, so they go through an image
 * of the region instead: the writes land in it, and go to the target in
 * one call before the next run (image_flush()); the first read after a
 * run reads the whole region back in one call.
 */
static bool in_image(const struct injector *in, uint64_t addr, size_t len)
{
	return in->image && addr >= in->data && len <= in->data_len &&
	       addr - in->data <= in->data_len - len;
}

static int image_flush(struct injector *in)
{
	int ret;

	if (in->dirty_from >= in->dirty_to)
		return 0;
	ret = vm_write(in, in->data + in->dirty_from, in->image + in->dirty_from,
		       in->dirty_to - in->dirty_from);
	in->dirty_from = in->data_len;
	in->dirty_to = 0;
	return ret;
}

int inject_write(struct injector *in, uint64_t addr, const void *buf, size_t len)
{
	size_t off = addr - in->data;

	if (!in_image(in, addr, len))
		return vm_write(in, addr, buf, len);
	memcpy(in->image + off, buf, len);
	if (off < in->dirty_from)
		in->dirty_from = off;
	if (off + len > in->dirty_to)
		in->dirty_to = off + len;
	return 0;
}

int inject_read(struct injector *in, uint64_t addr, void *buf, size_t len)
{
	int ret;

	if (!in_image(in, addr, len))
		return vm_read(in, addr, buf, len);
	if (!in->image_read) {
		/* Written bytes first, so that the read brings them back too. */
		ret = image_flush(in);
		if (!ret)
			ret = vm_read(in, in->data, in->image, in->data_len);
		if (ret)
			return ret;
		in->image_read = true;
	}
	memcpy(buf, in->image + (addr - in->data), len);
	return 0;
}

/*
 * The code at the thread's ip is read-only: only ptrace's own peek and
 * poke write through that protection (as a debugger's breakpoint does).
 * The site never crosses a word boundary it does not own: we go word by
 * word, and on a write put back each byte we do not mean to change.
 * @to_target: copy @buf into the target, else the target into @buf.
 */
static int copy_code(struct injector *in, uint64_t addr, uint8_t *buf, size_t len,
		     bool to_target)
{
	const size_t word = sizeof(long);

	for (uint64_t at = addr & ~(uint64_t)(word - 1); at < addr + len; at += word) {
		uint8_t bytes[sizeof(long)];
		long w;

		errno = 0;
		w = ptrace(PTRACE_PEEKTEXT, in->tid, at, 0);
		if (errno)
			return -errno;
		memcpy(bytes, &w, word);
		for (size_t k = 0; k < word; k++) {
			if (at + k < addr || at + k >= addr + len)
				continue;
			if (to_target)
				bytes[k] = buf[at + k - addr];
			else
				buf[at + k - addr] = bytes[k];
		}
		if (!to_target)
			continue;
		memcpy(&w, bytes, word);
		if (ptrace(PTRACE_POKETEXT, in->tid, at, w) < 0)
			return -errno;
	}
	return 0;
}

static int poke_code(struct injector *in, uint64_t addr, const uint8_t *buf, size_t len)
{
	return copy_code(in, addr, (uint8_t *)buf, len, true);
}

static int peek_code(struct injector *in, uint64_t addr, uint8_t *buf, size_t len)
{
	return copy_code(in, addr, buf, len, false);
}

/*
 * A thread stopped inside a restartable sequence's critical section was
 * preempted, and must abort the sequence when it runs on: the kernel
 * decides that on its return to user mode, from its ip and the rseq_cs
 * pointer of its rseq area.  Before Linux 6.19 it reads the descriptor
 * that pointer names whenever the pointer is set, also long after the
 * section is left (a program need not clear it), and checks the
 * signature before its abort handler: a bad one is the thread's
 * SIGSEGV.  Our code runs at our ip, and may have its few bytes written
 * over that signature.  So the pointer is 0 while our code runs, and
 * holds its own value again whenever the thread parks in its own
 * registers, as the kernel then finds it when the thread runs on (CRIU
 * puts it back at dump time, by other means).
 */
static int find_rseq_cs(struct injector *in)
{
	struct __ptrace_rseq_configuration conf = { 0 };

	/* EIO before Linux 5.13, which had rseq but not this request: left as it was. */
	if (ptrace(PTRACE_GET_RSEQ_CONFIGURATION, in->tid, sizeof(conf), &conf) < 0)
		return errno == EIO ? 0 : -errno;
	/* 0: not registered */
	if (conf.rseq_abi_pointer)
		in->rseq_area = conf.rseq_abi_pointer + offsetof(struct rseq, rseq_cs);
	return 0;
}

/* The thread's rseq_cs pointer read as @ptr: one to hide and put back, unless 0. */
static void found_rseq_cs(struct injector *in, uint64_t ptr)
{
	in->rseq_read = true;
	in->rseq_cs = ptr;
}

/*
 * Before the thread first runs our code.  A small job has it read with
 * what it borrows (read_borrowed()), one call less.
 */
static int read_rseq_cs(struct injector *in)
{
	uint64_t ptr;
	int ret;

	if (in->rseq_read || !in->rseq_area)
		return 0;
	ret = vm_read(in, in->rseq_area, &ptr, sizeof(ptr));
	if (!ret)
		found_rseq_cs(in, ptr);
	return ret;
}

static int hide_rseq_cs(struct injector *in)
{
	const uint64_t none = 0;
	int ret;

	if (!in->rseq_cs || in->rseq_hidden)
		return 0;
	ret = vm_write(in, in->rseq_area, &none, sizeof(none));
	in->rseq_hidden = !ret;
	return ret;
}

static int put_rseq_cs(struct injector *in)
{
	int ret;

	if (!in->rseq_hidden)
		return 0;
	ret = vm_write(in, in->rseq_area, &in->rseq_cs, sizeof(in->rseq_cs));
	in->rseq_hidden = ret != 0;
	return ret;
}

/*
 * A thread under syscall user dispatch traps each system call made
 * outside its region with SIGSYS, which our mask blocks: the kernel
 * forces it through, resetting the thread's SIGSYS handler to SIG_DFL
 * for good.  So while our code runs its selector says ALLOW, and the
 * thread gets its own byte back whenever it parks.  The setting itself
 * is not switched off instead: setting it again would forget that the
 * thread is inside its SIGSYS handler, whose rt_sigreturn would trap.
 * With no selector to set, the thread is refused.
 */
static int find_dispatch(struct injector *in)
{
	struct ksud_config cfg;

	/*
	 * EIO before Linux 6.4: it cannot be told.  EINVAL from a kernel
	 * built without generic entry code (arm64), which has no syscall
	 * user dispatch at all; our size is the one it would check.
	 */
	if (ptrace(KPTRACE_GET_SYSCALL_USER_DISPATCH_CONFIG, in->tid, sizeof(cfg), &cfg) < 0)
		return errno == EIO || errno == EINVAL ? 0 : -errno;
	if (cfg.mode != KPR_SYS_DISPATCH_ON)
		return 0;
	if (!cfg.selector)
		return -EOPNOTSUPP;
	in->sud_selector = cfg.selector;
	return vm_read(in, cfg.selector, &in->sud_saved, sizeof(in->sud_saved));
}

static int allow_dispatch(struct injector *in)
{
	const uint8_t allow = KSYSCALL_DISPATCH_FILTER_ALLOW;
	int ret;

	if (!in->sud_selector || in->sud_allowed || in->sud_saved == allow)
		return 0;
	ret = vm_write(in, in->sud_selector, &allow, sizeof(allow));
	in->sud_allowed = !ret;
	return ret;
}

static int put_dispatch(struct injector *in)
{
	int ret;

	if (!in->sud_allowed)
		return 0;
	ret = vm_write(in, in->sud_selector, &in->sud_saved, sizeof(in->sud_saved));
	in->sud_allowed = ret != 0;
	return ret;
}

/*
 * The mask our code runs with: every signal blocked, so that no handler
 * of the target runs in the middle of it, but those its instructions can
 * raise (ksig_forced()).  The breakpoint that ends our code raises a
 * SIGTRAP with force_sig(), and a fault of our code, or a call trapped
 * by a kept seccomp filter (SECCOMP_RET_TRAP), its own signal the same
 * way; the kernel forces a blocked (or ignored) one through by setting
 * its action to SIG_DFL for the whole process: the target would lose its
 * handler to the injection.  Unblocked, a handled or default one is left
 * alone, and a fault is never delivered (fault_parked()); an ignored
 * SIGTRAP is refused before (target.c).  Such a signal sent to the
 * process while our code runs can then reach it: it is held and put back
 * (hold_signal(), requeue_held()).
 */
#define RUN_SIGMASK	(~0ULL & ~ksig_forced())

static int set_sigmask(struct injector *in, uint64_t mask)
{
	if (ptrace(PTRACE_SETSIGMASK, in->tid, sizeof(mask), &mask) < 0)
		return -errno;
	return 0;
}

/*
 * From a PTRACE_INTERRUPT stop: the thread's own mask, rseq_cs, selector
 * and, last, registers, so that it never runs its own code with ours.
 */
static int restore_own_state(struct injector *in)
{
	int ret;

	ret = set_sigmask(in, in->saved_sigmask);
	if (!ret)
		ret = put_rseq_cs(in);
	if (!ret)
		ret = put_dispatch(in);
	if (!ret)
		ret = arch_set_regs(in->tid, &in->saved_regs);
	in->parked = !ret;
	return ret;
}

/*
 * Between two injected calls the thread waits as we found it: its own
 * registers and signal mask, in a PTRACE_INTERRUPT stop, and (once the
 * scratch mapping is in place) its own code at its ip.  Were ptimerctl
 * killed now, the kernel would let it run on unharmed.  From the
 * breakpoint's signal-delivery stop it could not: the kernel would
 * deliver the SIGTRAP to it.
 */
static int park(struct injector *in)
{
	int ret;

	ret = seize_park(in->sp, in->tid, 0);
	if (ret)
		return ret;
	return restore_own_state(in);
}

/*
 * Whether a held signal goes back to the thread's queue (tgkill()), or the
 * process's: tgkill()'s, and a fault's, which the kernel queues for the
 * faulting thread.
 */
static bool to_thread(const siginfo_t *si)
{
	return si->si_code == SI_TKILL || si->si_code > 0;
}

/*
 * A signal our mask lets through (RUN_SIGMASK), sent to the process,
 * reached our code: keep its siginfo to put it back after the run, and
 * let our code run on.  Another of the same number for the same queue
 * would have merged into the first, which the program would still have
 * had pending (legacy_queue(): they are all standard signals).
 */
static void hold_signal(struct injector *in, const siginfo_t *si)
{
	for (unsigned int i = 0; i < in->nheld; i++) {
		if (in->held[i].si_signo == si->si_signo &&
		    to_thread(&in->held[i]) == to_thread(si)) {
			dbg(in->sp->ctx, "tid %d: took a second signal %d for the same queue;"
			    " merged", in->tid, si->si_signo);
			return;
		}
	}
	/* Each number of ksig_forced() twice at most: room for all. */
	if (in->nheld == INJECT_HELD_MAX)
		return;
	dbg(in->sp->ctx, "tid %d: took signal %d (si_code %d, from pid %d) in our code; held",
	    in->tid, si->si_signo, si->si_code, si->si_pid);
	in->held[in->nheld++] = *si;
}

/*
 * Set the thread going with @regs and signal mask @mask, from a stop,
 * with ptrace @request (PTRACE_CONT, or PTRACE_SYSCALL: run_into_call()).
 */
static int run_from_stop(struct injector *in, const struct arch_regs *regs, uint64_t mask,
			 int request)
{
	int ret;

	ret = image_flush(in);
	if (!ret)
		ret = read_rseq_cs(in);
	if (ret)
		return ret;
	/* Our code writes its results there. */
	in->image_read = false;
	/*
	 * Our registers first, the rest of what our code runs with after
	 * (restore_own_state() is the mirror): a ptimerctl killed in between
	 * leaves the thread to run our code, as it would once it runs, never
	 * its own with our mask, rseq_cs or selector.
	 */
	in->parked = false;
	ret = arch_set_regs(in->tid, regs);
	if (!ret)
		ret = set_sigmask(in, mask);
	if (!ret)
		ret = hide_rseq_cs(in);
	if (!ret)
		ret = allow_dispatch(in);
	if (ret)
		return ret;
	in->run_entry = arch_get_ip(regs);
	in->entry_faults = 0;
	in->stopped_regs_valid = false;
	if (seize_resume(in->sp, request, in->tid, 0) < 0)
		return -errno;
	in->round_trips++;
	return 0;
}

/*
 * Set the thread going with @regs into the system call at their ip, every
 * signal blocked until the call's entry stop and @mask from there on: no
 * signal is taken at the run's entry, only on the call's way back.  A
 * signal @mask lets through that is pending already (one put back before,
 * of another queue) would else be taken first thing, held, and put back
 * again, for ever.
 */
static int run_into_call(struct injector *in, const struct arch_regs *regs, uint64_t mask)
{
	int ret;

	ret = run_from_stop(in, regs, ~0ULL, PTRACE_SYSCALL);
	if (!ret)
		ret = seize_wait_syscall_entry(in->sp, in->tid);
	if (ret == -ETIMEDOUT) {
		ret = restore_own_state(in);
		return ret ? ret : -ETIMEDOUT;
	}
	if (!ret)
		ret = set_sigmask(in, mask);
	if (!ret && seize_resume(in->sp, PTRACE_CONT, in->tid, 0) < 0)
		ret = -errno;
	if (!ret)
		in->round_trips++;
	return ret;
}

/* A signal the thread sends itself (requeue_one()) */
struct sent_to_self {
	int signo;
	int si_code;
	pid_t pid;	/* the process, as its own pid namespace numbers it */
};

/*
 * The one the thread sent itself, or one sent the same way by another
 * process and pending already: the kernel merged ours into it
 * (legacy_queue()), as it would have merged it into the held one had we
 * not taken that.  Either way it stands for the held one.
 */
static bool sent_by_self(const siginfo_t *si, const struct sent_to_self *self)
{
	return self && si->si_signo == self->signo && si->si_code == self->si_code;
}

/* What a stop's signal is, among those our mask lets through. */
enum taken {
	TAKEN_SENT,		/* sent to the process: held and put back */
	TAKEN_PROGRAM_S,	/* the program's fault, queued before our run: the same */
	TAKEN_OURS,		/* a fault of our code */
	TAKEN_OURS_AT_ENTRY,	/* the same, and the first one taken there was ours too */
};

/*
 * Whether @si, one of the signals our code runs with unblocked
 * (ksig_forced()), is a fault an instruction raised: one the kernel
 * raised (si_code > 0), but our breakpoint's SIGTRAP, and a SIGBUS of
 * memory failing elsewhere (BUS_MCEERR_AO), which no instruction raises.
 */
static bool instruction_fault(const siginfo_t *si)
{
	return si->si_signo != SIGTRAP && si->si_code > 0 &&
	       !(si->si_signo == SIGBUS && si->si_code == BUS_MCEERR_AO);
}

/*
 * A fault of our own code is an instruction_fault().
 *
 * The program's own may be queued already: the thread faulted, and our
 * interrupt stopped it before the fault's delivery (get_signal() takes a
 * ptrace trap first).  The kernel hands such a signal over first thing
 * in our next run (dequeue_synchronous_signal()), at the run's entry,
 * before our code has run an instruction.  So the first fault of a
 * number taken at the entry is the program's, held and put back; one
 * taken there again is our first instruction's, and so was the first.
 * A SIGSYS also names its call: ours stops just past it.
 */
static enum taken classify(struct injector *in, const siginfo_t *si)
{
	const uint64_t bit = ksig_bit(si->si_signo);
	struct arch_regs regs;
	uint64_t ip;

	if (!instruction_fault(si))
		return TAKEN_SENT;
	if (arch_get_regs(in->tid, &regs))
		return TAKEN_OURS;
	ip = arch_get_ip(&regs);
	if (ip == in->run_entry) {
		if (in->entry_faults & bit)
			return TAKEN_OURS_AT_ENTRY;
		in->entry_faults |= bit;
		return TAKEN_PROGRAM_S;
	}
	if (si->si_signo == SIGSYS && (uint64_t)(uintptr_t)si->si_call_addr != ip)
		return TAKEN_SENT;
	return TAKEN_OURS;
}

/* The held fault of number @signo, taken for the program's, was ours. */
static void drop_held_fault(struct injector *in, int signo)
{
	for (unsigned int i = 0; i < in->nheld; i++) {
		if (in->held[i].si_signo == signo && in->held[i].si_code > 0) {
			in->held[i] = in->held[--in->nheld];
			return;
		}
	}
}

/*
 * Our code faulted: the thread waits in the fault's signal-delivery stop,
 * which a ptimerctl killed now would leave to deliver it.  Park it as
 * after a good run instead, the fault dropped (seize_park()), before
 * saying so: the saying may block on a full pipe.
 */
static int fault_parked(struct injector *in, const siginfo_t *si)
{
	const char *name = ptimer_signal_name(si->si_signo);
	int ret = park(in);

	if (si->si_signo == SIGSYS)
		err(in->sp->ctx, "tid %d: system call %d of injected code trapped with SIGSYS"
		    " (si_code %d): a seccomp filter or syscall user dispatch refused it",
		    in->tid, si->si_syscall, si->si_code);
	else
		err(in->sp->ctx, "tid %d: injected code faulted with %s (si_code %d)", in->tid,
		    name ? name : "a signal", si->si_code);
	return ret ? ret : -EFAULT;
}

/*
 * A signal our mask blocks reached our code: the mask did not hold.  It
 * goes back to its queue with its siginfo, as a held one does, the
 * thread is parked, and the call fails.
 */
static int stray_parked(struct injector *in, const siginfo_t *si)
{
	int ret;

	ret = set_sigmask(in, ~0ULL);
	if (!ret)
		ret = seize_park(in->sp, in->tid, si->si_signo);
	if (!ret)
		ret = restore_own_state(in);
	err(in->sp->ctx, "tid %d: signal %d reached injected code, which blocks it", in->tid,
	    si->si_signo);
	return ret ? ret : -EFAULT;
}

/*
 * After a run stopped past the timeout: whether a signal our code raised
 * waits in the thread's queue, behind the interrupt's stop (get_signal()
 * takes a ptrace trap before any signal).  Our breakpoint's SIGTRAP: the
 * run had ended.  A fault's, or a kept seccomp filter's SIGSYS, whose
 * call did not run although the ip is past it: the program's own were
 * taken at the run's entry.  Either would be the program's death once we
 * let go; taken now, they are handled as after any run.
 */
static bool ours_queued(struct injector *in, uint64_t trap_end)
{
	struct __ptrace_peeksiginfo_args args = { .nr = 32 };
	struct arch_regs regs;
	siginfo_t si[32];
	long got;

	if (arch_get_regs(in->tid, &regs))
		return false;
	got = ptrace(PTRACE_PEEKSIGINFO, in->tid, &args, si);
	for (long i = 0; i < got; i++)
		if (arch_is_injected_trap(&si[i], &regs, trap_end) ||
		    ((ksig_forced() & ksig_bit(si[i].si_signo)) && instruction_fault(&si[i])))
			return true;
	return false;
}

/*
 * The next stop that is not a sent signal held: a breakpoint's, its
 * registers read into @regs (ours leaves the ip at @trap_end), or the one
 * of @self, if not NULL.  A fault of our code, or a runaway stopped by an
 * interrupt, leaves the thread parked.
 */
static int wait_trap(struct injector *in, siginfo_t *si, const struct sent_to_self *self,
		     struct arch_regs *regs, uint64_t trap_end)
{
	bool interrupted;
	int ret;

	for (;;) {
		ret = seize_wait_trap(in->sp, in->tid, si, &interrupted);
		if (ret == -ETIMEDOUT && interrupted && ours_queued(in, trap_end)) {
			/* Let it take that signal: a trap or a fault, as after any run. */
			if (seize_resume(in->sp, PTRACE_CONT, in->tid, 0) < 0)
				return -errno;
			continue;
		}
		if (ret == -ETIMEDOUT && interrupted) {
			in->stopped_regs_valid = !arch_get_regs(in->tid, &in->stopped_regs);
			ret = restore_own_state(in);
			return ret ? ret : -ETIMEDOUT;
		}
		if (ret)
			return ret;
		if (sent_by_self(si, self))
			return 0;
		/*
		 * A breakpoint's SIGTRAP taken at the run's entry, but for
		 * ours, is the program's, as a fault there is (classify()):
		 * the thread hit one of its own (a debug trap, a JIT's guard)
		 * just as it stopped.  Only settle_restart()'s entry is our
		 * breakpoint itself.
		 */
		if (si->si_signo == SIGTRAP && si->si_code == ARCH_TRAP_SI_CODE) {
			ret = arch_get_regs(in->tid, regs);
			if (ret)
				return ret;
			if (arch_is_injected_trap(si, regs, trap_end) ||
			    arch_get_ip(regs) != in->run_entry)
				return 0;
		}
		if (!(ksig_forced() & ksig_bit(si->si_signo)))
			return stray_parked(in, si);
		switch (classify(in, si)) {
		case TAKEN_OURS_AT_ENTRY:
			drop_held_fault(in, si->si_signo);
			return fault_parked(in, si);
		case TAKEN_OURS:
			return fault_parked(in, si);
		case TAKEN_PROGRAM_S:
			dbg(in->sp->ctx, "tid %d: signal %d (si_code %d) was queued before our run:"
			    " the program's", in->tid, si->si_signo, si->si_code);
			break;
		case TAKEN_SENT:
			break;
		}
		hold_signal(in, si);
		if (seize_resume(in->sp, PTRACE_CONT, in->tid, 0) < 0)
			return -errno;
	}
}

/*
 * Resume with @regs and wait for the breakpoint that leaves the ip at
 * @trap_end.  Another breakpoint's stop is parked, as a fault's is.
 */
static int run_until_trap(struct injector *in, struct arch_regs *regs,
			  uint64_t trap_end)
{
	siginfo_t si;
	int ret;

	ret = run_from_stop(in, regs, RUN_SIGMASK, PTRACE_CONT);
	if (ret)
		return ret;
	ret = wait_trap(in, &si, NULL, regs, trap_end);
	if (ret)
		return ret;
	if (!arch_is_injected_trap(&si, regs, trap_end)) {
		uint64_t ip = arch_get_ip(regs);

		ret = park(in);
		err(in->sp->ctx, "tid %d: unexpected trap (si_code %d) at %#llx",
		    in->tid, si.si_code, (unsigned long long)ip);
		return ret ? ret : -EFAULT;
	}
	return 0;
}

static int requeue_held(struct injector *in);

/*
 * After a run: park, and hand back a SIGTRAP that our code took (see
 * hold_signal()) at once, so that a ptimerctl killed between two runs
 * loses none.  The next run takes it again, first thing, and hands it
 * back again: a few round trips more, only while one is pending.
 */
static int park_after_run(struct injector *in)
{
	int ret = park(in);

	if (!ret && in->nheld)
		ret = requeue_held(in);
	return ret;
}

static int run_to_trap(struct injector *in, struct arch_regs *regs,
		       uint64_t trap_end)
{
	int ret = run_until_trap(in, regs, trap_end);

	return ret ? ret : park_after_run(in);
}

/* The byte at @off of what a small job's slot holds while borrowed. */
static uint8_t slot_image(const struct injector *in, size_t off)
{
	size_t blob_len = arch_blob_end - arch_blob_start;

	if (off < blob_len)
		return arch_blob_start[off];
	if (off < blob_len + ARCH_SYSCALL_SITE_LEN)
		return arch_syscall_site[off - blob_len];
	return in->slot_saved[off];
}

/*
 * Write our code over [@from, @to) of the slot, or (@ours false) put the
 * target's back.  The slot is word-aligned and its code saved, so the
 * words around the range are known whole and need no peek first.
 */
static int slot_write(struct injector *in, uint64_t from, uint64_t to, bool ours)
{
	const size_t word = sizeof(long);
	uint64_t start = from & ~(uint64_t)(word - 1);
	uint64_t end = (to + word - 1) & ~(uint64_t)(word - 1);
	uint8_t image[INJECT_SLOT_MAX];

	for (uint64_t at = start; at < end; at++)
		image[at - start] = ours && at >= from && at < to ?
				    slot_image(in, at - in->slot) : in->slot_saved[at - in->slot];
	if (in->memfd >= 0) {
		if (pwrite(in->memfd, image, end - start, (off_t)start) == (ssize_t)(end - start))
			return 0;
		/* proc_mem.force_override=never, say: word by word, as a debugger does. */
		close(in->memfd);
		in->memfd = -1;
	}
	for (uint64_t at = start; at < end; at += word) {
		long w;

		memcpy(&w, image + (at - start), word);
		if (ptrace(PTRACE_POKETEXT, in->tid, at, w) < 0)
			return -errno;
	}
	return 0;
}

/*
 * A small job's call: our code is in the slot only while it runs, and the
 * thread parks with its own code back, as between any two calls.
 */
/* The target's code back over [@from, @to) of the slot, once our code ran there. */
static int slot_give_back(struct injector *in, uint64_t from, uint64_t to)
{
	int ret = slot_write(in, from, to, false);

	/* inject_end() tries again, over the whole slot. */
	if (ret)
		in->slot_dirty = true;
	return ret;
}

/* Our code over [@from, @to) of the slot, run to the breakpoint at @trap_end. */
static int run_borrowed(struct injector *in, struct arch_regs *regs, uint64_t from,
			uint64_t to, uint64_t trap_end)
{
	int ret, rc;

	ret = slot_write(in, from, to, true);
	if (!ret)
		ret = run_until_trap(in, regs, trap_end);
	rc = slot_give_back(in, from, to);
	if (!ret)
		ret = rc;
	return ret ? ret : park_after_run(in);
}

int inject_syscall(struct injector *in, long nr, long *ret,
		   uint64_t a0, uint64_t a1, uint64_t a2,
		   uint64_t a3, uint64_t a4, uint64_t a5)
{
	const uint64_t args[6] = { a0, a1, a2, a3, a4, a5 };
	struct arch_regs regs = in->saved_regs;
	int rc;

	arch_prep_syscall(&regs, in->site, nr, args);
	if (in->inline_code)
		rc = run_borrowed(in, &regs, in->site, in->site + ARCH_SYSCALL_SITE_LEN,
				  in->site + ARCH_TRAP_END);
	else
		rc = run_to_trap(in, &regs, in->site + ARCH_TRAP_END);
	/* Stopped past the timeout on its way back from the call: done, as a batch is. */
	if (rc == -ETIMEDOUT && in->parked && in->stopped_regs_valid &&
	    arch_call_returned(&in->stopped_regs, in->site + ARCH_TRAP_END - ARCH_TRAP_LEN)) {
		regs = in->stopped_regs;
		rc = in->nheld ? requeue_held(in) : 0;
	}
	if (rc)
		return rc;
	in->syscalls++;
	*ret = arch_syscall_result(&regs);
	return 0;
}

static uint64_t blob_entry(struct injector *in, const uint8_t *sym)
{
	return in->code + (uint64_t)(sym - arch_blob_start);
}

/* The blob's @entry, whose code ends at @entry_end, and its breakpoint at @trap_end. */
static int run_blob(struct injector *in, const uint8_t *entry, uint64_t arg,
		    const uint8_t *entry_end, const uint8_t *trap_end)
{
	struct arch_regs regs = in->saved_regs;

	arch_prep_blob_call(&regs, blob_entry(in, entry), arg);
	if (in->inline_code)
		return run_borrowed(in, &regs, blob_entry(in, entry), blob_entry(in, entry_end),
				    blob_entry(in, trap_end));
	return run_to_trap(in, &regs, blob_entry(in, trap_end));
}

static int batch_one_by_one(struct injector *in, struct blob_batch *batch)
{
	batch->done = 0;
	for (uint64_t i = 0; i < batch->count; i++)
		batch->calls[i].ret = BLOB_CALL_NOT_RUN;
	for (uint64_t i = 0; i < batch->count; i++) {
		struct blob_call *c = &batch->calls[i];
		long r;
		int rc;

		rc = inject_syscall(in, c->nr, &r, c->args[0], c->args[1],
				    c->args[2], c->args[3], c->args[4], c->args[5]);
		if (rc)
			return rc;
		c->ret = r;
		batch->done++;
		if (syscall_failed(r) && (batch->flags & BLOB_BATCH_STOP_ON_ERROR))
			break;
	}
	return 0;
}

/*
 * Calls per run of the blob.  Each run is one wait for the target, which
 * the timeout bounds: 96k timer_create()s in one run could take longer
 * than that on a busy machine, and a run of 4096 costs one round trip of
 * some microseconds more.
 */
#define BATCH_WINDOW	4096

/*
 * After a failed run of @win: the blob writes its count of calls done
 * only as it traps, but each call's result as the call returns, over
 * BLOB_CALL_NOT_RUN.  So the calls that ran are those before the first
 * result still unset.  That one may have run too: a stop past the
 * timeout comes on the way back from a call, before its result is
 * stored, and then the registers at the stop hold it.  Unread, none is
 * known to have run.
 */
static void count_done(struct injector *in, struct blob_batch *win, uint64_t remote)
{
	size_t len = win->count * sizeof(win->calls[0]);
	const struct arch_regs *at = &in->stopped_regs;

	win->done = 0;
	if (inject_read(in, remote + offsetof(struct blob_batch, calls), win->calls, len)) {
		for (uint64_t i = 0; i < win->count; i++)
			win->calls[i].ret = BLOB_CALL_NOT_RUN;
		return;
	}
	while (win->done < win->count && win->calls[win->done].ret != BLOB_CALL_NOT_RUN)
		win->done++;
	if (win->done < win->count && in->stopped_regs_valid &&
	    arch_call_returned(at, blob_entry(in, arch_blob_batch_call_end)))
		win->calls[win->done++].ret = arch_syscall_result(at);
}

/* Whether @b stopped at a call that failed, as BLOB_BATCH_STOP_ON_ERROR asks. */
static bool batch_stopped_on_error(const struct blob_batch *b)
{
	return b->done && (b->flags & BLOB_BATCH_STOP_ON_ERROR) &&
	       syscall_failed((long)b->calls[b->done - 1].ret);
}

/* Whether @b ran all it was to: every call, or up to one that failed and stopped it. */
static bool batch_ended(const struct blob_batch *b)
{
	return b->done == b->count || batch_stopped_on_error(b);
}

/*
 * Run @win; a run stopped past the timeout after the batch ended, on the
 * way back from its last call, before its trap, is as good as done: each
 * result is known (count_done()), and failing it would undo finished
 * work.
 */
static int run_window(struct injector *in, struct blob_batch *win, uint64_t remote)
{
	size_t len = sizeof(*win) + win->count * sizeof(win->calls[0]);
	int rc;

	win->done = 0;
	for (uint64_t i = 0; i < win->count; i++)
		win->calls[i].ret = BLOB_CALL_NOT_RUN;
	rc = inject_write(in, remote, win, len);
	if (rc)
		return rc;
	rc = run_blob(in, arch_blob_batch, remote, arch_blob_walk, arch_blob_batch_trap_end);
	if (rc) {
		count_done(in, win, remote);
		if (rc != -ETIMEDOUT || !in->parked || !batch_ended(win))
			return rc;
		/* Done: the signals our code took go back now, as park_after_run() has them. */
		return in->nheld ? requeue_held(in) : 0;
	}
	return inject_read(in, remote, win, len);
}

int inject_batch(struct injector *in, struct blob_batch *batch, uint64_t remote)
{
	size_t window = batch->count < BATCH_WINDOW ? batch->count : BATCH_WINDOW;
	struct blob_batch *win;
	int rc = 0;

	if (in->no_batch)
		return batch_one_by_one(in, batch);
	if (batch->count <= BATCH_WINDOW) {
		rc = run_window(in, batch, remote);
		in->syscalls += batch->done;
		return rc;
	}
	win = malloc(sizeof(*win) + window * sizeof(win->calls[0]));
	if (!win)
		return -ENOMEM;
	batch->done = 0;
	for (size_t k = 0; k < batch->count && !rc; k += window) {
		size_t m = batch->count - k < window ? batch->count - k : window;

		memset(win, 0, sizeof(*win));
		win->count = m;
		win->flags = batch->flags;
		memcpy(win->calls, batch->calls + k, m * sizeof(win->calls[0]));
		rc = run_window(in, win, remote);
		memcpy(batch->calls + k, win->calls, m * sizeof(win->calls[0]));
		batch->done += win->done;
		in->syscalls += win->done;
		/*
		 * A stop on error ends the whole batch where the window stopped,
		 * even at the window's last call.
		 */
		if (win->done != m || batch_stopped_on_error(win))
			break;
	}
	free(win);
	return rc;
}

int inject_walk(struct injector *in, struct blob_walk *walk, uint64_t remote)
{
	int rc;

	rc = inject_write(in, remote, walk, sizeof(*walk));
	if (rc)
		return rc;
	rc = run_blob(in, arch_blob_walk, remote, arch_blob_end, arch_blob_walk_trap_end);
	if (rc)
		return rc;
	rc = inject_read(in, remote, walk, sizeof(*walk));
	if (rc)
		return rc;
	in->syscalls += walk->steps * 2;
	return 0;
}

/*
 * Write the syscall site over the code near the anchor (the thread's ip,
 * find_private_memory()), for the calls that must run before our mapping
 * exists (mmap) or after it is gone (munmap).  All threads are stopped,
 * so none can run these bytes before we put them back.  The address is
 * rounded down to 16 bytes so that the few bytes never cross a page, and
 * never lands on the ip itself: arm64 moves the ip of a call to restart
 * back onto its svc before the stop, and would then take a site there for
 * that call's restart (setting up restart_syscall in our registers).
 */
enum { IP_SITE_ALIGN = 16, IP_SITE_AWAY = 8 };
static_assert(ARCH_SYSCALL_SITE_LEN <= IP_SITE_ALIGN - IP_SITE_AWAY,
	      "the site fits after the ip's own 8 bytes");

static int write_ip_site(struct injector *in)
{
	uint64_t ip = in->anchor;
	int ret;

	in->ip_site = ip & ~(uint64_t)(IP_SITE_ALIGN - 1);
	if (in->ip_site == ip)
		in->ip_site += IP_SITE_AWAY;
	ret = peek_code(in, in->ip_site, in->site_saved, sizeof(in->site_saved));
	if (ret)
		return ret;
	ret = poke_code(in, in->ip_site, arch_syscall_site, sizeof(arch_syscall_site));
	if (ret)
		return ret;
	in->site_written = true;
	in->site = in->ip_site;
	return 0;
}

/*
 * Let the kernel set up a pending restart (arch_restart_pending()) before
 * our first call moves the ip: resume the thread as it is onto a trap
 * written over the instruction at its ip, and keep the registers it
 * reaches the trap with as the ones to put back.  Nothing of the thread
 * runs: the trap is its first instruction.
 */
static int settle_restart(struct injector *in)
{
	uint64_t ip = arch_get_ip(&in->saved_regs);
	const uint8_t *trap = arch_syscall_site + ARCH_TRAP_END - ARCH_TRAP_LEN;
	uint8_t insn[ARCH_TRAP_LEN];
	struct arch_regs regs = in->saved_regs;
	int ret, rc;

	/* Not a read of the stopped thread's code where it cannot matter. */
	if (!arch_restart_at_ip)
		return 0;
	ret = peek_code(in, ip, insn, sizeof(insn));
	if (ret || !arch_restart_pending(&in->saved_regs, insn))
		return ret;
	/* The trap would go into memory other processes see, or no code runs there. */
	if (in->anchor != ip) {
		in->restart_in_shared = true;
		return -EFAULT;
	}
	ret = poke_code(in, ip, trap, ARCH_TRAP_LEN);
	if (ret)
		return ret;
	/*
	 * Parked without putting back what the run took: there is no
	 * syscall site yet to put it back with.  inject_begin() does, once
	 * there is (the mapping's first call, or at once in the slot).
	 */
	ret = run_until_trap(in, &regs, ip + ARCH_TRAP_LEN);
	if (!ret)
		ret = park(in);
	/* the trap leaves the ip on itself, where the call is to restart */
	if (!ret && arch_get_ip(&regs) != ip)
		ret = -EFAULT;
	if (!ret) {
		in->saved_regs = regs;
		ret = arch_set_regs(in->tid, &in->saved_regs);
	}
	rc = poke_code(in, ip, insn, sizeof(insn));
	return ret ? ret : rc;
}

static int restore_ip_site(struct injector *in)
{
	int ret;

	if (!in->site_written)
		return 0;
	ret = poke_code(in, in->ip_site, in->site_saved, sizeof(in->site_saved));
	if (!ret)
		in->site_written = false;
	in->site = in->map_site;
	return ret;
}

/* The blob, then a copy of the syscall site, at the start of the mapping. */
static size_t code_size(void)
{
	return (size_t)(arch_blob_end - arch_blob_start) + ARCH_SYSCALL_SITE_LEN;
}

static int map_scratch(struct injector *in, size_t data_len)
{
	size_t blob_len = arch_blob_end - arch_blob_start;
	size_t code_len = page_align(in, code_size());
	long r;
	int ret;

	in->data_len = page_align(in, data_len ? data_len : 1);
	in->map_len = code_len + in->data_len;
	ret = inject_syscall(in, ARCH_NR_MMAP, &r, 0, in->map_len,
			     PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			     (uint64_t)-1, 0);
	if (ret)
		return ret;
	if (syscall_failed(r))
		return (int)r;
	in->map = (uint64_t)r;
	/* A mapping more: what the maps said is out of date. */
	procfs_maps_end(&in->sp->maps);
	in->code = in->map;
	in->data = in->map + code_len;
	in->map_site = in->map + blob_len;
	ret = inject_write(in, in->map, arch_blob_start, blob_len);
	if (!ret)
		ret = inject_write(in, in->map_site, arch_syscall_site, ARCH_SYSCALL_SITE_LEN);
	if (ret)
		return ret;
	/* The code page ends up read+exec, never writable and executable. */
	ret = inject_syscall(in, ARCH_NR_MPROTECT, &r, in->map, code_len,
			     PROT_READ | PROT_EXEC, 0, 0, 0);
	if (ret)
		return ret;
	return syscall_failed(r) ? (int)r : 0;
}

/*
 * A small job needs no mapping of its own, and so spares the target the
 * mmap, mprotect and munmap calls, three of the four round trips of a
 * dump of a few timers.  Its code goes into a slot of the code page the
 * thread stopped in, only while each call runs, as the syscall site does
 * for mmap; its data goes on the thread's stack, below the red zone,
 * where the kernel would build a signal frame.  A frame of AT_MINSIGSTKSZ
 * bytes must fit there for any signal to be deliverable, so the program
 * leaves that room already; the bytes are read first and put back last.
 */
enum { SLOT_ALIGN = 16, SLOT_AWAY = 16, DATA_ALIGN = 64 };

static size_t slot_size(void)
{
	return (code_size() + SLOT_ALIGN - 1) & ~(size_t)(SLOT_ALIGN - 1);
}

/* At one end of the anchor's page, whichever is clear of the anchor. */
static uint64_t pick_slot(struct injector *in, size_t len)
{
	uint64_t ip = in->anchor;
	uint64_t page = ip & ~(uint64_t)(in->page - 1);

	if (ip >= page + len + SLOT_AWAY)
		return page;
	return page + in->page - len;
}

/* What the slot and the stack at @base hold now, and the rseq_cs pointer, in one read. */
static int read_borrowed(struct injector *in, uint64_t base, size_t len)
{
	uint64_t ptr = 0;
	const struct iovec local[] = {
		{ .iov_base = in->slot_saved, .iov_len = in->slot_len },
		{ .iov_base = in->stack_saved, .iov_len = len },
		{ .iov_base = &ptr, .iov_len = sizeof(ptr) },
	};
	const struct iovec remote[] = {
		{ .iov_base = (void *)(uintptr_t)in->slot, .iov_len = in->slot_len },
		{ .iov_base = (void *)(uintptr_t)base, .iov_len = len },
		{ .iov_base = (void *)(uintptr_t)in->rseq_area, .iov_len = sizeof(ptr) },
	};
	bool rseq = in->rseq_area && !in->rseq_read;
	int ret;

	ret = vm_readv(in, local, remote, rseq ? 3 : 2);
	if (!ret && rseq)
		found_rseq_cs(in, ptr);
	return ret;
}

/* begin_inline() aligns both ends of the data down: at most DATA_ALIGN - 1 bytes each. */
size_t inject_stack_room(bool sure)
{
	uint64_t frame = getauxval(AT_MINSIGSTKSZ);

	if (!sure)
		return (size_t)frame;
	return frame > 2 * DATA_ALIGN ? (size_t)(frame - 2 * DATA_ALIGN) : 0;
}

static int begin_inline(struct injector *in, size_t data_len)
{
	uint64_t frame = inject_stack_room(false);
	uint64_t sp = arch_get_sp(&in->saved_regs);
	uint64_t top, base;
	int ret;

	in->slot_len = slot_size();
	if (!frame || in->slot_len > sizeof(in->slot_saved) || in->page < 2 * in->slot_len ||
	    data_len > frame || sp < ARCH_STACK_RED_ZONE + frame)
		return -ENOSPC;
	top = (sp - ARCH_STACK_RED_ZONE) & ~(uint64_t)(DATA_ALIGN - 1);
	base = (top - (data_len ? data_len : 1)) & ~(uint64_t)(DATA_ALIGN - 1);
	if (base < sp - ARCH_STACK_RED_ZONE - frame || base < in->stack_low)
		return -ENOSPC;
	in->slot = pick_slot(in, in->slot_len);
	in->stack_saved = malloc(top - base);
	in->image = malloc(top - base);
	if (!in->stack_saved || !in->image) {
		ret = -ENOMEM;
		goto free_saved;
	}
	ret = read_borrowed(in, base, top - base);
	if (ret)
		goto free_saved;
	memcpy(in->image, in->stack_saved, top - base);
	in->image_read = true;
	in->dirty_from = top - base;
	in->dirty_to = 0;
	/*
	 * One write a run instead of a poke a word, where /proc/PID/mem
	 * opens: root without CAP_DAC_OVERRIDE cannot open another user's.
	 */
	in->memfd = openat(in->sp->dirfd, "mem", O_RDWR | O_CLOEXEC);
	in->inline_code = true;
	in->code = in->slot;
	in->site = in->slot + (arch_blob_end - arch_blob_start);
	in->data = base;
	in->data_len = top - base;
	return 0;

free_saved:
	free(in->image);
	in->image = NULL;
	free(in->stack_saved);
	in->stack_saved = NULL;
	return ret;
}

static int end_inline(struct injector *in)
{
	int ret = 0, rc;

	if (in->slot_dirty) {
		ret = slot_write(in, in->slot, in->slot + in->slot_len, false);
		in->slot_dirty = ret != 0;
	}
	/* Over whatever the image still held unwritten. */
	rc = vm_write(in, in->data, in->stack_saved, in->data_len);
	if (rc && !ret)
		ret = rc;
	free(in->image);
	in->image = NULL;
	free(in->stack_saved);
	in->stack_saved = NULL;
	seize_close_later(in->sp, in->memfd);
	in->memfd = -1;
	in->inline_code = false;
	return ret;
}

/*
 * How far below the red zone the thread's stack runs in one private
 * mapping: the kernel would grow a stack for a signal frame, but a
 * tracer's write below the mapping only fails.
 */
static int find_stack_room(struct injector *in, struct procfs_maps *maps)
{
	uint64_t sp = arch_get_sp(&in->saved_regs);
	struct procfs_vma vma;
	int ret;

	in->stack_low = sp;
	if (sp <= ARCH_STACK_RED_ZONE)
		return 0;
	ret = procfs_maps_at(maps, sp - ARCH_STACK_RED_ZONE - 1, &vma);
	if (!ret && !vma.shared)
		in->stack_low = vma.start;
	/* A stack pointer in no mapping: no data goes there either. */
	return ret == -ENOENT ? 0 : ret;
}

/*
 * Where our code and data may go without writing memory the target
 * shares with other processes (procfs_maps.h).  The code goes beside the
 * ip (the anchor) when the ip's page is private, else beside the middle
 * of the process's first private executable page: a thread of a JIT
 * that maps its code twice from a memfd, stopped in that code, is in a
 * page no write of ours may reach.  The data goes below the stack
 * pointer only when the stack is private too, else into a mapping.
 */
static int find_private_memory(struct injector *in)
{
	uint64_t ip = arch_get_ip(&in->saved_regs);
	struct procfs_maps own = { .fd = -1 }, *maps = &in->sp->maps;
	struct procfs_vma vma;
	int ret = -ESRCH;

	if (maps->fd >= 0)
		ret = procfs_maps_at(maps, ip, &vma);
	if (ret == -ESRCH) {
		char name[32];

		/* The process's maps are empty once its leader exited: the thread's own. */
		snprintf(name, sizeof(name), "task/%d/maps", (int)in->tid);
		ret = procfs_keep(in->sp->dirfd, name, &own.fd);
		if (ret)
			return ret;
		maps = &own;
		ret = procfs_maps_at(maps, ip, &vma);
	}
	/* An ip in memory that does not run code is about to fault: not there either. */
	if (!ret && !vma.shared && vma.exec) {
		in->anchor = ip;
	} else if (!ret || ret == -ENOENT) {
		ret = procfs_maps_private_exec(maps, 0, &vma);
		if (!ret) {
			in->anchor = vma.start + in->page / 2;
			dbg(in->sp->ctx, "tid %d: stopped in shared memory or none that runs"
			    " code; our code goes in the private page at 0x%" PRIx64, in->tid,
			    vma.start);
		}
	}
	if (!ret)
		ret = find_stack_room(in, maps);
	if (own.fd >= 0) {
		procfs_maps_end(&own);
		seize_close_later(in->sp, own.fd);
	}
	return ret;
}

int inject_begin(struct injector *in, struct seized_process *sp, pid_t tid,
		 size_t data_len)
{
	int ret;

	memset(in, 0, sizeof(*in));
	in->memfd = -1;
	/* In the stop that seized it: its own registers and mask. */
	in->parked = true;
	in->sp = sp;
	in->tid = tid;
	/* Ours to change from here on, until inject_end() has put them back. */
	seize_regs_known(sp, tid, NULL);
	ret = target_page_size(in);
	if (ret)
		return ret;
	ret = arch_get_regs(tid, &in->saved_regs);
	if (ret)
		return ret;
	if (ptrace(PTRACE_GETSIGMASK, tid, sizeof(in->saved_sigmask), &in->saved_sigmask) < 0)
		return -errno;
	ret = find_rseq_cs(in);
	if (!ret)
		ret = find_dispatch(in);
	if (!ret)
		ret = find_private_memory(in);
	if (ret)
		return ret;
	ret = settle_restart(in);
	if (ret)
		goto undo;
	/* Anything that keeps a small job off the stack leaves it the mapping. */
	if (!begin_inline(in, data_len)) {
		dbg(sp->ctx, "tid %d: injecting from its code page, %zu bytes of data on its stack",
		    tid, in->data_len);
		/* What settle_restart() took goes back, now that there is a site. */
		ret = in->nheld ? requeue_held(in) : 0;
		if (ret)
			goto undo;
		return 0;
	}
	ret = write_ip_site(in);
	if (ret)
		goto undo;
	ret = map_scratch(in, data_len);
	if (!ret)
		dbg(sp->ctx, "tid %d: injecting from a scratch mapping of %zu bytes", tid,
		    in->map_len);
	/* From here on every call runs from our own mapping. */
	if (!ret)
		ret = restore_ip_site(in);
	if (ret)
		goto undo;
	return 0;

undo:
	inject_end(in);
	return ret;
}

/*
 * Put the held signal @held back in the queue it came from, with its
 * siginfo.  The thread sends itself the same signal the way the held one
 * came, kill() to the process or tgkill() to itself, and takes it on its
 * way back from the call, before the breakpoint that follows.  In that
 * stop the signal gets the held siginfo and, with every signal now
 * blocked, goes back to the queue it came from (ptrace_signal()), and
 * the interrupt stops the thread before it runs another instruction.
 *
 * The run lets through only that signal and the breakpoint's SIGTRAP, and
 * only from the call's entry on (run_into_call()), so that the signals
 * already put back stay where they are; the next run of our code takes
 * them all again first thing, and they go back after every run.
 */
static int requeue_one(struct injector *in, const siginfo_t *held)
{
	const uint64_t site_end = in->site + ARCH_SYSCALL_SITE_LEN;
	const uint64_t trap_end = in->site + ARCH_TRAP_END;
	const uint64_t mask = ~0ULL & ~(ksig_bit(held->si_signo) | ksig_bit(SIGTRAP));
	const bool thread = to_thread(held);
	struct sent_to_self self = {
		.signo = held->si_signo,
		.si_code = thread ? SI_TKILL : SI_USER,
	};
	struct arch_regs regs = in->saved_regs;
	uint64_t args[6] = { 0 };
	pid_t ns_tid;
	siginfo_t si;
	int ret;

	ret = procfs_ns_tid(in->sp->dirfd, in->sp->pid, &self.pid);
	if (!ret)
		ret = procfs_ns_tid(in->sp->dirfd, in->tid, &ns_tid);
	if (ret)
		return ret;
	dbg(in->sp->ctx, "tid %d: putting back signal %d (si_code %d) with %s()", in->tid,
	    held->si_signo, held->si_code, thread ? "tgkill" : "kill");
	args[0] = (uint64_t)self.pid;
	args[1] = thread ? (uint64_t)ns_tid : (uint64_t)held->si_signo;
	args[2] = thread ? (uint64_t)held->si_signo : 0;
	arch_prep_syscall(&regs, in->site, thread ? ARCH_NR_TGKILL : ARCH_NR_KILL, args);
	if (in->inline_code)
		ret = slot_write(in, in->site, site_end, true);
	if (!ret)
		ret = run_into_call(in, &regs, mask);
	if (!ret)
		ret = wait_trap(in, &si, &self, &regs, trap_end);
	/* A failure leaves the slot dirty, for inject_end() to try again. */
	if (in->inline_code)
		slot_give_back(in, in->site, site_end);
	if (ret)
		return ret;
	/* Our breakpoint: what we sent merged into one of its number held meanwhile. */
	if (!sent_by_self(&si, &self)) {
		int rc = park(in);

		if (!arch_is_injected_trap(&si, &regs, trap_end))
			ret = -EFAULT;
		return ret ? ret : rc ? rc : -EAGAIN;
	}
	if (ptrace(PTRACE_SETSIGINFO, in->tid, 0, held) < 0)
		return -errno;
	ret = set_sigmask(in, ~0ULL);
	if (!ret)
		ret = seize_park(in->sp, in->tid, held->si_signo);
	if (!ret)
		ret = restore_own_state(in);
	return ret;
}

/*
 * The order held signals go back in, which spares round trips: SIGTRAP,
 * which every run lets through, last; of one number, the process's
 * before the thread's, since a thread takes its own queue's first.  In
 * another order one put back is taken again before the one sent, held
 * again, and put back once more.
 */
static unsigned int requeue_rank(const siginfo_t *si)
{
	return (si->si_signo == SIGTRAP) * 2u + to_thread(si);
}

/* A try fails only when one sent meanwhile swallowed ours; a few suffice. */
#define REQUEUE_TRIES	8

/*
 * Signals put back can be taken again by a later put-back's run: one of
 * the program's faults, with any other (dequeue_synchronous_signal()
 * hands over the first fault queued, blocked or not).  A bound ends that.
 */
#define REQUEUE_MAX	(4 * INJECT_HELD_MAX)

static int requeue_held(struct injector *in)
{
	for (unsigned int n = 0; in->nheld; n++) {
		unsigned int next = 0;
		int ret = -EAGAIN;

		for (unsigned int i = 1; i < in->nheld; i++)
			if (requeue_rank(&in->held[i]) < requeue_rank(&in->held[next]))
				next = i;
		for (int i = 0; i < REQUEUE_TRIES && ret == -EAGAIN; i++)
			ret = requeue_one(in, &in->held[next]);
		if (!ret && n == REQUEUE_MAX)
			ret = -ELOOP;
		if (ret) {
			err(in->sp->ctx, "tid %d: could not put back signal %d sent while our code"
			    " ran: %s", in->tid, in->held[next].si_signo, strerror(-ret));
			return ret;
		}
		in->held[next] = in->held[--in->nheld];
	}
	return 0;
}

/* Those still held once the last run failed: with a syscall site still in place. */
static int put_back_held(struct injector *in)
{
	int ret = 0;

	if (!in->nheld)
		return 0;
	if (in->parked && (in->inline_code || in->site_written))
		ret = requeue_held(in);
	else
		err(in->sp->ctx, "tid %d: %u signal(s) sent while our code ran are lost with"
		    " the failed call", in->tid, in->nheld);
	/* Back, or lost and said: our code runs no more in this thread. */
	in->nheld = 0;
	return ret;
}

int inject_end(struct injector *in)
{
	int ret = 0, rc;
	long r;

	if (in->inline_code) {
		ret = put_back_held(in);
		rc = end_inline(in);
		if (rc && !ret)
			ret = rc;
	}
	if (in->map) {
		/* munmap cannot return into the mapping it removes. */
		rc = in->site_written ? 0 : write_ip_site(in);
		if (!rc)
			rc = inject_syscall(in, ARCH_NR_MUNMAP, &r, in->map, in->map_len,
					    0, 0, 0, 0);
		procfs_maps_end(&in->sp->maps);
		if (!rc && syscall_failed(r))
			rc = (int)r;
		if (rc && !ret)
			ret = rc;
		in->map = 0;
	}
	rc = put_back_held(in);
	if (rc && !ret)
		ret = rc;
	rc = restore_ip_site(in);
	if (rc && !ret)
		ret = rc;
	/* Already so after a call that went well; not after one that failed. */
	if (!in->parked) {
		/* As restore_own_state(), but each tried whatever came before. */
		rc = set_sigmask(in, in->saved_sigmask);
		if (rc && !ret)
			ret = rc;
		rc = put_rseq_cs(in);
		if (rc && !ret)
			ret = rc;
		rc = put_dispatch(in);
		if (rc && !ret)
			ret = rc;
		rc = arch_set_regs(in->tid, &in->saved_regs);
		if (rc && !ret)
			ret = rc;
	}
	if (!ret)
		seize_regs_known(in->sp, in->tid, &in->saved_regs);
	return ret;
}
