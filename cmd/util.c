// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/* Argument parsing helpers, capabilities and file I/O for the CLI. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdio_ext.h>
#include <stdlib.h>
#include <string.h>
#include <sys/capability.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

void cli_usage_error(struct argp_state *state, const char *fmt, ...)
{
	char msg[512], safe[sizeof(msg) * 4];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cli_escape(safe, sizeof(safe), msg);
	fprintf(stderr, "ptimerctl%s%s: %s\nTry 'ptimerctl%s%s --help' for more information.\n",
		cli.subcommand ? " " : "", cli.subcommand ? cli.subcommand : "", safe,
		cli.subcommand ? " " : "", cli.subcommand ? cli.subcommand : "");
	(void)state;
	exit(EXIT_USAGE);
}

char *cli_escape(char *dst, size_t size, const char *src)
{
	size_t n = 0;

	if (!size)
		return dst;
	for (const char *p = src; *p; p++) {
		unsigned char c = *p;

		if (c >= 0x20 && c < 0x7f && !(c == '\\' && p[1] == 'x')) {
			if (n + 1 >= size)
				break;
			dst[n++] = c;
			continue;
		}
		if (n + 4 >= size)
			break;
		n += snprintf(dst + n, size - n, "\\x%02x", c);
	}
	dst[n] = '\0';
	return dst;
}

int cli_proc_status(pid_t pid, const char *key, char *val, size_t len)
{
	size_t klen = strlen(key);
	char path[64], line[256];
	int ret = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/status", pid);
	f = fopen(path, "re");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f)) {
		if (strncmp(line, key, klen) || line[klen] != ':')
			continue;
		snprintf(val, len, "%s", line + klen + 1 + strspn(line + klen + 1, " \t"));
		val[strcspn(val, "\n")] = '\0';
		ret = 0;
		break;
	}
	fclose(f);
	return ret;
}

pid_t cli_thread_group_of(pid_t pid)
{
	char val[32];
	long tgid;

	if (cli_proc_status(pid, "Tgid", val, sizeof(val)))
		return 0;
	tgid = strtol(val, NULL, 10);
	return tgid > 0 && tgid != pid ? (pid_t)tgid : 0;
}

pid_t cli_parse_pid(struct argp_state *state, const char *arg)
{
	char *end;
	long v;

	if (!arg[0] || strspn(arg, "0123456789") != strlen(arg))
		cli_usage_error(state, "invalid PID '%s': expected a positive number", arg);
	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || v <= 0 || v > INT_MAX)
		cli_usage_error(state, "invalid PID '%s': out of range 1..%d", arg, INT_MAX);
	return (pid_t)v;
}

/*
 * argp's own misuse messages quote with a backtick and exit 64.  With
 * ARGP_NO_ERRS it stays quiet and this wrapper words them like every other
 * ptimerctl message.
 */
#define OPT_TIMEOUT 0x300

static const struct argp_option common_options[] = {
	{ "verbose", 'v', NULL, 0, "Log what the library does to stderr", -1 },
	{ "quiet", 'q', NULL, 0, "Print errors only", -1 },
	{ "timeout", OPT_TIMEOUT, "SECONDS", 0, "Give up when a thread of the target does"
	  " not stop, or injected code does not finish, within SECONDS (default 5)", -1 },
	{ 0 }
};

/* SECONDS with up to three decimals, 0.001..86400. */
static unsigned int parse_timeout(struct argp_state *state, const char *arg)
{
	char *end;
	double s;

	errno = 0;
	s = strtod(arg, &end);
	if (errno || end == arg || *end || !(s >= 0.001 && s <= 86400))
		cli_usage_error(state, "invalid --timeout '%s': expected seconds,"
				" 0.001 to 86400", arg);
	return (unsigned int)(s * 1000 + 0.5);
}

static error_t parse_wrapper(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'v':
		cli.verbosity++;
		return 0;
	case 'q':
		cli.verbosity = -1;
		return 0;
	case OPT_TIMEOUT:
		/* Before the command there is no library context yet: main() applies it. */
		cli.timeout_ms = parse_timeout(state, arg);
		if (cli.ctx)
			ptimer_set_timeout(cli.ctx, cli.timeout_ms);
		return 0;
	case ARGP_KEY_INIT:
		state->child_inputs[0] = state->input;
		return 0;
	case ARGP_KEY_ERROR:
		cli_usage_error(state, "unrecognized option or missing value near '%s'",
				state->argv[state->next > 1 ? state->next - 1 : 1]);
	default:
		return ARGP_ERR_UNKNOWN;
	}
	(void)arg;
}

void cli_take_pid(struct argp_state *state, pid_t *pid, const char *arg)
{
	if (*pid)
		cli_usage_error(state, "unexpected argument '%s'", arg);
	*pid = cli_parse_pid(state, arg);
}

/* --help, --usage and --version print and exit only without ARGP_NO_ERRS. */
static bool asks_for_help(int argc, char **argv)
{
	for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
		if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-?") ||
		    !strcmp(argv[i], "--usage") || !strcmp(argv[i], "--version") ||
		    !strcmp(argv[i], "-V"))
			return true;
	return false;
}

void cli_parse(const struct argp *argp, int argc, char **argv, void *input)
{
	unsigned int flags = ARGP_IN_ORDER;
	/* The wrapper carries the texts, so that help prints them once. */
	struct argp options_only = *argp;
	const struct argp_child children[] = { { &options_only, 0, NULL, 0 }, { 0 } };
	const struct argp wrapper = {
		.options = common_options,
		.parser = parse_wrapper,
		.children = children,
		.args_doc = argp->args_doc,
		.doc = argp->doc,
	};
	char name[64];
	char *saved = argv[0];
	int err;

	options_only.args_doc = NULL;
	options_only.doc = NULL;
	snprintf(name, sizeof(name), "ptimerctl%s%s", cli.subcommand ? " " : "",
		 cli.subcommand ? cli.subcommand : "");
	argv[0] = name;
	if (!asks_for_help(argc, argv))
		flags |= ARGP_NO_ERRS;
	err = argp_parse(&wrapper, argc, argv, flags, NULL, input);
	argv[0] = saved;
	if (err)
		exit(EXIT_USAGE);
}

/*
 * The descriptor of ours, open for writing, that is the file @st: what a
 * name like /dev/stdout, /dev/fd/N or /proc/self/fd/N leads to.  Writing
 * through a duplicate of it is the only way to reach a socket, which
 * open(2) refuses, and it never replaces the name.  -1 when there is none.
 */
static int find_descriptor(const struct stat *st)
{
	struct dirent *e;
	int found = -1;
	DIR *d;

	d = opendir("/proc/self/fd");
	if (!d)
		return -1;
	while (found < 0 && (e = readdir(d))) {
		struct stat fst;
		int fd, fl;

		if (e->d_name[0] == '.')
			continue;
		fd = atoi(e->d_name);
		if (fd == dirfd(d))
			continue;
		fl = fcntl(fd, F_GETFL);
		if (fl < 0 || (fl & O_PATH) || (fl & O_ACCMODE) == O_RDONLY || fstat(fd, &fst))
			continue;
		if (fst.st_dev == st->st_dev && fst.st_ino == st->st_ino)
			found = fd;
	}
	closedir(d);
	return found;
}

/*
 * Whether the stream on @fd can take data now: open for writing, and,
 * for a pipe or a socket, with a reader at the other end.  A reader that
 * is already gone is found here, before the target is touched, rather
 * than by the first write after a --disarm.
 */
static int check_writable(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLOUT };
	struct stat st;
	int fl;

	fl = fcntl(fd, F_GETFL);
	if (fl < 0)
		return -errno;
	if ((fl & O_PATH) || (fl & O_ACCMODE) == O_RDONLY)
		return -EBADF;
	if (fstat(fd, &st))
		return -errno;
	if (!S_ISFIFO(st.st_mode) && !S_ISSOCK(st.st_mode))
		return 0;
	if (poll(&p, 1, 0) < 0)
		return -errno;
	if (p.revents & POLLERR || (S_ISSOCK(st.st_mode) && p.revents & POLLHUP))
		return -EPIPE;
	return 0;
}

static bool have_effective_cap(cap_value_t cap)
{
	cap_flag_value_t v = CAP_CLEAR;
	cap_t caps = cap_get_proc();

	if (caps) {
		cap_get_flag(caps, cap, CAP_EFFECTIVE, &v);
		cap_free(caps);
	}
	return v == CAP_SET;
}

/*
 * Whether renaming over @path will be allowed, as far as creating a file
 * beside it did not already prove: the kernel's may_delete() also refuses
 * an immutable or append-only file, an append-only directory, and, in a
 * sticky directory, a file neither ours nor in our directory without
 * CAP_FOWNER.
 */
static int check_replaceable(const char *path)
{
	char *copy, *dir;
	struct statx file, parent;
	int ret = 0;

	if (statx(AT_FDCWD, path, AT_SYMLINK_NOFOLLOW, STATX_UID, &file))
		return errno == ENOENT ? 0 : -errno;
	copy = strdup(path);
	if (!copy)
		return -ENOMEM;
	dir = dirname(copy);
	if (statx(AT_FDCWD, dir, 0, STATX_UID | STATX_MODE, &parent)) {
		ret = -errno;
		goto free_copy;
	}
	if (file.stx_attributes & (STATX_ATTR_IMMUTABLE | STATX_ATTR_APPEND) ||
	    parent.stx_attributes & STATX_ATTR_APPEND)
		ret = -EPERM;
	else if (parent.stx_mode & S_ISVTX && file.stx_uid != geteuid() &&
		 parent.stx_uid != geteuid() && !have_effective_cap(CAP_FOWNER))
		ret = -EPERM;
free_copy:
	free(copy);
	return ret;
}

/* A new 0600 file beside @out->path, to be renamed over it. */
static int open_replacement(struct cli_output *out)
{
	int fd, ret;

	if (asprintf(&out->tmp, "%s.XXXXXX", out->path) < 0) {
		out->tmp = NULL;
		return -ENOMEM;
	}
	fd = mkostemp(out->tmp, O_CLOEXEC);
	if (fd < 0) {
		ret = -errno;
		goto free_tmp;
	}
	ret = check_replaceable(out->path);
	if (ret)
		goto unlink_tmp;
	out->f = fdopen(fd, "w");
	if (!out->f) {
		ret = -errno;
		goto unlink_tmp;
	}
	return 0;

unlink_tmp:
	close(fd);
	unlink(out->tmp);
free_tmp:
	free(out->tmp);
	out->tmp = NULL;
	return ret;
}

/* Open what @out->path names to write through it: a device, a FIFO, a descriptor. */
static int open_through(struct cli_output *out, const struct stat *st, bool symlink)
{
	struct stat fst;
	int fd, ret;

	fd = symlink ? find_descriptor(st) : -1;
	if (fd >= 0)
		fd = fcntl(fd, F_DUPFD_CLOEXEC, 3);
	else
		fd = open(out->path, O_WRONLY | O_NOCTTY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &fst)) {
		ret = -errno;
		goto close_fd;
	}
	/* It became a regular file since we looked: give it the file's treatment. */
	if (S_ISREG(fst.st_mode) && (fst.st_dev != st->st_dev || fst.st_ino != st->st_ino)) {
		close(fd);
		return open_replacement(out);
	}
	ret = check_writable(fd);
	if (ret)
		goto close_fd;
	out->f = fdopen(fd, "w");
	if (!out->f) {
		ret = -errno;
		goto close_fd;
	}
	return 0;

close_fd:
	close(fd);
	return ret;
}

int cli_output_open(struct cli_output *out, const char *path)
{
	struct stat lst, st;

	memset(out, 0, sizeof(*out));
	out->path = path;
	if (!strcmp(path, "-")) {
		out->f = stdout;
		return check_writable(STDOUT_FILENO);
	}
	if (lstat(path, &lst))
		return errno == ENOENT ? open_replacement(out) : -errno;
	if (stat(path, &st)) {
		/* A dangling symbolic link is replaced, as one to a file is. */
		if (errno == ENOENT && S_ISLNK(lst.st_mode))
			return open_replacement(out);
		return -errno;
	}
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	/*
	 * A symbolic link to a regular file is replaced, not written through,
	 * so that a link planted at @path cannot redirect the dump, unless it
	 * names a descriptor the caller gave us (/dev/stdout > file).
	 */
	if (S_ISREG(st.st_mode) && (!S_ISLNK(lst.st_mode) || find_descriptor(&st) < 0))
		return open_replacement(out);
	return open_through(out, &st, S_ISLNK(lst.st_mode));
}

int cli_output_commit(struct cli_output *out)
{
	int ret = 0;

	errno = 0;
	if (fflush(out->f) || ferror(out->f))
		ret = errno ? -errno : -EIO;
	else if (out->tmp && fsync(fileno(out->f)))
		ret = -errno;
	if (!ret && out->f != stdout) {
		if (fclose(out->f))
			ret = -errno;
		out->f = NULL;
	}
	if (ret) {
		cli_output_abort(out);
		return ret;
	}
	out->f = NULL;
	if (!out->tmp)
		return 0;
	if (rename(out->tmp, out->path)) {
		/* The document is whole: the caller may keep it if it is the only copy. */
		out->complete = true;
		return -errno;
	}
	free(out->tmp);
	out->tmp = NULL;
	return 0;
}

static void close_output(struct cli_output *out)
{
	if (out->f == stdout)
		/* Nothing left in the buffer for exit() to write again. */
		__fpurge(stdout);
	else if (out->f)
		fclose(out->f);
	out->f = NULL;
}

void cli_output_abort(struct cli_output *out)
{
	close_output(out);
	if (out->tmp) {
		unlink(out->tmp);
		free(out->tmp);
		out->tmp = NULL;
	}
}

char *cli_output_keep(struct cli_output *out)
{
	char *tmp = out->tmp;

	close_output(out);
	out->tmp = NULL;
	return tmp;
}

const char *cli_output_name(const struct cli_output *out, char *buf, size_t len)
{
	if (!strcmp(out->path, "-"))
		snprintf(buf, len, "stdout");
	else
		snprintf(buf, len, "'%s'", out->path);
	return buf;
}

int cli_finish_stdout(void)
{
	errno = 0;
	if (!fflush(stdout) && !ferror(stdout))
		return EXIT_OK;
	cli_error(errno ? errno : EIO, "cannot write to stdout");
	__fpurge(stdout);
	return EXIT_FAILURE_GENERIC;
}

int cli_read_input(const char *path, size_t limit, char **buf, size_t *len)
{
	size_t cap = 65536, used = 0;
	char *data, *grown;
	int fd, ret;

	fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	if (fd < 0)
		return -errno;
	data = malloc(cap + 1);
	if (!data) {
		ret = -ENOMEM;
		goto close_fd;
	}
	for (;;) {
		ssize_t got;

		if (used == cap) {
			/* Read one byte past the limit, to tell "at" from "over". */
			if (cap > limit) {
				ret = -EFBIG;
				goto free_data;
			}
			grown = realloc(data, cap * 2 + 1);
			if (!grown) {
				ret = -ENOMEM;
				goto free_data;
			}
			data = grown;
			cap *= 2;
		}
		got = read(fd, data + used, cap - used);
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
	if (fd != STDIN_FILENO)
		close(fd);
	return ret;
}

void cli_format_duration(char *buf, size_t len, int64_t ns)
{
	double s = ns / 1e9;

	if (ns < 1000000)
		snprintf(buf, len, "%.0f us", ns / 1e3);
	else if (s < 1)
		snprintf(buf, len, "%.1f ms", ns / 1e6);
	else if (s < 120)
		snprintf(buf, len, "%.1f s", s);
	else if (s < 7200)
		snprintf(buf, len, "%.1f min", s / 60);
	else
		snprintf(buf, len, "%.1f h", s / 3600);
}

void cli_format_ns(char *buf, size_t len, int64_t ns)
{
	if (ns == 0) {
		snprintf(buf, len, "-");
		return;
	}
	snprintf(buf, len, "%lld.%09llds", (long long)(ns / 1000000000),
		 (long long)(ns % 1000000000));
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
