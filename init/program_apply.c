#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/openat2.h"
#include "init/program_apply.h"
#include "verity/verity_plan.h"

/* The path fd was opened as, relative to root_dir ("/usr/bin/busybox" for
 * "/sysroot/usr/bin/busybox"), from /proc/self/fd. Returns 0 or -errno. */
static int resolved_path(int fd, const char *root_dir, char *buf, size_t size)
{
	char link[64], full[PATH_MAX];
	size_t n = strcmp(root_dir, "/") == 0 ? 0 : strlen(root_dir);
	ssize_t len;

	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	if ((len = readlink(link, full, sizeof(full) - 1)) < 0)
		return -errno;
	full[len] = '\0';
	if (strncmp(full, root_dir, n) != 0 || (n && full[n] != '/'))
		return -EXDEV;
	if ((size_t)snprintf(buf, size, "%s", full + n) >= size)
		return -ENAMETOOLONG;
	return 0;
}

/* Opens one file of a program (the program or its interpreter) and reads it whole.
 * Returns the descriptor with head (its first bytes) filled, or -errno. */
static int open_checked(int root, const char *root_dir, const char *path, const struct state_plan *state,
			char *head, size_t head_size, size_t *ret_head_len, struct fault *f)
{
	char buf[65536], real[PATH_MAX];
	struct stat sb;
	size_t got = 0;
	ssize_t n;
	int fd, r;

	fd = openat2_resolve(root, path + 1, O_RDONLY | O_CLOEXEC, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
	if (fd < 0)
		return fault_set(f, fd == -ENOENT || fd == -ENOTDIR || fd == -ELOOP ? VERITY_ERR_REFUSED : -fd,
				 "%s is not on the verified root: %s", path, strerror(-fd));
	if ((r = resolved_path(fd, root_dir, real, sizeof(real))) < 0) {
		close(fd);
		return fault_set(f, r, "unable to find where %s leads: %s", path, strerror(-r));
	}
	if (state_plan_is_writable(state, real)) {
		close(fd);
		return fault_set(f, VERITY_ERR_REFUSED, "%s resolves to %s, which is writable state, not the verified root",
				 path, real);
	}
	if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || !(sb.st_mode & 0111)) {
		close(fd);
		return fault_set(f, VERITY_ERR_REFUSED, "%s is not an executable regular file", path);
	}
	while ((n = read(fd, buf, sizeof(buf))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = -errno;
			close(fd);
			return fault_set(f, r, "unable to read %s: %s", path, strerror(-r));
		}
		if (got < head_size) {
			size_t take = (size_t)n < head_size - got ? (size_t)n : head_size - got;
			memcpy(head + got, buf, take);
			got += take;
		}
	}
	*ret_head_len = got;
	return fd;
}

int program_apply_verify(const char *root_dir, const char *path, const struct state_plan *state,
			 struct program *ret, struct fault *f)
{
	char head[PATH_MAX + PROGRAM_ARG_MAX + 4], ihead[2], iarg[1];
	struct program p = PROGRAM_NONE;
	size_t len = 0, ilen = 0;
	int root, r, script;

	*ret = PROGRAM_NONE;
	if ((root = open(root_dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
		return fault_set(f, errno, "unable to open %s: %s", root_dir, strerror(errno));
	r = p.fd = open_checked(root, root_dir, path, state, head, sizeof(head), &len, f);
	if (r < 0)
		goto done;
	script = program_parse_shebang(head, len, p.interp, sizeof(p.interp), p.interp_arg, sizeof(p.interp_arg));
	if (script < 0 || (script == 1 && p.interp[0] != '/')) {
		r = fault_set(f, VERITY_ERR_REFUSED, "%s has a \"#!\" line without an absolute interpreter", path);
		goto done;
	}
	if (script == 1) {
		r = p.interp_fd = open_checked(root, root_dir, p.interp, state, ihead, sizeof(ihead), &ilen, f);
		if (r < 0)
			goto done;
		if (program_parse_shebang(ihead, ilen, iarg, sizeof(iarg), iarg, sizeof(iarg)) != 0) {
			r = fault_set(f, VERITY_ERR_REFUSED, "%s's interpreter %s is itself a script", path, p.interp);
			goto done;
		}
	}
	*ret = p;
	r = 0;
done:
	if (r < 0) {
		if (p.fd >= 0)
			close(p.fd);
		if (p.interp_fd >= 0)
			close(p.interp_fd);
	}
	close(root);
	return r;
}
