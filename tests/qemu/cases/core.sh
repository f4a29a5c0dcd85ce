#!/usr/bin/env bash
# Core boot path (issue 2): a verified root boots; every kind of damage to the slot,
# its trust anchor, its partition or the exec target stops the boot with no shell.
# Each case_NAME returns 0 on pass, or sets REASON and returns 1. Sourced by ../run.

READY='hardinit: ready slot=a version=1 verity=verified overlays=/etc,/home,/root,/var data=persistent firewall=loaded init_ms=[0-9]+'
SERVICE_UP='demo: service tree up'

# boot_fatal NAME DISK CMDLINE PATTERN: the init prints "FATAL PATTERN", never the ready
# line, and reboots (QEMU exits under -no-reboot); no shell or panic on the console.
boot_fatal() {
	local name=$1 disk=$2 cmdline=$3 pattern=$4
	qemu_boot "$name" "$disk" "$INITRD" "$cmdline" 150 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_exit 120 || { REASON="the VM did not reboot"; return 1; }
	expect_console "$name" "hardinit: FATAL $pattern" || { REASON="no 'FATAL $pattern' line"; return 1; }
	expect_console "$name" "hardinit: reboot now" || { REASON="the policy's action (reboot) was not taken"; return 1; }
	expect_no_console "$name" "hardinit: ready" || { REASON="the boot completed"; return 1; }
	console_check_clean "$name" || { REASON="shell prompt, panic or oops on the console"; return 1; }
}

# boot_kernel_corruption NAME DISK: dm-verity in the kernel finds the damage while the
# boot reads the root, and restarts the machine; the init never gets to its ready line.
boot_kernel_corruption() {
	local name=$1 disk=$2
	qemu_boot "$name" "$disk" "$INITRD" "" 150 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_exit 120 || { REASON="the VM did not reboot"; return 1; }
	expect_console "$name" "device-mapper: verity: .* is corrupted" || { REASON="no dm-verity corruption report"; return 1; }
	expect_console "$name" "reboot: Restarting system" || { REASON="no restart"; return 1; }
	expect_no_console "$name" "hardinit: ready" || { REASON="the boot completed on a corrupted root"; return 1; }
	console_check_clean "$name" || { REASON="shell prompt, panic or oops on the console"; return 1; }
}

# boot_ready NAME DISK CMDLINE: the boot completes and the service tree starts.
boot_ready() {
	qemu_boot "$1" "$2" "$INITRD" "$3" 300 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_line "$READY" 120 || { REASON="no ready line"; return 1; }
	qemu_wait_line "$SERVICE_UP" 60 || { REASON="the service tree did not start"; return 1; }
}

rootfs_a_start() { part_start "$1" 5; }
rootfs_a_end() { echo $(( $(part_start "$1" 5) + $(part_size "$1" 5) )); }

CASES+=(boot_verified)
# 1. The demo disk boots: ready line with verity=verified; / is the dm-verity device, read-only.
case_boot_verified() {
	local disk out
	disk=$(disk_variant boot_verified)
	boot_ready boot_verified "$disk" "" || return 1
	guest_ssh_wait 90 || { REASON="no SSH"; return 1; }
	out=$(guest_ssh 'findmnt -no SOURCE,OPTIONS /; veritysetup status root; cat /sys/block/dm-0/dm/uuid;
		touch /probe 2>&1; cat /usr/share/hardinit-test/hello.txt; tr "\\0" " " </proc/1/cmdline; echo') || { REASON="SSH command failed"; return 1; }
	printf '%s\n' "$out" | sed 's/^/     guest: /'
	grep -qE '^/dev/mapper/root +ro,' <<<"$out" || { REASON="/ is not /dev/mapper/root read-only"; return 1; }
	grep -qE 'status: +verified' <<<"$out" || { REASON="veritysetup does not say verified"; return 1; }
	grep -q '^CRYPT-VERITY-' <<<"$out" || { REASON="/ is not a dm-verity device"; return 1; }
	grep -q 'Read-only file system' <<<"$out" || { REASON="/ is writable"; return 1; }
	grep -q 'hello from the verified root' <<<"$out" || { REASON="cannot read the root"; return 1; }
	console_check_clean boot_verified || { REASON="shell prompt, panic or oops on the console"; return 1; }
	grep -oE 'init_ms=[0-9]+' "$WORK/boot_verified.console" | sed 's/^/     /'
}

CASES+=(corrupt_superblock)
# 2. A flipped byte in the filesystem's superblock: the kernel refuses it at mount, restarts.
case_corrupt_superblock() {
	local disk
	disk=$(disk_variant corrupt_superblock)
	flip_byte "$disk" $(( $(rootfs_a_start "$disk") + 1024 + 16 ))
	boot_kernel_corruption corrupt_superblock "$disk"
}

CASES+=(corrupt_exec_target)
# 2. A flipped byte inside the exec target (busybox): found when the init reads it, restart.
case_corrupt_exec_target() {
	local disk off
	disk=$(disk_variant corrupt_exec_target)
	off=$(offset_of "$IMAGES/slot-a.img" 'BusyBox v1.')
	[ -n "$off" ] || { REASON="busybox not found in the slot image"; return 1; }
	flip_byte "$disk" $(( $(rootfs_a_start "$disk") + off ))
	boot_kernel_corruption corrupt_exec_target "$disk"
}

CASES+=(corrupt_unread_file)
# 2. A flipped byte in a file the boot does not read: the boot completes; reading the file
#    later restarts the machine (on_corruption=restart) and never returns the bad data.
case_corrupt_unread_file() {
	local disk off out
	disk=$(disk_variant corrupt_unread_file)
	off=$(offset_of "$IMAGES/slot-a.img" 'HARDINIT-UNREAD-MARKER-')
	[ -n "$off" ] || { REASON="marker file not found in the slot image"; return 1; }
	flip_byte "$disk" $(( $(rootfs_a_start "$disk") + off + 65536 + 5 ))
	boot_ready corrupt_unread_file "$disk" "" || return 1
	guest_ssh_wait 90 || { REASON="no SSH"; return 1; }
	out=$(guest_ssh 'cat /usr/share/hardinit-test/unread.bin | md5sum' 2>&1) || true
	qemu_wait_exit 60 || { REASON="reading the corrupted file did not restart the VM (got: $out)"; return 1; }
	expect_console corrupt_unread_file "device-mapper: verity: .* is corrupted" || { REASON="no corruption report"; return 1; }
	console_check_clean corrupt_unread_file || { REASON="shell prompt, panic or oops on the console"; return 1; }
}

CASES+=(corrupt_hash_top)
# 3. A flipped byte in the top block of the hash tree: the init's own root hash check
#    catches it before the kernel reads anything.
case_corrupt_hash_top() {
	local disk hash_offset
	disk=$(disk_variant corrupt_hash_top)
	hash_offset=$(footer_value "$IMAGES/slot-a.img" hash_offset)
	flip_byte "$disk" $(( $(rootfs_a_start "$disk") + hash_offset + 4096 + 64 ))
	boot_fatal corrupt_hash_top "$disk" "" "open-verity: root hash does not match the hash tree of /dev/vda5"
}

CASES+=(corrupt_hash_leaf)
# 3. A flipped byte in the first leaf block of the hash tree (the hashes of the blocks
#    the superblock is in): the kernel catches it at mount.
case_corrupt_hash_leaf() {
	local disk hash_offset blocks
	disk=$(disk_variant corrupt_hash_leaf)
	hash_offset=$(footer_value "$IMAGES/slot-a.img" hash_offset)
	blocks=$(( $(footer_value "$IMAGES/slot-a.img" data_size) / 4096 ))
	# Two levels (top, then leaves) when 128 < blocks <= 128 * 128.
	[ "$blocks" -gt 128 ] && [ "$blocks" -le 16384 ] || { REASON="the tree does not have two levels ($blocks blocks)"; return 1; }
	flip_byte "$disk" $(( $(rootfs_a_start "$disk") + hash_offset + 8192 + 16 ))
	boot_kernel_corruption corrupt_hash_leaf "$disk"
}

CASES+=(corrupt_footer_text)
# 3. A changed byte in the footer's signed text (version 1 → 7): the signature fails.
case_corrupt_footer_text() {
	local disk end off
	disk=$(disk_variant corrupt_footer_text)
	end=$(rootfs_a_end "$disk")
	off=$(tail -c 4096 "$IMAGES/slot-a.img" | grep -obaF -m1 'version=1' | cut -d: -f1)
	put_byte "$disk" $(( end - 4096 + off + 8 )) 7
	boot_fatal corrupt_footer_text "$disk" "" "open-verity: the slot footer's signature matches none of the 1 trusted keys"
}

CASES+=(corrupt_footer_signature)
# 3. A changed hex digit in the footer's signature: refused.
case_corrupt_footer_signature() {
	local disk end off digit
	disk=$(disk_variant corrupt_footer_signature)
	end=$(rootfs_a_end "$disk")
	off=$(( $(tail -c 4096 "$IMAGES/slot-a.img" | grep -obaF -m1 'signature=' | cut -d: -f1) + 20 ))
	digit=$(tail -c 4096 "$IMAGES/slot-a.img" | dd bs=1 skip="$off" count=1 status=none)
	[ "$digit" = 0 ] && digit=1 || digit=0
	put_byte "$disk" $(( end - 4096 + off )) "$digit"
	boot_fatal corrupt_footer_signature "$disk" "" "open-verity: the slot footer's signature matches none"
}

CASES+=(wrong_roothash)
# 4. A wrong roothash= on the command line: refused before the kernel reads the root.
case_wrong_roothash() {
	local disk
	disk=$(disk_variant wrong_roothash)
	boot_fatal wrong_roothash "$disk" "roothash=$(printf '%064d' 1)" \
		"open-verity: roothash= on the command line does not match the slot footer's root hash"
}

CASES+=(pinned_roothash)
# 4. The right roothash= pins the root: a slot signed by an unknown key then boots verified
#    (the command line is the trust anchor), and only with that hash.
case_pinned_roothash() {
	local disk hash
	disk=$(slot_disk pinned_roothash "$B/demo/rootfs" "$B/keys/other.key")
	hash=$(footer_value "$WORK/pinned_roothash.slot" root_hash)
	boot_ready pinned_roothash "$disk" "roothash=$hash" || return 1
	expect_console pinned_roothash "$READY" || { REASON="not verified"; return 1; }
	console_check_clean pinned_roothash || { REASON="shell prompt, panic or oops on the console"; return 1; }
}

CASES+=(untrusted_key)
# 5. A footer signed by a key not in the initramfs, no roothash=: refused.
case_untrusted_key() {
	local disk
	disk=$(slot_disk untrusted_key "$B/demo/rootfs" "$B/keys/other.key")
	boot_fatal untrusted_key "$disk" "" "open-verity: the slot footer's signature matches none of the 1 trusted keys \(verity is required\)" || return 1
	# The failed boot left its record on /logs (mounted before verity).
	records "$disk" | grep -q '"outcome":"failed","failed_step":"open-verity","reason":"the slot footer' \
		|| { REASON="no failed boot record on /logs"; return 1; }
}

CASES+=(missing_slot_partition)
# 6. The bootloader chose slot a, and no partition is labelled rootfs-a: refused after the
#    device timeout. (With hardinit.slot=auto, slot b would boot: slots.sh.)
case_missing_slot_partition() {
	local disk
	disk=$(disk_variant missing_slot_partition)
	sfdisk --quiet --part-label "$disk" 5 spare >/dev/null
	boot_fatal missing_slot_partition "$disk" "hardinit.slot=a" "find-partitions: no partition is labelled rootfs-a after waiting [0-9]+ms"
}

CASES+=(duplicate_slot_label)
# 6. Two partitions labelled rootfs-a: refused (which one is the real slot is unknowable).
case_duplicate_slot_label() {
	local disk
	disk=$(disk_variant duplicate_slot_label)
	sfdisk --quiet --part-label "$disk" 6 rootfs-a >/dev/null
	boot_fatal duplicate_slot_label "$disk" "" "find-partitions: partition label rootfs-a is on both /dev/vda5 and /dev/vda6"
}

CASES+=(init_shell_ignored)
# 7. init=/bin/sh: the kernel runs the initramfs's /init (hardinit), which boots the policy's
#    exec target; no shell anywhere.
case_init_shell_ignored() {
	local disk
	disk=$(disk_variant init_shell_ignored)
	boot_ready init_shell_ignored "$disk" "init=/bin/sh" || return 1
	console_check_clean init_shell_ignored || { REASON="shell prompt, panic or oops on the console"; return 1; }
}

CASES+=(rdinit_shell)
# 7. rdinit=/bin/sh: the initramfs holds no shell, so the kernel has nothing to run: it
#    panics (expected here) and restarts; never a shell, never an unverified root.
case_rdinit_shell() {
	local disk
	disk=$(disk_variant rdinit_shell)
	qemu_boot rdinit_shell "$disk" "$INITRD" "rdinit=/bin/sh" 150 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_exit 120 || { REASON="the VM did not stop"; return 1; }
	expect_no_console rdinit_shell "hardinit: ready" || { REASON="booted"; return 1; }
	expect_console rdinit_shell "Kernel panic" || { REASON="no panic: what ran?"; return 1; }
	console_check_clean rdinit_shell allow-panic || { REASON="shell prompt or oops on the console"; return 1; }
}

CASES+=(exec_shell_refused)
# 7. hardinit.exec=/bin/sh with a policy that does not trust the command line: ignored with
#    a warning, the policy's exec target runs.
case_exec_shell_refused() {
	local disk
	disk=$(disk_variant exec_shell_refused)
	boot_ready exec_shell_refused "$disk" "hardinit.exec=/bin/sh" || return 1
	expect_console exec_shell_refused "hardinit: hardinit.exec=/bin/sh ignored" || { REASON="no warning"; return 1; }
	console_check_clean exec_shell_refused || { REASON="shell prompt, panic or oops on the console"; return 1; }
}

CASES+=(exec_missing)
# 8. The exec target is missing on the verified root: refused.
case_exec_missing() {
	local disk
	rm -rf "$WORK/noinit-rootfs"
	cp -a "$B/demo/rootfs" "$WORK/noinit-rootfs"
	rm -f "$WORK/noinit-rootfs/sbin/init"
	disk=$(slot_disk exec_missing "$WORK/noinit-rootfs" "$B/keys/slot.key")
	boot_fatal exec_missing "$disk" "" "check-exec: /sbin/init is not on the verified root"
}
