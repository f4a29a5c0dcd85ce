# The migration of a plaintext data partition to the sealed volume
# (docs/data-protection.md, "Migration"): the firmware disk of the demo policy with
# [data] protection = tpm (images/fw-tpm-disk.img), its data partition replaced by a
# plain ext4 made here with known files, as an appliance updated from a version without
# protection has it. Uses sealed.sh's helpers (sealed_disk, sealed_boot, sealed_record,
# sealed_luks_dump, sealed_degraded) and disk.sh's.

MIGRATION_KEPT=hardinit-migration-kept-3c9e
MIGRATION_LINE='hardinit: migrating the data partition: [0-9]+ of [0-9]+ MiB encrypted'

# migration_plain NAME: a 64 MiB plain ext4 (the data partition's size, 1 KiB blocks as
# mke2fs makes them at that size) at $WORK/NAME.ext4, with a file in the /etc and /root
# overlay uppers and 8 MiB of random bytes in /var's; the random file's checksum in
# $WORK/NAME.sum.
migration_plain() {
	local dir=$WORK/$1.plain
	rm -rf "$dir" "$WORK/$1.ext4" && mkdir -p "$dir/.eflow/overlays/etc/upper" "$dir/.eflow/overlays/root/upper" \
		"$dir/.eflow/overlays/var/upper/lib"
	echo "$MIGRATION_KEPT" >"$dir/.eflow/overlays/etc/upper/kept"
	echo "$MIGRATION_KEPT" >"$dir/.eflow/overlays/root/upper/kept"
	head -c 8M /dev/urandom >"$dir/.eflow/overlays/var/upper/lib/blob"
	sha256sum <"$dir/.eflow/overlays/var/upper/lib/blob" | cut -d' ' -f1 >"$WORK/$1.sum"
	mke2fs -q -t ext4 -L data -E root_owner=0:0 -d "$dir" "$WORK/$1.ext4" 64M
}

# migration_files NAME: the known files are in the running service tree.
migration_files() {
	local out
	out=$(guest_ssh 'cat /etc/kept /root/kept; sha256sum </var/lib/blob') || { REASON="$1: SSH failed"; return 1; }
	[ "$out" = "$MIGRATION_KEPT"$'\n'"$MIGRATION_KEPT"$'\n'"$(cat "$WORK/${1%%.*}.sum")  -" ] \
		|| { REASON="$1: the files are not intact: $out"; return 1; }
}

# migration_ms NAME FROM TO: milliseconds between the first console lines matching FROM
# and TO, from the kernel's timestamps.
migration_ms() {
	_console_text "$WORK/$1.console" | awk -v from="$2" -v to="$3" '
		function t(line) { match(line, /\[ *[0-9]+\.[0-9]+\]/); return substr(line, RSTART + 1, RLENGTH - 2) + 0 }
		!a && $0 ~ from { a = t($0) } a && !b && $0 ~ to { b = t($0) } END { printf "%d\n", (b - a) * 1000 }'
}

CASES+=(tpm_migration)
# A plaintext data partition booted with protection = tpm and a TPM: migrated in place
# (a progress line on the console; the record says data_crypt migrated), the volume a LUKS2 of one keyslot and one systemd-tpm2 token with no file's
# text in the clear; the next boot unlocks it and the files are intact. Then the holder of the disk puts a plain
# ext4 with a planted /etc back: the TPM's marker says sealed, so it is never mounted,
# nothing planted runs, the boot is degraded and the partition unchanged.
case_tpm_migration() {
	local name=tpm_migration disk tpm record dump dir sum
	disk=$(sealed_disk "$name") tpm=$WORK/$name.tpm
	migration_plain "$name" || { REASON="mke2fs failed (test setup)"; return 1; }
	replace_partition "$disk" "$SEALED_DATA" "$WORK/$name.ext4"
	sealed_boot "$name" "$disk" "$tpm" || return 1
	expect_console "$name" "$MIGRATION_LINE" || { REASON="no progress line"; return 1; }
	expect_console "$name" 'hardinit: the data partition /dev/vda8 is migrated' || { REASON="no migrated line"; return 1; }
	expect_console "$name" "$SEALED_READY_A .*data=persistent" || { REASON="the ready line does not say data=persistent"; return 1; }
	echo "     migration: $(migration_ms "$name" 'migrating the plaintext data partition' 'is migrated') ms," \
		"encryption $(migration_ms "$name" 'encrypting in place' 'MiB encrypted \(100%\)') ms" \
		"($(_console_text "$WORK/$name.console" | grep -c 'MiB encrypted') progress lines)"
	qemu_kill
	record=$(sealed_record "$disk")
	grep -q '"data":"persistent","data_reason":null,"data_protection":"tpm","data_crypt":"migrated"' <<<"$record" \
		|| { REASON="the record does not say migrated: $record"; return 1; }
	dump=$(sealed_luks_dump "$disk")
	sealed_volume_shape "$dump" || return 1
	if grep -qaF "$MIGRATION_KEPT" "$WORK/sealed.data.img"; then
		REASON="a file's text is in the data partition's bytes in the clear"
		return 1
	fi
	sealed_boot "$name.2" "$disk" "$tpm" || return 1
	expect_console "$name.2" 'hardinit: the TPM unsealed the data partition /dev/vda8' || { REASON="boot 2: not unsealed"; return 1; }
	guest_ssh_wait 120 || { REASON="boot 2: no SSH"; return 1; }
	migration_files "$name.2" || return 1
	qemu_kill
	# The holder of the disk file plants a plain ext4 in its place.
	dir=$WORK/$name.planted
	rm -rf "$dir" "$WORK/$name.planted.ext4" && mkdir -p "$dir/.eflow/overlays/etc/upper/init.d"
	printf '::sysinit:/etc/init.d/rcS\nttyS0::respawn:/bin/sh\n' >"$dir/.eflow/overlays/etc/upper/inittab"
	printf '#!/bin/sh\necho HARDINIT-PWNED rcS > /dev/console\n' >"$dir/.eflow/overlays/etc/upper/init.d/rcS"
	chmod 755 "$dir/.eflow/overlays/etc/upper/init.d/rcS"
	mke2fs -q -t ext4 -L data -d "$dir" "$WORK/$name.planted.ext4" 64M || { REASON="mke2fs failed (test setup)"; return 1; }
	replace_partition "$disk" "$SEALED_DATA" "$WORK/$name.planted.ext4"
	sum=$(partition_sha256 "$disk" "$SEALED_DATA")
	QEMU_TPM=$tpm qemu_boot_firmware "$name.3" "$disk" "$WORK/$name.vars" 300 || { REASON="$name.3: QEMU did not start"; return 1; }
	qemu_wait_line "$SEALED_READY_A" 200 || { REASON="$name.3: no ready line for slot a"; return 1; }
	expect_no_console "$name.3" 'HARDINIT-PWNED' || { REASON="the planted rcS ran"; return 1; }
	expect_no_console "$name.3" 'migrating the plaintext' || { REASON="the planted filesystem was migrated"; return 1; }
	sealed_degraded "$name.3" "$disk" 'a plaintext filesystem where this TPM sealed the data' || return 1
	[ "$(partition_sha256 "$disk" "$SEALED_DATA")" = "$sum" ] || { REASON="the planted partition was changed"; return 1; }
}

# migration_cut NAME PATTERN TIMEOUT_S: waits for a console line matching ERE PATTERN
# and kills QEMU at once (SIGKILL, as the soak cuts power: nothing more reaches the
# disk), polling every 20 ms.
migration_cut() {
	local deadline=$((SECONDS + $3))
	while ! grep -aqE -- "$2" "$QEMU_CONSOLE" 2>/dev/null; do
		_qemu_alive && ((SECONDS < deadline)) && ! grep -aq 'hardinit: ready' "$QEMU_CONSOLE" \
			|| { REASON="$1: no console line matching '$2' (before the boot went on or ended)"; return 1; }
		sleep 0.02
	done
	kill -KILL "$QEMU_PID" 2>/dev/null
	qemu_kill
	echo "     $1: power cut at '$(grep -aoE -- "$2" "$QEMU_CONSOLE" | head -n 1)'"
}

# migration_cut_boot NAME DISK TPM PATTERN: boots DISK and cuts the power at PATTERN.
# Slot a's GPT bits are put back as the disk had them (priority 2, successful): a boot
# cut before its mark-good is a trial that counts, and three would fall back to slot b.
migration_cut_boot() {
	local attrs
	attrs=$(sfdisk --part-attrs "$2" 5 2>/dev/null)
	QEMU_TPM=$3 qemu_boot_firmware "$1" "$2" "$WORK/${1%%.*}.vars" 300 || { REASON="$1: QEMU did not start"; return 1; }
	migration_cut "$1" "$4" 150 || return 1
	sfdisk --part-attrs "$2" 5 "$attrs" >/dev/null 2>&1 || { REASON="$1: sfdisk failed (test setup)"; return 1; }
}

CASES+=(tpm_migration_cuts)
# Power cuts during a migration, each at a console line: (1) the marker holds the key,
# the header is not written yet: the partition is still the plaintext ext4, and the next
# boot starts over with the marker's key; (2) in the middle of the encryption (the
# header says online-reencrypt): the next boot recovers and resumes it; (3) encrypted,
# the TPM token not enrolled yet (label still hardinit-formatting, no token): the next
# boot enrols it. The last boot ends migrated and mounted with the files intact.
case_tpm_migration_cuts() {
	local name=tpm_migration_cuts disk tpm dump record part=$WORK/tpm_migration_cuts.part
	disk=$(sealed_disk "$name") tpm=$WORK/$name.tpm
	migration_plain "$name" || { REASON="mke2fs failed (test setup)"; return 1; }
	replace_partition "$disk" "$SEALED_DATA" "$WORK/$name.ext4"
	migration_cut_boot "$name.1" "$disk" "$tpm" 'its temporary key is in the TPM.s data marker' || return 1
	dd if="$disk" of="$part" bs=1M skip=$(( $(part_start "$disk" "$SEALED_DATA") / 1048576 )) count=64 status=none
	[ "$(blkid -p -o value -s TYPE "$part")" = ext4 ] && e2fsck -fn "$part" >/dev/null 2>&1 \
		|| { REASON="cut 1: the partition is no longer a clean ext4 ($(blkid -p "$part"))"; return 1; }
	migration_cut_boot "$name.2" "$disk" "$tpm" "$MIGRATION_LINE \\((1|2|3|4|5|6|7|8|9)[0-9]?%" || return 1
	expect_console "$name.2" 'going on with the migration the data marker records' \
		|| { REASON="cut 2's boot did not take the marker's key"; return 1; }
	dump=$(sealed_luks_dump "$disk")
	grep -Eq '^Requirements:.*online-reencrypt' <<<"$dump" || { REASON="cut 2: not in reencryption: $dump"; return 1; }
	migration_cut_boot "$name.3" "$disk" "$tpm" 'is encrypted: enrolling its TPM token' || return 1
	expect_console "$name.3" 'migrating the data partition /dev/vda8: encrypting in place' \
		|| { REASON="cut 3's boot did not resume the encryption"; return 1; }
	dump=$(sealed_luks_dump "$disk")
	grep -Eq '^Label:[[:space:]]*hardinit-formatting$' <<<"$dump" && ! grep -q 'systemd-tpm2' <<<"$dump" &&
		! grep -q '^Requirements:' <<<"$dump" || { REASON="cut 3: not encrypted without a token: $dump"; return 1; }
	sealed_boot "$name.4" "$disk" "$tpm" || return 1
	expect_console "$name.4" 'enrolling its TPM token' || { REASON="the last boot did not enrol"; return 1; }
	expect_console "$name.4" "$SEALED_READY_A .*data=persistent" || { REASON="the last boot is not persistent"; return 1; }
	guest_ssh_wait 120 || { REASON="no SSH"; return 1; }
	migration_files "$name.4" || return 1
	qemu_kill
	record=$(sealed_record "$disk")
	grep -q '"data_crypt":"migrated"' <<<"$record" || { REASON="the record does not say migrated: $record"; return 1; }
	dump=$(sealed_luks_dump "$disk")
	[ "$(grep -cE '^  [0-9]+: luks2$' <<<"$dump")" = 1 ] && [ "$(grep -cE '^  [0-9]+: systemd-tpm2$' <<<"$dump")" = 1 ] \
		|| { REASON="not one keyslot and one token: $dump"; return 1; }
}
