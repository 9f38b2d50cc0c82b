// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * What a signal sent to ptimerctl does.  While ptimerctl holds a target
 * (from before it attaches until its result is safe), a signal whose
 * default action would kill or stop ptimerctl must not leave the target
 * stopped, with our code in it, or half restored.  So:
 *  - a terminating signal is caught and only recorded; the library polls
 *    the record (ptimer_set_interrupt()), undoes what it did, lets the
 *    target go, and the command exits EXIT_INTERRUPTED;
 *  - a stop from the terminal (SIGTSTP, SIGTTIN) waits until the target is
 *    let go, and SIGTTOU is ignored meanwhile, so that a background write
 *    to the terminal neither stops us nor loops;
 *  - SIGPIPE is ignored for good: a closed pipe is a write error (EPIPE)
 *    that the command reports like any other.
 * Outside that window every signal acts as it normally would; one that
 * was ignored when ptimerctl started (nohup) stays ignored throughout,
 * but for 32 and 33 (kernel_sigaction()).
 * SIGKILL and SIGSTOP cannot be caught; ptimerctl(1) says what they do.
 */
#include <errno.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "cli.h"

volatile sig_atomic_t cli_interrupted;
static volatile sig_atomic_t holding;
static volatile sig_atomic_t stop_deferred;
static bool ttou_ignored;	/* as ptimerctl was started */

/* Terminating signals that only something outside sends (kill, a tty). */
static const int terminating[] = {
	SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM,
	SIGVTALRM, SIGPROF, SIGXCPU, SIGIO, SIGPWR, SIGSTKFLT, SIGABRT,
};

/* Signals that are faults when the kernel raises them, but may be sent too. */
static const int faults[] = { SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGTRAP, SIGSYS };

/*
 * The kernel's struct sigaction on x86_64 and arm64 alike (handler,
 * flags, restorer, a 64-bit mask), for the signals glibc will not set:
 * 32 and 33, below its SIGRTMIN, which it keeps for its threads
 * (cancellation, set*id broadcasts) that single-threaded ptimerctl has
 * none of.  Left at their default, each would kill ptimerctl even while
 * it holds a target, with our code in it.
 */
struct ksigaction {
	void (*handler)(int);
	unsigned long flags;
	void (*restorer)(void);
	uint64_t mask;
};

static bool glibc_refuses(int sig)
{
	return sig >= __SIGRTMIN && sig < SIGRTMIN;
}

/*
 * Set @handler for @sig by the kernel's own call, with the flags and the
 * restorer (x86_64 needs one to return from a handler) glibc gave SIGPIPE
 * (cli_signals_init() sets it first), as glibc would give any signal.
 */
static void kernel_sigaction(int sig, void (*handler)(int))
{
	struct ksigaction ks;

	/*
	 * Caught even when inherited ignored: glibc's posix_spawn() ignores
	 * them in every program it starts (make's, for one), which asked
	 * for nothing.  Set through glibc at every start: SIGPIPE.
	 */
	if (syscall(SYS_rt_sigaction, SIGPIPE, NULL, &ks, sizeof(ks.mask)))
		return;
	ks.flags |= SA_RESTART;
	ks.handler = handler;
	ks.mask = 0;
	syscall(SYS_rt_sigaction, sig, &ks, NULL, sizeof(ks.mask));
}

/* By raw calls, which glibc's would refuse or filter for 32 and 33. */
static void default_action(int sig)
{
	uint64_t one = 1ULL << (sig - 1);

	if (glibc_refuses(sig))
		kernel_sigaction(sig, SIG_DFL);
	else
		signal(sig, SIG_DFL);
	syscall(SYS_rt_sigprocmask, SIG_UNBLOCK, &one, NULL, sizeof(one));
	syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), sig);
}

static void on_terminate(int sig)
{
	if (!holding) {
		default_action(sig);
		return;
	}
	if (!cli_interrupted)
		cli_interrupted = sig;
}

static void on_fault(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	/*
	 * Raised by the kernel for a fault of our own: returning re-runs the
	 * faulting instruction under the default action, which dumps core.
	 */
	if (si->si_code > 0) {
		signal(sig, SIG_DFL);
		return;
	}
	on_terminate(sig);	/* sent by kill(), tgkill() or sigqueue() */
}

/*
 * A write of ours past RLIMIT_FSIZE: the kernel fails it with EFBIG and
 * raises SIGXFSZ at us, as sent by ourselves (SI_USER, our pid).  Its
 * default action would kill us mid-write, the temporary file left behind
 * and, after --disarm, the timers disarmed; the write's error says it
 * instead, and the output undoes what it must.  Sent by another process,
 * it terminates as the other signals do.
 */
static void on_xfsz(int sig, siginfo_t *si, void *uc)
{
	(void)uc;
	if (si->si_code == SI_USER && si->si_pid == getpid())
		return;
	on_terminate(sig);
}

static bool ignored_now(int sig)
{
	struct sigaction old;

	return !sigaction(sig, NULL, &old) && old.sa_handler == SIG_IGN;
}

/*
 * Catch @sig, unless it was ignored when ptimerctl started (nohup, a
 * shell's trap '' HUP): whoever started us asked for it to do nothing,
 * and nothing it does then.
 */
static void catch(int sig, const struct sigaction *sa)
{
	if (!ignored_now(sig))
		sigaction(sig, sa, NULL);
}

static void install_stop_handler(void);

static void stop_now(int sig)
{
	int saved = errno;

	default_action(sig);
	/* Continued: catch the next one again. */
	install_stop_handler();
	errno = saved;
}

static void on_stop(int sig)
{
	if (holding)
		stop_deferred = sig;
	else
		stop_now(sig);
}

static void install_stop_handler(void)
{
	struct sigaction sa = { .sa_handler = on_stop, .sa_flags = SA_RESTART };

	sigemptyset(&sa.sa_mask);
	catch(SIGTSTP, &sa);
	catch(SIGTTIN, &sa);
}

void cli_signals_init(void)
{
	struct sigaction term = { .sa_handler = on_terminate, .sa_flags = SA_RESTART };
	struct sigaction fault = { .sa_sigaction = on_fault,
				   .sa_flags = SA_SIGINFO | SA_RESTART };

	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&term.sa_mask);
	sigemptyset(&fault.sa_mask);
	for (size_t i = 0; i < sizeof(terminating) / sizeof(terminating[0]); i++)
		catch(terminating[i], &term);
	for (int sig = SIGRTMIN; sig <= SIGRTMAX; sig++)
		catch(sig, &term);
	for (int sig = __SIGRTMIN; glibc_refuses(sig); sig++)
		kernel_sigaction(sig, on_terminate);
	for (size_t i = 0; i < sizeof(faults) / sizeof(faults[0]); i++)
		catch(faults[i], &fault);
	fault.sa_sigaction = on_xfsz;
	catch(SIGXFSZ, &fault);
	ttou_ignored = ignored_now(SIGTTOU);
	install_stop_handler();
	ptimer_set_interrupt(cli.ctx, &cli_interrupted);
}

void cli_hold_begin(void)
{
	signal(SIGTTOU, SIG_IGN);
	cli_stderr_hold(true);
	holding = 1;
}

void cli_hold_end(void)
{
	holding = 0;
	/* Before SIGTTOU may stop us again: what waited goes out now. */
	cli_stderr_hold(false);
	signal(SIGTTOU, ttou_ignored ? SIG_IGN : SIG_DFL);
	if (stop_deferred) {
		int sig = stop_deferred;

		stop_deferred = 0;
		stop_now(sig);
	}
}

const char *cli_signal_name(int sig)
{
	const char *name = ptimer_signal_name(sig);

	return name ? name : "a signal";
}

int cli_interrupted_exit(const char *fmt, ...)
{
	char what[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	cli_error(0, "interrupted by %s; %s", cli_signal_name(cli_interrupted), what);
	return EXIT_INTERRUPTED;
}
