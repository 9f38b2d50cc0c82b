// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * proc_timers - tests and benchmark for "proc: Read /proc/$PID/timers in
 * linear time"
 *
 * Usage: proc_timers --expect=linear|walk
 *        proc_timers --bench N...
 *
 * A holder child creates the timers of a scenario and then obeys commands
 * on a pipe (delete or create timers between two read() calls of the
 * parent). The parent reads /proc/HOLDER/timers and checks:
 *
 *  - every read size (1, 333, 4096 bytes and one big read) gives the same
 *    bytes, for dense, sparse and churned (list order != ID order) sets;
 *  - timers deleted at or after the point where a read() stopped are
 *    left out, and nothing else changes;
 *  - timers deleted or created before that point: the old walk from the
 *    head skips or repeats timers (--expect=walk requires that it does,
 *    which shows the test can tell), the linear read does not;
 *  - reading from the start again shows timers created since.
 *
 * For each scenario it prints "# sum SCENARIO=HASH" over the output with
 * PIDs masked; vm-check compares these sums between the unpatched and the
 * patched kernel of one base, which must be equal.
 *
 * --bench creates N timers and times reading them all the way cat does
 * (128 KiB reads). Run as root: it raises RLIMIT_SIGPENDING, which every
 * timer is charged against (the guest's default allows about 1900).
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/wait.h>

#include "ksys.h"
#include "ktap.h"

#define BIG	(16 << 20)

struct holder {
	pid_t pid;
	int cmd, ack;		/* pipes: parent -> holder, holder -> parent */
	char path[64];
};

static int make_timer(int n)
{
	static const clockid_t clk[] = { CLOCK_MONOTONIC, CLOCK_REALTIME,
					 CLOCK_BOOTTIME,
					 CLOCK_PROCESS_CPUTIME_ID };
	struct sigevent sev;
	int id = -1;

	/* A mix of notifications, all with deterministic values */
	memset(&sev, 0, sizeof(sev));
	switch (n % 3) {
	case 0:
		sev.sigev_notify = SIGEV_NONE;
		sev.sigev_value.sival_int = n * 3;
		break;
	case 1:
		sev.sigev_notify = SIGEV_SIGNAL;
		sev.sigev_signo = SIGRTMIN + 1;
		sev.sigev_value.sival_int = n;
		break;
	default:
		return ktimer_create(clk[n % 4], NULL, &id) ? -1 : id;
	}
	return ktimer_create(clk[n % 4], &sev, &id) ? -1 : id;
}

enum scenario { DENSE, SPARSE, CHURNED };

static void holder_main(enum scenario sc, int n, int cmd, int ack)
{
	unsigned int seed = 12345;
	char c = 'r';
	int i, id;

	signal(SIGRTMIN + 1, SIG_IGN);
	for (i = 0; i < n; i++)
		if (make_timer(i) < 0)
			_exit(3);
	if (sc == SPARSE) {
		/* keep about one in seven, in a fixed pseudo-random pattern */
		for (i = 0; i < n; i++) {
			seed = seed * 1103515245 + 12345;
			if ((seed >> 16) % 7)
				ktimer_delete(i);
		}
	} else if (sc == CHURNED) {
		/* delete and create in rounds: list order is not ID order */
		for (i = 0; i < n; i += 3)
			ktimer_delete(i);
		for (i = 0; i < n / 2; i++)
			if (make_timer(n + i) < 0)
				_exit(3);
		for (i = 1; i < n; i += 5)
			ktimer_delete(i);
	}
	if (write(ack, &c, 1) != 1)
		_exit(4);
	/* commands: "D<id>" deletes, "C" creates one timer, EOF ends */
	for (;;) {
		char buf[32];
		ssize_t r = read(cmd, buf, sizeof(buf) - 1);

		if (r <= 0)
			_exit(0);
		buf[r] = 0;
		if (buf[0] == 'D' && sscanf(buf + 1, "%d", &id) == 1)
			c = ktimer_delete(id) ? 'e' : 'k';
		else if (buf[0] == 'C')
			c = make_timer(1000000) < 0 ? 'e' : 'k';
		else
			c = '?';
		if (write(ack, &c, 1) != 1)
			_exit(4);
	}
}

static int holder_start(struct holder *h, enum scenario sc, int n)
{
	int cmd[2], ack[2];
	char c;

	if (pipe(cmd) || pipe(ack))
		return -1;
	h->pid = fork();
	if (h->pid < 0)
		return -1;
	if (h->pid == 0) {
		close(cmd[1]);
		close(ack[0]);
		holder_main(sc, n, cmd[0], ack[1]);
	}
	close(cmd[0]);
	close(ack[1]);
	h->cmd = cmd[1];
	h->ack = ack[0];
	snprintf(h->path, sizeof(h->path), "/proc/%d/timers", h->pid);
	return read(h->ack, &c, 1) == 1 && c == 'r' ? 0 : -1;
}

static int holder_cmd(struct holder *h, const char *fmt, int arg)
{
	char buf[32], c;
	int len = snprintf(buf, sizeof(buf), fmt, arg);

	if (write(h->cmd, buf, len) != len || read(h->ack, &c, 1) != 1)
		return -1;
	return c == 'k' ? 0 : -1;
}

static void holder_stop(struct holder *h)
{
	close(h->cmd);
	close(h->ack);
	waitpid(h->pid, NULL, 0);
}

/* Read all of @path with read()s of @chunk bytes; returns the length. */
static long read_all(const char *path, char *buf, size_t chunk)
{
	long len = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY);

	if (fd < 0)
		return -1;
	while ((r = read(fd, buf + len, chunk)) > 0 && len + r < BIG - (long)chunk)
		len += r;
	close(fd);
	return r < 0 ? -1 : len;
}

/* FNV-1a over @buf with the decimal number after "pid." and "tid." masked */
static uint64_t sum(const char *buf, long len)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	long i;

	for (i = 0; i < len; i++) {
		h = (h ^ (unsigned char)buf[i]) * 0x100000001b3ULL;
		if (i >= 3 && buf[i] == '.' && (!strncmp(buf + i - 3, "pid", 3) ||
						!strncmp(buf + i - 3, "tid", 3)))
			while (i + 1 < len && buf[i + 1] >= '0' && buf[i + 1] <= '9')
				i++;
	}
	return h;
}

/* IDs in listing order */
static int ids_of(const char *buf, long len, int *ids, int max)
{
	const char *p = buf, *end = buf + len;
	int n = 0;

	while (p < end && n < max) {
		if (!strncmp(p, "ID: ", 4))
			ids[n++] = atoi(p + 4);
		p = memchr(p, '\n', end - p);
		if (!p)
			break;
		p++;
	}
	return n;
}

static int contains(const int *ids, int n, int id)
{
	int i;

	for (i = 0; i < n; i++)
		if (ids[i] == id)
			return 1;
	return 0;
}

static char *want, *got;
static int want_ids[200000], got_ids[200000];

static void t_read_sizes(struct ktap *t, const char *name, enum scenario sc,
			 int n)
{
	static const size_t sizes[] = { 1, 333, 4096 };
	struct holder h;
	long wlen, glen;
	unsigned int i;
	int ok = 1;

	if (holder_start(&h, sc, n)) {
		ktap_result(t, 0, "%s: holder failed to create its timers", name);
		return;
	}
	wlen = read_all(h.path, want, BIG / 2);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		glen = read_all(h.path, got, sizes[i]);
		if (glen != wlen || memcmp(want, got, wlen)) {
			printf("#   %s: read(%zu) gave %ld bytes, one read %ld\n",
			       name, sizes[i], glen, wlen);
			ok = 0;
		}
	}
	holder_stop(&h);
	printf("#   %s: %d timers, %ld bytes\n", name,
	       ids_of(want, wlen, want_ids, 200000), wlen);
	printf("# sum %s=%016llx\n", name, (unsigned long long)sum(want, wlen));
	ktap_result(t, ok && wlen > 0,
		    "%s: read sizes 1, 333, 4096 and one read give the same bytes",
		    name);
}

enum change { DEL_AHEAD, DEL_RESUME, DEL_SHOWN, CREATE };

/*
 * Read in 1-byte read()s and change the list after every 50th record.
 * Each start() of the seq_file then formats one record, the read()s that
 * follow drain it, and the read() that returns its last byte starts again
 * at the next record: every record boundary is a restart. Changing the list at
 * record counts, not at read() sizes, keeps the change points the same
 * whatever the PIDs' lengths, so both kernels' outputs can be compared.
 * Returns the number of timers that the read skipped or repeated although
 * they existed throughout; -1 on error.
 */
static int changed_read(enum change ch, const char *name, uint64_t *hsum)
{
	struct holder h;
	int nw, ng, shown = 0, lines = 0, next, i, deleted[4096], nd = 0;
	int bad = 0, done = 0;
	long wlen, glen = 0;
	ssize_t r;
	int fd;

	if (holder_start(&h, DENSE, 3000))
		return -1;
	wlen = read_all(h.path, want, BIG / 2);
	nw = ids_of(want, wlen, want_ids, 200000);
	fd = open(h.path, O_RDONLY);
	if (fd < 0)
		return -1;
	while ((r = read(fd, got + glen, 1)) > 0) {
		/* a record is 4 lines: ID, signal, notify, ClockID */
		if (got[glen++] == '\n' && ++lines % 4 == 0)
			shown++;
		if (shown == done || shown % 50)
			continue;
		done = shown;
		ids_of(got, glen, got_ids, 200000);
		/*
		 * The read() that returned the last byte of a record has
		 * already formatted the next one into the seq_file buffer
		 * and stopped at the one after: want_ids[next] is where the
		 * next start() continues.
		 */
		for (next = 0; next < nw; next++)
			if (want_ids[next] == got_ids[shown - 1])
				break;
		for (i = 0; i < 2; i++) {
			next++;
			while (next < nw && contains(deleted, nd, want_ids[next]))
				next++;
		}
		if (next >= nw)
			continue;
		switch (ch) {
		case DEL_AHEAD:
			if (next + 2 < nw && nd < 4096 &&
			    !holder_cmd(&h, "D%d", want_ids[next + 2]))
				deleted[nd++] = want_ids[next + 2];
			break;
		case DEL_RESUME:
			if (nd < 4096 && !holder_cmd(&h, "D%d", want_ids[next]))
				deleted[nd++] = want_ids[next];
			break;
		case DEL_SHOWN:
			if (nd < 4096 && !holder_cmd(&h, "D%d", want_ids[nd])) {
				deleted[nd] = want_ids[nd];
				nd++;
			}
			break;
		case CREATE:
			holder_cmd(&h, "C", 0);
			break;
		}
	}
	close(fd);
	holder_stop(&h);
	ng = ids_of(got, glen, got_ids, 200000);
	/* each timer that was never deleted must appear exactly once */
	for (i = 0; i < nw; i++) {
		int k, seen = 0;

		if (ch != DEL_SHOWN && contains(deleted, nd, want_ids[i]))
			continue;
		for (k = 0; k < ng; k++)
			seen += got_ids[k] == want_ids[i];
		bad += seen != 1;
	}
	/* and nothing deleted ahead of the read may appear */
	for (i = 0; ch != DEL_SHOWN && ch != CREATE && i < ng; i++)
		bad += contains(deleted, nd, got_ids[i]);
	printf("#   %s: %d timers, %d read back, %d changes, %d skipped or repeated\n",
	       name, nw, ng, ch == CREATE ? -1 : nd, bad);
	*hsum = sum(got, glen);
	return bad;
}

static void t_changes(struct ktap *t, int linear)
{
	static const struct {
		enum change ch;
		const char *name;
		int walk_breaks;	/* the old walk from the head fails */
	} c[] = {
		{ DEL_AHEAD, "delete-ahead", 0 },
		{ DEL_RESUME, "delete-resume-point", 0 },
		{ DEL_SHOWN, "delete-shown", 1 },
		{ CREATE, "create-between-reads", 1 },
	};
	unsigned int i;
	uint64_t h;
	int bad;

	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		bad = changed_read(c[i].ch, c[i].name, &h);
		if (!c[i].walk_breaks)
			printf("# sum %s=%016llx\n", c[i].name,
			       (unsigned long long)h);
		if (bad < 0)
			ktap_result(t, 0, "%s: setup failed", c[i].name);
		else if (linear || !c[i].walk_breaks)
			ktap_result(t, bad == 0,
				    "%s: every timer listed once, deleted ones left out",
				    c[i].name);
		else
			ktap_result(t, bad > 0,
				    "%s: the old walk skips or repeats timers (%d)",
				    c[i].name, bad);
	}
}

/*
 * A read from the start after the end was reached shows the timers
 * created since, on the same open file: pread() at 0 of a list that was
 * empty, and lseek() to 0 after reading to the end.
 */
static void t_reread(struct ktap *t)
{
	struct holder h;
	ssize_t r;
	int fd, n0, n1, n2;

	if (holder_start(&h, DENSE, 0)) {
		ktap_result(t, 0, "reread: holder failed");
		return;
	}
	fd = open(h.path, O_RDONLY);
	r = read(fd, got, 4096);
	n0 = r < 0 ? -1 : ids_of(got, r, got_ids, 200000);
	holder_cmd(&h, "C", 0);
	holder_cmd(&h, "C", 0);
	r = pread(fd, got, 4096, 0);
	n1 = r < 0 ? -1 : ids_of(got, r, got_ids, 200000);
	while (read(fd, got, 4096) > 0)
		;
	holder_cmd(&h, "C", 0);
	lseek(fd, 0, SEEK_SET);
	r = read(fd, got, 4096);
	n2 = r < 0 ? -1 : ids_of(got, r, got_ids, 200000);
	close(fd);
	holder_stop(&h);
	printf("#   reread: %d, then %d after 2 creates, %d after 1 more\n",
	       n0, n1, n2);
	ktap_result(t, n0 == 0 && n1 == 2 && n2 == 3,
		    "reread: reading from the start again shows new timers");
}

static int bench(int argc, char **argv)
{
	struct timespec a, b;
	struct holder h;
	long len;
	int i, n;

	for (i = 0; i < argc; i++) {
		n = atoi(argv[i]);
		if (holder_start(&h, DENSE, n)) {
			printf("# bench: n=%d: cannot create the timers\n", n);
			return 1;
		}
		clock_gettime(CLOCK_MONOTONIC, &a);
		len = read_all(h.path, got, 128 << 10);
		clock_gettime(CLOCK_MONOTONIC, &b);
		holder_stop(&h);
		printf("# bench: n=%d bytes=%ld seconds=%.3f\n", n, len,
		       b.tv_sec - a.tv_sec + (b.tv_nsec - a.tv_nsec) / 1e9);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct rlimit rl = { RLIM_INFINITY, RLIM_INFINITY };
	struct ktap t;
	int linear;

	setvbuf(stdout, NULL, _IOLBF, 0);
	/* every timer is charged against RLIMIT_SIGPENDING */
	if (setrlimit(RLIMIT_SIGPENDING, &rl))
		printf("# proc_timers: cannot raise RLIMIT_SIGPENDING: %s\n",
		       strerror(errno));
	want = malloc(BIG);
	got = malloc(BIG);
	if (!want || !got)
		return 2;
	if (argc >= 2 && !strcmp(argv[1], "--bench"))
		return bench(argc - 2, argv + 2);
	if (argc != 2 || (strcmp(argv[1], "--expect=linear") &&
			  strcmp(argv[1], "--expect=walk"))) {
		fprintf(stderr, "usage: %s --expect=linear|walk | --bench N...\n",
			argv[0]);
		return 2;
	}
	linear = !strcmp(argv[1], "--expect=linear");
	ktap_begin(&t, "proc_timers");
	t_read_sizes(&t, "dense", DENSE, 3000);
	t_read_sizes(&t, "sparse", SPARSE, 7000);
	t_read_sizes(&t, "churned", CHURNED, 3000);
	t_changes(&t, linear);
	t_reread(&t);
	return ktap_end(&t);
}
