/* Runs inside the sandbox (tests/unit/test_sandbox.c) and prints what it can see and
 * do, one "key=value" line each. Plain C, no sanitizers: there is no /proc inside. */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

/* Lists a directory's entries as name:type[:major:minor], sorted by the reader. */
static void list(const char *key, const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat st;
	char path[512];

	printf("%s=", key);
	if (!d) {
		printf("error:%d\n", errno);
		return;
	}
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st) < 0)
			continue;
		printf("%s:%s", e->d_name, S_ISBLK(st.st_mode) ? "blk" : S_ISCHR(st.st_mode) ? "chr" :
		       S_ISLNK(st.st_mode) ? "lnk" : S_ISDIR(st.st_mode) ? "dir" : "file");
		if (S_ISBLK(st.st_mode) || S_ISCHR(st.st_mode))
			printf(":%u:%u:%u:%o", major(st.st_rdev), minor(st.st_rdev), st.st_uid, st.st_mode & 07777);
		printf(" ");
	}
	printf("\n");
	closedir(d);
}

int main(int argc, char **argv)
{
	struct __user_cap_header_struct hdr = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct caps[2] = { { 0, 0, 0 }, { 0, 0, 0 } };
	int bounding = 0, fd, s;

	printf("uid=%d euid=%d gid=%d groups=%d pid=%d\n", (int)getuid(), (int)geteuid(), (int)getgid(),
	       getgroups(0, NULL), (int)getpid());
	syscall(SYS_capget, &hdr, caps);
	for (int c = 0; c < 64; c++)
		if (prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
			bounding++;
	printf("capeff=%x%08x capprm=%x%08x capinh=%x%08x capbnd=%d\n", caps[1].effective, caps[0].effective,
	       caps[1].permitted, caps[0].permitted, caps[1].inheritable, caps[0].inheritable, bounding);
	printf("nnp=%d seccomp=%d\n", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0), prctl(PR_GET_SECCOMP, 0, 0, 0, 0));
	s = socket(AF_UNIX, SOCK_STREAM, 0);
	printf("socket=%s\n", s >= 0 ? "ok" : strerrorname_np(errno));
	printf("proc=%s\n", access("/proc/self/status", F_OK) == 0 ? "visible" : "absent");
	printf("shadow=%s\n", open("/etc/shadow", O_RDONLY) >= 0 || errno != ENOENT ? "present" : "absent");
	fd = open("/etc/mtab", O_RDONLY);
	printf("mtab=%s\n", fd < 0 ? "absent" : lseek(fd, 0, SEEK_END) == 0 ? "empty" : "not-empty");
	fd = open("/probe-write", O_WRONLY | O_CREAT, 0600);
	printf("root_write=%s\n", fd >= 0 ? "ok" : strerrorname_np(errno));
	for (int i = 1; i < argc; i++) {
		fd = open(argv[i], O_RDWR);
		printf("device=%s:%s\n", argv[i], fd >= 0 ? "rw" : strerrorname_np(errno));
	}
	list("root", "/");
	list("dev", "/dev");
	return 0;
}
