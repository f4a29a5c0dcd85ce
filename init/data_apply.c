/* mount-data under protection = tpm (docs/data-protection.md): decide from what is on
 * the partition and what the TPM's data marker says (crypt/data_plan.c), then seal a
 * blank one, unlock the sealed one (crypt/luks_apply.c) or migrate a plaintext one
 * (data_migrate.c), and mount the ext4 inside as the plain rules do
 * (mounts/ext4_apply.c). Anything else leaves the partition untouched and the state
 * in a tmpfs: degraded, reachable, and the record says why. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/block_probe.h"
#include "common/log.h"
#include "crypt/data_plan.h"
#include "crypt/luks_apply.h"
#include "init/boot.h"
#include "init/data.h"
#include "mounts/ext4_apply.h"
#include "tpm/data_marker_apply.h"
#include "tpm/tpm_apply.h"

int data_degrade(struct boot_state *st, const struct fault *why, struct fault *f)
{
	log_warning("the data partition is left untouched and the state is volatile (tmpfs): %s, continuing", why->text);
	snprintf(st->data_reason, sizeof(st->data_reason), "%s", why->text);
	st->data_state = STORAGE_VOLATILE;
	if (mkdir(DATA_ROOT, 0755) < 0 && errno != EEXIST)
		return fault_set(f, errno, "unable to create %s: %s", DATA_ROOT, strerror(errno));
	return ext4_apply_mount_volatile(DATA_ROOT, MS_NOSUID | MS_NODEV, f);
}

int data_mark(enum data_marker_state state, const uint8_t *key, struct fault *f)
{
	struct data_marker m = { .state = state };
	int fd, r;

	if (key)
		memcpy(m.key, key, sizeof(m.key));
	if ((fd = tpm_apply_open(f)) < 0)
		r = fd;
	else {
		r = data_marker_write(fd, DATA_MARKER_HANDLE, &m, f);
		close(fd);
	}
	explicit_bzero(&m, sizeof(m));
	if (r == 0)
		log_notice("the TPM's data marker says %s", data_marker_state_name(state));
	return r;
}

/* Reads the data marker into m (zeroed unless it holds one) when this boot measured:
 * the decision's view of it, and in err why it is unreadable. */
static enum data_mark read_mark(const struct boot_state *st, struct data_marker *m, char *err, size_t err_size)
{
	struct fault f = { "" };
	int fd, r;

	memset(m, 0, sizeof(*m));
	if (!st->measure.entered)
		return DATA_MARK_NONE;               /* not consulted: nothing is touched without a TPM */
	if ((fd = tpm_apply_open(&f)) < 0)
		r = fd;
	else {
		r = data_marker_read(fd, DATA_MARKER_HANDLE, m, &f);
		close(fd);
	}
	if (r == -ENOENT) {
		log_info("the TPM's data marker: none (%s)", f.text);
		return DATA_MARK_NONE;
	}
	if (r < 0) {
		snprintf(err, err_size, "%s", f.text);
		log_warning("the TPM's data marker cannot be read: %s", f.text);
		return DATA_MARK_UNREADABLE;
	}
	log_info("the TPM's data marker: %s", data_marker_state_name(m->state));
	switch (m->state) {
	case DATA_MARKER_FORMATTING: return DATA_MARK_FORMATTING;
	case DATA_MARKER_MIGRATING: return DATA_MARK_MIGRATING;
	case DATA_MARKER_SEALED: return DATA_MARK_SEALED;
	default: return DATA_MARK_NONE;
	}
}

/* What libblkid finds on device. */
static enum data_found probe(const char *device, char *label, size_t label_size)
{
	char type[32];

	if (block_probe(device, type, sizeof(type), label, label_size) < 0)
		return DATA_FOUND_OTHER;
	if (!type[0])
		return block_is_blank(device) ? DATA_FOUND_BLANK : DATA_FOUND_OTHER;
	if (!strcmp(type, "ext4"))
		return DATA_FOUND_EXT4;
	return !strcmp(type, "crypto_LUKS") ? DATA_FOUND_LUKS : DATA_FOUND_OTHER;
}

int data_mount_inside(struct boot_state *st, const struct data_facts *facts, enum data_action action, const char *crypt,
		      const struct spawn_jail *jail, struct fault *f)
{
	const struct boot_plan *plan = st->plan;
	struct fault why = { "" }, ignored = { "" };
	bool sealed_now = action == DATA_SEAL;
	int r;

	r = ext4_apply_mount(DATA_MAPPER, plan->data_label, DATA_ROOT, MS_NOSUID | MS_NODEV, sealed_now, jail,
			     &st->data_state, &why, f);
	if (r < 0)
		return r;
	if (st->data_state == STORAGE_VOLATILE) {
		snprintf(st->data_reason, sizeof(st->data_reason), "%s", why.text);
		(void)luks_apply_close(DATA_DM_NAME, &ignored);
		return 0;
	}
	/* Only now, with a filesystem inside, does the volume stop being a first boot's. */
	if (sealed_now && (r = luks_apply_set_label(plan->data_device, DATA_LUKS_LABEL, &why)) < 0) {
		(void)umount2(DATA_ROOT, MNT_DETACH);
		(void)luks_apply_close(DATA_DM_NAME, &ignored);
		return data_degrade(st, &why, f);
	}
	/* A migration wrote it before the mount; an unlock mends a marker that does not say
	 * sealed yet. Should the write fail, the next boot's unlock writes it. */
	if (action != DATA_MIGRATE && action != DATA_MIGRATE_RESUME && data_plan_marks_sealed(facts, action) &&
	    data_mark(DATA_MARKER_SEALED, NULL, &why) < 0)
		log_warning("unable to write the TPM's data marker (sealed): %s, continuing", why.text);
	st->data_crypt = crypt;
	return 0;
}

int data_apply_mount_sealed(struct boot_state *st, const struct spawn_jail *jail, struct fault *f)
{
	const struct boot_plan *plan = st->plan;
	struct data_facts facts = { .protection = plan->data_protection, .format_blank = plan->format_blank,
				    .tpm = st->measure.entered, .migrate = plan->data_migrate,
				    .integrity = plan->data_integrity };
	struct fault why = { "" };
	struct data_marker marker;
	enum data_action action;
	char label[64], mark_error[192] = "";
	int r;

	st->data_crypt = "locked";
	if (!plan->data_device[0]) {
		fault_set(&why, ENOENT, "no single partition labelled %s", plan->data_label);
		return data_degrade(st, &why, f);
	}
	facts.found = probe(plan->data_device, label, sizeof(label));
	facts.luks_label = label;
	facts.mark = read_mark(st, &marker, mark_error, sizeof(mark_error));
	facts.mark_error = mark_error;
	action = data_plan_action(&facts, &why);
	log_info("%s (%s): %s (data marker %s)", plan->data_label, plan->data_device, data_action_name(action),
		 data_mark_name(facts.mark));
	if (action == DATA_LEAVE_ALONE)
		r = data_degrade(st, &why, f);
	else if (action == DATA_PLAIN) {        /* the plain rules (data_plan: protection none) */
		r = ext4_apply_mount(plan->data_device, plan->data_label, DATA_ROOT, MS_NOSUID | MS_NODEV, plan->format_blank,
				     jail, &st->data_state, &why, f);
		if (r == 0 && st->data_state == STORAGE_VOLATILE)
			snprintf(st->data_reason, sizeof(st->data_reason), "%s", why.text);
		st->data_crypt = NULL;
	} else if (luks_apply_install_signature(&why) < 0)
		r = data_degrade(st, &why, f);
	else if (action == DATA_MIGRATE || action == DATA_MIGRATE_RESUME)
		r = data_migrate(st, &facts, action, &marker, jail, f);
	else if (action == DATA_SEAL) {
		log_notice("sealing the blank data partition %s: LUKS2, its key sealed by this TPM to the signed PCR %d "
			   "policy of %s", plan->data_device, DATA_PCR_SIGNED, DATA_PCR_KEY);
		if (luks_apply_seal(plan->data_device, DATA_DM_NAME, DATA_PCR_KEY, plan->data_integrity, &why) < 0) {
			struct fault ignored = { "" };
			(void)luks_apply_close(DATA_DM_NAME, &ignored);
			r = data_degrade(st, &why, f);
		} else
			r = data_mount_inside(st, &facts, action, "sealed", jail, f);
	} else if (luks_apply_unlock(plan->data_device, DATA_DM_NAME, DATA_PCR_KEY, plan->data_integrity, &why) < 0)
		r = data_degrade(st, &why, f);
	else {
		log_notice("the TPM unsealed the data partition %s", plan->data_device);
		r = data_mount_inside(st, &facts, action, "unlocked", jail, f);
	}
	explicit_bzero(&marker, sizeof(marker));
	return r;
}
