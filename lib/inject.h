/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * Running system calls inside a seized thread.
 *
 * inject_begin() saves the thread's registers and signal mask, blocks all
 * signals, and finds room for the blob and a data region: for a small job
 * a slot of the code page it stopped in, borrowed only while each call
 * runs, and its stack below the red zone; otherwise a scratch mapping,
 * mapped through a "syscall; trap" site written over the code at its ip.
 * inject_end() undoes each of those in reverse, on every path.
 *
 * Every call returns two results: the function's own return says whether
 * the injection worked (0 or -errno); the target syscall's return value
 * comes back through @ret.
 */
#ifndef PTIMER_INJECT_H
#define PTIMER_INJECT_H

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#include "arch.h"
#include "blob_abi.h"
#include "seize.h"

/*
 * The most signals held at once: each number of ksig_forced() (six),
 * once for the thread's queue and once for the process's.
 */
#define INJECT_HELD_MAX	12

/* The most code a small job borrows from the target (the blob and a site). */
#define INJECT_SLOT_MAX	512

struct injector {
	struct seized_process *sp;
	pid_t tid;
	struct arch_regs saved_regs;
	uint64_t saved_sigmask;
	uint64_t site;		/* the syscall site in use: ip_site or map_site */
	/* Where borrowed code goes: beside the ip, unless its page is shared (inject.c) */
	uint64_t anchor;
	uint64_t stack_low;	/* data may go below the stack pointer down to here */
	bool restart_in_shared;	/* refused: its call's restart is in shared code */
	uint64_t ip_site;	/* beside the anchor, for mmap and munmap */
	uint8_t site_saved[ARCH_SYSCALL_SITE_LEN];	/* the code it covers */
	bool site_written;
	uint64_t map_site;	/* a copy in our mapping, for every other call */
	uint64_t map;		/* the injected mapping, or 0 */
	size_t map_len;
	uint64_t code;		/* where the blob runs: the mapping, or the slot */
	uint64_t data;		/* start of the data region */
	size_t data_len;
	/* A small job: no mapping, a slot of code and the stack (inject.c) */
	bool inline_code;
	bool slot_dirty;	/* putting the slot's code back failed once */
	uint64_t slot;		/* in the anchor's page */
	size_t slot_len;
	uint8_t slot_saved[INJECT_SLOT_MAX];	/* the code the slot covers */
	uint8_t *stack_saved;	/* the stack bytes the data region covers */
	/* What the data region holds, or is to hold once written (inject.c) */
	uint8_t *image;
	size_t dirty_from, dirty_to;	/* the bytes of image not written yet */
	bool image_read;	/* image is what the target holds, read since its last run */
	int memfd;		/* /proc/PID/mem, to write the slot, or -1 */
	bool parked;		/* waiting in its own registers and mask */
	/* Its syscall user dispatch selector, if any, and the byte it held (inject.c) */
	uint64_t sud_selector;
	uint8_t sud_saved;
	bool sud_allowed;	/* ALLOW written over it */
	/* The rseq_cs pointer of the thread's rseq area (inject.c) */
	uint64_t rseq_area;	/* its address, or 0: no rseq area */
	bool rseq_read;		/* its value is known */
	uint64_t rseq_cs;	/* the value, to put back */
	bool rseq_hidden;	/* 0 written over it */
	size_t page;		/* the target's page size */
	unsigned int syscalls;	/* statistics */
	unsigned int round_trips;
	/* One round trip per syscall, for comparison in the benchmark. */
	bool no_batch;
	/* Signals sent to the process that our code took, to put back (inject.c) */
	siginfo_t held[INJECT_HELD_MAX];
	unsigned int nheld;
	/* The run under way: where it starts, and the faults taken there (inject.c) */
	uint64_t run_entry;
	uint64_t entry_faults;
	/* Its registers where it was stopped past the timeout, if it was (inject.c) */
	struct arch_regs stopped_regs;
	bool stopped_regs_valid;
};

/*
 * How much data a job can have and still borrow the stopped thread's
 * stack instead of a mapping of its own (three round trips more): with
 * @sure, whatever the stack pointer's alignment; else at best.  0 when
 * the kernel does not say how much room a signal frame needs.
 */
size_t inject_stack_room(bool sure);
/* Sizes the data region for at least @data_len bytes. */
int inject_begin(struct injector *in, struct seized_process *sp, pid_t tid,
		 size_t data_len);
int inject_end(struct injector *in);

int inject_syscall(struct injector *in, long nr, long *ret,
		   uint64_t a0, uint64_t a1, uint64_t a2,
		   uint64_t a3, uint64_t a4, uint64_t a5);

/*
 * Run @batch, which already sits in the data region at @remote, inside the
 * target; read the results back into @batch.  A failed run (one stopped
 * past the timeout) still says how far it got: the first @batch->done
 * calls ran, their results in place, and no other did.  A run stopped
 * past the timeout once the batch had ended (its last call, or under
 * BLOB_BATCH_STOP_ON_ERROR one that failed) did all it was to: it
 * succeeds.
 */
int inject_batch(struct injector *in, struct blob_batch *batch, uint64_t remote);

/* Run the ID walk; @walk sits at @remote in the data region. */
int inject_walk(struct injector *in, struct blob_walk *walk, uint64_t remote);

int inject_write(struct injector *in, uint64_t addr, const void *buf, size_t len);
int inject_read(struct injector *in, uint64_t addr, void *buf, size_t len);

#endif
