/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * Reading /proc/PID/timers around a stop.  The kernel restarts its walk of
 * the timer list from the head on every read() of a page, so reading 96k
 * timers takes seconds: that read is made before the stop, and once the
 * process is stopped only the head of the file, the newest timers, is read
 * again.  See proc_head.c for why the result is exact.
 */
#ifndef PTIMER_PROC_HEAD_H
#define PTIMER_PROC_HEAD_H

#include <stdbool.h>
#include <stdint.h>

#include "ptimer.h"

/* What a read made while the process ran saw. */
struct proc_preread {
	struct ptimer_dump *d;	/* ascending by id, one record per id; NULL: none */
	uint32_t *len;		/* bytes of d->timers[i]'s record in the file */
	int anchor_max;		/* the highest ID the walk's first read() showed */
	/*
	 * The last walk's file, left at its end, and the records that walk
	 * showed: the kernel's position in the list (see proc_head_counted()).
	 */
	int eof_fd;
	bool eof_open;
	size_t eof_records;
	/*
	 * The file opened again, not read yet: proc_head_read() reads it,
	 * sparing the stopped process the open.  A seq_file walks the list
	 * at its first read(), not at open().
	 */
	int head_fd;
	bool head_open;
};

/*
 * Read the timers of a running process.  Anything odd in what it saw
 * leaves @pr->d NULL (a full read will be made once stopped); only
 * -ENOMEM is an error.
 */
int proc_preread(int dirfd, struct proc_preread *pr);
void proc_preread_free(struct proc_preread *pr);

/* The stopped read of the head. */
struct proc_head {
	int fd;			/* /proc/PID/timers, kept for the check */
	const struct proc_preread *pr;	/* the read before the stop, or NULL */
	size_t first;		/* dump->timers[first, nexact): the head */
	size_t nexact;		/* dump->timers[0, nexact): read while stopped */
	uint64_t head_bytes;	/* the bytes of the file those records make */
	bool complete;		/* the whole file was read while stopped */
	uint32_t *cand_len;	/* bytes of dump->timers[nexact + i] as seen before */
	size_t probed;		/* timers proc_head_counted() found past the old end */
	unsigned int err_line;	/* where the stopped read did not parse */
};

/*
 * With the process stopped, append to @dump the records at the head of
 * the file up to the first that @pr saw, then (unless the whole file was
 * read) every other timer of @pr as a candidate, which may have been
 * deleted since.  -errno only for what a full read would fail on too.
 */
int proc_head_read(int dirfd, struct proc_preread *pr, struct ptimer_dump *dump,
		   struct proc_head *h);
/*
 * Once the candidates that were deleted are dropped, whether the file,
 * still stopped, is exactly @bytes long: then the head and the surviving
 * candidates are all of it.
 */
bool proc_head_exact(struct proc_head *h, uint64_t bytes);
/*
 * The same proof by count, for candidates that the batch found alive,
 * every one of them, now in @dump->timers[h->nexact, dump->ntimers):
 * whether the list holds no timer besides those and the head.  Cheaper
 * than proc_head_exact(), and false (never wrong) when it cannot tell.
 */
bool proc_head_counted(struct proc_head *h, const struct ptimer_dump *dump);
void proc_head_close(struct proc_head *h);

/* proc_timers.c: parse a read made while the process ran. */
int proc_timers_parse_loose(const char *text, size_t len, struct ptimer_dump *dump,
			    uint32_t **rec_len);

#endif
