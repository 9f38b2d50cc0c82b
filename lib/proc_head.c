// SPDX-License-Identifier: LGPL-2.1-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * /proc/PID/timers around a stop, so that a dump of 96k timers stops the
 * process for the injected system calls and not for a quadratic read.
 *
 * The kernel lists a process's timers newest first (posix_timer_add()
 * puts a new timer at the head of signal->posix_timers) and never moves
 * one.  A read made while the process runs is no snapshot, though: each
 * read() of a page restarts the walk at a position, and a timer created
 * or deleted in between shifts the positions, so a record may come twice
 * or be skipped.  The read before the stop is therefore only a list of
 * candidates, and the result is made exact while stopped:
 *
 *  1. The head of the file is read, records as they are now, up to and
 *     including the read() that shows a timer older than the first
 *     read's walk (by ID: the counter only grows), and one read() more,
 *     which at the end of a short file makes the head the whole file.
 *  2. Every other candidate goes through the batched timer_gettime(),
 *     which runs anyway; a deleted one fails with EINVAL and is dropped.
 *     Timer IDs are allocated per process by a counter (since 3.10), so
 *     an ID names one timer unless 2^31 timers were made in between.
 *  3. Each surviving candidate is in the file now, after the head; so the
 *     file is the head plus exactly the survivors if and only if its
 *     length is the head's bytes plus theirs, every record having a
 *     length of its own fixed by its fields.  One lseek() to that length
 *     less a byte and one read() check it: the kernel walks the list once
 *     (linear), and the read returns the last '\n' and nothing more.
 *     When the batch has told which candidates survive, their count
 *     checks it more cheaply (proc_head_counted()), on the file of the
 *     read before the stop, left open at its end.
 *
 * A skipped record, a kernel that put new timers elsewhere than at the
 * head, anything unexpected: the check fails and the caller reads the
 * whole file while stopped, as it did before.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"
#include "procfs.h"
#include "proc_head.h"

#define HEAD_CHUNK	(64u << 10)

struct pre_rec {
	struct ptimer_timer t;
	uint32_t len;
};

static int pre_rec_cmp(const void *a, const void *b)
{
	const struct pre_rec *x = a, *y = b;

	return (x->t.id > y->t.id) - (x->t.id < y->t.id);
}

static bool same_record(const struct pre_rec *a, const struct pre_rec *b)
{
	return a->len == b->len && a->t.signo == b->t.signo && a->t.sigval == b->t.sigval &&
	       a->t.notify == b->t.notify && a->t.notify_pid == b->t.notify_pid &&
	       a->t.clockid == b->t.clockid;
}

static void close_eof(struct proc_preread *pr)
{
	if (pr->eof_open)
		close(pr->eof_fd);
	pr->eof_open = false;
}

void proc_preread_free(struct proc_preread *pr)
{
	ptimer_dump_free(pr->d);
	free(pr->len);
	pr->d = NULL;
	pr->len = NULL;
	close_eof(pr);
	if (pr->head_open)
		close(pr->head_fd);
	pr->head_open = false;
}

/* Sort by id and keep one record per id; two different ones: unusable. */
static int pre_dedup(struct proc_preread *pr)
{
	struct ptimer_dump *d = pr->d;
	struct pre_rec *v;
	size_t n = 0;

	v = malloc((d->ntimers ? d->ntimers : 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < d->ntimers; i++) {
		v[i].t = d->timers[i];
		v[i].len = pr->len[i];
	}
	qsort(v, d->ntimers, sizeof(*v), pre_rec_cmp);
	for (size_t i = 0; i < d->ntimers; i++) {
		if (n && v[n - 1].t.id == v[i].t.id) {
			if (!same_record(&v[n - 1], &v[i])) {
				free(v);
				return -EINVAL;
			}
			continue;
		}
		v[n++] = v[i];
	}
	for (size_t i = 0; i < n; i++) {
		d->timers[i] = v[i].t;
		pr->len[i] = v[i].len;
	}
	d->ntimers = n;
	free(v);
	return 0;
}

/*
 * The ID of the line of @s from @pos to @end, if it is a whole "ID: N"
 * line: a record's first; -1 for any other line.
 */
static int line_id(const char *s, size_t pos, size_t end)
{
	long long id = 0;
	size_t i;

	if (end - pos <= 4 || memcmp(s + pos, "ID: ", 4))
		return -1;
	for (i = pos + 4; i < end && s[i] >= '0' && s[i] <= '9' && id <= INT_MAX; i++)
		id = id * 10 + (s[i] - '0');
	return i == end && id <= INT_MAX ? (int)id : -1;
}

/* Max ID among whole records of @s; -1 if none. */
static int max_id(const char *s, size_t len)
{
	int max = -1;

	for (size_t pos = 0; pos < len;) {
		const char *nl = memchr(s + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - s) : len;
		int id = line_id(s, pos, end);

		if (id > max)
			max = id;
		pos = end + 1;
	}
	return max;
}

/*
 * Read the whole file; @first: the bytes the first read() returned, the
 * newest records as they were when the walk began.
 */
static int read_all(int dirfd, char **text, size_t *len, size_t *first, int *keep_fd)
{
	size_t cap = 2 * HEAD_CHUNK, used = 0;
	char *buf;
	int fd, ret = 0;

	*first = 0;
	fd = openat(dirfd, "timers", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	buf = malloc(cap);
	if (!buf) {
		ret = -ENOMEM;
		goto close_fd;
	}
	for (;;) {
		ssize_t got;

		if (cap - used < HEAD_CHUNK + 1) {
			char *grown = realloc(buf, cap * 2);

			if (!grown) {
				ret = -ENOMEM;
				goto close_fd;
			}
			buf = grown;
			cap *= 2;
		}
		got = read(fd, buf + used, HEAD_CHUNK);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			ret = -errno;
			break;
		}
		if (!got)
			break;
		if (!used)
			*first = (size_t)got;
		used += (size_t)got;
	}
	buf[used] = '\0';
close_fd:
	if (ret || !keep_fd)
		close(fd);
	if (ret) {
		free(buf);
		return ret;
	}
	if (keep_fd)
		*keep_fd = fd;
	*text = buf;
	*len = used;
	return 0;
}

/* The first read() of the file: its newest records. */
static int read_head_page(int dirfd, char **text, size_t *len)
{
	ssize_t got;
	int fd;

	*text = malloc(HEAD_CHUNK);
	if (!*text)
		return -ENOMEM;
	fd = openat(dirfd, "timers", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	do
		got = read(fd, *text, HEAD_CHUNK);
	while (got < 0 && errno == EINTR);
	close(fd);
	if (got < 0)
		return -EIO;
	*len = (size_t)got;
	return 0;
}

/* One walk of the running process's file, its records added to @pr. */
static int pre_pass(int dirfd, struct proc_preread *pr, char **first_text, size_t *first_len)
{
	uint32_t *lens, *grown;
	size_t len = 0, n0 = pr->d->ntimers;
	char *text = NULL;
	int ret, fd = -1;

	ret = read_all(dirfd, &text, &len, first_len, &fd);
	if (ret)
		return ret;
	close_eof(pr);
	pr->eof_fd = fd;
	pr->eof_open = true;
	ret = proc_timers_parse_loose(text, len, pr->d, &lens);
	if (ret)
		goto free_text;
	pr->eof_records = pr->d->ntimers - n0;
	grown = realloc(pr->len, (pr->d->ntimers ? pr->d->ntimers : 1) * sizeof(*grown));
	if (!grown) {
		free(lens);
		ret = -ENOMEM;
		goto free_text;
	}
	pr->len = grown;
	if (pr->d->ntimers > n0)
		memcpy(pr->len + n0, lens, (pr->d->ntimers - n0) * sizeof(*lens));
	free(lens);
	if (first_text) {
		*first_text = text;
		text = NULL;
	}
free_text:
	free(text);
	return ret;
}

int proc_preread(int dirfd, struct proc_preread *pr)
{
	char *first = NULL, *again = NULL;
	size_t first_len = 0, again_len = 0, unused;
	int ret;

	memset(pr, 0, sizeof(*pr));
	pr->d = ptimer_dump_new();
	if (!pr->d)
		return -ENOMEM;
	ret = pre_pass(dirfd, pr, &first, &first_len);
	if (ret)
		goto out;
	/* The newest timer when the walk began: any older one was there all along. */
	pr->anchor_max = max_id(first, first_len);
	/*
	 * A process that made or deleted timers during the walk shifted its
	 * positions, so that a record may have been skipped: a second walk
	 * finds it, unless it happens to skip the same one.
	 */
	ret = read_head_page(dirfd, &again, &again_len);
	if (!ret && (again_len != first_len || memcmp(first, again, first_len)))
		ret = pre_pass(dirfd, pr, NULL, &unused);
	if (!ret)
		ret = pre_dedup(pr);
out:
	free(first);
	free(again);
	/* Anything odd: the stopped read will read it all. */
	if (ret || (pr->d->ntimers && pr->anchor_max < 0))
		proc_preread_free(pr);
	if (ret == -ENOMEM)
		return ret;
	/* That one too, from this file: failing here, it opens one itself. */
	pr->head_fd = openat(dirfd, "timers", O_RDONLY | O_CLOEXEC);
	pr->head_open = pr->head_fd >= 0;
	return 0;
}

static bool pre_has(const struct proc_preread *pr, int id)
{
	return timers_find_id(pr->d->timers, pr->d->ntimers, id);
}

/* Whether one read()'s worth of records names a timer the first read saw. */
static bool chunk_has_known(const struct proc_preread *pr, const char *s, size_t len)
{
	for (size_t pos = 0; pos < len;) {
		const char *nl = memchr(s + pos, '\n', len - pos);
		size_t end = nl ? (size_t)(nl - s) : len;
		int id = line_id(s, pos, end);

		/* A timer newer than the walk may have been missed by it. */
		if (id >= 0 && id <= pr->anchor_max && pre_has(pr, id))
			return true;
		pos = end + 1;
	}
	return false;
}

static int id_cmp(const void *a, const void *b)
{
	const int *x = a, *y = b;

	return (*x > *y) - (*x < *y);
}

/* Append the candidates: what @pr saw and the head did not show. */
static int add_candidates(const struct proc_preread *pr, struct ptimer_dump *dump,
			  struct proc_head *h)
{
	size_t nhead = dump->ntimers - h->nexact, n = 0;
	int *head_ids;
	int ret = 0;

	head_ids = malloc((nhead ? nhead : 1) * sizeof(*head_ids));
	h->cand_len = malloc(pr->d->ntimers * sizeof(*h->cand_len));
	if (!head_ids || !h->cand_len) {
		ret = -ENOMEM;
		goto free_ids;
	}
	for (size_t i = 0; i < nhead; i++)
		head_ids[i] = dump->timers[h->nexact + i].id;
	qsort(head_ids, nhead, sizeof(*head_ids), id_cmp);
	h->nexact = dump->ntimers;
	for (size_t i = 0; i < pr->d->ntimers && !ret; i++) {
		const struct ptimer_timer *c = &pr->d->timers[i];

		if (nhead && bsearch(&c->id, head_ids, nhead, sizeof(*head_ids), id_cmp))
			continue;
		ret = ptimer_dump_add_timer(dump, c);
		h->cand_len[n++] = pr->len[i];
	}
free_ids:
	free(head_ids);
	return ret;
}

/* The file opened before the stop, once; else opened now. */
static int head_fd(int dirfd, struct proc_preread *pr)
{
	if (pr && pr->head_open) {
		pr->head_open = false;
		return pr->head_fd;
	}
	return openat(dirfd, "timers", O_RDONLY | O_CLOEXEC);
}

int proc_head_read(int dirfd, struct proc_preread *pr, struct ptimer_dump *dump,
		   struct proc_head *h)
{
	/* No timer before the stop: nothing to stop the read at. */
	bool have = pr && pr->d && pr->d->ntimers, known = false, odd = false, extra = false;
	size_t cap = 0, used = 0;
	char *buf = NULL;
	int ret;

	memset(h, 0, sizeof(*h));
	h->pr = pr;
	h->first = dump->ntimers;
	h->nexact = dump->ntimers;
	h->fd = head_fd(dirfd, pr);
	if (h->fd < 0)
		return errno == ENOENT && faccessat(dirfd, ".", F_OK, 0) ? -ESRCH : -errno;
	/*
	 * Without a first read, or on anything odd, this is the full read.
	 * Past the first known timer, one read() more: at the end of the
	 * file (a list that fits a page) it proves the head whole, and the
	 * lseek() of proc_head_exact() is not needed.
	 */
	while (!have || odd || !known || !extra) {
		bool was_known = known;
		ssize_t got;

		if (cap - used < HEAD_CHUNK + 1) {
			char *grown = realloc(buf, cap ? cap * 2 : 2 * HEAD_CHUNK);

			if (!grown) {
				ret = -ENOMEM;
				goto free_buf;
			}
			buf = grown;
			cap = cap ? cap * 2 : 2 * HEAD_CHUNK;
		}
		got = read(h->fd, buf + used, HEAD_CHUNK);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			ret = -errno;
			goto free_buf;
		}
		if (!got) {
			h->complete = true;
			break;
		}
		/* A page of whole records is what the kernel returns. */
		if (buf[used + got - 1] != '\n')
			odd = true;
		if (have && !known)
			known = chunk_has_known(pr, buf + used, (size_t)got);
		extra = was_known;
		used += (size_t)got;
	}
	buf[used] = '\0';
	ret = ptimer_parse_proc_timers(buf, used, dump, &h->err_line);
	if (ret && !h->complete) {
		/* Read it all: a full read says what is wrong, if anything is. */
		free(buf);
		proc_head_close(h);
		return proc_head_read(dirfd, NULL, dump, h);
	}
	if (ret)
		goto free_buf;
	h->head_bytes = used;
	if (!h->complete)
		ret = add_candidates(pr, dump, h);
	else
		h->nexact = dump->ntimers;
free_buf:
	free(buf);
	if (ret)
		proc_head_close(h);
	return ret;
}

bool proc_head_exact(struct proc_head *h, uint64_t bytes)
{
	char last[256];
	ssize_t got;

	if (h->complete)
		return true;
	if (!bytes || bytes < h->head_bytes || bytes > (uint64_t)LLONG_MAX)
		return false;
	if (lseek(h->fd, (off_t)(bytes - 1), SEEK_SET) != (off_t)(bytes - 1))
		return false;
	do
		got = read(h->fd, last, sizeof(last));
	while (got < 0 && errno == EINTR);
	return got == 1 && last[0] == '\n';
}

/* Probes of more records than this leave it to the length check. */
#define PROBE_CHUNKS	4

/* The survivors are the dump's timers past the head's, sorted by id. */
static bool is_survivor(const struct proc_head *h, const struct ptimer_dump *dump, int id)
{
	return timers_find_id(dump->timers + h->nexact, dump->ntimers - h->nexact, id);
}

/*
 * Step 3 by count.  The last walk before the stop ended on a read() that
 * found no timer at the position it had reached, which is the number of
 * records it showed: seq_file keeps that index, and a read() at the end
 * of the file starts the list walk there again, stepping over the timers
 * before it without printing them (linear, and no formatting: about a
 * seventh of the lseek()'s cost).  So, stopped, one read() more of that
 * file shows each timer from that position on, and nothing if the list
 * is no longer than it was.  The head and the surviving candidates exist
 * and are distinct: if they are as many as the list holds, they are all
 * of it.  A timer the probe shows must be a surviving candidate for the
 * count to say so (a kernel that started over would show the head);
 * anything else leaves it to proc_head_exact().
 *
 * Only when no candidate was deleted, though (the caller's part).  A
 * kernel may end a read at the end without walking: ptimerctl's own
 * kernel-patch/ does, as it continues each read() at the timer where the
 * last one stopped, and there the probe shows nothing even when the list
 * grew.  A record that the walk before the stop skipped (it can only when
 * a timer it had already shown was deleted meanwhile, shifting the
 * positions) and a timer made since would then add up to the count.
 * With every candidate alive, nothing was skipped and the head holds
 * every timer made since: a probe that shows too little can then only
 * make the count fail.
 */
bool proc_head_counted(struct proc_head *h, const struct ptimer_dump *dump)
{
	const struct proc_preread *pr = h->pr;
	size_t shown = 0;
	bool ok = true;
	char *buf;

	if (h->complete)
		return true;
	if (!pr || !pr->eof_open)
		return false;
	buf = malloc(HEAD_CHUNK);
	if (!buf)
		return false;
	for (unsigned int chunk = 0;; chunk++) {
		ssize_t got;

		do
			got = read(pr->eof_fd, buf, HEAD_CHUNK);
		while (got < 0 && errno == EINTR);
		if (!got)
			break;
		if (got < 0 || buf[got - 1] != '\n' || chunk == PROBE_CHUNKS) {
			ok = false;
			break;
		}
		for (size_t pos = 0; pos < (size_t)got && ok;) {
			const char *nl = memchr(buf + pos, '\n', (size_t)got - pos);
			size_t end = (size_t)(nl - buf);
			int id = line_id(buf, pos, end);

			if (id >= 0) {
				shown++;
				ok = is_survivor(h, dump, id);
			}
			pos = end + 1;
		}
		if (!ok)
			break;
	}
	free(buf);
	h->probed = shown;
	return ok && dump->ntimers - h->first == pr->eof_records + shown;
}

void proc_head_close(struct proc_head *h)
{
	if (h->fd >= 0)
		close(h->fd);
	h->fd = -1;
	free(h->cand_len);
	h->cand_len = NULL;
}
