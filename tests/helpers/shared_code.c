// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * shared_code: a victim whose main thread (the one a tool injects
 * through) spins in code, on a stack, either of which may be memory it
 * shares with another process, as a JIT's code is when it maps a memfd
 * twice (one view to write, one to run).  A watcher process maps the same
 * memory and notices any byte of it that changes: a tool that writes
 * there, even for a moment, changes the code another process runs.
 *
 *   shared_code [--code=shared-rx|shared-rwx|private] [--in-call]
 *               [--stack=shared|private] [--stack-room BYTES] [--timers N]
 *               [--slow CALL=USEC] [--sibling]
 *
 * --code: the page the main thread spins in (a branch to itself, filled
 * with it, VP_SPIN_INSN of tests/helpers/ARCH/spin_at.h): a memfd's, mapped
 * MAP_SHARED read+exec (the default) or read+write+exec, or a private
 * anonymous one.  --in-call: the page starts with vp_wait_code instead,
 * where the main thread sleeps in a ppoll() that a tool's stop interrupts
 * and the kernel restarts, from that page.  --stack: the pages its stack pointer points to the top
 * of: private anonymous (the default) or MAP_SHARED anonymous, right
 * above a MAP_SHARED page; --stack-room puts the stack pointer that many
 * bytes above their start instead, less than a signal frame takes, so
 * that a tool that writes below it as far as a frame would reaches that
 * page.  --timers: N POSIX timers (SIGEV_NONE, CLOCK_MONOTONIC, armed to
 * an hour).  --slow: each call of CALL waits USEC
 * (tests/helpers/slow_calls.h), so that what a tool writes for a call
 * stays written long enough for the watcher to see it, on any host.
 * --sibling: the watcher shares this process's memory (clone(2) with
 * CLONE_VM, not a thread), so that even a private code page or stack is
 * memory another process runs and reads.
 *
 * The watcher looks at the shared pages every millisecond.  It prints
 * "READY <pid>", then answers on stdin, from another thread:
 *   sibling  "SIBLING <pid>": a second watcher, started now by that thread,
 *            as --sibling's is (its child, sharing this memory)
 *   changes  "CHANGES code=N stack=M": the looks that saw the shared code
 *            page, or the shared stack or the page below it, unlike they
 *            were at the start
 */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <time.h>
#include <unistd.h>

#include "slow_calls.h"
#include "spin_at.h"
#include "vcommon.h"

enum code_kind { CODE_SHARED_RX, CODE_SHARED_RWX, CODE_PRIVATE };

struct seen {
	atomic_long code;
	atomic_long stack;
};

/* Room below the stack pointer for a signal frame, on any host. */
#define STACK_PAGES	8

static struct seen *seen;
static long page;
static atomic_int control_tid;

/* Every millisecond until the parent dies: which shared memory changed. */
static __attribute__((noreturn)) void watch(const unsigned char *code, const unsigned char *code0,
					    const unsigned char *stack, const unsigned char *stack0,
					    size_t stack_len)
{
	const struct timespec ms = { 0, 1000000 };

	for (;;) {
		if (code && memcmp(code, code0, (size_t)page))
			atomic_fetch_add(&seen->code, 1);
		if (memcmp(stack, stack0, stack_len))
			atomic_fetch_add(&seen->stack, 1);
		nanosleep(&ms, NULL);
	}
}

struct watch_args {
	const unsigned char *code, *code0, *stack, *stack0;
	size_t stack_len;
};

/* The watcher as a process of its own memory, or of ours (--sibling). */
static int watcher_main(void *arg)
{
	const struct watch_args *w = arg;

	if (prctl(PR_SET_PDEATHSIG, SIGKILL, 0, 0, 0))
		_exit(1);
	watch(w->code, w->code0, w->stack, w->stack0, w->stack_len);
}

/* What "sibling" starts: a watcher of the same memory as --sibling's. */
static struct watch_args sibling_args;

/* A process that shares this memory, made now by the control thread. */
static void start_sibling(void)
{
	static char st[1 << 16] __attribute__((aligned(16)));
	pid_t pid = clone(watcher_main, st + sizeof(st), CLONE_VM | SIGCHLD, &sibling_args);

	if (pid < 0)
		vp_out("ERROR clone %d", errno);
	else
		vp_out("SIBLING %d", pid);
}

static bool answer(char *line)
{
	if (!strcmp(line, "sibling")) {
		start_sibling();
		return true;
	}
	if (strcmp(line, "changes"))
		return false;
	vp_out("CHANGES code=%ld stack=%ld", atomic_load(&seen->code), atomic_load(&seen->stack));
	return true;
}

static void *control_main(void *arg)
{
	atomic_store(&control_tid, vp_gettid());
	vp_read_commands(answer);
	vp_exit(0);
	return arg;
}

static void *anon(size_t len, int flags)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, flags | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		vp_die(errno, "mmap");
	return p;
}

/*
 * The page of code, full of VP_SPIN_INSN, vp_wait_code first if @in_call;
 * for the watcher, a view of it if shared.
 */
static void *make_code(enum code_kind kind, bool in_call, const unsigned char **view,
		       unsigned char *copy)
{
	static const unsigned char insn[] = VP_SPIN_INSN;
	int prot = PROT_READ | PROT_EXEC;
	void *code;
	int fd;

	for (long i = 0; i < page; i += sizeof(insn))
		memcpy(copy + i, insn, sizeof(insn));
	if (in_call)
		memcpy(copy, vp_wait_code, (size_t)(vp_wait_code_end - vp_wait_code));
	if (kind == CODE_PRIVATE) {
		code = mmap(NULL, (size_t)page, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (code == MAP_FAILED)
			vp_die(errno, "mmap");
		memcpy(code, copy, (size_t)page);
		if (mprotect(code, (size_t)page, prot))
			vp_die(errno, "mprotect");
		*view = NULL;
		__builtin___clear_cache((char *)code, (char *)code + page);
		return code;
	}
	fd = memfd_create("shared_code", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, page) || pwrite(fd, copy, (size_t)page, 0) != page)
		vp_die(errno, "memfd");
	if (kind == CODE_SHARED_RWX)
		prot |= PROT_WRITE;
	code = mmap(NULL, (size_t)page, prot, MAP_SHARED, fd, 0);
	*view = mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, fd, 0);
	if (code == MAP_FAILED || *view == MAP_FAILED)
		vp_die(errno, "mmap memfd");
	close(fd);
	__builtin___clear_cache((char *)code, (char *)code + page);
	return code;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "code", required_argument, NULL, 'c' },
		{ "in-call", no_argument, NULL, 'i' },
		{ "stack", required_argument, NULL, 's' },
		{ "stack-room", required_argument, NULL, 'r' },
		{ "timers", required_argument, NULL, 't' },
		{ "slow", required_argument, NULL, 'w' },
		{ "sibling", no_argument, NULL, 'b' },
		{ 0 },
	};
	struct slow_call slow[SLOW_CALLS_MAX];
	enum code_kind kind = CODE_SHARED_RX;
	const unsigned char *view;
	unsigned char *code0, *stack0, *stack, *below;
	bool shared_stack = false, in_call = false, sibling = false;
	struct watch_args wa;
	size_t nslow = 0;
	size_t room = STACK_PAGES * 4096;
	int ntimers = 0, c;
	void *code;
	pid_t w;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'c' && !strcmp(optarg, "shared-rx"))
			kind = CODE_SHARED_RX;
		else if (c == 'c' && !strcmp(optarg, "shared-rwx"))
			kind = CODE_SHARED_RWX;
		else if (c == 'c' && !strcmp(optarg, "private"))
			kind = CODE_PRIVATE;
		else if (c == 'i')
			in_call = true;
		else if (c == 'b')
			sibling = true;
		else if (c == 's' && (!strcmp(optarg, "shared") || !strcmp(optarg, "private")))
			shared_stack = !strcmp(optarg, "shared");
		else if (c == 'r' && atoi(optarg) > 0 && atoi(optarg) <= (int)room)
			room = (size_t)atoi(optarg) & ~(size_t)15;
		else if (c == 't')
			ntimers = atoi(optarg);
		else if (c == 'w' && nslow < SLOW_CALLS_MAX && !slow_calls_parse(optarg, &slow[nslow]))
			nslow++;
		else
			vp_die(EINVAL, "usage: shared_code [--code=shared-rx|shared-rwx|private]"
			       " [--in-call] [--stack=shared|private] [--stack-room BYTES] [--timers N]"
			       " [--slow CALL=USEC] [--sibling]");
	}
	page = sysconf(_SC_PAGESIZE);
	seen = anon(sizeof(*seen), MAP_SHARED);
	code0 = malloc((size_t)page);
	stack0 = calloc(STACK_PAGES + 1, (size_t)page);
	if (!code0 || !stack0)
		vp_die(ENOMEM, "malloc");
	code = make_code(kind, in_call, &view, code0);
	/* A page more, the lowest, shared whatever the stack is. */
	below = anon((STACK_PAGES + 1) * (size_t)page, shared_stack ? MAP_SHARED : MAP_PRIVATE);
	if (mmap(below, (size_t)page, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS | MAP_FIXED,
		 -1, 0) == MAP_FAILED)
		vp_die(errno, "mmap below the stack");
	stack = below + page;
	for (int i = 0; i < ntimers; i++)
		vp_make_timer(CLOCK_MONOTONIC, SIGEV_NONE, 0, 0, 0, 3600 * VP_NSEC_PER_SEC, 0);

	/* A private stack it sees as a copy of its own: the page below only. */
	wa = (struct watch_args){
		.code = sibling ? code : view, .code0 = code0, .stack = below, .stack0 = stack0,
		.stack_len = (shared_stack || sibling ? STACK_PAGES + 1 : 1) * (size_t)page,
	};
	/* "sibling" watches as --sibling does: the stack's pages too. */
	sibling_args = wa;
	sibling_args.code = code;
	sibling_args.stack_len = (STACK_PAGES + 1) * (size_t)page;
	/* Before any filter, so that it runs free of it, as another process would. */
	if (sibling) {
		size_t len = 1 << 16;
		char *st = malloc(len);

		/* No CLONE_SETTLS: it uses nothing of libc that keeps state. */
		if (!st || clone(watcher_main, st + len, CLONE_VM | SIGCHLD, &wa) < 0)
			vp_die(errno, "clone");
	} else {
		w = fork();
		if (w < 0)
			vp_die(errno, "fork");
		if (w == 0)
			watcher_main(&wa);
	}
	if (nslow) {
		const char *what;
		int err = slow_calls_install(slow, nslow, &what);

		if (err)
			vp_die(err, "%s", what);
	}
	vp_start_thread(control_main, &control_tid);
	vp_out("READY %d", getpid());
	vp_spin_at(code, stack + room);
}
