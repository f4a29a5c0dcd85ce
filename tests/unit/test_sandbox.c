#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <seccomp.h>

#include "common/seccomp_export.h"
#include "common/spawn.h"
#include "golden.h"
#include "sandbox/sandbox_apply.h"
#include "sandbox/sandbox_plan.h"

/* The sandbox's filter, exported as PFC (never loaded here), matches its golden file:
 * default allow, errno actions only, the deny list, clone's namespace flags. */
Test(sandbox_plan, pfc)
{
	void *filter = NULL;
	struct fault f = { "" };
	char *text;

	cr_assert_eq(sandbox_plan_seccomp(&filter, &f), 0, "%s", f.text);
	text = seccomp_export_text(filter);
	cr_assert_not_null(text);
	cr_assert_null(strstr(text, "KILL"), "a KILL action in the sandbox filter");
	golden_check("golden/sandbox-seccomp.pfc", text);
	free(text);
	seccomp_release(filter);
}

Test(sandbox_plan, paths)
{
	struct fault f = { "" };

	cr_assert_eq(sandbox_plan_check_path("/sbin/e2fsck", false, &f), 0);
	cr_assert_eq(sandbox_plan_check_path("/dev/vda8", true, &f), 0);
	cr_assert_eq(sandbox_plan_check_path("/dev/disk/by-partlabel/data", true, &f), 0);
	cr_assert_eq(sandbox_plan_check_path("sbin/e2fsck", false, &f), -EINVAL);
	cr_assert_eq(sandbox_plan_check_path("/sbin/../etc/shadow", false, &f), -EINVAL);
	cr_assert_eq(sandbox_plan_check_path("/sbin/./e2fsck", false, &f), -EINVAL);
	cr_assert_eq(sandbox_plan_check_path("/sbin//e2fsck", false, &f), -EINVAL);
	cr_assert_eq(sandbox_plan_check_path("/run/x", false, &f), -EINVAL);
	cr_assert_eq(sandbox_plan_check_path("/tmp/vda8", true, &f), -EINVAL);
	cr_assert(sandbox_plan_host_covers("/sbin/e2fsck"));
	cr_assert(sandbox_plan_host_covers("/usr/sbin/e2fsck"));
	cr_assert_not(sandbox_plan_host_covers("/usrx/e2fsck"));
	cr_assert_not(sandbox_plan_host_covers("/init"));
}

/* Runs argv through the sandbox with stderr (where the log goes off PID 1) captured.
 * Returns the exit status; *out gets the logged text (free it). */
static int run_captured(struct sandbox *sb, char *const argv[], char **out)
{
	struct fault f = { "" };
	int saved = dup(2), mem = memfd_create("log", MFD_CLOEXEC), r;
	off_t size;

	cr_assert(saved >= 0 && mem >= 0);
	cr_assert_eq(dup2(mem, 2), 2);
	r = spawn_logged(argv, "probe", sb ? &sb->jail : NULL, &f);
	dup2(saved, 2);
	close(saved);
	size = lseek(mem, 0, SEEK_END);
	*out = calloc(1, (size_t)size + 1);
	cr_assert_eq(pread(mem, *out, (size_t)size, 0), size);
	close(mem);
	return r;
}

/* The value of "hardinit: probe: key=value" in out, or "" (a static buffer). */
static const char *value(const char *out, const char *key)
{
	static char buf[1024];
	char pat[64];
	const char *at;

	snprintf(pat, sizeof(pat), "%s=", key);
	buf[0] = '\0';
	for (at = out; (at = strstr(at, pat)); at++)
		if (at == out || at[-1] == ' ' || at[-1] == '\n') {
			sscanf(at + strlen(pat), "%1023[^\n]", buf);
			break;
		}
	return buf;
}

static char loopdev[64];
static char image[] = "/tmp/hardinit-sandbox-XXXXXX";

static void loop_setup(void)
{
	char cmd[256];
	FILE *p;
	int fd;

	if (geteuid() != 0)
		return;
	fd = mkstemp(image);
	cr_assert(fd >= 0 && ftruncate(fd, 32 << 20) == 0);
	close(fd);
	snprintf(cmd, sizeof(cmd), "losetup -f --show %s", image);
	p = popen(cmd, "r");
	cr_assert(p && fscanf(p, "%63s", loopdev) == 1, "unable to make a loop device (losetup)");
	pclose(p);
}

static void loop_teardown(void)
{
	char cmd[128];

	if (loopdev[0]) {
		snprintf(cmd, sizeof(cmd), "losetup -d %s", loopdev);
		cr_assert_eq(system(cmd), 0);
	}
	unlink(image);
}

TestSuite(sandbox_apply, .init = loop_setup, .fini = loop_teardown);

static const char *probe_path(void)
{
	static char path[4096];
	const char *p = getenv("HARDINIT_SANDBOX_PROBE");

	cr_assert(realpath(p ? p : "../../build/sandbox-probe", path), "no sandbox-probe (make builds it)");
	return path;
}

/* Seen from inside: not root, no capability (bounding set included), no_new_privs,
 * seccomp filter mode and a denied socket(2), pid 1 of its own PID namespace, no /proc,
 * none of the host's files, a read-only root holding only the library directories,
 * the probe's own path, /etc and /dev, and a /dev with /dev/null and the one device. */
Test(sandbox_apply, confined)
{
	char *argv[] = { (char *)probe_path(), loopdev, NULL };
	char want_root[512] = "", want_dev[128], top[256];
	struct sandbox sb;
	struct fault f = { "" };
	struct stat st;
	char *out;

	if (geteuid() != 0)
		cr_skip_test("the sandbox needs root (mount namespaces, mknod, setresuid): skipped");
	cr_assert_eq(sandbox_apply_prepare(&sb, NULL, &f), 0, "%s", f.text);
	cr_assert_eq(run_captured(&sb, argv, &out), 0, "%s", out);
	cr_log_info("%s", out);
	cr_assert_str_eq(value(out, "uid"), "65534 euid=65534 gid=65534 groups=0 pid=1");
	cr_assert_str_eq(value(out, "capeff"), "000000000 capprm=000000000 capinh=000000000 capbnd=0");
	cr_assert_str_eq(value(out, "nnp"), "1 seccomp=2");
	cr_assert_str_eq(value(out, "socket"), "EPERM");
	cr_assert_str_eq(value(out, "proc"), "absent");
	cr_assert_str_eq(value(out, "shadow"), "absent");
	cr_assert_str_eq(value(out, "mtab"), "empty");
	cr_assert_str_eq(value(out, "root_write"), "EROFS");

	/* The root: the host directories that exist, dev, etc, the probe's top directory. */
	for (size_t i = 0; sandbox_plan_host_dirs[i]; i++)
		if (lstat(sandbox_plan_host_dirs[i], &st) == 0)
			snprintf(want_root + strlen(want_root), sizeof(want_root) - strlen(want_root), "%s:%s ",
				 sandbox_plan_host_dirs[i] + 1, S_ISLNK(st.st_mode) ? "lnk" : "dir");
	sscanf(argv[0], "/%255[^/]", top);
	snprintf(want_root + strlen(want_root), sizeof(want_root) - strlen(want_root), "dev:dir etc:dir %s:dir ", top);
	{
		/* Compare as sets: readdir's order is the tmpfs's. */
		char got[1024], *save = NULL;
		size_t n_got = 0, n_want = 0;

		snprintf(got, sizeof(got), "%s", value(out, "root"));
		for (char *w = strtok_r(got, " ", &save); w; w = strtok_r(NULL, " ", &save), n_got++)
			cr_assert(strstr(want_root, w), "unexpected %s in the sandbox's root (want %s)", w, want_root);
		for (const char *c = want_root; *c; c++)
			n_want += *c == ' ';
		cr_assert_eq(n_got, n_want, "root %s, want %s", value(out, "root"), want_root);
	}
	cr_assert_eq(stat(loopdev, &st), 0);
	snprintf(want_dev, sizeof(want_dev), "%s:blk:%u:%u:65534:600", loopdev + 5, major(st.st_rdev), minor(st.st_rdev));
	{
		const char *dev = value(out, "dev");
		char a[128] = "", b[128] = "";

		cr_assert_eq(sscanf(dev, "%127s %127s", a, b), 2, "/dev holds %s", dev);
		cr_assert(!strcmp(a, want_dev) || !strcmp(b, want_dev), "/dev holds %s, want %s", dev, want_dev);
		cr_assert(!strcmp(a, "null:chr:1:3:0:666") || !strcmp(b, "null:chr:1:3:0:666"), "/dev holds %s", dev);
		cr_assert_null(strstr(dev + strlen(a) + strlen(b) + 1, ":"), "/dev holds more: %s", dev);
	}
	{
		char want[128];
		snprintf(want, sizeof(want), "%s:rw", loopdev);
		cr_assert_str_eq(value(out, "device"), want);
	}
	free(out);
	sandbox_apply_release(&sb);
}

/* mke2fs and e2fsck -p work in the sandbox with no capability, and e2fsck's exit
 * status comes through: 0 on the fresh filesystem. */
Test(sandbox_apply, ext4_tools)
{
	static const char *const files[] = { "/etc/mke2fs.conf", NULL };
	char *mkfs[] = { "/sbin/mke2fs", "-q", "-t", "ext4", "-L", "data", "-E", "root_owner=0:0", loopdev, NULL };
	char *fsck[] = { "/sbin/e2fsck", "-p", loopdev, NULL };
	char *fsck_force[] = { "/sbin/e2fsck", "-pf", loopdev, NULL };
	struct sandbox sb;
	struct fault f = { "" };
	char *out;

	if (geteuid() != 0)
		cr_skip_test("the sandbox needs root (mount namespaces, mknod, setresuid): skipped");
	cr_assert_eq(sandbox_apply_prepare(&sb, files, &f), 0, "%s", f.text);
	cr_assert_eq(run_captured(&sb, mkfs, &out), 0, "%s", out);
	free(out);
	cr_assert_eq(run_captured(&sb, fsck, &out), 0, "%s", out);
	cr_assert(strstr(out, "data: clean"), "%s", out);
	cr_assert_null(strstr(out, "ERROR"), "%s", out);
	free(out);
	cr_assert_eq(run_captured(&sb, fsck_force, &out), 0, "%s", out);
	free(out);
	sandbox_apply_release(&sb);
}
