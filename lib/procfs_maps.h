/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* SPDX-FileCopyrightText: The ptimerctl authors */
/*
 * Which mapping of a process holds an address, and whether it is shared:
 * what the injector must know before it writes its code or data into a
 * stopped thread's memory.  Bytes written into a shared mapping
 * (MAP_SHARED; a memfd's, where a JIT maps its code twice) are seen at
 * once by every process that maps it, and reach its file; a forced write
 * into a private one, as a debugger's, gives the process a page of its
 * own and touches nothing else.
 */
#ifndef PTIMER_PROCFS_MAPS_H
#define PTIMER_PROCFS_MAPS_H

#include <stdbool.h>
#include <stdint.h>

struct procfs_vma {
	uint64_t start, end;
	bool exec;
	bool shared;		/* the 's' of the text: VM_MAYSHARE */
};

/*
 * Lookups through @fd, the maps of the process or of one of its threads,
 * opened before the stop (procfs_keep()): one PROCMAP_QUERY ioctl each
 * where the kernel has it (6.11 on), else the text, read once and kept
 * until procfs_maps_end(), which a change of the mappings calls for.
 */
struct procfs_maps {
	int fd;
	bool no_query;		/* the kernel would not answer the ioctl */
	char *text;
};

/*
 * The mapping holding @addr.  -ENOENT if none; -ESRCH if the maps show no
 * memory at all, as those of a leader that has exited while its threads
 * live on, or of a process since its exec, do: ask a thread's own.
 */
int procfs_maps_at(struct procfs_maps *m, uint64_t addr, struct procfs_vma *vma);
/* The first private executable mapping that ends above @from; -ENOENT if none. */
int procfs_maps_private_exec(struct procfs_maps *m, uint64_t from, struct procfs_vma *vma);
void procfs_maps_end(struct procfs_maps *m);

/* One line of the text, "start-end perms offset dev inode [name]"; -EINVAL if not one. */
int procfs_maps_parse_line(const char *line, struct procfs_vma *vma);

#endif
