/* mount-data under protection = tpm (docs/data-protection.md): decide from what is on
 * the partition (crypt/data_plan.c), then seal a blank one or unlock the sealed one
 * (crypt/luks_apply.c), and mount the ext4 inside as the plain rules do
 * (mounts/ext4_apply.c). Anything else leaves the partition untouched and the state
 * in a tmpfs: degraded, reachable, and the record says why. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include "common/block_probe.h"
#include "common/log.h"
#include "crypt/data_plan.h"
#include "crypt/luks_apply.h"
#include "init/boot.h"
#include "mounts/ext4_apply.h"

#define MAPPER "/dev/mapper/" DATA_DM_NAME

/* The state goes to a tmpfs, the partition stays as it is; why is the record's reason. */
static int degrade(struct boot_state *st, const struct fault *why, struct fault *f)
{
	log_warning("the data partition is left untouched and the state is volatile (tmpfs): %s, continuing", why->text);
	snprintf(st->data_reason, sizeof(st->data_reason), "%s", why->text);
	st->data_state = STORAGE_VOLATILE;
	if (mkdir(DATA_ROOT, 0755) < 0 && errno != EEXIST)
		return fault_set(f, errno, "unable to create %s: %s", DATA_ROOT, strerror(errno));
	return ext4_apply_mount_volatile(DATA_ROOT, MS_NOSUID | MS_NODEV, f);
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

/* Mounts the ext4 inside the opened volume (formatting it when sealed just now). If
 * that fails the volume is closed again and the state is volatile. */
static int mount_inside(struct boot_state *st, bool sealed_now, const struct spawn_jail *jail, struct fault *f)
{
	const struct boot_plan *plan = st->plan;
	struct fault why = { "" }, ignored = { "" };
	int r;

	r = ext4_apply_mount(MAPPER, plan->data_label, DATA_ROOT, MS_NOSUID | MS_NODEV, sealed_now, jail, &st->data_state,
			     &why, f);
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
		return degrade(st, &why, f);
	}
	st->data_crypt = sealed_now ? "sealed" : "unlocked";
	return 0;
}

int data_apply_mount_sealed(struct boot_state *st, const struct spawn_jail *jail, struct fault *f)
{
	const struct boot_plan *plan = st->plan;
	struct data_facts facts = { .protection = plan->data_protection, .format_blank = plan->format_blank,
				    .tpm = st->measure.entered };
	struct fault why = { "" }, ignored = { "" };
	enum data_action action;
	char label[64];
	int r;

	st->data_crypt = "locked";
	if (!plan->data_device[0]) {
		fault_set(&why, ENOENT, "no single partition labelled %s", plan->data_label);
		return degrade(st, &why, f);
	}
	facts.found = probe(plan->data_device, label, sizeof(label));
	facts.luks_label = label;
	action = data_plan_action(&facts, &why);
	log_info("%s (%s): %s", plan->data_label, plan->data_device, data_action_name(action));
	if (action == DATA_LEAVE_ALONE)
		return degrade(st, &why, f);
	if (action == DATA_PLAIN) {             /* the plain rules (data_plan: protection none) */
		r = ext4_apply_mount(plan->data_device, plan->data_label, DATA_ROOT, MS_NOSUID | MS_NODEV, plan->format_blank,
				     jail, &st->data_state, &why, f);
		if (r == 0 && st->data_state == STORAGE_VOLATILE)
			snprintf(st->data_reason, sizeof(st->data_reason), "%s", why.text);
		st->data_crypt = NULL;
		return r;
	}
	if (luks_apply_install_signature(&why) < 0)
		return degrade(st, &why, f);
	if (action == DATA_SEAL) {
		log_notice("sealing the blank data partition %s: LUKS2, its key sealed by this TPM to the signed PCR %d "
			   "policy of %s", plan->data_device, DATA_PCR_SIGNED, DATA_PCR_KEY);
		if (luks_apply_seal(plan->data_device, DATA_DM_NAME, DATA_PCR_KEY, plan->data_integrity, &why) < 0) {
			(void)luks_apply_close(DATA_DM_NAME, &ignored);
			return degrade(st, &why, f);
		}
		return mount_inside(st, true, jail, f);
	}
	if (luks_apply_unlock(plan->data_device, DATA_DM_NAME, DATA_PCR_KEY, plan->data_integrity, &why) < 0)
		return degrade(st, &why, f);
	log_notice("the TPM unsealed the data partition %s", plan->data_device);
	return mount_inside(st, false, jail, f);
}
