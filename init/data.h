/* mount-data under protection = tpm, between its files: data_apply.c (the decision,
 * first boot, unlock, the data marker) and data_migrate.c (the migration of a
 * plaintext partition). docs/data-protection.md. */
#ifndef HARDINIT_INIT_DATA_H
#define HARDINIT_INIT_DATA_H

#include "common/fault.h"
#include "common/spawn.h"
#include "crypt/data_plan.h"
#include "init/boot.h"
#include "tpm/data_marker.h"

#define DATA_MAPPER "/dev/mapper/" DATA_DM_NAME

/* The state goes to a tmpfs for this boot, the partition stays as it is (or as far as
 * a migration got: its marker says how to go on); why is the record's reason.
 * Returns 0, or -errno when not even the tmpfs could be mounted. */
int data_degrade(struct boot_state *st, const struct fault *why, struct fault *f);

/* Writes the data marker: state, with key (DATA_MARKER_KEY_SIZE bytes; NULL: zero).
 * Returns 0 or -errno with f set. */
int data_mark(enum data_marker_state state, const uint8_t *key, struct fault *f);

/* Mounts the ext4 inside the opened volume at DATA_ROOT (made there first when
 * format), then, as facts and action say, labels the volume DATA_LUKS_LABEL (a first
 * boot) and writes the marker SEALED; crypt is the record's data_crypt. A filesystem
 * that does not check or mount closes the volume: degraded. Returns 0, or -errno when
 * not even the tmpfs could be mounted. */
int data_mount_inside(struct boot_state *st, const struct data_facts *facts, enum data_action action, const char *crypt,
		      const struct spawn_jail *jail, struct fault *f);

/* DATA_MIGRATE (the partition holds a plaintext ext4) or DATA_MIGRATE_RESUME (a volume
 * labelled "formatting" while the marker says MIGRATING): e2fsck -f and resize2fs in
 * jail, the marker MIGRATING with its key, the encryption, the TPM token, the label,
 * the marker SEALED, then the mount. marker is what was read (its key is used when it
 * says MIGRATING). Anything that fails: degraded, with what the next boot will do.
 * Returns 0, or -errno when not even the tmpfs could be mounted. */
int data_migrate(struct boot_state *st, const struct data_facts *facts, enum data_action action,
		 const struct data_marker *marker, const struct spawn_jail *jail, struct fault *f);

#endif
