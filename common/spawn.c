#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
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

int spawn_logged(char *const argv[], const char *tag, struct fault *f)
{
	static char *const empty_env[] = { NULL };
	posix_spawn_file_actions_t actions;
	char buf[4097];
	size_t len = 0;
	int pipefd[2], status, r;
	pid_t pid;

	if (pipe2(pipefd, O_CLOEXEC) < 0)
		return fault_set(f, errno, "unable to make a pipe: %s", strerror(errno));
	posix_spawn_file_actions_init(&actions);
	posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&actions, pipefd[1], 1);
	posix_spawn_file_actions_adddup2(&actions, pipefd[1], 2);
	r = posix_spawn(&pid, argv[0], &actions, NULL, argv, empty_env);
	posix_spawn_file_actions_destroy(&actions);
	close(pipefd[1]);
	if (r != 0) {
		close(pipefd[0]);
		return fault_set(f, r, "unable to run %s: %s", argv[0], strerror(r));
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
