#!/usr/bin/env bash
# Init= mode (issue 8): Debian's own initramfs-tools image mounts a plain ext4 root (no
# dm-verity) and starts init=/sbin/hardinit, which reads its policy from the root.
# Disks from tools/mkinitmode: initmode-required.img (verity = required, root_ro =
# require) and initmode-optional.img (verity = optional, root_ro = remount).
# Each case_NAME returns 0 on pass, or sets REASON and returns 1. Sourced by ../run.

# net.ifnames=0: udev in Debian's initramfs would rename eth0, which the demo's rcS configures.
INITMODE_CMDLINE='root=PARTLABEL=rootfs-a rootfstype=ext4 init=/sbin/hardinit net.ifnames=0'
INITMODE_READY='hardinit: ready slot=none version=none verity=none overlays=/etc,/home,/root,/var data=persistent firewall=loaded init_ms=[0-9]+'

# initmode_disk NAME KIND: a scratch copy of initmode-KIND.img, printed as its path.
initmode_disk() {
	cp --sparse=always "$IMAGES/initmode-$2.img" "$WORK/$1.img"
	echo "$WORK/$1.img"
}

# initmode_fatal NAME KIND RO PATTERN: hardinit, started by Debian's initramfs, prints
# "FATAL PATTERN" and reboots: no ready line, no shell (Debian's initramfs has one,
# and must not be dropped into), no panic.
initmode_fatal() {
	local name=$1 disk
	disk=$(initmode_disk "$name" "$2")
	qemu_boot "$name" "$disk" "$IMAGES/debian-initrd.img" "$INITMODE_CMDLINE $3" 240 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_exit 200 || { REASON="the VM did not reboot"; return 1; }
	expect_console "$name" 'hardinit: hardinit .* starting \(init= mode\)' || { REASON="hardinit did not start in init= mode"; return 1; }
	expect_console "$name" "hardinit: FATAL $4" || { REASON="no 'FATAL $4' line"; return 1; }
	expect_console "$name" "hardinit: reboot now" || { REASON="the policy's action (reboot) was not taken"; return 1; }
	expect_no_console "$name" "hardinit: ready" || { REASON="the boot completed"; return 1; }
	console_check_clean "$name" || { REASON="shell prompt, panic or oops on the console"; return 1; }
}

CASES+=(initmode_refuses_plain_root)
# 1. verity = required (from the root's /usr/lib/hardinit/policy.conf): a root that is
# not dm-verity is refused.
case_initmode_refuses_plain_root() {
	initmode_fatal initmode_refuses_plain_root required ro 'check-root: / is not a dm-verity device \(verity is required\)'
}

CASES+=(initmode_refuses_rw_root)
# 1. root_ro = require: a root the initramfs mounted read-write is refused.
case_initmode_refuses_rw_root() {
	initmode_fatal initmode_refuses_rw_root required rw 'check-root: / is mounted read-write'
}

# initmode_ready NAME RO: the optional disk boots to the ready line and SSH; prints
# what the guest shows in $WORK/NAME.guest.
initmode_ready() {
	local name=$1 disk
	disk=$(initmode_disk "$name" optional)
	qemu_boot "$name" "$disk" "$IMAGES/debian-initrd.img" "$INITMODE_CMDLINE $2" 300 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_line "$INITMODE_READY" 200 || { REASON="no ready line with slot=none verity=none"; return 1; }
	qemu_wait_line 'demo: service tree up' 60 || { REASON="the service tree did not start"; return 1; }
	expect_console "$name" 'hardinit: mount audit: [0-9]+ mounts as expected' || { REASON="the mount audit did not pass"; return 1; }
	expect_console "$name" 'hardinit: / is not a dm-verity device \(verity = optional\), continuing' || { REASON="no warning that / is not dm-verity"; return 1; }
	guest_ssh_wait 120 || { REASON="no SSH"; return 1; }
	guest_ssh 'findmnt -rno TARGET,FSTYPE,OPTIONS; echo ---; touch /probe 2>&1; echo etc-write >/etc/initmode-probe && cat /etc/initmode-probe;
		ls /var/.eflow/overlays; echo "ssh-rules=$(nft list table inet hardinit | grep -c "dport 22")";
		echo "modules_disabled=$(cat /proc/sys/kernel/modules_disabled)";
		grep Seccomp: /proc/self/status; tail -n 1 /logs/hardinit/boots.jsonl' >"$WORK/$name.guest" 2>&1 || { REASON="SSH command failed"; return 1; }
	sed 's/^/     guest: /' "$WORK/$name.guest"
	grep -qE '^/ ext4 ro,' "$WORK/$name.guest" || { REASON="/ is not the ext4 root, read-only"; return 1; }
	for d in /etc /home /root /var; do
		grep -qE "^$d overlay [^ ]*nosuid,nodev" "$WORK/$name.guest" || { REASON="$d is not an overlay (nosuid,nodev)"; return 1; }
	done
	grep -qE '^/var/.eflow ext4 ro,nosuid,nodev,noexec' "$WORK/$name.guest" || { REASON="/var/.eflow is not the read-only view"; return 1; }
	grep -qE '^/logs ext4 [^ ]*nosuid,nodev,noexec' "$WORK/$name.guest" || { REASON="/logs is not mounted nosuid,nodev,noexec"; return 1; }
	grep -q 'Read-only file system' "$WORK/$name.guest" || { REASON="/ is writable"; return 1; }
	grep -q '^etc-write$' "$WORK/$name.guest" || { REASON="/etc is not writable"; return 1; }
	grep -qx 'etc' "$WORK/$name.guest" || { REASON="no upper dirs under /var/.eflow/overlays"; return 1; }
	grep -qE '^ssh-rules=[1-9]' "$WORK/$name.guest" || { REASON="the firewall has no port 22 rule"; return 1; }
	grep -qx 'modules_disabled=1' "$WORK/$name.guest" || { REASON="module loading is not locked"; return 1; }
	grep -qE 'Seccomp:[[:space:]]+2' "$WORK/$name.guest" || { REASON="the service tree has no seccomp filter"; return 1; }
	grep -q '"slot":"none","version":null,"verity":"none","outcome":"ready"' "$WORK/$name.guest" || { REASON="no boot record for this boot"; return 1; }
	console_check_clean "$name" || { REASON="shell prompt, panic or oops on the console"; return 1; }
}

CASES+=(initmode_boots_plain_root)
# 1. verity = optional: the plain root boots with overlays, firewall, lockdown, audit
# and a boot record; the ready line says slot=none verity=none.
case_initmode_boots_plain_root() {
	initmode_ready initmode_boots_plain_root ro
}

CASES+=(initmode_remounts_rw_root)
# root_ro = remount: a root the initramfs mounted read-write is remounted read-only.
case_initmode_remounts_rw_root() {
	initmode_ready initmode_remounts_rw_root rw || return 1
	expect_console initmode_remounts_rw_root 'hardinit: / remounted read-only' || { REASON="no remount line"; return 1; }
}

CASES+=(initmode_keys_not_from_state)
# The keys hardinitctl trusts come from the root, never from the data partition: a
# public key planted in /etc's upper dir (/etc/hardinit/keys/planted.pem) is not among
# the keys hardinit hands to hardinitctl, though /etc shows it once overlaid.
case_initmode_keys_not_from_state() {
	local name=initmode_keys_not_from_state dir disk out
	dir=$WORK/$name-data
	rm -rf "$dir"
	mkdir -p "$dir/.eflow/overlays/etc/upper/hardinit/keys"
	cp "$B/keys/other.pem" "$dir/.eflow/overlays/etc/upper/hardinit/keys/planted.pem"
	disk=$(initmode_disk "$name" optional)
	replace_partition "$disk" 8 "$(hostile_data_image "$name" "$dir")"
	qemu_boot "$name" "$disk" "$IMAGES/debian-initrd.img" "$INITMODE_CMDLINE ro" 300 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_line "$INITMODE_READY" 200 || { REASON="no ready line"; return 1; }
	guest_ssh_wait 120 || { REASON="no SSH"; return 1; }
	out=$(guest_ssh 'ls /etc/hardinit/keys; echo ---; ls /run/hardinit/keys' 2>&1) || { REASON="SSH command failed: $out"; return 1; }
	printf '%s\n' "$out" | sed 's/^/     guest: /'
	grep -qx 'planted.pem' <<<"$(sed -n '1,/^---$/p' <<<"$out")" || { REASON="the planted key is not in /etc (test setup)"; return 1; }
	! sed -n '/^---$/,$p' <<<"$out" | grep -q 'planted.pem' || { REASON="the planted key was handed to hardinitctl"; return 1; }
	console_check_clean "$name" || { REASON="shell prompt, panic or oops on the console"; return 1; }
}
