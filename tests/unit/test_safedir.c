/* common/safedir.c on a temporary directory (no root needed): whatever sits where a
 * directory or a file is expected is moved aside, never followed, never deleted. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/safedir.h"

static char top[PATH_MAX];          /* holds area/ (the walked tree) and outside/ */
static int area = -1, quarantine = -1;
static struct fault f;

static void setup(void)
{
	char path[PATH_MAX + 16];

	snprintf(top, sizeof(top), "/tmp/hardinit-safedir-XXXXXX");
	cr_assert_not_null(mkdtemp(top));
	snprintf(path, sizeof(path), "%s/area", top);
	cr_assert_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/outside", top);
	cr_assert_eq(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/area", top);
	area = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(area, 0);
	cr_assert_eq(mkdirat(area, "quarantine", 0700), 0);
	quarantine = openat(area, "quarantine", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	cr_assert_geq(quarantine, 0);
	memset(&f, 0, sizeof(f));
}

static int remove_entry(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
	return remove(path);
}

static void teardown(void)
{
	close(quarantine);
	close(area);
	nftw(top, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(safedir, .init = setup, .fini = teardown);

/* The one entry of dir whose name starts with prefix (asserted unique), copied to out. */
static void only_entry(int dir, const char *prefix, char *out, size_t size)
{
	DIR *d = fdopendir(dup(dir));
	struct dirent *e;
	int n = 0;

	cr_assert_not_null(d);
	rewinddir(d);
	while ((e = readdir(d)))
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0) {
			snprintf(out, size, "%s", e->d_name);
			n++;
		}
	closedir(d);
	cr_assert_eq(n, 1, "%d entries named %s* (expected 1)", n, prefix);
}

/* fd is the directory now at dir/name (same inode), a real directory. */
static void assert_is_dir_at(int fd, int dir, const char *name)
{
	struct stat by_fd, by_name;

	cr_assert_eq(fstat(fd, &by_fd), 0);
	cr_assert_eq(fstatat(dir, name, &by_name, AT_SYMLINK_NOFOLLOW), 0);
	cr_assert(S_ISDIR(by_fd.st_mode) && S_ISDIR(by_name.st_mode));
	cr_assert_eq(by_fd.st_ino, by_name.st_ino, "the fd is not the directory at %s", name);
}

/* The normal path: a missing directory is made with the mode; an existing one is opened
 * as it is (same inode), and nothing is moved aside. */
Test(safedir, ensure_makes_and_opens_directories)
{
	unsigned before = safedir_quarantined();
	struct stat st, again;
	int fd;

	umask(022);
	fd = safedir_ensure(area, "new", 0750, quarantine, &f);
	cr_assert_geq(fd, 0, "%s", f.text);
	assert_is_dir_at(fd, area, "new");
	cr_assert_eq(fstat(fd, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0750);
	close(fd);

	fd = safedir_ensure(area, "new", 0700, quarantine, &f);
	cr_assert_geq(fd, 0, "%s", f.text);
	cr_assert_eq(fstat(fd, &again), 0);
	cr_assert_eq(again.st_ino, st.st_ino, "an existing directory was replaced");
	close(fd);
	cr_assert_eq(safedir_quarantined(), before);
}

/* A symlink where a directory is expected is moved into the quarantine as
 * <name>.quarantine-<ns>, still a symlink to the same place; a fresh directory is made;
 * the symlink's target outside is neither opened nor changed. */
Test(safedir, ensure_moves_a_symlink_aside_unfollowed)
{
	char target[PATH_MAX + 16], moved[NAME_MAX + 1], link[PATH_MAX + 16];
	unsigned before = safedir_quarantined();
	struct stat outside, after;
	ssize_t n;
	int fd;

	snprintf(target, sizeof(target), "%s/outside", top);
	cr_assert_eq(stat(target, &outside), 0);
	cr_assert_eq(symlinkat(target, area, "upper"), 0);
	fd = safedir_ensure(area, "upper", 0755, quarantine, &f);
	cr_assert_geq(fd, 0, "%s", f.text);
	assert_is_dir_at(fd, area, "upper");
	cr_assert_eq(fstat(fd, &after), 0);
	cr_assert_neq(after.st_ino, outside.st_ino, "the symlink was followed");
	close(fd);

	only_entry(quarantine, "upper.quarantine-", moved, sizeof(moved));
	n = readlinkat(quarantine, moved, link, sizeof(link) - 1);
	cr_assert_gt(n, 0, "the quarantined entry is not the symlink");
	link[n] = '\0';
	cr_assert_str_eq(link, target);
	cr_assert_eq(stat(target, &after), 0);
	cr_assert_eq(after.st_nlink, outside.st_nlink, "something was made in the symlink's target");
	cr_assert_eq(after.st_mtim.tv_nsec, outside.st_mtim.tv_nsec);
	cr_assert_eq(after.st_mtim.tv_sec, outside.st_mtim.tv_sec);
	cr_assert_eq(safedir_quarantined(), before + 1);
}

/* A symlink to a directory outside the tree, dangling or not, and "..": never
 * followed, even when the target exists and is a directory. */
Test(safedir, ensure_never_leaves_the_tree)
{
	int fd = safedir_ensure(area, "../outside", 0755, quarantine, &f);

	cr_assert_lt(fd, 0, "\"..\" was followed out of the tree");
	cr_assert_eq(symlinkat("/nonexistent-hardinit-test", area, "dangling"), 0);
	fd = safedir_ensure(area, "dangling", 0755, -1, &f);
	cr_assert_geq(fd, 0, "%s", f.text);
	assert_is_dir_at(fd, area, "dangling");
	close(fd);
	cr_assert_eq(access("/nonexistent-hardinit-test", F_OK), -1, "the dangling symlink's target was made");
}

/* A FIFO where a directory is expected: moved aside (beside itself when there is no
 * quarantine dir), never opened (which would block), a directory made. */
Test(safedir, ensure_moves_a_fifo_aside, .timeout = 10)
{
	char moved[NAME_MAX + 1];
	struct stat st;
	int fd;

	cr_assert_eq(mkfifoat(area, "work", 0666), 0);
	fd = safedir_ensure(area, "work", 0700, -1, &f);
	cr_assert_geq(fd, 0, "%s", f.text);
	assert_is_dir_at(fd, area, "work");
	close(fd);
	only_entry(area, "work.quarantine-", moved, sizeof(moved));
	cr_assert_eq(fstatat(area, moved, &st, AT_SYMLINK_NOFOLLOW), 0);
	cr_assert(S_ISFIFO(st.st_mode));
}

/* A regular file where a directory is expected: moved aside with its contents, never
 * deleted; a directory made. */
Test(safedir, ensure_moves_a_file_aside)
{
	char moved[NAME_MAX + 1], text[16] = "";
	int fd = openat(area, "binds", O_WRONLY | O_CREAT | O_EXCL, 0644);

	cr_assert_geq(fd, 0);
	cr_assert_eq(write(fd, "kept", 4), 4);
	close(fd);
	fd = safedir_ensure(area, "binds", 0755, quarantine, &f);
	cr_assert_geq(fd, 0, "%s", f.text);
	assert_is_dir_at(fd, area, "binds");
	close(fd);
	only_entry(quarantine, "binds.quarantine-", moved, sizeof(moved));
	fd = openat(quarantine, moved, O_RDONLY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(read(fd, text, sizeof(text) - 1), 4);
	close(fd);
	cr_assert_str_eq(text, "kept");
}

/* The normal path for a file: created with the mode, appended to, kept across opens. */
Test(safedir, open_append_makes_and_appends)
{
	char text[16] = "";
	struct stat st;
	int fd;

	fd = safedir_open_append(area, "boots.jsonl", 0640, &f);
	cr_assert_geq(fd, 0, "%s", f.text);
	cr_assert_eq(write(fd, "a\n", 2), 2);
	close(fd);
	fd = safedir_open_append(area, "boots.jsonl", 0640, &f);
	cr_assert_geq(fd, 0, "%s", f.text);
	cr_assert_eq(write(fd, "b\n", 2), 2);
	cr_assert_eq(fstat(fd, &st), 0);
	cr_assert(S_ISREG(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0640);
	close(fd);
	fd = openat(area, "boots.jsonl", O_RDONLY);
	cr_assert_eq(read(fd, text, sizeof(text) - 1), 4);
	close(fd);
	cr_assert_str_eq(text, "a\nb\n");
}

/* A directory where a file is expected: moved aside beside itself (contents kept), a
 * regular file made. */
Test(safedir, open_append_moves_a_directory_aside)
{
	char moved[NAME_MAX + 1];
	struct stat st;
	int fd;

	cr_assert_eq(mkdirat(area, "boots.jsonl", 0755), 0);
	cr_assert_eq(mkdirat(area, "boots.jsonl/inside", 0755), 0);
	fd = safedir_open_append(area, "boots.jsonl", 0640, &f);
	cr_assert_geq(fd, 0, "%s", f.text);
	cr_assert_eq(fstat(fd, &st), 0);
	cr_assert(S_ISREG(st.st_mode));
	close(fd);
	only_entry(area, "boots.jsonl.quarantine-", moved, sizeof(moved));
	cr_assert_eq(fstatat(area, moved, &st, AT_SYMLINK_NOFOLLOW), 0);
	cr_assert(S_ISDIR(st.st_mode));
	fd = openat(area, moved, O_RDONLY | O_DIRECTORY);
	cr_assert_geq(fd, 0);
	cr_assert_eq(faccessat(fd, "inside", F_OK, 0), 0, "the moved directory lost its contents");
	close(fd);
}

/* A symlink where a file is expected: the file it points to is not appended to; the
 * symlink is moved aside and a regular file made. */
Test(safedir, open_append_moves_a_symlink_aside_unfollowed)
{
	char target[PATH_MAX + 16], moved[NAME_MAX + 1];
	struct stat st;
	int fd;

	snprintf(target, sizeof(target), "%s/outside/victim", top);
	fd = open(target, O_WRONLY | O_CREAT | O_EXCL, 0644);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(symlinkat(target, area, "boots.jsonl"), 0);
	fd = safedir_open_append(area, "boots.jsonl", 0640, &f);
	cr_assert_geq(fd, 0, "%s", f.text);
	cr_assert_eq(write(fd, "x\n", 2), 2);
	close(fd);
	cr_assert_eq(stat(target, &st), 0);
	cr_assert_eq(st.st_size, 0, "the symlink's target was written");
	cr_assert_eq(st.st_mode & 07777, 0644, "the symlink's target was chmodded");
	cr_assert_eq(fstatat(area, "boots.jsonl", &st, AT_SYMLINK_NOFOLLOW), 0);
	cr_assert(S_ISREG(st.st_mode));
	only_entry(area, "boots.jsonl.quarantine-", moved, sizeof(moved));
	cr_assert_eq(fstatat(area, moved, &st, AT_SYMLINK_NOFOLLOW), 0);
	cr_assert(S_ISLNK(st.st_mode));
}

/* A FIFO where a file is expected: never blocks, moved aside, a regular file made. */
Test(safedir, open_append_moves_a_fifo_aside, .timeout = 10)
{
	char moved[NAME_MAX + 1];
	struct stat st;
	int fd;

	cr_assert_eq(mkfifoat(area, "boots.jsonl", 0666), 0);
	fd = safedir_open_append(area, "boots.jsonl", 0640, &f);
	cr_assert_geq(fd, 0, "%s", f.text);
	cr_assert_eq(fstat(fd, &st), 0);
	cr_assert(S_ISREG(st.st_mode));
	close(fd);
	only_entry(area, "boots.jsonl.quarantine-", moved, sizeof(moved));
	cr_assert_eq(fstatat(area, moved, &st, AT_SYMLINK_NOFOLLOW), 0);
	cr_assert(S_ISFIFO(st.st_mode));
}

/* safedir_move_aside: renamed into the quarantine with the reason, not deleted; a
 * missing entry is an error, not a success. */
Test(safedir, move_aside_renames_and_reports)
{
	char moved[NAME_MAX + 1];

	cr_assert_eq(mkdirat(area, "etc", 0755), 0);
	cr_assert_eq(safedir_move_aside(area, "etc", quarantine, "test", &f), 0, "%s", f.text);
	cr_assert_eq(faccessat(area, "etc", F_OK, AT_SYMLINK_NOFOLLOW), -1);
	only_entry(quarantine, "etc.quarantine-", moved, sizeof(moved));
	cr_assert_eq(safedir_move_aside(area, "etc", quarantine, "test", &f), -ENOENT);
	cr_assert(strstr(f.text, "unable to move etc aside"), "%s", f.text);
}
