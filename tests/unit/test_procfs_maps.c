// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * lib/procfs_maps.c: the maps text, parsed line by line, and the lookups
 * read from it where the kernel has no PROCMAP_QUERY.  A regular file
 * answers the ioctl with ENOTTY, as such a kernel's maps does.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "procfs_maps.h"

static char path[64];

static int maps_file(const char *text)
{
	int fd;

	snprintf(path, sizeof(path), "/tmp/ptimer-maps-XXXXXX");
	fd = mkstemp(path);
	cr_assert_geq(fd, 0, "mkstemp: %s", strerror(errno));
	unlink(path);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	return fd;
}

#define BAD 0, 0, false, false

Test(procfs_maps, parse_line_table)
{
	static const struct {
		const char *line;
		int ret;
		uint64_t start, end;
		bool exec, shared;
	} cases[] = {
		{ "55d0c6a1a000-55d0c6a1c000 r-xp 00002000 fd:01 1234     /usr/bin/cat",
		  0, 0x55d0c6a1a000, 0x55d0c6a1c000, true, false },
		{ "7f0000000000-7f0000001000 rwxs 00000000 00:01 5 /memfd:jit (deleted)",
		  0, 0x7f0000000000, 0x7f0000001000, true, true },
		{ "7ffc1000-7ffc2000 rw-p 00000000 00:00 0                          [stack]",
		  0, 0x7ffc1000, 0x7ffc2000, false, false },
		{ "1000-2000 r--s 00000000 00:00 0", 0, 0x1000, 0x2000, false, true },
		{ "1000-2000 ---p 00000000 00:00 0\n", 0, 0x1000, 0x2000, false, false },
		/* Not a line of maps. */
		{ "", -EINVAL, BAD },
		{ "1000-2000 r-xp", -EINVAL, BAD },
		{ "1000-2000 r-xp 00000000 00:00", -EINVAL, BAD },
		{ "2000-1000 r-xp 00000000 00:00 0", -EINVAL, BAD },
		{ "1000-1000 r-xp 00000000 00:00 0", -EINVAL, BAD },
		{ "1000-2000 rxwp 00000000 00:00 0", -EINVAL, BAD },
		{ "1000-2000 r-xq 00000000 00:00 0", -EINVAL, BAD },
		{ "1000-2000 r-xp 00000000 00:00 0x", -EINVAL, BAD },
		{ "1000 2000 r-xp 00000000 00:00 0", -EINVAL, BAD },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct procfs_vma v = { 0 };
		int ret = procfs_maps_parse_line(cases[i].line, &v);

		cr_expect_eq(ret, cases[i].ret, "'%s': %d", cases[i].line, ret);
		if (ret || cases[i].ret)
			continue;
		cr_expect_eq(v.start, cases[i].start, "'%s'", cases[i].line);
		cr_expect_eq(v.end, cases[i].end, "'%s'", cases[i].line);
		cr_expect_eq(v.exec, cases[i].exec, "'%s'", cases[i].line);
		cr_expect_eq(v.shared, cases[i].shared, "'%s'", cases[i].line);
	}
}

#define TEXT \
	"1000-3000 rwxs 00000000 00:01 5 /memfd:jit (deleted)\n" \
	"3000-4000 r--p 00000000 fd:01 7 /usr/bin/x\n" \
	"4000-6000 r-xp 00001000 fd:01 7 /usr/bin/x\n" \
	"8000-9000 rw-p 00000000 00:00 0 [stack]\n"

Test(procfs_maps, lookups_in_the_text)
{
	struct procfs_maps m = { .fd = maps_file(TEXT) };
	struct procfs_vma v;

	cr_assert_eq(procfs_maps_at(&m, 0x1800, &v), 0);
	cr_expect(m.no_query, "a regular file answers ENOTTY");
	cr_expect(v.start == 0x1000 && v.end == 0x3000 && v.exec && v.shared);
	cr_assert_eq(procfs_maps_at(&m, 0x5fff, &v), 0);
	cr_expect(v.start == 0x4000 && v.exec && !v.shared);
	cr_expect_eq(procfs_maps_at(&m, 0x6000, &v), -ENOENT, "between mappings");
	cr_expect_eq(procfs_maps_at(&m, 0x9000, &v), -ENOENT, "above the last");
	cr_expect_eq(procfs_maps_at(&m, 0x800, &v), -ENOENT, "below the first");
	cr_assert_eq(procfs_maps_private_exec(&m, 0, &v), 0);
	cr_expect(v.start == 0x4000, "the shared one passed over, not 0x%llx",
		  (unsigned long long)v.start);
	cr_expect_eq(procfs_maps_private_exec(&m, 0x6000, &v), -ENOENT);
	procfs_maps_end(&m);
	close(m.fd);
}

Test(procfs_maps, no_text_is_no_memory)
{
	struct procfs_maps m = { .fd = maps_file("") };
	struct procfs_vma v;

	cr_expect_eq(procfs_maps_at(&m, 0x1000, &v), -ESRCH);
	cr_expect_eq(procfs_maps_private_exec(&m, 0, &v), -ESRCH);
	procfs_maps_end(&m);
	close(m.fd);
}

Test(procfs_maps, a_bad_line_is_an_error)
{
	struct procfs_maps m = { .fd = maps_file("1000-2000 r-xp 0 00:00 0\nnonsense\n") };
	struct procfs_vma v;

	cr_expect_eq(procfs_maps_at(&m, 0x5000, &v), -EINVAL);
	procfs_maps_end(&m);
	close(m.fd);
}

/* This process's own maps, through the kernel's query where it has one. */
Test(procfs_maps, own_code_and_stack)
{
	struct procfs_maps m = { .fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC) };
	struct procfs_vma v;
	int local;

	cr_assert_geq(m.fd, 0);
	cr_assert_eq(procfs_maps_at(&m, (uint64_t)(uintptr_t)&maps_file, &v), 0);
	cr_expect(v.exec && !v.shared);
	cr_assert_eq(procfs_maps_at(&m, (uint64_t)(uintptr_t)&local, &v), 0);
	cr_expect(!v.exec && !v.shared);
	cr_assert_eq(procfs_maps_private_exec(&m, 0, &v), 0);
	cr_expect(v.exec && !v.shared);
	procfs_maps_end(&m);
	close(m.fd);
}

/*
 * A shared executable mapping below every other (a JIT's code mapped
 * from a memfd) is passed over by the kernel's query as by the text.
 */
Test(procfs_maps, a_low_shared_exec_mapping_is_passed_over)
{
	struct procfs_maps m = { .fd = open("/proc/self/maps", O_RDONLY | O_CLOEXEC) };
	long page = sysconf(_SC_PAGESIZE);
	int memfd = memfd_create("jit", MFD_CLOEXEC);
	void *low = (void *)(uintptr_t)(1UL << 24);
	struct procfs_vma v;
	void *code;

	cr_assert_geq(m.fd, 0);
	cr_assert_geq(memfd, 0);
	cr_assert_eq(ftruncate(memfd, page), 0);
	code = mmap(low, (size_t)page, PROT_READ | PROT_EXEC, MAP_SHARED | MAP_FIXED_NOREPLACE,
		    memfd, 0);
	if (code != low)
		cr_skip_test("no room at %p for the shared mapping", low);
	cr_assert_eq(procfs_maps_private_exec(&m, 0, &v), 0);
	cr_expect(v.start != (uint64_t)(uintptr_t)low && v.exec && !v.shared, "0x%llx",
		  (unsigned long long)v.start);
	cr_assert_eq(procfs_maps_at(&m, (uint64_t)(uintptr_t)low, &v), 0);
	cr_expect(v.exec && v.shared);
	munmap(code, (size_t)page);
	close(memfd);
	procfs_maps_end(&m);
	close(m.fd);
}
