// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * stackmark: a victim that would notice a tool writing on its stack or
 * leaving its code changed.
 *
 * usage: stackmark [--tiny-stack]
 *
 * It holds two POSIX timers (so that a dump reads values) and prints
 * "READY <pid>".  Its main thread then fills the words below its stack
 * pointer with a pattern (the red zone and a signal frame's room) and
 * blocks in read() on stdin, straight from assembly
 * (tests/helpers/ARCH/stack_wait.S), so that nothing of its own touches
 * them.  A line on stdin wakes it; it
 * prints "RESULT stack=<words changed> code=<0|1>", code=1 when the code
 * page it waited in differs from before, and exits.
 *
 * --tiny-stack waits on a stack of STACK_TINY bytes right above a
 * PROT_NONE page: too little room below its stack pointer for a tool's
 * data, which must then go elsewhere.
 */
#include <errno.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#define PATTERN		0x5afe57ac0ffee000ull
#define SPAN		16384	/* the red zone and more than AT_MINSIGSTKSZ */
#define STACK_TINY	1024
#define SPAN_TINY	256

long stack_wait(unsigned long span, unsigned long pattern, void *buf);

static ucontext_t main_ctx, tiny_ctx;
static long changed;
static char wake_buf;

static uint64_t page_hash(const uint8_t *page, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ page[i]) * 0x100000001b3ull;
	return h;
}

static void tiny_main(void)
{
	changed = stack_wait(SPAN_TINY, PATTERN, &wake_buf);
}

static int wait_on_tiny_stack(size_t page)
{
	uint8_t *area = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
			     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (area == MAP_FAILED || mprotect(area, page, PROT_NONE))
		return -errno;
	if (getcontext(&tiny_ctx))
		return -errno;
	tiny_ctx.uc_stack.ss_sp = area + page;
	tiny_ctx.uc_stack.ss_size = STACK_TINY;
	tiny_ctx.uc_link = &main_ctx;
	makecontext(&tiny_ctx, tiny_main, 0);
	return swapcontext(&main_ctx, &tiny_ctx) ? -errno : 0;
}

int main(int argc, char **argv)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	const uint8_t *code = (const uint8_t *)((uintptr_t)stack_wait & ~(uintptr_t)(page - 1));
	bool tiny = argc > 1 && !strcmp(argv[1], "--tiny-stack");
	struct itimerspec its = { .it_value.tv_sec = 3600 };
	uint64_t before;
	int ret = 0;

	for (int i = 0; i < 2; i++) {
		struct sigevent ev = { .sigev_notify = SIGEV_NONE };
		timer_t id;

		if (timer_create(CLOCK_MONOTONIC, &ev, &id) || timer_settime(id, 0, &its, NULL)) {
			printf("ERROR timer_create errno=%d\n", errno);
			return 1;
		}
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	before = page_hash(code, page);
	printf("READY %d\n", getpid());
	if (tiny)
		ret = wait_on_tiny_stack(page);
	else
		changed = stack_wait(SPAN, PATTERN, &wake_buf);
	if (ret) {
		printf("ERROR tiny stack errno=%d\n", -ret);
		return 1;
	}
	printf("RESULT stack=%ld code=%d\n", changed, page_hash(code, page) != before);
	return 0;
}
