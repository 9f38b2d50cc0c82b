// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * The lock is an abstract unix socket's name, which one socket at a time
 * may hold, and which no file mode or /tmp policy stands between runs as
 * different users; the kernel lets it go with the socket, however its
 * holder ends.
 */
#include <criterion/criterion.h>
#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "cpu_lock.h"
#include "harness.h"

int cpu_lock_take(void)
{
	static const char name[] = "\0ptimerctl-tests-cpu-hog";
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	socklen_t len = offsetof(struct sockaddr_un, sun_path) + sizeof(name) - 1;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	cr_assert_geq(fd, 0, "the CPU lock: %s", strerror(errno));
	memcpy(sa.sun_path, name, sizeof(name) - 1);
	for (int64_t end = harness_deadline(120000); bind(fd, (struct sockaddr *)&sa, len);) {
		cr_assert_eq(errno, EADDRINUSE, "the CPU lock: %s", strerror(errno));
		cr_assert_lt(clock_ns(CLOCK_MONOTONIC), end, "the CPU lock is never free");
		sleep_ms(10);
	}
	return fd;
}
