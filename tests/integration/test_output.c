// SPDX-License-Identifier: GPL-2.0-or-later
// SPDX-FileCopyrightText: The ptimerctl authors
/*
 * Where ptimerctl's output goes, and what it says about processes.
 *
 * `dump -o` writes through anything that is not a regular file (a device,
 * a FIFO, a socket or pipe named by /dev/fd/N) and leaves it what it was;
 * an output that cannot be written is refused before the target is
 * attached, and a write that fails after a --disarm re-arms the timers.
 * A process name is escaped wherever a person reads it; a thread id is
 * misuse; a restore short of RLIMIT_SIGPENDING says so.
 *
 * The devices are private nodes made with mknod in a temporary directory,
 * never /dev/null or /dev/full themselves, and /dev/stdout is reached
 * through a link of our own: a regression must not break the machine the
 * tests run on.
 */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"
#include "restore_util.h"
#include "tool_trace.h"

#define OTHER_UID	47113	/* a user of our own for the RLIMIT_SIGPENDING test */
#define NOBODY		65534

static void fini(void)
{
	harness_kill_all();
}

TestSuite(output, .fini = fini, .timeout = 60);

static char *make_dir(void)
{
	char *dir = strdup("/tmp/ptimer-output-XXXXXX");

	cr_assert(dir && mkdtemp(dir));
	return dir;
}

static int dir_entries(const char *dir)
{
	struct dirent *d;
	DIR *dp = opendir(dir);
	int n = 0;

	cr_assert(dp, "%s: %s", dir, strerror(errno));
	while ((d = readdir(dp)))
		n += strcmp(d->d_name, ".") && strcmp(d->d_name, "..");
	closedir(dp);
	return n;
}

static void remove_tree(const char *dir)
{
	char cmd[256];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	cr_expect_eq(system(cmd), 0);
}

static struct victim *armed_victim(void)
{
	struct victim *v = victim_start("--timer", "id=6,value_ms=60000,interval_ms=1000",
					"--timer", "id=9,clock=realtime,value_ms=90000", NULL);

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	return v;
}

/* Both timers of armed_victim() still armed, with their interval. */
static void expect_armed(struct victim *v, const char *what)
{
	struct vtimer t[8];
	int n = ru_timers(v, t, 8);
	const struct vtimer *a = vtimer_find(t, n, 6), *b = vtimer_find(t, n, 9);

	cr_assert(a && b, "%s: timers gone: %s", what, ru_timers_str(t, n));
	cr_expect(a->value_ns > 0 && a->interval_ns == 1000 * RU_MS && b->value_ns > 0,
		  "%s: the victim's timers are not armed as before: %s", what,
		  ru_timers_str(t, n));
}

static bool has_json(const char *text)
{
	json_object *root = json_parse_text(text);
	bool ok = root && dump_timer(root, 6) && dump_timer(root, 9);

	json_object_put(root);
	return ok;
}

/*
 * ptimerctl with @fd as its descriptor @target_fd (1 for stdout), SIGPIPE
 * ignored, stderr collected; what it writes to @fd stays there.
 */
static void run_with_fd(struct run_result *r, int fd, int target_fd, const char *const *args)
{
	const char *argv[16] = { ptimerctl_path() };
	char errpath[] = "/tmp/ptimer-output-err-XXXXXX";
	int errfd, status;
	int64_t deadline = harness_deadline(15000);
	pid_t pid;
	size_t n;

	for (n = 0; args[n]; n++)
		argv[n + 1] = args[n];
	memset(r, 0, sizeof(*r));
	errfd = mkstemp(errpath);
	cr_assert_geq(errfd, 0);
	unlink(errpath);
	pid = fork();
	cr_assert_geq(pid, 0);
	if (pid == 0) {
		int devnull = open("/dev/null", O_RDONLY);

		prctl(PR_SET_PDEATHSIG, SIGKILL);
		signal(SIGPIPE, SIG_IGN);
		dup2(devnull, STDIN_FILENO);
		if (fd != target_fd) {
			dup2(fd, target_fd);
			close(fd);
		}
		fcntl(target_fd, F_SETFD, 0);
		if (target_fd != STDOUT_FILENO)
			dup2(errfd, STDOUT_FILENO);
		dup2(errfd, STDERR_FILENO);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	harness_track(pid);
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		cr_assert_geq(w, 0);
		if (w == pid)
			break;
		if (clock_ns(CLOCK_MONOTONIC) > deadline) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			r->timed_out = true;
			break;
		}
		sleep_ms(5);
	}
	harness_untrack(pid);
	r->exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
	r->term_sig = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
	r->err = calloc(1, 65536);
	r->out = calloc(1, 1);
	cr_assert(r->err && r->out);
	r->err_len = pread(errfd, r->err, 65535, 0) > 0 ? strlen(r->err) : 0;
	close(errfd);
}

/* Everything readable on @fd now, without blocking; the writer has exited. */
static char *drain(int fd)
{
	size_t cap = 1 << 20, len = 0;
	char *buf = calloc(1, cap + 1);
	ssize_t got;

	cr_assert(buf);
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	while (len < cap && (got = read(fd, buf + len, cap - len)) > 0)
		len += got;
	buf[len] = '\0';
	return buf;
}

Test(output, char_device_stays_a_device)
{
	struct victim *v = armed_victim();
	char *dir = make_dir(), null[128], link[128], pid[16];
	struct run_result r;
	struct stat st;

	ru_pidstr(pid, v->pid);
	snprintf(null, sizeof(null), "%s/null", dir);
	snprintf(link, sizeof(link), "%s/link", dir);
	cr_assert_eq(mknod(null, S_IFCHR | 0666, makedev(1, 3)), 0, "mknod: %s", strerror(errno));
	cr_assert_eq(chmod(null, 0666), 0);
	cr_assert_eq(symlink(null, link), 0);

	cr_assert_eq(run_ptimerctl(&r, "dump", "-o", null, pid, NULL), 0);
	cr_expect_eq(r.exit_code, 0, "%s", run_describe(&r));
	run_result_free(&r);
	cr_assert_eq(lstat(null, &st), 0);
	cr_expect(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3),
		  "-o on a null device left mode %o rdev %u:%u", (unsigned int)st.st_mode,
		  major(st.st_rdev), minor(st.st_rdev));
	cr_expect_eq(st.st_mode & 07777, 0666, "the device's mode changed");

	/* A symbolic link to a device is written through, and stays a link. */
	cr_assert_eq(run_ptimerctl(&r, "dump", "--disarm", "-o", link, pid, NULL), 0);
	cr_expect_eq(r.exit_code, 0, "%s", run_describe(&r));
	run_result_free(&r);
	cr_assert_eq(lstat(link, &st), 0);
	cr_expect(S_ISLNK(st.st_mode), "-o LINK-TO-DEVICE replaced the link (mode %o)",
		  (unsigned int)st.st_mode);
	cr_assert_eq(stat(link, &st), 0);
	cr_expect(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 3));
	cr_expect_eq(dir_entries(dir), 2, "temporary files left in %s", dir);
	remove_tree(dir);
	free(dir);
}

Test(output, stdout_names_are_our_descriptors)
{
	struct victim *v = armed_victim();
	char *dir = make_dir(), link[128], file[128], pid[16];
	const char *args[] = { "dump", "-o", link, pid, NULL };
	struct run_result r;
	struct stat st;
	char *text;
	int fd;

	ru_pidstr(pid, v->pid);
	snprintf(link, sizeof(link), "%s/stdout", dir);
	snprintf(file, sizeof(file), "%s/file.json", dir);
	cr_assert_eq(symlink("/proc/self/fd/1", link), 0);

	/* stdout a pipe, named through a link of ours as /dev/stdout is. */
	cr_assert_eq(run_ptimerctl(&r, "dump", "-o", link, pid, NULL), 0);
	cr_expect_eq(r.exit_code, 0, "%s", run_describe(&r));
	cr_expect(has_json(r.out), "no dump on stdout: %.200s", r.out);
	run_result_free(&r);
	cr_assert_eq(lstat(link, &st), 0);
	cr_expect(S_ISLNK(st.st_mode), "-o %s replaced the link", link);

	cr_assert_eq(run_ptimerctl(&r, "dump", "-o", "/proc/self/fd/1", pid, NULL), 0);
	cr_expect_eq(r.exit_code, 0, "%s", run_describe(&r));
	cr_expect(has_json(r.out), "no dump on stdout: %.200s", r.out);
	run_result_free(&r);

	/* stdout a regular file: the dump lands in it, and the link stays. */
	fd = open(file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	cr_assert_geq(fd, 0);
	run_with_fd(&r, fd, STDOUT_FILENO, args);
	close(fd);
	cr_expect_eq(r.exit_code, 0, "%s", r.err);
	run_result_free(&r);
	fd = open(file, O_RDONLY);
	cr_assert_geq(fd, 0);
	text = drain(fd);
	close(fd);
	cr_expect(has_json(text), "%s does not hold the dump: %.200s", file, text);
	free(text);
	cr_assert_eq(lstat(link, &st), 0);
	cr_expect(S_ISLNK(st.st_mode), "-o %s replaced the link", link);
	remove_tree(dir);
	free(dir);
}

Test(output, fifo_reader_gets_the_dump)
{
	struct victim *v = armed_victim();
	char *dir = make_dir(), fifo[128], pid[16];
	struct run_result r;
	struct stat st;
	char *text;
	int rd;

	ru_pidstr(pid, v->pid);
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	/* The reader is open first, so that ptimerctl's open does not wait. */
	rd = open(fifo, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	cr_assert_geq(rd, 0);
	cr_assert_eq(run_ptimerctl(&r, "dump", "-o", fifo, pid, NULL), 0);
	cr_expect_eq(r.exit_code, 0, "%s", run_describe(&r));
	run_result_free(&r);
	text = drain(rd);
	close(rd);
	cr_expect(has_json(text), "the FIFO's reader got no dump: %.200s", text);
	free(text);
	cr_assert_eq(lstat(fifo, &st), 0);
	cr_expect(S_ISFIFO(st.st_mode), "-o FIFO replaced the FIFO (mode %o)",
		  (unsigned int)st.st_mode);
	cr_expect_eq(dir_entries(dir), 1, "temporary files left in %s", dir);
	remove_tree(dir);
	free(dir);
}

Test(output, socket_and_pipe_descriptors)
{
	struct victim *v = armed_victim();
	char pid[16];
	const char *args[] = { "dump", "-o", "/dev/fd/5", pid, NULL };
	struct run_result r;
	int sv[2], p[2];
	char *text;

	ru_pidstr(pid, v->pid);
	/* A socket, which open(2) cannot reopen, as stdout and as /dev/fd/5. */
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	run_with_fd(&r, sv[1], 5, args);
	close(sv[1]);
	cr_expect_eq(r.exit_code, 0, "-o /dev/fd/5 on a socket: %s", r.err);
	run_result_free(&r);
	text = drain(sv[0]);
	close(sv[0]);
	cr_expect(has_json(text), "no dump through the socket: %.200s", text);
	free(text);

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv), 0);
	args[2] = "/proc/self/fd/1";
	run_with_fd(&r, sv[1], STDOUT_FILENO, args);
	close(sv[1]);
	cr_expect_eq(r.exit_code, 0, "-o /proc/self/fd/1 on a socket: %s", r.err);
	run_result_free(&r);
	text = drain(sv[0]);
	close(sv[0]);
	cr_expect(has_json(text), "no dump through the socket: %.200s", text);
	free(text);

	/* A pipe as /dev/fd/5: what `-o >(gzip > x)` hands over. */
	cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
	args[2] = "/dev/fd/5";
	run_with_fd(&r, p[1], 5, args);
	close(p[1]);
	cr_expect_eq(r.exit_code, 0, "-o /dev/fd/5 on a pipe: %s", r.err);
	run_result_free(&r);
	text = drain(p[0]);
	close(p[0]);
	cr_expect(has_json(text), "no dump through the pipe: %.200s", text);
	free(text);
}

/* `dump --disarm -o @out` must fail before attaching, leaving the timers armed. */
static void refused_before_attach(struct victim *v, const char *out, const char *why)
{
	const char *argv[] = { ptimerctl_path(), "dump", "--disarm", "-o", out, NULL, NULL };
	struct run_result r;
	struct ru_watch w;
	char pid[16];
	long traced;

	argv[5] = ru_pidstr(pid, v->pid);
	ru_watch_start(&w, v->pid);
	for (int i = 0; i < 5000 && !atomic_load(&w.samples); i++)
		usleep(100);
	cr_assert_eq(run_argv(&r, NULL, argv), 0);
	traced = ru_watch_stop(&w);
	cr_expect_eq(r.exit_code, PX_GENERIC, "%s: %s", why, run_describe(&r));
	cr_expect(strstr(r.err, "cannot write to") && strstr(r.err, out),
		  "%s: the message does not name the output: %s", why, r.err);
	cr_expect_eq(traced, 0, "%s: the target was attached (TracerPid %ld) for an output"
		     " that cannot be written", why, traced);
	run_result_free(&r);
	expect_armed(v, why);
}

Test(output, unwritable_output_refused_before_attach)
{
	struct victim *v = armed_victim();
	char *dir = make_dir(), sub[128], out[160], sticky[128], theirs[160];
	struct stat st;
	int fd;

	/* Another user's directory: root could create in it, but not after dropping privileges. */
	snprintf(sub, sizeof(sub), "%s/theirs", dir);
	snprintf(out, sizeof(out), "%s/t.json", sub);
	cr_assert_eq(mkdir(sub, 0755), 0);
	cr_assert_eq(chown(sub, NOBODY, NOBODY), 0);
	refused_before_attach(v, out, "a directory of another user");
	cr_expect_eq(dir_entries(sub), 0, "files left in %s", sub);

	/* A sticky directory: a file there of another user cannot be renamed over. */
	snprintf(sticky, sizeof(sticky), "%s/sticky", dir);
	snprintf(theirs, sizeof(theirs), "%s/t.json", sticky);
	cr_assert_eq(mkdir(sticky, 0777), 0);
	cr_assert_eq(chmod(sticky, 01777), 0);
	cr_assert_eq(chown(sticky, NOBODY, NOBODY), 0);
	fd = open(theirs, O_WRONLY | O_CREAT | O_EXCL, 0644);
	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "old\n", 4), 4);
	close(fd);
	cr_assert_eq(chown(theirs, NOBODY, NOBODY), 0);
	refused_before_attach(v, theirs, "another user's file in a sticky directory");
	cr_expect_eq(dir_entries(sticky), 1, "temporary files left in %s", sticky);
	cr_assert_eq(stat(theirs, &st), 0);
	cr_expect_eq(st.st_size, 4, "the other user's file changed");
	remove_tree(dir);
	free(dir);
}

Test(output, full_device_is_an_error_and_rearms)
{
	struct victim *v = armed_victim();
	char *dir = make_dir(), full[128], pid[16];
	struct run_result r;
	struct stat st;

	ru_pidstr(pid, v->pid);
	snprintf(full, sizeof(full), "%s/full", dir);
	cr_assert_eq(mknod(full, S_IFCHR | 0666, makedev(1, 7)), 0, "mknod: %s", strerror(errno));
	cr_assert_eq(run_ptimerctl(&r, "dump", "-o", full, pid, NULL), 0);
	cr_expect_eq(r.exit_code, PX_GENERIC, "%s", run_describe(&r));
	cr_expect(strstr(r.err, strerror(ENOSPC)), "%s", r.err);
	run_result_free(&r);

	/* After --disarm the timers are put back, and the message says so. */
	cr_assert_eq(run_ptimerctl(&r, "dump", "--disarm", "-o", full, pid, NULL), 0);
	cr_expect_eq(r.exit_code, PX_GENERIC, "%s", run_describe(&r));
	cr_expect(strstr(r.err, strerror(ENOSPC)) && strstr(r.err, "re-armed"),
		  "the message does not say the timers were re-armed: %s", r.err);
	run_result_free(&r);
	expect_armed(v, "after a failed --disarm onto a full device");
	cr_assert_eq(lstat(full, &st), 0);
	cr_expect(S_ISCHR(st.st_mode) && st.st_rdev == makedev(1, 7), "the device was replaced");
	cr_expect_eq(dir_entries(dir), 1, "temporary files left in %s", dir);
	remove_tree(dir);
	free(dir);
}

/*
 * A file that would grow past RLIMIT_FSIZE: the kernel fails the write
 * with EFBIG and raises SIGXFSZ at the writer, whose default action killed
 * ptimerctl mid-write, its temporary file left behind (and, after the
 * hold, no message).  The write's error is reported, as any other, and
 * after --disarm the timers are re-armed.  The limit is lowered for the
 * runs alone; SIGXFSZ is not ignored here, since ptimerctl leaves alone a
 * signal that it was started with ignored.
 */
Test(output, a_file_over_rlimit_fsize_is_an_error_and_rearms)
{
	static const char *const flags[] = { NULL, "--disarm" };
	struct victim *v = armed_victim();
	char *dir = make_dir(), out[128], pid[16];
	struct rlimit was, small;
	struct run_result r;

	ru_pidstr(pid, v->pid);
	snprintf(out, sizeof(out), "%s/dump.json", dir);
	cr_assert_eq(getrlimit(RLIMIT_FSIZE, &was), 0);
	for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
		small = (struct rlimit){ .rlim_cur = 256, .rlim_max = was.rlim_max };
		cr_assert_eq(setrlimit(RLIMIT_FSIZE, &small), 0);
		if (flags[i])
			cr_assert_eq(run_ptimerctl(&r, "dump", flags[i], "-o", out, pid, NULL), 0);
		else
			cr_assert_eq(run_ptimerctl(&r, "dump", "-o", out, pid, NULL), 0);
		cr_assert_eq(setrlimit(RLIMIT_FSIZE, &was), 0);
		cr_expect_eq(r.exit_code, PX_GENERIC, "dump %s: %s", flags[i] ? flags[i] : "",
			     run_describe(&r));
		cr_expect(strstr(r.err, strerror(EFBIG)), "dump %s: %s", flags[i] ? flags[i] : "",
			  r.err);
		if (flags[i])
			cr_expect(strstr(r.err, "re-armed"), "the message does not say the timers"
				  " were re-armed: %s", r.err);
		run_result_free(&r);
		expect_armed(v, "after a dump over RLIMIT_FSIZE");
		cr_expect_eq(dir_entries(dir), 0, "files left in %s", dir);
	}
	remove_tree(dir);
	free(dir);
}

Test(output, closed_stdout_is_an_error)
{
	struct victim *v = armed_victim();
	const char *dump[] = { "dump", "--disarm", NULL, NULL };
	const char *show[] = { "show", NULL, NULL };
	const char *show_json[] = { "show", "-J", NULL, NULL };
	const char *check[] = { "check", NULL, NULL };
	const char *const *cases[] = { dump, show, show_json, check };
	struct run_result r;
	char pid[16];

	ru_pidstr(pid, v->pid);
	dump[2] = show[1] = show_json[2] = check[1] = pid;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int p[2];

		cr_assert_eq(pipe2(p, O_CLOEXEC), 0);
		close(p[0]);
		run_with_fd(&r, p[1], STDOUT_FILENO, cases[i]);
		close(p[1]);
		cr_expect_not(r.timed_out);
		cr_expect_eq(r.term_sig, 0, "%s killed by signal %d", cases[i][0], r.term_sig);
		cr_expect_eq(r.exit_code, PX_GENERIC, "%s with a closed stdout: exit %d: %s",
			     cases[i][0], r.exit_code, r.err);
		cr_expect(strstr(r.err, "stdout") && strstr(r.err, strerror(EPIPE)),
			  "%s: no clear message: %s", cases[i][0], r.err);
		run_result_free(&r);
	}
	expect_armed(v, "after dump --disarm to a closed pipe");
}

Test(output, process_name_is_escaped)
{
	char *dir = make_dir(), path[160], pid[16], missing[200];
	/* A backslash before an x too, which must not read as an escape. */
	const char *name = "\x1b[31mred\x07\\xq";
	const char *shown = "\\x1b[31mred\\x07\\x5cxq";
	const char *argv[] = { path, "--timer", "id=3,value_ms=60000", NULL };
	struct run_result r;
	json_object *root;
	struct victim *v;

	/* The name of the file executed becomes the process name. */
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	cr_assert_eq(symlink(helper_path("victim"), path), 0);
	v = victim_spawn(argv, (uid_t)-1);
	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	ru_pidstr(pid, v->pid);

	cr_assert_eq(run_ptimerctl(&r, "show", pid, NULL), 0);
	cr_expect_eq(r.exit_code, 0, "%s", run_describe(&r));
	cr_expect(!strchr(r.out, '\x1b') && !strchr(r.out, '\x07'),
		  "show printed the raw name: %s", r.out);
	cr_expect(strstr(r.out, shown), "show: %s", r.out);
	run_result_free(&r);

	cr_assert_eq(run_ptimerctl(&r, "check", pid, NULL), 0);
	cr_expect(!strchr(r.out, '\x1b') && !strchr(r.out, '\x07'),
		  "check printed the raw name: %s", r.out);
	cr_expect(strstr(r.out, shown), "check: %s", r.out);
	run_result_free(&r);

	cr_assert_eq(run_ptimerctl(&r, "list", "-p", pid, NULL), 0);
	cr_expect(!strchr(r.out, '\x1b') && !strchr(r.out, '\x07'),
		  "list printed the raw name: %s", r.out);
	cr_expect(strstr(r.out, shown), "list: %s", r.out);
	run_result_free(&r);

	/* JSON keeps the bytes (escaped by JSON's own rules). */
	cr_assert_eq(run_ptimerctl(&r, "show", "-J", pid, NULL), 0);
	cr_expect_eq(r.exit_code, 0, "%s", run_describe(&r));
	root = json_parse_text(r.out);
	cr_assert(root, "%s", r.out);
	cr_expect_str_eq(json_get_str(root, "comm"), name);
	json_object_put(root);
	run_result_free(&r);
	cr_assert_eq(run_ptimerctl(&r, "list", "-J", "-p", pid, NULL), 0);
	cr_expect_eq(r.exit_code, 0, "%s", run_describe(&r));
	cr_expect(strstr(r.out, "\"comm\": \"\\u001b[31mred\\u0007\\\\xq\""), "list -J: %s",
		  r.out);
	run_result_free(&r);

	/* Messages too: a file name is quoted escaped. */
	snprintf(missing, sizeof(missing), "%s.json", path);
	cr_assert_eq(run_ptimerctl(&r, "show", "-i", missing, NULL), 0);
	cr_expect_neq(r.exit_code, 0);
	cr_expect(!strchr(r.err, '\x1b') && !strchr(r.err, '\x07') &&
		  strstr(r.err, "\\x1b[31mred\\x07\\x5cxq.json"), "the message: %s", r.err);
	run_result_free(&r);
	remove_tree(dir);
	free(dir);
}

/*
 * Started with standard error (and the others) closed, as a daemon or a
 * cron job may start it: the dump file opened first would take fd 2, and
 * -v's debug lines (a warning, for a target under seccomp) went into it,
 * with exit 0.  The dump must be one JSON document, with every timer.
 */
Test(output, closed_stdio_keeps_messages_out_of_the_dump)
{
	struct victim *v = victim_start("--timer", "id=3,value_ms=60000", NULL);
	char *dir = make_dir(), path[128], pid[16];
	const char *argv[] = { ptimerctl_path(), "-v", "dump", "-o", path, pid, NULL };
	json_object *root;
	int status, fd;
	size_t len;
	char *text;
	pid_t c;

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	ru_pidstr(pid, v->pid);
	for (int closed = STDERR_FILENO; closed >= STDIN_FILENO; closed--) {
		snprintf(path, sizeof(path), "%s/dump-%d.json", dir, closed);
		c = fork();
		cr_assert_geq(c, 0);
		if (c == 0) {
			prctl(PR_SET_PDEATHSIG, SIGKILL);
			/* fds closed..2: with 2 alone, then 1 and 2, then all three. */
			for (int k = closed; k <= STDERR_FILENO; k++)
				close(k);
			execv(argv[0], (char *const *)argv);
			_exit(127);
		}
		cr_assert_eq(waitpid(c, &status, 0), c);
		cr_expect(WIFEXITED(status) && WEXITSTATUS(status) == 0,
			  "fds %d..2 closed: status %#x", closed, status);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		cr_assert_geq(fd, 0, "fds %d..2 closed: no dump", closed);
		text = calloc(1, 1 << 20);
		cr_assert_not_null(text);
		len = (size_t)read(fd, text, (1 << 20) - 1);
		close(fd);
		root = json_parse_text(text);
		cr_expect(root && dump_timer(root, 3), "fds %d..2 closed: the dump is not one"
			  " JSON document with timer 3 (%zu bytes): %.200s", closed, len, text);
		json_object_put(root);
		free(text);
		unlink(path);
	}
	victim_kill(v);
	remove_tree(dir);
	free(dir);
}

/* ptimerctl with @args and its standard output closed, stderr to @errpath: its exit status. */
static int run_stdout_closed(const char *const *args, const char *errpath)
{
	const char *argv[12] = { ptimerctl_path() };
	int status, fd;
	size_t n = 1;
	pid_t c;

	for (; *args && n < 11; args++)
		argv[n++] = *args;
	c = fork();
	cr_assert_geq(c, 0);
	if (c == 0) {
		prctl(PR_SET_PDEATHSIG, SIGKILL);
		fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
		if (fd < 0 || dup2(fd, STDERR_FILENO) < 0)
			_exit(126);
		close(STDOUT_FILENO);
		execv(argv[0], (char *const *)argv);
		_exit(127);
	}
	cr_assert_eq(waitpid(c, &status, 0), c);
	cr_assert(WIFEXITED(status), "status %#x", status);
	return WEXITSTATUS(status);
}

/*
 * Started with standard output closed (>&-), a dump to it went to the
 * /dev/null put there, with exit 0: after --disarm, the only copy of the
 * timers' settings was lost, the timers left disarmed.  It is refused
 * before the attach, the timer untouched; --help's text, which argp
 * prints before it exits, is checked on the way out too.
 */
Test(output, a_closed_stdout_refuses_the_dump_before_the_attach)
{
	struct victim *v = victim_start("--timer", "id=3,value_ms=60000,interval_ms=60000", NULL);
	char *dir = make_dir(), errpath[128], pid[16], err[512] = "";
	const char *dump[] = { "dump", "--disarm", pid, NULL };
	const char *help[] = { "--help", NULL };
	struct vtimer t[4];
	ssize_t len;
	int fd, n;

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	ru_pidstr(pid, v->pid);
	snprintf(errpath, sizeof(errpath), "%s/err", dir);
	cr_expect_eq(run_stdout_closed(dump, errpath), PX_GENERIC);
	fd = open(errpath, O_RDONLY | O_CLOEXEC);
	cr_assert_geq(fd, 0);
	len = read(fd, err, sizeof(err) - 1);
	close(fd);
	cr_expect(len > 0 && strstr(err, "cannot write to stdout"), "the message: %s", err);
	n = victim_timers(v, t, 4);
	cr_assert_eq(n, 1);
	cr_expect_gt(t[0].value_ns, 0, "timer 3 was disarmed");
	cr_expect_eq(proc_tracer_pid(v->pid), 0);
	cr_expect_eq(run_stdout_closed(help, errpath), PX_GENERIC, "--help into a closed stdout");
	victim_kill(v);
	remove_tree(dir);
	free(dir);
}

Test(output, thread_id_is_misuse)
{
	struct victim *v = victim_start("--threads", "1", "--timer", "id=3,value_ms=60000", NULL);
	char tid[16], want[96];
	const char *subs[][3] = { { "show", tid }, { "dump", tid }, { "check", tid } };
	struct run_result r;
	pid_t tids[8];

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	cr_assert_geq(victim_tids(v, tids, 8), 2);
	cr_assert_neq(tids[1], v->pid);
	ru_pidstr(tid, tids[1]);
	snprintf(want, sizeof(want), "pid %d is a thread of process %d; name the process",
		 tids[1], v->pid);
	for (size_t i = 0; i < sizeof(subs) / sizeof(subs[0]); i++) {
		cr_assert_eq(run_ptimerctl(&r, subs[i][0], subs[i][1], NULL), 0);
		cr_expect_eq(r.exit_code, PX_USAGE, "%s TID: %s", subs[i][0], run_describe(&r));
		cr_expect(strstr(r.err, want) || strstr(r.out, want), "%s TID: %s", subs[i][0],
			  run_describe(&r));
		cr_expect_not(strstr(r.err, strerror(ESRCH)), "%s TID contradicts itself: %s",
			      subs[i][0], r.err);
		run_result_free(&r);
	}
}

Test(output, sigpending_limit_is_named)
{
	const struct run_opts as_other = { .as_user = true, .uid = OTHER_UID, .gid = OTHER_UID };
	const char *args[21] = { NULL };
	char specs[10][48], *dir = make_dir(), dump[160], pid[16];
	struct victim *src, *dst;
	struct run_result r;
	struct rlimit saved, low;
	struct vtimer t[8];

	for (int i = 0; i < 10; i++) {
		snprintf(specs[i], sizeof(specs[i]), "id=%d,value_ms=60000", 10 + i);
		args[2 * i] = "--timer";
		args[2 * i + 1] = specs[i];
	}
	src = victim_startv(args);
	cr_assert(src && src->ready, "%s", src ? src->error : "fork");
	cr_assert_eq(chmod(dir, 0755), 0);
	snprintf(dump, sizeof(dump), "%s/ten.json", dir);
	cr_assert_eq(run_ptimerctl(&r, "dump", "-o", dump, ru_pidstr(pid, src->pid), NULL), 0);
	cr_assert_eq(r.exit_code, 0, "%s", run_describe(&r));
	run_result_free(&r);
	cr_assert_eq(chmod(dump, 0644), 0);

	/*
	 * The target inherits a soft limit of 5 from us; lowering a soft limit
	 * needs no privilege, and raising it back up to the hard one neither.
	 */
	cr_assert_eq(getrlimit(RLIMIT_SIGPENDING, &saved), 0);
	low = saved;
	low.rlim_cur = 5;
	cr_assert_eq(setrlimit(RLIMIT_SIGPENDING, &low), 0);
	dst = victim_startv_as(OTHER_UID, (const char *const[]){ NULL });
	cr_assert_eq(setrlimit(RLIMIT_SIGPENDING, &saved), 0);
	cr_assert(dst && dst->ready, "%s", dst ? dst->error : "fork");
	cr_assert_eq(proc_status_long(dst->pid, "Uid"), OTHER_UID);

	cr_assert_eq(run_ptimerctl_opts(&r, &as_other, "restore", "-i", dump,
					ru_pidstr(pid, dst->pid), NULL), 0);
	if (r.exit_code == 126)
		cr_skip_test("cannot run ptimerctl as uid %d: %s", OTHER_UID, r.err);
	cr_expect_eq(r.exit_code, PX_GENERIC, "%s", run_describe(&r));
	cr_expect(strstr(r.err, strerror(EAGAIN)) && strstr(r.err, "RLIMIT_SIGPENDING") &&
		  strstr(r.err, "uid 47113") && strstr(r.err, "needs 10") &&
		  strstr(r.err, "ulimit -i") && strstr(r.err, "prlimit"),
		  "the message does not explain the limit: %s", r.err);
	run_result_free(&r);
	cr_expect_eq(ru_timers(dst, t, 8), 0, "the failed restore left timers: %s",
		     ru_timers_str(t, ru_timers(dst, t, 8)));
	remove_tree(dir);
	free(dir);
}

/*
 * show and diff of a live process into a stdout with no reader: they
 * read the process (a dump, with it stopped) and only then found they
 * could not write.  Refused before the first ptrace() call, as a dump
 * is (EXIT STATUS: "before the process is touched"); diff's trouble is 2.
 */
static void refused_before_ptrace(const char *cmd, const char *pid, const char *file, int want)
{
	struct tool_trace t;
	long first = 1;

	if (file)
		tt_start(&t, cmd, file, pid, NULL);
	else
		tt_start(&t, cmd, pid, NULL);
	/* Its reader gone: a pipe that can take nothing. */
	close(t.bg.out_fd);
	t.bg.out_fd = -1;
	if (tt_run_until(&t, tt_pick_nth_ptrace, &first, 30000)) {
		cr_expect_fail("%s called ptrace() with no reader for its output", cmd);
		tt_release(&t);
	}
	ru_bg_wait(&t.bg, 30000);
	cr_expect_eq(t.bg.res.exit_code, want, "%s: %s", cmd, run_describe(&t.bg.res));
	cr_expect(strstr(t.bg.res.err, "cannot write to stdout"), "%s: %s", cmd, t.bg.res.err);
	run_result_free(&t.bg.res);
}

Test(output, show_and_diff_refuse_a_readerless_stdout_before_the_attach)
{
	struct victim *v = victim_start("--timer", "id=3,value_ms=60000", NULL);
	char pid[16], *dump;

	cr_assert(v && v->ready, "%s", v ? v->error : "fork");
	ru_pidstr(pid, v->pid);
	dump = ru_dump_file(v->pid, NULL);
	refused_before_ptrace("show", pid, NULL, PX_GENERIC);
	refused_before_ptrace("diff", pid, dump, PX_USAGE);
	ru_file_free(dump);
	victim_kill(v);
}
