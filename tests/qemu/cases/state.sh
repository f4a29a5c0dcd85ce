#!/usr/bin/env bash
# Persistent state (issue 3): data and logs partitions, the four overlays, boot records,
# hostile data partitions, the mount audit. Sourced by ../run; see core.sh for helpers.

STATE_READY='hardinit: ready slot=a version=1 verity=verified overlays=/etc,/home,/root,/var data=persistent'
DATA_PART=8
LOGS_PART=7

# reboot_guest: a clean reboot from inside (QEMU exits under -no-reboot).
reboot_guest() {
	guest_ssh 'sync; reboot' >/dev/null 2>&1 || true
	qemu_wait_exit 60 || { REASON="the guest did not reboot"; return 1; }
	qemu_kill || true
}

# boot_ssh NAME DISK [CMDLINE]: boots to the ready line and an SSH connection.
boot_ssh() {
	boot_ready "$1" "$2" "${3:-}" || return 1
	guest_ssh_wait 90 || { REASON="no SSH on $1"; return 1; }
}

# records DISK: the boot records on a disk's logs partition.
records() {
	partition_image "$1" "$LOGS_PART" "$WORK/logs-copy.img"
	debugfs -R "cat /hardinit/boots.jsonl" "$WORK/logs-copy.img" 2>/dev/null
}

# variant_rootfs NAME: a copy of the demo rootfs to change, printed as its path.
variant_rootfs() {
	rm -rf "$WORK/$1-rootfs"
	cp -a "$B/demo/rootfs" "$WORK/$1-rootfs"
	echo "$WORK/$1-rootfs"
}

# slot_image NAME ROOTFS: a signed slot image of ROOTFS, printed as its path.
slot_image() {
	"$TOP/tools/mkslot" --rootfs "$2" --key "$B/keys/slot.key" --version 1 -o "$WORK/$1.slot" >/dev/null
	echo "$WORK/$1.slot"
}

CASES+=(state_persists)
# 1. Files written in /etc /home /root /var survive a reboot, sit in the upper dirs on the
#    data partition (seen at /var/.eflow/overlays), / stays read-only, the SSH host key is
#    the same, and each boot left a record.
case_state_persists() {
	local disk out key1 key2 part
	disk=$(disk_variant state_persists)
	boot_ssh state_persists "$disk" || return 1
	out=$(guest_ssh 'for d in etc home root var; do echo "kept-$d" > /$d/kept.txt || exit 1; done;
		sync; md5sum /etc/dropbear/dropbear_ed25519_host_key') || { REASON="cannot write the state"; return 1; }
	key1=${out%% *}
	# Fresh, cleanly unmounted filesystems: the superblock says so, no e2fsck spawned.
	for part in logs:vda7 data:vda8; do
		expect_console state_persists "${part%%:*}: /dev/${part#*:} is clean \(superblock\), e2fsck -p not needed" \
			|| { REASON="e2fsck was not skipped on the clean ${part%%:*} partition"; return 1; }
	done
	reboot_guest || return 1
	boot_ssh state_persists2 "$disk" || return 1
	out=$(guest_ssh 'for d in etc home root var; do cat /$d/kept.txt /var/.eflow/overlays/$d/upper/kept.txt; done;
		touch /probe 2>&1; md5sum /etc/dropbear/dropbear_ed25519_host_key; hardinitctl status') || { REASON="SSH failed"; return 1; }
	printf '%s\n' "$out" | sed 's/^/     guest: /'
	for d in etc home root var; do
		[ "$(grep -c "^kept-$d\$" <<<"$out")" = 2 ] || { REASON="/$d/kept.txt did not persist in its upper dir"; return 1; }
	done
	grep -q 'Read-only file system' <<<"$out" || { REASON="/ is writable"; return 1; }
	key2=$(grep dropbear_ed25519_host_key <<<"$out" | cut -d' ' -f1)
	[ -n "$key1" ] && [ "$key1" = "$key2" ] || { REASON="the SSH host key changed across the reboot"; return 1; }
	grep -q 'boot records in /logs/hardinit/boots.jsonl: 2' <<<"$out" || { REASON="not two boot records"; return 1; }
	console_check_clean state_persists2 || { REASON="shell prompt, panic or oops"; return 1; }
}

CASES+=(state_new_slot)
# 2. The same data partition under a new root image: the user's edits stay, files the
#    user did not edit show the new image's version, new files appear, no ESTALE.
case_state_new_slot() {
	local disk v1 v2 out
	v1=$(variant_rootfs v1)
	printf 'motd v1\n' >"$v1/etc/motd"; printf 'release v1\n' >"$v1/etc/release"
	v2=$(variant_rootfs v2)
	printf 'motd v2\n' >"$v2/etc/motd"; printf 'release v2\n' >"$v2/etc/release"; printf 'new\n' >"$v2/etc/new-in-v2"
	disk=$(disk_variant state_new_slot)
	write_slot_image "$disk" 5 "$(slot_image v1 "$v1")"
	boot_ssh state_new_slot "$disk" || return 1
	guest_ssh 'echo user motd > /etc/motd; echo mine > /home/mine.txt; sync' || { REASON="cannot write"; return 1; }
	reboot_guest || return 1
	write_slot_image "$disk" 5 "$(slot_image v2 "$v2")"
	boot_ssh state_new_slot2 "$disk" || return 1
	out=$(guest_ssh 'cat /etc/motd /etc/release /etc/new-in-v2 /home/mine.txt;
		find /etc /home /root /var >/dev/null && echo walk-ok') 2>&1 || { REASON="reading the state failed: $out"; return 1; }
	printf '%s\n' "$out" | sed 's/^/     guest: /'
	[ "$out" = "$(printf 'user motd\nrelease v2\nnew\nmine\nwalk-ok')" ] || { REASON="unexpected view of /etc and /home"; return 1; }
}

# hostile_data_image NAME DIR [DEBUGFS_COMMANDS]: an ext4 data image built from DIR,
# then altered with debugfs (device nodes, modes, xattrs).
hostile_data_image() {
	local img=$WORK/$1-data.img
	rm -f "$img"
	truncate -s 64M "$img"
	mke2fs -q -t ext4 -L data -E root_owner=0:0 -d "$2" "$img"
	[ -z "${3:-}" ] || debugfs -w -f - "$img" <<<"$3" >/dev/null 2>&1
	echo "$img"
}

CASES+=(state_hostile_eflow_link)
# 3. .eflow on the data partition is a symlink to /: it is moved aside, never followed;
#    the boot completes with a fresh .eflow and nothing mounted outside its target.
case_state_hostile_eflow_link() {
	local dir=$WORK/eflow-link disk out
	rm -rf "$dir"; mkdir -p "$dir"; ln -s / "$dir/.eflow"
	disk=$(disk_variant state_hostile_eflow_link)
	replace_partition "$disk" "$DATA_PART" "$(hostile_data_image eflow-link "$dir")"
	boot_ssh state_hostile_eflow_link "$disk" || return 1
	expect_console state_hostile_eflow_link 'hardinit: moved \.eflow aside as \.eflow\.quarantine-[0-9]+' || { REASON="no quarantine line"; return 1; }
	out=$(guest_ssh 'ls -A /var/.eflow; echo x > /etc/x && ls /var/.eflow/overlays/etc/upper') || { REASON="SSH failed"; return 1; }
	grep -qx 'x' <<<"$out" && grep -qx 'overlays' <<<"$out" || { REASON="the fresh .eflow is not in use: $out"; return 1; }
	console_check_clean state_hostile_eflow_link || { REASON="shell prompt, panic or oops"; return 1; }
}

CASES+=(state_hostile_uppers)
# 3. Upper and work dirs that are symlinks to /, a setuid-root program and a device node in
#    /home's upper, a planted policy and modprobe.d install line in /etc's upper, forged
#    redirect and metacopy xattrs in /var's upper: the boot completes; the links are moved
#    aside; the setuid bit and the device node are inert; the planted files change nothing.
case_state_hostile_uppers() {
	local dir=$WORK/uppers disk out
	rm -rf "$dir"
	mkdir -p "$dir/.eflow/overlays/etc/upper/hardinit" "$dir/.eflow/overlays/etc/upper/modprobe.d" \
		"$dir/.eflow/overlays/home/upper" "$dir/.eflow/overlays/home/work" "$dir/.eflow/overlays/root" \
		"$dir/.eflow/overlays/var/upper/redir" "$dir/.eflow/overlays/var/work"
	printf '[verity]\nmode = off\n[boot]\nexec = /bin/sh\ncmdline = trust\n' >"$dir/.eflow/overlays/etc/upper/hardinit/policy.conf"
	printf 'install virtio_net /bin/sh -c "echo HARDINIT-PWNED >/dev/kmsg"\n' >"$dir/.eflow/overlays/etc/upper/modprobe.d/evil.conf"
	ln -s / "$dir/.eflow/overlays/etc/work"
	ln -s / "$dir/.eflow/overlays/root/upper"
	gcc -static -O2 -o "$dir/.eflow/overlays/home/upper/euid" "$TOP/tests/qemu/probes/euid.c"
	printf 'upper data\n' >"$dir/.eflow/overlays/var/upper/meta"
	: >"$WORK/empty"
	disk=$(disk_variant state_hostile_uppers)
	replace_partition "$disk" "$DATA_PART" "$(hostile_data_image uppers "$dir" "
sif /.eflow/overlays/home/upper/euid mode 0104755
sif /.eflow/overlays/home/upper/euid uid 0
cd /.eflow/overlays/home/upper
mknod zero c 1 5
sif zero mode 020666
ea_set /.eflow/overlays/var/upper/redir trusted.overlay.redirect /etc
ea_set -f $WORK/empty /.eflow/overlays/var/upper/meta trusted.overlay.metacopy
ea_set /.eflow/overlays/var/upper/meta trusted.overlay.redirect /etc/passwd")"
	boot_ssh state_hostile_uppers "$disk" || return 1
	expect_no_console state_hostile_uppers 'HARDINIT-PWNED' || { REASON="the planted modprobe.d line ran"; return 1; }
	expect_console state_hostile_uppers 'moved work aside' || { REASON="the work symlink was not moved aside"; return 1; }
	expect_console state_hostile_uppers 'moved upper aside' || { REASON="the upper symlink was not moved aside"; return 1; }
	out=$(guest_ssh 'ls -l /home/euid /home/zero | cut -c1-10; /home/euid; head -c 1 /home/zero >/dev/null 2>&1 && echo zero-readable;
		echo r > /root/r && ls /var/.eflow/overlays/root/upper; ls /var/.eflow/quarantine;
		ls -A /var/redir; cat /var/meta; cat /etc/hardinit/policy.conf >/dev/null && echo planted-visible' 2>&1)
	printf '%s\n' "$out" | sed 's/^/     guest: /'
	grep -q '^-rwsr-xr-x' <<<"$out" || { REASON="the probe is not setuid on disk (test setup)"; return 1; }
	grep -q '^crw-rw-rw-' <<<"$out" || { REASON="the device node is missing (test setup)"; return 1; }
	grep -qx 'euid=65534' <<<"$out" || { REASON="the setuid bit took effect"; return 1; }
	! grep -q 'zero-readable' <<<"$out" || { REASON="the device node works"; return 1; }
	grep -qx 'r' <<<"$out" || { REASON="/root's upper is not the fresh directory"; return 1; }
	[ "$(grep -c 'quarantine-' <<<"$out")" -ge 2 ] || { REASON="the quarantine does not hold the moved links"; return 1; }
	! grep -q '^passwd$' <<<"$out" || { REASON="the forged redirect was followed"; return 1; }
	# A forged metacopy xattr with metacopy=off: the kernel refuses the file (EIO) or shows
	# its own data, and never the data of the file the forged redirect names.
	! grep -q '^root:' <<<"$out" || { REASON="the forged metacopy was honoured"; return 1; }
	grep -qE '^upper data$|/var/meta.*(Input/output error|Operation not permitted)' <<<"$out" \
		|| { REASON="/var/meta is neither its own data nor refused"; return 1; }
	grep -qx 'planted-visible' <<<"$out" || { REASON="the planted policy is not there (test setup)"; return 1; }
	expect_console state_hostile_uppers "$STATE_READY" || { REASON="the planted policy changed the boot"; return 1; }
	console_check_clean state_hostile_uppers || { REASON="shell prompt, panic or oops"; return 1; }
}

# add_inode_flags IMAGE PATH FLAGS: ORs ext4 inode FLAGS (0x10 immutable, 0x20
# append-only) into PATH's flags on an ext4 image, as `chattr +i` / `+a` would.
add_inode_flags() {
	local old
	old=$(debugfs -R "stat $2" "$1" 2>/dev/null | sed -n 's/.*Flags: \(0x[0-9a-f]*\).*/\1/p')
	[ -n "$old" ] || return 1
	debugfs -w -R "sif $2 flags $(printf '0x%x' $(( old | $3 )))" "$1" >/dev/null 2>&1
}

CASES+=(state_flagged_uppers)
# 3. /etc's upper dir is append-only, world-writable and not root's, /home's upper dir and
#    /root's work dir are immutable: none can be reset to the image's owner and mode (nor
#    moved), so each overlay's directory is moved into the quarantine and made afresh; the
#    boot is persistent, /etc is root's 0755 again, and a file written in /etc persists in
#    the fresh upper dir to the next boot, which quarantines nothing more.
case_state_flagged_uppers() {
	local dir=$WORK/flagged disk img out
	rm -rf "$dir"
	mkdir -p "$dir/.eflow/overlays/etc/upper" "$dir/.eflow/overlays/etc/work" "$dir/.eflow/overlays/home/upper" \
		"$dir/.eflow/overlays/root/upper" "$dir/.eflow/overlays/root/work"
	printf 'planted\n' >"$dir/.eflow/overlays/etc/upper/planted"
	img=$(hostile_data_image flagged "$dir" "
sif /.eflow/overlays/etc/upper mode 040777
sif /.eflow/overlays/etc/upper uid 1000")
	add_inode_flags "$img" /.eflow/overlays/etc/upper 0x20 && add_inode_flags "$img" /.eflow/overlays/home/upper 0x10 &&
		add_inode_flags "$img" /.eflow/overlays/root/work 0x10 || { REASON="unable to set the flags (test setup)"; return 1; }
	disk=$(disk_variant state_flagged_uppers)
	replace_partition "$disk" "$DATA_PART" "$img"
	boot_ssh state_flagged_uppers "$disk" || return 1
	expect_console state_flagged_uppers "$STATE_READY" || { REASON="not a persistent boot"; return 1; }
	for d in etc home root; do
		expect_console state_flagged_uppers "hardinit: moved $d aside as $d\.quarantine-[0-9]+ \(unable to reset the owner and mode of the (upper|work) dir of /$d: Operation not permitted\)" \
			|| { REASON="the $d overlay dir was not moved aside"; return 1; }
	done
	out=$(guest_ssh 'stat -c "etc %u:%g %a" /etc; echo e > /etc/fresh && echo h > /home/h && echo r > /root/r && echo written;
		ls -A /var/.eflow/overlays/etc/upper /var/.eflow/quarantine; cat /etc/planted 2>&1; sync' 2>&1)
	printf '%s\n' "$out" | sed 's/^/     guest: /'
	grep -qx 'etc 0:0 755' <<<"$out" || { REASON="/etc is not root's 0755"; return 1; }
	grep -qx 'written' <<<"$out" || { REASON="the fresh overlays are not writable"; return 1; }
	grep -qx 'fresh' <<<"$out" && ! grep -qx 'planted' <<<"$out" || { REASON="/etc's upper dir is not the fresh one"; return 1; }
	for d in etc home root; do
		grep -qE "^$d\.quarantine-[0-9]+\$" <<<"$out" || { REASON="$d is not in the quarantine"; return 1; }
	done
	reboot_guest || return 1
	boot_ssh state_flagged_uppers2 "$disk" || return 1
	expect_console state_flagged_uppers2 "$STATE_READY" || { REASON="the second boot is not persistent"; return 1; }
	expect_no_console state_flagged_uppers2 'hardinit: moved .* aside' || { REASON="the second boot quarantined again"; return 1; }
	out=$(guest_ssh 'cat /etc/fresh /home/h /root/r') || { REASON="SSH failed"; return 1; }
	[ "$out" = "$(printf 'e\nh\nr')" ] || { REASON="the files written in the fresh overlays did not persist: $out"; return 1; }
	console_check_clean state_flagged_uppers2 || { REASON="shell prompt, panic or oops"; return 1; }
}

CASES+=(state_flagged_overlay_dir)
# 3. /home's overlay dir is append-only and its upper dir immutable: the upper dir cannot be
#    reset and the overlay dir cannot be moved aside, so the state falls back to a tmpfs
#    (data=degraded, the boot record says why) and the data partition is left as it is.
case_state_flagged_overlay_dir() {
	local dir=$WORK/flagged-dir disk img out
	rm -rf "$dir"
	mkdir -p "$dir/.eflow/overlays/home/upper" "$dir/.eflow/overlays/home/work"
	img=$(hostile_data_image flagged-dir "$dir")
	add_inode_flags "$img" /.eflow/overlays/home 0x20 && add_inode_flags "$img" /.eflow/overlays/home/upper 0x10 \
		|| { REASON="unable to set the flags (test setup)"; return 1; }
	disk=$(disk_variant state_flagged_overlay_dir)
	replace_partition "$disk" "$DATA_PART" "$img"
	qemu_boot state_flagged_overlay_dir "$disk" "$INITRD" "" 300 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_line 'hardinit: ready .* data=degraded' 120 || { REASON="no degraded ready line"; return 1; }
	guest_ssh_wait 90 || { REASON="no SSH"; return 1; }
	out=$(guest_ssh 'echo v > /home/v && cat /home/v; hardinitctl status') || { REASON="SSH failed"; return 1; }
	printf '%s\n' "$out" | sed 's/^/     guest: /'
	grep -qx v <<<"$out" || { REASON="/home is not writable"; return 1; }
	grep -q 'unable to reset the owner and mode of the upper dir of /home: Operation not permitted, and unable to move home aside' <<<"$out" \
		|| { REASON="the boot record does not say why"; return 1; }
	console_check_clean state_flagged_overlay_dir || { REASON="shell prompt, panic or oops"; return 1; }
}

CASES+=(state_blank_data)
# 4. Blank data and logs partitions are formatted at first boot; the second boot keeps
#    what the first wrote.
case_state_blank_data() {
	local disk="$WORK/state_blank_data.img" out
	"$TOP/tools/mkdisk" -o "$disk" --slot-a "$IMAGES/slot-a.img" --rootfs-mib 32
	boot_ssh state_blank_data "$disk" || return 1
	expect_console state_blank_data 'hardinit: data \(/dev/vda8\) holds nothing \(blank\): format' || { REASON="data was not formatted"; return 1; }
	expect_console state_blank_data 'hardinit: logs \(/dev/vda7\) holds nothing \(blank\): format' || { REASON="logs were not formatted"; return 1; }
	guest_ssh 'echo first > /var/first.txt; sync' || { REASON="cannot write"; return 1; }
	reboot_guest || return 1
	boot_ssh state_blank_data2 "$disk" || return 1
	expect_console state_blank_data2 'hardinit: data \(/dev/vda8\) holds ext4: check-and-mount' || { REASON="data was not kept"; return 1; }
	out=$(guest_ssh 'cat /var/first.txt') || { REASON="SSH failed"; return 1; }
	[ "$out" = first ] || { REASON="the first boot's file is gone"; return 1; }
}

CASES+=(state_corrupt_data)
# 5. A data partition whose superblock is damaged: the boot completes degraded (volatile
#    state), SSH works, and the partition is byte-for-byte unchanged.
case_state_corrupt_data() {
	local disk before after out
	disk=$(disk_variant state_corrupt_data)
	flip_byte "$disk" $(( $(part_start "$disk" "$DATA_PART") + 1024 + 56 ))   # the ext4 magic
	before=$(partition_sha256 "$disk" "$DATA_PART")
	qemu_boot state_corrupt_data "$disk" "$INITRD" "" 300 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_line 'hardinit: ready .* data=degraded' 120 || { REASON="no degraded ready line"; return 1; }
	guest_ssh_wait 90 || { REASON="no SSH"; return 1; }
	out=$(guest_ssh 'echo v > /etc/volatile && cat /etc/volatile; hardinitctl status') || { REASON="SSH failed"; return 1; }
	printf '%s\n' "$out" | sed 's/^/     guest: /'
	grep -q 'data=degraded' <<<"$out" && grep -q 'data degraded: /dev/vda8 holds unrecognised data' <<<"$out" \
		|| { REASON="the boot record does not say degraded and why"; return 1; }
	guest_ssh 'sync' || true
	qemu_kill
	after=$(partition_sha256 "$disk" "$DATA_PART")
	[ "$before" = "$after" ] || { REASON="the damaged data partition was changed"; return 1; }
}

# damage_for_fsck DISK N [STATE]: in partition N, lost+found's inode gets mode 0 and the
# superblock's state becomes STATE (default 0, not clean; 3 is "cleanly unmounted, with
# errors"): a damage `e2fsck -p` gives up on (exit status 4, "UNEXPECTED INCONSISTENCY")
# but the kernel would mount.
damage_for_fsck() {
	local img="$WORK/fsck-damage.img"
	dd if="$1" of="$img" bs=1M skip=$(( $(part_start "$1" "$2") / 1048576 )) \
		count=$(( $(part_size "$1" "$2") / 1048576 )) status=none
	debugfs -w -R 'sif <11> mode 0' "$img" >/dev/null 2>&1
	debugfs -w -R "ssv state ${3:-0}" "$img" >/dev/null 2>&1
	replace_partition "$1" "$2" "$img"
}

# sha256_but_superblock DISK N: partition N's checksum with its primary superblock
# (bytes 1024-2047) zeroed: e2fsck -p writes its own bookkeeping there (the error
# state, kbytes written) even when it gives up; a mount writes far more.
sha256_but_superblock() {
	local img="$WORK/fsck-sum.img"
	dd if="$1" of="$img" bs=1M skip=$(( $(part_start "$1" "$2") / 1048576 )) \
		count=$(( $(part_size "$1" "$2") / 1048576 )) status=none
	dd if=/dev/zero of="$img" bs=1024 seek=1 count=1 conv=notrunc status=none
	sha256sum <"$img" | cut -d' ' -f1
}

CASES+=(state_fsck_unrepaired)
# 5b. Data and logs partitions with damage e2fsck -p cannot repair (exit status 4) are
#     never mounted: the boot completes with data=degraded and a tmpfs /logs, no record
#     lands on the logs partition, and neither partition changed beyond e2fsck's own
#     superblock bookkeeping. The data partition says "not cleanly unmounted", the logs
#     partition "cleanly unmounted, with errors": neither skips e2fsck.
case_state_fsck_unrepaired() {
	local disk data0 logs0 data1 logs1 out rc part
	disk=$(disk_variant state_fsck_unrepaired)
	damage_for_fsck "$disk" "$DATA_PART"
	damage_for_fsck "$disk" "$LOGS_PART" 3
	for part in "$DATA_PART" "$LOGS_PART"; do
		dd if="$disk" bs=1M skip=$(( $(part_start "$disk" "$part") / 1048576 )) \
			count=$(( $(part_size "$disk" "$part") / 1048576 )) status=none >"$WORK/fsck-check.img"
		rc=0; e2fsck -p "$WORK/fsck-check.img" >/dev/null 2>&1 || rc=$?
		[ "$rc" = 4 ] || { REASON="test setup: e2fsck -p exits $rc, not 4, on damaged partition $part"; return 1; }
	done
	records "$disk" >"$WORK/fsck-records-before"
	data0=$(sha256_but_superblock "$disk" "$DATA_PART"); logs0=$(sha256_but_superblock "$disk" "$LOGS_PART")
	qemu_boot state_fsck_unrepaired "$disk" "$INITRD" "" 300 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_line 'hardinit: ready .* data=degraded' 120 || { REASON="no degraded ready line"; return 1; }
	guest_ssh_wait 90 || { REASON="no SSH"; return 1; }
	out=$(guest_ssh 'hardinitctl status; grep -c . /logs/hardinit/boots.jsonl; findmnt -no FSTYPE /logs') || { REASON="SSH failed"; return 1; }
	printf '%s\n' "$out" | sed 's/^/     guest: /'
	grep -q 'data degraded: e2fsck -p could not repair /dev/vda8 (exit status 4): left untouched' <<<"$out" \
		|| { REASON="the boot record does not say why data is degraded"; return 1; }
	grep -qx tmpfs <<<"$out" || { REASON="/logs is not a tmpfs"; return 1; }
	expect_console state_fsck_unrepaired 'logs is volatile \(tmpfs\): e2fsck -p could not repair /dev/vda7' \
		|| { REASON="no console line for the logs partition"; return 1; }
	guest_ssh 'sync' || true
	qemu_kill
	data1=$(sha256_but_superblock "$disk" "$DATA_PART"); logs1=$(sha256_but_superblock "$disk" "$LOGS_PART")
	[ "$data0" = "$data1" ] || { REASON="the data partition was changed"; return 1; }
	[ "$logs0" = "$logs1" ] || { REASON="the logs partition was changed"; return 1; }
	records "$disk" | cmp -s - "$WORK/fsck-records-before" || { REASON="a boot record landed on the logs partition"; return 1; }
}

CASES+=(state_full_data)
# 6. A full data partition (ENOSPC): the next boot completes and SSH works.
case_state_full_data() {
	local disk out
	disk=$(disk_variant state_full_data)
	boot_ssh state_full_data "$disk" || return 1
	out=$(guest_ssh 'dd if=/dev/zero of=/var/fill bs=1M 2>&1; sync; df /var | tail -n 1') || true
	printf '%s\n' "$out" | sed 's/^/     guest: /'
	grep -q 'No space left on device' <<<"$out" || { REASON="the data partition did not fill up"; return 1; }
	reboot_guest || return 1
	boot_ready state_full_data2 "$disk" "" || return 1
	guest_ssh_wait 90 || { REASON="no SSH with a full data partition"; return 1; }
	out=$(guest_ssh 'cat /etc/hostname 2>/dev/null; echo ssh-ok') || { REASON="SSH failed"; return 1; }
	grep -q ssh-ok <<<"$out" || { REASON="SSH does not work"; return 1; }
}

CASES+=(state_mount_flags)
# 7. Seen from inside the guest, every mount carries its flags, the overlays their
#    options, and there is no other mount.
case_state_mount_flags() {
	local disk out want target opts
	disk=$(disk_variant state_mount_flags)
	boot_ssh state_mount_flags "$disk" || return 1
	expect_console state_mount_flags 'hardinit: mount audit: 14 mounts as expected' || { REASON="no audit line"; return 1; }
	out=$(guest_ssh "awk '{print \$5, \$6, \$(NF-2), \$NF}' /proc/self/mountinfo") || { REASON="SSH failed"; return 1; }
	printf '%s\n' "$out" | sed 's/^/     guest: /'
	while read -r target want; do
		opts=$(awk -v t="$target" '$1 == t {print $2 "," $4}' <<<"$out")
		[ "$(awk -v t="$target" '$1 == t' <<<"$out" | wc -l)" = 1 ] || { REASON="$target is not mounted exactly once"; return 1; }
		for o in ${want//,/ }; do
			grep -qE "(^|,)$o(,|$)" <<<"$opts" || { REASON="$target lacks $o ($opts)"; return 1; }
		done
	done <<-'EOF'
		/ ro
		/proc nosuid,nodev,noexec
		/sys nosuid,nodev,noexec
		/dev nosuid,noexec
		/dev/pts nosuid,noexec
		/dev/shm nosuid,nodev,noexec
		/run nosuid,nodev
		/tmp nosuid,nodev
		/logs nosuid,nodev,noexec
		/etc nosuid,nodev,redirect_dir=nofollow
		/home nosuid,nodev,redirect_dir=nofollow
		/root nosuid,nodev,redirect_dir=nofollow
		/var nosuid,nodev,redirect_dir=nofollow
		/var/.eflow ro,nosuid,nodev,noexec
	EOF
	[ "$(wc -l <<<"$out")" = 14 ] || { REASON="not exactly the 14 expected mounts"; return 1; }
	# The kernel shows index, metacopy and xino only when they differ from its defaults
	# (off in Debian's kernel), so "off" is the absence of "=on".
	! grep -qE 'userxattr|index=on|metacopy=on|xino=(on|auto)' <<<"$out" || { REASON="an overlay option is on"; return 1; }
}

CASES+=(state_exec_link_into_etc)
# 5. The verified root's /sbin/init is a link to /etc/init-real (as Debian's
#    /etc/alternatives links are), and the data partition plants its own /etc/init-real in
#    /etc's upper dir: hardinit resolves the link before the overlays exist, refuses a
#    program that resolves into writable state (FATAL check-exec), and never runs the
#    planted one. (Before, it read the verified file and then executed the path.)
case_state_exec_link_into_etc() {
	local rootfs dir disk
	rootfs=$(variant_rootfs exec_link)
	cp "$rootfs/bin/busybox" "$rootfs/etc/init-real"
	ln -sfn /etc/init-real "$rootfs/sbin/init"
	dir=$WORK/exec-link-data
	rm -rf "$dir"
	mkdir -p "$dir/.eflow/overlays/etc/upper"
	printf '#!/bin/sh\necho HARDINIT-PWNED >/dev/kmsg\nexec /bin/busybox init\n' >"$dir/.eflow/overlays/etc/upper/init-real"
	chmod 0755 "$dir/.eflow/overlays/etc/upper/init-real"
	disk=$(disk_variant state_exec_link_into_etc)
	write_slot_image "$disk" 5 "$(slot_image exec_link "$rootfs")"
	replace_partition "$disk" "$DATA_PART" "$(hostile_data_image exec-link "$dir")"
	boot_fatal state_exec_link_into_etc "$disk" "" \
		"check-exec: /sbin/init resolves to /etc/init-real, which is writable state, not the verified root" || return 1
	expect_no_console state_exec_link_into_etc 'HARDINIT-PWNED' || { REASON="the planted program ran"; return 1; }
}
