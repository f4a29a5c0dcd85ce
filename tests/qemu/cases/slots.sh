#!/usr/bin/env bash
# A/B servicing (issue 5): update, boot counting and fallback, corruption found at boot
# and late, power cuts during an update, rollback, a torn GPT header. Several boots of one
# disk image per case. Sourced by ../run; see core.sh and state.sh for helpers.

SLOT_A_PART=5
SLOT_B_PART=6

# slot_b_image NAME VERSION [no-mark-good]: a signed slot image of the demo root with a
# v2 /etc/motd, printed as its path.
slot_b_image() {
	local root
	root=$(variant_rootfs "$1")
	printf 'motd version %s\n' "$2" >"$root/etc/motd"
	[ "${3:-}" != no-mark-good ] || : >"$root/etc/demo-no-mark-good"
	"$TOP/tools/mkslot" --rootfs "$root" --key "$B/keys/slot.key" --version "$2" -o "$WORK/$1.slot" >/dev/null
	echo "$WORK/$1.slot"
}

# push_update IMAGE [ARGS]: copies IMAGE into the guest and runs hardinitctl update on it.
push_update() {
	guest_wait_marked_good || { echo "$REASON"; return 1; }
	guest_ssh 'cat > /tmp/update.img' <"$1" || return 1
	guest_ssh "hardinitctl update ${2:-} /tmp/update.img" 2>&1
}

# boot_slot NAME DISK SLOT: boots and expects the ready line for SLOT (a or b).
boot_slot() {
	qemu_boot "$1" "$2" "$INITRD" "" 300 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_line "hardinit: ready slot=$3 .*verity=verified" 120 || { REASON="$1 did not boot slot $3 verified"; return 1; }
	guest_ssh_wait 90 || { REASON="no SSH on $1"; return 1; }
}

CASES+=(slots_update)
# 1. Boot a, update b, reboot: b boots in trial, its health check marks it good, it stays;
#    the data partition's files are unchanged across the switch.
case_slots_update() {
	local disk img out
	img=$(slot_b_image update-b 2)
	disk=$(disk_variant slots_update)
	boot_slot slots_update "$disk" a || return 1
	guest_ssh 'echo kept > /var/kept.txt; sync' || { REASON="cannot write"; return 1; }
	out=$(push_update "$img") || { REASON="update failed: $out"; return 1; }
	printf '%s\n' "$out" | sed 's/^/     guest: /'
	reboot_guest || return 1
	boot_slot slots_update2 "$disk" b || return 1
	qemu_wait_line 'demo: health check passed: slot b marked good' 60 || { REASON="b was not marked good"; return 1; }
	reboot_guest || return 1
	boot_slot slots_update3 "$disk" b || return 1
	# Every boot is a trial until the health check marks it good again: wait for that.
	qemu_wait_line 'demo: health check passed: slot b marked good' 60 || { REASON="b was not marked good on its second boot"; return 1; }
	out=$(guest_ssh 'cat /etc/motd /var/kept.txt; hardinitctl status') || { REASON="SSH failed"; return 1; }
	printf '%s\n' "$out" | sed 's/^/     guest: /'
	grep -qx 'motd version 2' <<<"$out" && grep -qx kept <<<"$out" || { REASON="not on b's image, or the data changed"; return 1; }
	grep -q '^slot b: .*version 2: good' <<<"$out" || { REASON="status does not show b good"; return 1; }
}

CASES+=(slots_fallback)
# 2. b is never marked good: it gets exactly its 3 tries, then a boots again, and status
#    says why. While b is on trial, an update is refused (a is its only fallback).
case_slots_fallback() {
	local disk img out i
	img=$(slot_b_image fallback-b 2 no-mark-good)
	disk=$(disk_variant slots_fallback)
	boot_slot slots_fallback "$disk" a || return 1
	out=$(push_update "$img") || { REASON="update failed: $out"; return 1; }
	reboot_guest || return 1
	for i in 1 2 3; do
		boot_slot "slots_fallback_b$i" "$disk" b || return 1
		if [ "$i" = 1 ]; then
			# b is on trial and never marked good: an update now would mark a, the only
			# fallback, unbootable while it writes it. Refused before anything is written.
			guest_ssh 'cat > /tmp/update.img' <"$img" || { REASON="cannot copy the image"; return 1; }
			if out=$(guest_ssh 'hardinitctl update /tmp/update.img' 2>&1); then
				REASON="an update was accepted while the running slot was on trial: $out"
				return 1
			fi
			echo "     guest (update on trial): $out"
			grep -q 'the running slot is not marked good yet' <<<"$out" || { REASON="not refused for the trial: $out"; return 1; }
		fi
		reboot_guest || return 1
	done
	boot_slot slots_fallback_a "$disk" a || { REASON="a did not come back after b's 3 tries"; return 1; }
	out=$(guest_ssh 'hardinitctl status --records 6') || { REASON="SSH failed"; return 1; }
	printf '%s\n' "$out" | sed 's/^/     guest: /'
	grep -q '^slot b: .*unbootable: tries exhausted before it was marked good' <<<"$out" || { REASON="status does not say why b is out"; return 1; }
	[ "$(grep -c 'slot=b ' <<<"$out")" = 3 ] || { REASON="not exactly 3 boot records of b"; return 1; }
}

CASES+=(slots_corrupt_b)
# 3. b is damaged after the update (a byte of its hash tree's top): it fails verification,
#    is marked unbootable at once, and a boots.
case_slots_corrupt_b() {
	local disk img out hash_offset
	img=$(slot_b_image corrupt-b 2)
	hash_offset=$(footer_value "$img" hash_offset)
	disk=$(disk_variant slots_corrupt_b)
	boot_slot slots_corrupt_b "$disk" a || return 1
	out=$(push_update "$img") || { REASON="update failed: $out"; return 1; }
	qemu_kill
	flip_byte "$disk" $(( $(part_start "$disk" "$SLOT_B_PART") + hash_offset + 4096 + 64 ))
	qemu_boot slots_corrupt_b2 "$disk" "$INITRD" "" 150 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_exit 120 || { REASON="b's failure did not reboot"; return 1; }
	expect_console slots_corrupt_b2 'hardinit: FATAL open-verity: root hash does not match' || { REASON="no FATAL open-verity"; return 1; }
	expect_console slots_corrupt_b2 'hardinit: slot b \(/dev/vda6\) marked unbootable' || { REASON="b was not marked"; return 1; }
	boot_slot slots_corrupt_b3 "$disk" a || return 1
}

CASES+=(slots_late_corruption)
# 4. a was good, then a file its service tree reads before the health check (dropbear) is
#    damaged: every boot of a restarts before mark-good; after its 3 tries b boots.
case_slots_late_corruption() {
	local disk off i
	disk=$(disk_variant slots_late_corruption)
	# dropbear's first block (its ELF header: read at every exec), from erofs's extent map.
	off=$(dump.erofs --path=/usr/sbin/dropbear -e "$IMAGES/slot-a.img" | awk '$1 == "0:" {sub(/\.\./, "", $7); print $7}')
	[ -n "$off" ] || { REASON="dropbear not found in the image"; return 1; }
	flip_byte "$disk" $(( $(part_start "$disk" "$SLOT_A_PART") + off + 64 ))
	for i in 1 2 3; do
		qemu_boot "slots_late_a$i" "$disk" "$INITRD" "" 150 || { REASON="QEMU did not start"; return 1; }
		qemu_wait_exit 120 || { REASON="a's boot $i did not restart"; return 1; }
		expect_console "slots_late_a$i" 'hardinit: ready slot=a' || { REASON="boot $i was not a"; return 1; }
		expect_console "slots_late_a$i" 'device-mapper: verity: .* is corrupted' || { REASON="no corruption on boot $i"; return 1; }
	done
	boot_slot slots_late_b "$disk" b || { REASON="b did not boot after a's 3 failed tries"; return 1; }
}

CASES+=(slots_power_cut)
# 5. Power cuts (QEMU killed from the host) at many points of an update, which takes about
#    a second here: during the image write, during the verification, around the final GPT
#    write, after it. Each time the next boot is a verified slot (the old one, or the new
#    one in trial once the update committed) and the data partition is intact.
case_slots_power_cut() {
	local disk img delay n=0 slot slots=""
	img=$(slot_b_image cut-b 2)
	disk=$(disk_variant slots_power_cut)
	boot_slot slots_cut0 "$disk" a || return 1
	guest_ssh 'echo kept > /var/kept.txt; sync' || { REASON="cannot write"; return 1; }
	for delay in 0.05 0.15 0.3 0.45 0.6 0.75 0.9 1.1 1.4 2; do
		guest_wait_marked_good || return 1
		guest_ssh 'cat > /tmp/update.img' <"$img" || { REASON="cannot copy the image"; return 1; }
		# The SSH session stays open while the update runs (a backgrounded command would
		# die with its session); the host cuts the power under it.
		guest_ssh 'hardinitctl update /tmp/update.img' >/dev/null 2>&1 &
		sleep "$delay"
		qemu_kill
		wait || true
		n=$((n + 1))
		boot_slot "slots_cut$n" "$disk" '[ab]' || { REASON="after the power cut $delay s into the update: $REASON"; return 1; }
		slot=$(grep -aoE 'hardinit: ready slot=[ab]' "$WORK/slots_cut$n.console" | tail -c 2)
		slots+="$delay:$slot "
		[ "$(guest_ssh 'cat /var/kept.txt')" = kept ] || { REASON="the data partition lost a file"; return 1; }
	done
	echo "     $n power cuts (seconds into the update:slot booted next, verified): $slots"
}

CASES+=(slots_rollback)
# 6. An older signed image is refused by update and leaves slot b as it was; then
#    set-active b makes b boot next.
case_slots_rollback() {
	local disk img out
	img=$(slot_b_image rollback-b 0)
	disk=$(disk_variant slots_rollback)
	boot_slot slots_rollback "$disk" a || return 1
	if out=$(push_update "$img"); then
		REASON="an older image was accepted: $out"
		return 1
	fi
	echo "     $out"
	grep -q 'older than the running 1: refused (rollback' <<<"$out" || { REASON="no rollback refusal"; return 1; }
	out=$(guest_ssh 'hardinitctl status') || true
	grep -q '^slot b: .*good (priority 1)' <<<"$out" || { REASON="the refused update touched slot b: $out"; return 1; }
	# set-active: b (still the good version 1 image) boots next.
	out=$(guest_ssh 'hardinitctl set-active b') || { REASON="set-active failed: $out"; return 1; }
	reboot_guest || return 1
	boot_slot slots_rollback2 "$disk" b || { REASON="set-active b did not make b boot next"; return 1; }
}

CASES+=(slots_concurrent_writers)
# Two GPT writers at once never lose each other's change: with a (running, good) at the
# top priority, `set-active b` (the read-modify-write an update's commit makes) and,
# 0 to 95 ms later, `mark-good`, 20 times. Each decides from the GPT under the disk's
# lock, so every time b ends first (set-active lowered a to 14 and put b at 15) and a
# stays good. (With mark-good reading the GPT before taking the lock, about one round in
# five ended with a back at 15 beside b: a, not the committed b, would boot next.)
case_slots_concurrent_writers() {
	local disk out bad
	disk=$(disk_variant slots_concurrent_writers)
	boot_slot slots_concurrent_writers "$disk" a || return 1
	qemu_wait_line 'demo: health check passed' 60 || { REASON="no health check"; return 1; }
	# Alternate set-active until the priorities are at the top: a 15, b 14.
	guest_ssh 'for i in $(seq 8); do hardinitctl set-active b && hardinitctl set-active a; done >/dev/null' ||
		{ REASON="set-active failed"; return 1; }
	out=$(guest_ssh 'for i in $(seq 0 19); do
		hardinitctl set-active a >/dev/null
		(usleep $((i * 5000)); hardinitctl mark-good >/dev/null) & hardinitctl set-active b >/dev/null; wait
		hardinitctl status | sed -n "s/^slot \([ab]\): .*: \([a-z]*\).*(priority \([0-9]*\)).*/\1=\2,\3/p" | tr "\n" " "; echo
	done') || { REASON="SSH failed: $out"; return 1; }
	bad=$(grep -vcx 'a=good,14 b=good,15 ' <<<"$out") || true
	echo "     20 rounds of mark-good beside set-active b; states not 'a good 14, b good 15': $bad"
	((bad == 0)) || { REASON="a change was lost: $(grep -vx 'a=good,14 b=good,15 ' <<<"$out" | head -n 3 | tr '\n' ';')"; return 1; }
}

CASES+=(slots_torn_gpt)
# A torn GPT write leaves one header bad: the backup is used, and the next slot-state
# write repairs the primary.
case_slots_torn_gpt() {
	local disk out
	disk=$(disk_variant slots_torn_gpt)
	flip_byte "$disk" $((512 + 90))   # inside the primary header: its CRC no longer matches
	out=$(sgdisk -v "$disk" 2>&1) || true
	grep -q 'invalid main GPT header' <<<"$out" || { REASON="the primary header is not damaged (test setup)"; return 1; }
	boot_slot slots_torn_gpt "$disk" a || return 1
	qemu_kill
	out=$(sgdisk -v "$disk" 2>&1) || true
	! grep -qE 'invalid|Caution|differ' <<<"$out" || { REASON="the primary header was not repaired: $out"; return 1; }
}

CASES+=(slots_torn_gpt_other_disk)
# Only the slots' disk is repaired: beside a disk whose primary GPT header is torn (so
# the repair runs), a second disk with a torn primary whose backup lists other names is
# left byte for byte as it was.
case_slots_torn_gpt_other_disk() {
	local disk other before after out
	disk=$(disk_variant slots_torn_gpt_other_disk)
	flip_byte "$disk" $((512 + 90))
	other=$WORK/other-disk.img
	rm -f "$other"
	truncate -s 8M "$other"
	sgdisk -n 1:2048:+2M -c 1:other-1 -n 2:0:+2M -c 2:other-2 "$other" >/dev/null || { REASON="sgdisk failed"; return 1; }
	flip_byte "$other" $((512 + 90))
	out=$(sgdisk -v "$other" 2>&1) || true
	grep -q 'invalid main GPT header' <<<"$out" || { REASON="the other disk is not torn (test setup)"; return 1; }
	before=$(dd if="$other" bs=512 skip=1 count=33 status=none | sha256sum)
	local -a QEMU_EXTRA_ARGS=(-drive "file=$other,format=raw,if=virtio")
	boot_slot slots_torn_gpt_other_disk "$disk" a || return 1
	qemu_kill
	after=$(dd if="$other" bs=512 skip=1 count=33 status=none | sha256sum)
	[ "$before" = "$after" ] || { REASON="the other disk's primary GPT was written"; return 1; }
	expect_console slots_torn_gpt_other_disk 'hardinit: /dev/vda: primary GPT header invalid \(header CRC mismatch\), backup valid and lists rootfs-a and rootfs-b: rewritten from the backup' \
		|| { REASON="no repair line for vda"; return 1; }
	expect_console slots_torn_gpt_other_disk 'hardinit: /dev/vdb: primary GPT header invalid \(header CRC mismatch\), the backup GPT does not list the slot partitions.*: left alone' \
		|| { REASON="no left-alone line for vdb"; return 1; }
	out=$(sgdisk -v "$other" 2>&1) || true
	grep -q 'invalid main GPT header' <<<"$out" || { REASON="the other disk's GPT was repaired"; return 1; }
}

CASES+=(slots_too_many_partitions)
# More partitions than hardinit checks (64) is a fault, not a silent truncation: a second
# disk with 70 partitions stops the boot.
case_slots_too_many_partitions() {
	local disk other args=() i
	disk=$(disk_variant slots_too_many_partitions)
	other=$WORK/many-parts.img
	rm -f "$other"
	truncate -s 4M "$other"
	for ((i = 1; i <= 70; i++)); do args+=(-n "$i:$((2048 + (i - 1) * 16)):+15"); done
	sgdisk -a 1 "${args[@]}" "$other" >/dev/null || { REASON="sgdisk failed"; return 1; }
	local -a QEMU_EXTRA_ARGS=(-drive "file=$other,format=raw,if=virtio")
	qemu_boot slots_too_many_partitions "$disk" "$INITRD" "" 150 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_exit 120 || { REASON="the VM did not stop"; return 1; }
	expect_console slots_too_many_partitions 'FATAL [a-z-]+: more than 64 partitions: unable to check that each label is on one only' \
		|| { REASON="no FATAL line for 70 partitions"; return 1; }
	expect_no_console slots_too_many_partitions 'hardinit: ready' || { REASON="it booted"; return 1; }
}

CASES+=(slots_min_version)
# The init refuses a slot whose image version is below the policy's min_version, and
# marks it unbootable.
case_slots_min_version() {
	local disk initrd
	sed 's/^default = auto$/default = auto\nmin_version = 2/' "$IMAGES/policy-plain.conf" >"$WORK/min-version.conf"
	grep -q '^min_version = 2' "$WORK/min-version.conf" || { REASON="test setup: no min_version"; return 1; }
	initrd=$(initramfs_with_policy min-version "$WORK/min-version.conf") || { REASON="mkinitramfs failed"; return 1; }
	disk=$(disk_variant slots_min_version)
	qemu_boot slots_min_version "$disk" "$initrd" "" 150 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_exit 120 || { REASON="the VM did not reboot"; return 1; }
	expect_console slots_min_version "FATAL open-verity: slot a's image version 1 is below the policy's minimum 2 \\(rollback refused\\)" \
		|| { REASON="no refusal"; return 1; }
	expect_console slots_min_version 'hardinit: slot a \(/dev/vda5\) marked unbootable' || { REASON="a was not marked"; return 1; }
	expect_no_console slots_min_version 'hardinit: ready' || { REASON="it booted"; return 1; }
}

CASES+=(slots_bundle_stdin)
# 7. A root-only update bundle (tools/mkbundle) piped to `hardinitctl update -` over SSH:
#    one with a flipped byte in its body is refused after it was written (the whole hash
#    tree is checked on the disk) and leaves b unbootable and a running; one with a
#    flipped byte in its signed footer is refused before anything is written; the good
#    one makes b boot next with the new version, verified, the data kept.
case_slots_bundle_stdin() {
	local disk root bundle bad out
	root=$(variant_rootfs bundle-b)
	printf 'motd version 2\n' >"$root/etc/motd"
	bundle=$WORK/bundle-b.bundle bad=$WORK/bundle-b-bad.bundle
	"$TOP/tools/mkbundle" --rootfs "$root" --version 2 --slot b --key "$B/keys/slot.key" -o "$bundle" >/dev/null ||
		{ REASON="mkbundle failed"; return 1; }
	disk=$(disk_variant slots_bundle_stdin)
	boot_slot slots_bundle_stdin "$disk" a || return 1
	guest_ssh 'echo kept > /var/kept.txt; sync' || { REASON="cannot write"; return 1; }
	guest_wait_marked_good || return 1

	cp "$bundle" "$bad"
	flip_byte "$bad" $((4096 + 1100))   # inside the filesystem's first block
	if out=$(guest_ssh 'hardinitctl update -' <"$bad" 2>&1); then
		REASON="a bundle with a flipped body byte was accepted: $out"
		return 1
	fi
	printf '%s\n' "$out" | sed 's/^/     guest (flipped body byte): /'
	grep -q 'slot b: verifying the signature and the whole hash tree' <<<"$out" || { REASON="it was not refused by the check on the disk"; return 1; }
	out=$(guest_ssh 'hardinitctl status') || { REASON="SSH failed"; return 1; }
	grep -q '^slot b: .*unbootable' <<<"$out" || { REASON="b is not unbootable after the refused bundle: $out"; return 1; }
	grep -q '^slot a: .*<- booted' <<<"$out" || { REASON="a is not the running slot: $out"; return 1; }

	cp "$bundle" "$bad"
	put_byte "$bad" $(( $(offset_of "$bad" 'version=2') + 8 )) 3   # version=3: the signature no longer matches
	if out=$(guest_ssh 'hardinitctl update -' <"$bad" 2>&1); then
		REASON="a bundle with a changed footer was accepted: $out"
		return 1
	fi
	echo "     guest (changed footer): $out"
	! grep -q 'marking unbootable' <<<"$out" || { REASON="it wrote before it refused"; return 1; }

	out=$(guest_ssh 'hardinitctl update -' <"$bundle" 2>&1) || { REASON="the bundle was refused: $out"; return 1; }
	printf '%s\n' "$out" | sed 's/^/     guest: /'
	reboot_guest || return 1
	qemu_boot slots_bundle_stdin2 "$disk" "$INITRD" "" 300 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_line 'hardinit: ready slot=b version=2 verity=verified' 120 || { REASON="b did not boot version 2, verified"; return 1; }
	guest_ssh_wait 90 || { REASON="no SSH on b"; return 1; }
	out=$(guest_ssh 'cat /etc/motd /var/kept.txt') || { REASON="SSH failed"; return 1; }
	[ "$out" = $'motd version 2\nkept' ] || { REASON="not b's new root, or the data changed: $out"; return 1; }
}
