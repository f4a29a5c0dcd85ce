#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <libmount.h>

#include "mounts/mounts_audit.h"
#include "mounts/mounts_plan.h"

static void expect(struct audit_table *t, const char *target, const char *options, const char *fstype)
{
	struct audit_expect *e = &t->entries[t->n++];

	snprintf(e->target, sizeof(e->target), "%s", target);
	snprintf(e->options, sizeof(e->options), "%s", options);
	snprintf(e->fstype, sizeof(e->fstype), "%s", fstype);
}

void mounts_audit_expect(const struct state_plan *plan, struct audit_table *ret)
{
	ret->n = 0;
	expect(ret, "/", "ro", "");
	expect(ret, "/proc", "nosuid,nodev,noexec", "proc");
	expect(ret, "/sys", "nosuid,nodev,noexec", "sysfs");
	expect(ret, "/dev", "nosuid,noexec", "devtmpfs");
	expect(ret, "/run", "nosuid,nodev", "tmpfs");
	expect(ret, "/dev/pts", "nosuid,noexec", "devpts");
	expect(ret, "/dev/shm", "nosuid,nodev,noexec", "tmpfs");
	expect(ret, "/tmp", "nosuid,nodev", "tmpfs");
	expect(ret, "/logs", "nosuid,nodev,noexec", "");
	for (size_t i = 0; i < plan->n_overlays; i++)
		expect(ret, plan->overlays[i].target, "nosuid,nodev", "overlay");
	for (size_t i = 0; i < plan->n_binds; i++)
		expect(ret, plan->binds[i].target, "nosuid,nodev", "");
	expect(ret, plan->eflow.target, "ro,nosuid,nodev,noexec", "");
}

/* True if every comma-separated option of `want` is present in optstr. (Not
 * mnt_match_options: it reads "nodev" as "dev must be absent".) */
static bool has_options(const char *optstr, const char *want)
{
	char buf[64];
	char *save = NULL;

	snprintf(buf, sizeof(buf), "%s", want);
	for (char *o = strtok_r(buf, ",", &save); o; o = strtok_r(NULL, ",", &save))
		if (mnt_optstr_get_option(optstr, o, NULL, NULL) != 0)
			return false;
	return true;
}

/* Checks one mount against its expectation. Returns 0 or -EPERM. */
static int audit_one(struct libmnt_fs *fs, const struct audit_expect *e, struct fault *f)
{
	const char *vfs = mnt_fs_get_vfs_options(fs);
	const char *type = mnt_fs_get_fstype(fs);

	if (e->fstype[0] && (!type || strcmp(type, e->fstype) != 0))
		return fault_set(f, EPERM, "%s is %s, expected %s", e->target, type ? type : "?", e->fstype);
	if (!vfs)
		return fault_set(f, EPERM, "%s has no mount options", e->target);
	if (strncmp(e->options, "ro", 2) == 0 && !has_options(vfs, "ro"))
		return fault_set(f, EPERM, "%s is mounted read-write (%s), expected %s", e->target, vfs, e->options);
	if (!has_options(vfs, e->options))
		return fault_set(f, EPERM, "%s is mounted %s, expected %s", e->target, vfs, e->options);
	return 0;
}

int mounts_audit_stream(FILE *in, const char *name, const struct audit_table *table, struct fault *f)
{
	struct libmnt_table *tb = mnt_new_table();
	struct libmnt_iter *it = mnt_new_iter(MNT_ITER_FORWARD);
	struct libmnt_fs *fs;
	unsigned seen[AUDIT_EXPECT_MAX] = { 0 };
	int checked = 0, r = 0;

	if (!tb || !it) {
		r = fault_set(f, ENOMEM, "out of memory");
		goto done;
	}
	if ((r = mnt_table_parse_stream(tb, in, name)) < 0) {
		r = fault_set(f, r < 0 ? -r : EINVAL, "unable to read %s", name);
		goto done;
	}
	while (r == 0 && mnt_table_next_fs(tb, it, &fs) == 0) {
		const char *target = mnt_fs_get_target(fs);
		size_t i;

		for (i = 0; i < table->n; i++)
			if (target && strcmp(target, table->entries[i].target) == 0)
				break;
		if (i == table->n)
			r = fault_set(f, EPERM, "unexpected mount on %s (%s)", target ? target : "?",
				      mnt_fs_get_fstype(fs) ? mnt_fs_get_fstype(fs) : "?");
		else if (seen[i]++)
			r = fault_set(f, EPERM, "a second mount on %s", target);
		else
			r = audit_one(fs, &table->entries[i], f);
		checked++;
	}
	for (size_t i = 0; r == 0 && i < table->n; i++)
		if (!seen[i])
			r = fault_set(f, EPERM, "%s is not mounted", table->entries[i].target);
done:
	mnt_free_iter(it);
	mnt_unref_table(tb);
	return r < 0 ? r : checked;
}

int mounts_audit_file(const char *path, const struct audit_table *table, struct fault *f)
{
	FILE *in = fopen(path, "re");
	int r;

	if (!in)
		return fault_set(f, errno, "unable to read %s", path);
	r = mounts_audit_stream(in, path, table, f);
	fclose(in);
	return r;
}
