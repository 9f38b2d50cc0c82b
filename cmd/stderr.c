// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * Standard error that never blocks while a target is held.  A pipe that
 * nobody reads (2>&1 | less, paused), a terminal stopped by Ctrl-S, or a
 * stalled ssh session would block a write(2) for as long as it pleases,
 * with the target stopped throughout; a terminating signal only sets a
 * flag (signals.c) and the write restarts, so nothing would get the
 * target out but SIGKILL, which may harm it (ptimerctl(1)).
 *
 * So, while held, a message goes out only as far as stderr takes it at
 * once; the rest, and every message after it, waits in order in a buffer
 * of its own until the target is let go.  A progress frame that cannot go
 * out at once is skipped: the next one says more.  Once a terminating
 * signal came, what stderr does not take at once is dropped, held or not:
 * a second signal, the only way out of a blocked write then, would kill
 * ptimerctl with the target safe but its exit status lost.
 */
#include <errno.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* Held messages beyond this are counted, not kept: -v on a stalled pipe. */
#define HELD_MAX	(64 * 1024)
/*
 * Written a piece at a time, each after a look: a pipe that polls
 * writable has a free page, which takes a write this size whole; a
 * terminal, room for at least this much.
 */
#define PIECE		256

static struct {
	bool on;		/* a target is held */
	char *buf;
	size_t len, cap;
	size_t dropped;		/* bytes not kept */
} held;

static bool takes_now(void)
{
	struct pollfd p = { .fd = STDERR_FILENO, .events = POLLOUT };
	int n;

	do
		n = poll(&p, 1, 0);
	while (n < 0 && errno == EINTR);
	/* An error or a hang-up fails a write at once: that does not block either. */
	return n == 1;
}

/* Write what stderr takes without blocking; how much that was. */
static size_t write_unblocked(const char *s, size_t len)
{
	size_t done = 0;

	while (done < len && takes_now()) {
		size_t n = len - done < PIECE ? len - done : PIECE;
		ssize_t w = write(STDERR_FILENO, s + done, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return len;	/* a broken stderr: dropped, as when not held */
		done += (size_t)w;
	}
	return done;
}

static void write_all(const char *s, size_t len)
{
	while (len) {
		ssize_t w = write(STDERR_FILENO, s, len);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return;
		s += w;
		len -= (size_t)w;
	}
}

static void hold_back(const char *s, size_t len)
{
	if (held.len + len > held.cap && held.len + len <= HELD_MAX) {
		size_t cap = held.cap ? held.cap : 4096;
		char *grown;

		while (cap < held.len + len)
			cap *= 2;
		grown = realloc(held.buf, cap);
		if (grown) {
			held.buf = grown;
			held.cap = cap;
		}
	}
	if (held.len + len > held.cap) {
		held.dropped += len;
		return;
	}
	memcpy(held.buf + held.len, s, len);
	held.len += len;
}

void cli_stderr_write(const char *s, size_t len)
{
	size_t done = 0;

	if (!held.on && !cli_interrupted) {
		write_all(s, len);
		return;
	}
	if (!held.on) {
		write_unblocked(s, len);
		return;
	}
	if (!held.len && !held.dropped)
		done = write_unblocked(s, len);
	if (done < len)
		hold_back(s + done, len - done);
}

bool cli_stderr_try(const char *s, size_t len)
{
	if (held.on && (len > PIECE || held.len || held.dropped || !takes_now()))
		return false;
	return write(STDERR_FILENO, s, len) == (ssize_t)len;
}

void cli_stderr_hold(bool on)
{
	char note[128];
	int n;

	held.on = on;
	if (on)
		return;
	/* After a signal, what goes at once: the exit status matters more. */
	if (held.len)
		cli_stderr_write(held.buf, held.len);
	if (held.dropped) {
		n = snprintf(note, sizeof(note), "ptimerctl: %zu bytes of messages were dropped"
			     " while standard error took none\n", held.dropped);
		cli_stderr_write(note, (size_t)n);
	}
	free(held.buf);
	memset(&held, 0, sizeof(held));
}
