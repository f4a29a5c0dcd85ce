#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/log.h"
#include "common/spawn.h"

/* Logs the complete lines in buf[0, *len) and keeps the unfinished tail. */
static void log_lines(char *buf, size_t *len, const char *tag, bool flush)
{
	size_t start = 0;

	for (size_t i = 0; i < *len; i++) {
		if (buf[i] != '\n')
			continue;
		buf[i] = '\0';
		if (i > start)
			log_info("%s: %s", tag, buf + start);
		start = i + 1;
	}
	if (flush && start < *len) {
		buf[*len] = '\0';
		log_info("%s: %s", tag, buf + start);
		start = *len;
	}
	memmove(buf, buf + start, *len - start);
	*len -= start;
}

/* Writes "unable to <step>: errno <n>" and a newline to fd: async-signal-safe. */
static void write_failure(int fd, const char *step, int err)
{
	char line[160], num[12];
	size_t len = 0, at = sizeof(num);
	const char *parts[] = { "unable to ", step, ": errno ", NULL };

	do
		num[--at] = (char)('0' + err % 10);
	while ((err /= 10) && at > 0);
	for (size_t p = 0; parts[p]; p++)
		for (const char *c = parts[p]; *c && len < sizeof(line) - sizeof(num) - 1; c++)
			line[len++] = *c;
	memcpy(line + len, num + at, sizeof(num) - at);
	len += sizeof(num) - at;
	line[len++] = '\n';
	(void)!write(fd, line, len);
}

/* The child's side: stdin, stdout and stderr, no other fd, the jail, execve. Never
 * returns: a failure is written on stdout and the exit status is 127. */
static _Noreturn void run_child(char *const argv[], int out, const struct spawn_jail *jail)
{
	static char *const empty_env[] = { NULL };
	const char *step = "execute the program";
	int in = open("/dev/null", O_RDONLY | O_CLOEXEC), r = 0;

	if (in < 0 || dup2(in, 0) < 0 || dup2(out, 1) < 0 || dup2(out, 2) < 0) {
		r = -errno;
		step = "set up stdin, stdout and stderr";
	} else if (syscall(SYS_close_range, 3U, ~0U, 0U) < 0) {
		r = -errno;
		step = "close inherited file descriptors";
	} else if (!jail || (r = jail->enter(jail->ctx, argv, &step)) == 0) {
		execve(argv[0], argv, empty_env);
		r = -errno;
		step = "execute the program";
	}
	write_failure(1, step, -r);
	_exit(127);
}

int spawn_logged(char *const argv[], const char *tag, const struct spawn_jail *jail, struct fault *f)
{
	char buf[4097];
	size_t len = 0;
	int pipefd[2], status;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return fault_set(f, errno, "unable to make a pipe: %s", strerror(errno));
	/* clone(2) without a new stack is fork(2) with namespace flags. */
	pid = (pid_t)syscall(SYS_clone, SIGCHLD | (jail ? jail->clone_flags : 0UL), NULL, NULL, NULL, 0UL);
	if (pid == 0)
		run_child(argv, pipefd[1], jail);
	close(pipefd[1]);
	if (pid < 0) {
		int e = errno;
		close(pipefd[0]);
		return fault_set(f, e, "unable to run %s: %s", argv[0], strerror(e));
	}
	for (;;) {
		ssize_t n = read(pipefd[0], buf + len, sizeof(buf) - 1 - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
		log_lines(buf, &len, tag, len == sizeof(buf) - 1);
	}
	log_lines(buf, &len, tag, true);
	close(pipefd[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return fault_set(f, errno, "unable to wait for %s: %s", argv[0], strerror(errno));
	if (!WIFEXITED(status))
		return fault_set(f, EINTR, "%s was killed by signal %d", argv[0], WTERMSIG(status));
	return WEXITSTATUS(status);
}
