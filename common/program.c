#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/program.h"

char *const program_env[] = { "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=/", "TERM=linux", NULL };

static bool is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int program_parse_shebang(const char *head, size_t n, char *interp, size_t interp_size, char *arg, size_t arg_size)
{
	const char *end, *at, *word_end;

	if (n < 2 || head[0] != '#' || head[1] != '!')
		return 0;
	if (!(end = memchr(head, '\n', n)))
		return -EINVAL; /* the line does not end within head */
	for (at = head + 2; at < end && is_blank(*at); at++)
		;
	for (word_end = at; word_end < end && !is_blank(*word_end) && *word_end != '\0'; word_end++)
		;
	if (word_end == at || (size_t)(word_end - at) >= interp_size)
		return -EINVAL;
	memcpy(interp, at, (size_t)(word_end - at));
	interp[word_end - at] = '\0';
	for (at = word_end; at < end && is_blank(*at); at++)
		;
	while (end > at && is_blank(end[-1]))
		end--;
	if ((size_t)(end - at) >= arg_size || memchr(at, '\0', (size_t)(end - at)))
		return -EINVAL;
	memcpy(arg, at, (size_t)(end - at));
	arg[end - at] = '\0';
	return 1;
}

int program_exec(const struct program *p, char *const argv[], char *const envp[])
{
	char *args[PROGRAM_ARGV_MAX];
	char script[32];
	size_t n = 0;

	if (p->interp_fd < 0) {
		execveat(p->fd, "", argv, envp, AT_EMPTY_PATH);
		return -errno;
	}
	if (symlink("/proc/self/fd", "/dev/fd") < 0 && errno != EEXIST)
		return -errno;
	if (fcntl(p->fd, F_SETFD, 0) < 0)
		return -errno;
	snprintf(script, sizeof(script), "/dev/fd/%d", p->fd);
	args[n++] = (char *)p->interp;
	if (p->interp_arg[0])
		args[n++] = (char *)p->interp_arg;
	args[n++] = script;
	for (size_t i = 1; argv[0] && argv[i]; i++) {
		if (n == PROGRAM_ARGV_MAX - 1)
			return -E2BIG;
		args[n++] = argv[i];
	}
	args[n] = NULL;
	execveat(p->interp_fd, "", args, envp, AT_EMPTY_PATH);
	return -errno;
}
