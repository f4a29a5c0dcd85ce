#include <criterion/criterion.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/program.h"
#include "init/plan.h"
#include "init/program_apply.h"
#include "overlay/overlay_plan.h"
#include "verity/verity_plan.h"

static struct policy p;
static struct state_plan state;
static struct fault f;

static void setup(void)
{
	policy_set_defaults(&p);
	memset(&f, 0, sizeof(f));
	cr_assert_eq(state_plan_build(&p.overlays, &p.binds, &state, &f), 0, "%s", f.text);
}

TestSuite(program, .init = setup);

/* Writable state is every overlay and bind target and what lies below, the .eflow
 * view, and the trees hardinit mounts from the kernel, a tmpfs or /logs; the rest of
 * the root is not. */
Test(program, writable_paths)
{
	static const char *const writable[] = { "/etc", "/etc/alternatives/x", "/var/lib/y", "/home/u", "/root/.profile",
						"/var/.eflow/overlays", "/tmp/x", "/run/x", "/dev/shm/x", "/logs/x",
						"/proc/self/exe", "/sys/x" };
	static const char *const verified[] = { "/", "/sbin/init", "/usr/bin/busybox", "/etcx/y", "/variable", "/lib/x",
						"/opt/svc" };

	for (size_t i = 0; i < sizeof(writable) / sizeof(writable[0]); i++)
		cr_assert(state_plan_is_writable(&state, writable[i]), "%s", writable[i]);
	for (size_t i = 0; i < sizeof(verified) / sizeof(verified[0]); i++)
		cr_assert_not(state_plan_is_writable(&state, verified[i]), "%s", verified[i]);
	strcpy(p.binds.paths[0], "/opt/data");
	p.binds.n = 1;
	cr_assert_eq(state_plan_build(&p.overlays, &p.binds, &state, &f), 0, "%s", f.text);
	cr_assert(state_plan_is_writable(&state, "/opt/data/bin/x"));
	cr_assert_not(state_plan_is_writable(&state, "/opt/svc"));
}

/* Two overlays (or binds) whose paths map to one state directory name are refused:
 * they would share an upper and work dir. */
Test(program, state_names_distinct)
{
	strcpy(p.binds.paths[0], "/srv/a-b");
	strcpy(p.binds.paths[1], "/srv-a/b");
	p.binds.n = 2;
	cr_assert_eq(state_plan_build(&p.overlays, &p.binds, &state, &f), -EINVAL);
	cr_assert(strstr(f.text, "share the state directory"), "%s", f.text);
	policy_set_defaults(&p);
	strcpy(p.overlays.paths[0], "/opt/a-b");
	strcpy(p.overlays.paths[1], "/opt-a/b");
	p.overlays.n = 2;
	cr_assert_eq(state_plan_build(&p.overlays, &p.binds, &state, &f), -EINVAL);
	strcpy(p.overlays.paths[1], "/opt-b/a");
	cr_assert_eq(state_plan_build(&p.overlays, &p.binds, &state, &f), 0, "%s", f.text);
}

/* An exec or health-check path in writable state is refused when the plan is made. */
Test(program, plan_refuses_writable_programs)
{
	struct boot_cmdline bc = { .debug = false };
	struct boot_plan plan;

	strcpy(p.exec, "/etc/init-real");
	cr_assert_eq(plan_build(&p, &bc, BOOT_MODE_INITRAMFS, &plan, &f), -EINVAL);
	cr_assert(strstr(f.text, "exec /etc/init-real is in writable state"), "%s", f.text);
	strcpy(p.exec, "/sbin/init");
	strcpy(p.health_check, "/var/lib/health");
	cr_assert_eq(plan_build(&p, &bc, BOOT_MODE_INIT, &plan, &f), -EINVAL);
	cr_assert(strstr(f.text, "health_check"), "%s", f.text);
	strcpy(p.health_check, "/usr/lib/demo/health");
	cr_assert_eq(plan_build(&p, &bc, BOOT_MODE_INITRAMFS, &plan, &f), 0, "%s", f.text);
}

/* The "#!" line: interpreter and one optional argument, as the kernel reads them. */
Test(program, shebang)
{
	char interp[64], arg[16];

	cr_assert_eq(program_parse_shebang("#!/bin/sh\necho", 14, interp, sizeof(interp), arg, sizeof(arg)), 1);
	cr_assert_str_eq(interp, "/bin/sh");
	cr_assert_str_eq(arg, "");
	cr_assert_eq(program_parse_shebang("#! /bin/sh -e -u \n", 18, interp, sizeof(interp), arg, sizeof(arg)), 1);
	cr_assert_str_eq(interp, "/bin/sh");
	cr_assert_str_eq(arg, "-e -u");
	cr_assert_eq(program_parse_shebang("\177ELF", 4, interp, sizeof(interp), arg, sizeof(arg)), 0);
	cr_assert_eq(program_parse_shebang("#", 1, interp, sizeof(interp), arg, sizeof(arg)), 0);
	cr_assert_eq(program_parse_shebang("#!/bin/sh", 9, interp, sizeof(interp), arg, sizeof(arg)), -EINVAL);
	cr_assert_eq(program_parse_shebang("#!  \n", 5, interp, sizeof(interp), arg, sizeof(arg)), -EINVAL);
	cr_assert_eq(program_parse_shebang("#!/bin/sh 0123456789abcdefgh\n", 29, interp, sizeof(interp), arg,
					   sizeof(arg)), -EINVAL);
}

/* A scratch root: mkdtemp'd, with files written by put(). */
static char root[64];

static void put(const char *path, const char *text, mode_t mode)
{
	char full[PATH_MAX];
	int fd;

	snprintf(full, sizeof(full), "%s%s", root, path);
	fd = open(full, O_WRONLY | O_CREAT | O_TRUNC, mode);
	cr_assert_geq(fd, 0, "%s", full);
	cr_assert_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
}

static void link_at(const char *target, const char *path)
{
	char full[PATH_MAX];

	snprintf(full, sizeof(full), "%s%s", root, path);
	cr_assert_eq(symlink(target, full), 0, "%s", full);
}

static void make_root(void)
{
	static const char *const dirs[] = { "", "/sbin", "/etc", "/etc/alternatives", "/usr", "/usr/bin", "/bin" };
	char full[PATH_MAX];

	setup();
	strcpy(root, "/tmp/hardinit-program-XXXXXX");
	cr_assert_not_null(mkdtemp(root));
	for (size_t i = 1; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(full, sizeof(full), "%s%s", root, dirs[i]);
		cr_assert_eq(mkdir(full, 0755), 0);
	}
	put("/usr/bin/busybox", "\177ELF...", 0755);
	put("/usr/bin/sh", "\177ELF...", 0755);
	put("/etc/init-real", "\177ELF...", 0755);
	put("/usr/bin/python3.11", "\177ELF...", 0755);
	link_at("/etc/alternatives/python3", "/usr/bin/python3");
	link_at("/usr/bin/python3.11", "/etc/alternatives/python3");
}

static void remove_root(void)
{
	char cmd[96];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", root);
	(void)!system(cmd);
}

/* Checks path on the scratch root. Returns what program_apply_verify returned. */
static int verify(const char *path, struct program *ret)
{
	return program_apply_verify(root, path, &state, ret, &f);
}

TestSuite(program_verify, .init = make_root, .fini = remove_root);

/* A program on the root is opened, its descriptor is the one to run. */
Test(program_verify, plain_program)
{
	struct program prog;

	link_at("/usr/bin/busybox", "/sbin/init");
	cr_assert_eq(verify("/sbin/init", &prog), 0, "%s", f.text);
	cr_assert_geq(prog.fd, 0);
	cr_assert_eq(prog.interp_fd, -1);
	cr_assert(fcntl(prog.fd, F_GETFD) & FD_CLOEXEC);
	close(prog.fd);
}

/* /sbin/init as a link into /etc (which the data partition overlays) is refused, and so
 * is a script whose interpreter resolves into /etc; links that pass through /etc to a
 * file outside it are followed before the overlays exist, and the file they reach is
 * the one that runs (by descriptor). */
Test(program_verify, link_into_writable_state_refused)
{
	struct program prog;
	int r;

	link_at("/etc/init-real", "/sbin/init");
	cr_assert_eq(verify("/sbin/init", &prog), -VERITY_ERR_REFUSED);
	cr_assert(strstr(f.text, "resolves to /etc/init-real"), "%s", f.text);
	put("/usr/bin/svc", "#!/usr/bin/python3\nprint()\n", 0755);
	r = verify("/usr/bin/svc", &prog);
	cr_assert_eq(r, 0, "%d %s", r, f.text); /* resolves to /usr/bin/python3.11 */
	close(prog.fd);
	close(prog.interp_fd);
	/* Through a link in /etc to a file outside: the verified file is what runs. */
	put("/usr/bin/svc2", "#!/etc/alternatives/python3\nprint()\n", 0755);
	cr_assert_eq(verify("/usr/bin/svc2", &prog), 0, "%s", f.text);
	close(prog.fd);
	close(prog.interp_fd);
	link_at("/etc/init-real", "/bin/sh");
	put("/usr/bin/svc3", "#!/bin/sh -e\necho\n", 0755);
	cr_assert_eq(verify("/usr/bin/svc3", &prog), -VERITY_ERR_REFUSED, "%s", f.text);
}

/* A script runs as its verified interpreter: both descriptors are kept. */
Test(program_verify, script_keeps_interpreter)
{
	struct program prog;

	put("/usr/bin/health", "#!/usr/bin/sh -e\nexit 0\n", 0755);
	cr_assert_eq(verify("/usr/bin/health", &prog), 0, "%s", f.text);
	cr_assert_geq(prog.interp_fd, 0);
	cr_assert_str_eq(prog.interp, "/usr/bin/sh");
	cr_assert_str_eq(prog.interp_arg, "-e");
	close(prog.fd);
	close(prog.interp_fd);
}

/* Missing, not executable, a directory, a link out of the root, a script interpreter
 * that is a script: refused, as faults of the slot's image. */
Test(program_verify, refusals)
{
	struct program prog;

	cr_assert_eq(verify("/sbin/missing", &prog), -VERITY_ERR_REFUSED);
	put("/usr/bin/plain", "data", 0644);
	cr_assert_eq(verify("/usr/bin/plain", &prog), -VERITY_ERR_REFUSED);
	cr_assert_eq(verify("/usr/bin", &prog), -VERITY_ERR_REFUSED);
	link_at("../../../../../../usr/bin/busybox", "/sbin/up");
	cr_assert_eq(verify("/sbin/up", &prog), 0, "%s", f.text); /* ".." stops at the root: the root's own file */
	close(prog.fd);
	put("/usr/bin/a", "#!/usr/bin/b\n", 0755);
	put("/usr/bin/b", "#!/usr/bin/sh\n", 0755);
	cr_assert_eq(verify("/usr/bin/a", &prog), -VERITY_ERR_REFUSED);
	cr_assert(strstr(f.text, "itself a script"), "%s", f.text);
	cr_assert_eq(prog.fd, -1);
}
