#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "common/child.h"

/* The child's side: run fn, send its fault text, exit with its errno. */
static _Noreturn void child_side(int (*fn)(void *, struct fault *), void *arg, int out)
{
	struct fault why = { "" };
	int r;

	(void)prctl(PR_SET_PDEATHSIG, SIGKILL);
	(void)prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	r = fn(arg, &why);
	if (r < 0 && write(out, why.text, strnlen(why.text, sizeof(why.text) - 1)) < 0)
		r = -EIO;
	_exit(r < 0 ? (-r > 0 && -r < 256 ? -r : EIO) : 0);
}

int child_run(int (*fn)(void *arg, struct fault *why), void *arg, struct fault *f)
{
	char text[sizeof(f->text)];
	size_t got = 0;
	int p[2], status;
	ssize_t n;
	pid_t pid;

	if (pipe2(p, O_CLOEXEC) < 0)
		return fault_set(f, errno, "unable to make a pipe: %s", strerror(errno));
	if ((pid = fork()) < 0) {
		int e = errno;
		close(p[0]);
		close(p[1]);
		return fault_set(f, e, "unable to fork: %s", strerror(e));
	}
	if (pid == 0) {
		close(p[0]);
		child_side(fn, arg, p[1]);
	}
	close(p[1]);
	while (got < sizeof(text) - 1 && ((n = read(p[0], text + got, sizeof(text) - 1 - got)) > 0 || (n < 0 && errno == EINTR)))
		if (n > 0)
			got += (size_t)n;
	text[got] = '\0';
	close(p[0]);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return fault_set(f, errno, "unable to wait for the child: %s", strerror(errno));
	if (WIFSIGNALED(status))
		return fault_set(f, EIO, "the child was killed by signal %d%s%s", WTERMSIG(status), got ? ": " : "", text);
	if (WEXITSTATUS(status) == 0)
		return 0;
	return fault_set(f, WEXITSTATUS(status), "%s", got ? text : strerror(WEXITSTATUS(status)));
}
