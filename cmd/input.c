// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* Reading input: a dump from a file or standard input, bounded in size. */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

int cli_read_input(const char *path, size_t limit, char **buf, size_t *len)
{
	/* Closed by whether we opened it: with stdin closed, open() gives fd 0. */
	bool opened = strcmp(path, "-");
	size_t cap = 65536, used = 0;
	char *data, *grown;
	struct stat st;
	int fd, ret;

	fd = opened ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	if (fd < 0)
		return -errno;
	/*
	 * A regular file is read into a buffer of its size, one byte more
	 * to see it end: doubling from 64 KiB would hold up to twice a big
	 * dump at the last copy.
	 */
	if (!fstat(fd, &st) && S_ISREG(st.st_mode) && st.st_size > 0) {
		if ((uint64_t)st.st_size > limit) {
			ret = -EFBIG;
			goto close_fd;
		}
		if ((size_t)st.st_size + 1 > cap)
			cap = (size_t)st.st_size + 1;
	}
	data = malloc(cap + 1);
	if (!data) {
		ret = -ENOMEM;
		goto close_fd;
	}
	for (;;) {
		size_t want;
		ssize_t got;

		/*
		 * Read one byte past the limit, to tell "at" from "over", and
		 * no more: a pipe that goes on would otherwise fill a buffer
		 * doubled past the limit (256 MiB for 144).
		 */
		if (used > limit) {
			ret = -EFBIG;
			goto free_data;
		}
		if (used == cap) {
			want = cap * 2 > limit + 1 ? limit + 1 : cap * 2;
			grown = realloc(data, want + 1);
			if (!grown) {
				ret = -ENOMEM;
				goto free_data;
			}
			data = grown;
			cap = want;
		}
		want = cap - used;
		if (want > limit + 1 - used)
			want = limit + 1 - used;
		got = read(fd, data + used, want);
		if (got < 0) {
			if (errno == EINTR)
				continue;
			ret = -errno;
			goto free_data;
		}
		if (got == 0)
			break;
		used += got;
	}
	if (used > limit) {
		ret = -EFBIG;
		goto free_data;
	}
	data[used] = '\0';
	*buf = data;
	*len = used;
	ret = 0;
	goto close_fd;

free_data:
	free(data);
close_fd:
	if (opened)
		close(fd);
	return ret;
}

int cli_load_dump(const char *path, struct ptimer_dump **dump)
{
	const char *name = strcmp(path, "-") ? path : "stdin";
	size_t len;
	char *text;
	int ret;

	if (!strcmp(path, "-") && isatty(STDIN_FILENO)) {
		cli_error(0, "no dump to read: stdin is a terminal; use -i FILE or a pipe");
		return EXIT_USAGE;
	}
	ret = cli_read_input(path, PTIMER_JSON_MAX_BYTES, &text, &len);
	if (ret == -EFBIG) {
		cli_error(0, "%s: larger than the %u-byte limit", name, PTIMER_JSON_MAX_BYTES);
		return EXIT_BAD_INPUT;
	}
	if (ret) {
		cli_error(ret, "cannot read '%s'", name);
		return EXIT_FAILURE_GENERIC;
	}
	ret = ptimer_dump_from_json(cli.ctx, text, len, dump);
	free(text);
	if (ret) {
		cli_error(0, "%s: %s", name, ptimer_last_error(cli.ctx));
		return EXIT_BAD_INPUT;
	}
	return EXIT_OK;
}
