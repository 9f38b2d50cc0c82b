// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* The mapping that holds an address: PROCMAP_QUERY, or the maps text. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "kabi.h"
#include "procfs.h"
#include "procfs_maps.h"

int procfs_maps_parse_line(const char *line, struct procfs_vma *vma)
{
	uint64_t start, end, offset, inode;
	unsigned int major, minor;
	char perms[4];
	int n = 0;

	if (sscanf(line, "%" SCNx64 "-%" SCNx64 " %c%c%c%c %" SCNx64 " %x:%x %" SCNu64 "%n",
		   &start, &end, &perms[0], &perms[1], &perms[2], &perms[3], &offset, &major,
		   &minor, &inode, &n) != 10 || start >= end)
		return -EINVAL;
	/* Then the name, if any, after blanks; nothing else. */
	if (line[n] && line[n] != ' ' && line[n] != '\t' && line[n] != '\n')
		return -EINVAL;
	if (!strchr("r-", perms[0]) || !strchr("w-", perms[1]) || !strchr("x-", perms[2]) ||
	    !strchr("ps", perms[3]))
		return -EINVAL;
	vma->start = start;
	vma->end = end;
	vma->exec = perms[2] == 'x';
	vma->shared = perms[3] == 's';
	return 0;
}

static int read_text(struct procfs_maps *m)
{
	int ret;

	if (m->text)
		return 0;
	ret = procfs_reread(m->fd, &m->text, NULL);
	if (ret)
		return ret;
	/* Every process that runs has mappings: no text, no memory. */
	if (!m->text[0]) {
		free(m->text);
		m->text = NULL;
		return -ESRCH;
	}
	return 0;
}

/*
 * In the text, which lists the mappings by address: the one holding
 * @addr (@covering), or the first private executable one that ends
 * above it.
 */
static int text_find(struct procfs_maps *m, uint64_t addr, bool covering,
		     struct procfs_vma *vma)
{
	const char *line, *next;
	int ret;

	ret = read_text(m);
	if (ret)
		return ret;
	for (line = m->text; *line; line = next) {
		const char *nl = strchr(line, '\n');
		struct procfs_vma v;

		next = nl ? nl + 1 : line + strlen(line);

		ret = procfs_maps_parse_line(line, &v);
		if (ret)
			return ret;
		if (v.end <= addr)
			continue;
		if (covering)
			return v.start <= addr ? (*vma = v, 0) : -ENOENT;
		if (v.exec && !v.shared) {
			*vma = v;
			return 0;
		}
	}
	return -ENOENT;
}

static int query(struct procfs_maps *m, uint64_t addr, uint64_t flags, struct procfs_vma *vma)
{
	struct kprocmap_query q = {
		.size = sizeof(q),
		.query_flags = flags,
		.query_addr = addr,
	};

	if (ioctl(m->fd, KPROCMAP_QUERY, &q) < 0) {
		/*
		 * ENOTTY before 6.11; any answer but "no such mapping" and
		 * "no memory" (a security module's refusal, an emulation's
		 * EINVAL) leaves the text to read.
		 */
		if (errno != ENOENT && errno != ESRCH && errno != EINTR)
			m->no_query = true;
		return -errno;
	}
	vma->start = q.vma_start;
	vma->end = q.vma_end;
	vma->exec = q.vma_flags & KPROCMAP_QUERY_VMA_EXECUTABLE;
	vma->shared = q.vma_flags & KPROCMAP_QUERY_VMA_SHARED;
	return 0;
}

int procfs_maps_at(struct procfs_maps *m, uint64_t addr, struct procfs_vma *vma)
{
	int ret;

	if (!m->no_query) {
		ret = query(m, addr, 0, vma);
		if (!m->no_query)
			return ret;
	}
	return text_find(m, addr, true, vma);
}

int procfs_maps_private_exec(struct procfs_maps *m, uint64_t from, struct procfs_vma *vma)
{
	const uint64_t flags = KPROCMAP_QUERY_VMA_EXECUTABLE | KPROCMAP_QUERY_COVERING_OR_NEXT_VMA;
	uint64_t addr = from;
	int ret;

	while (!m->no_query) {
		ret = query(m, addr, flags, vma);
		if (m->no_query)
			break;
		if (ret || !vma->shared)
			return ret;
		addr = vma->end;
	}
	return text_find(m, from, false, vma);
}

void procfs_maps_end(struct procfs_maps *m)
{
	free(m->text);
	m->text = NULL;
}
