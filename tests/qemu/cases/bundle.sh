#!/usr/bin/env bash
# Update bundles through the firmware chain (docs/slot-format.md "Update bundle",
# docs/boot-chain.md): `hardinitctl update -` fed a bundle over SSH stdin writes boot-b
# and rootfs-b, checks both on the disk and commits with one GPT write; the loader then
# boots b's new boot image. Bundles from tools/build-images (images/bundle-b*.bundle).
# Sourced by ../run; uses fw_disk (firmware.sh), reboot_guest (state.sh), flip_byte (disk.sh).

BUNDLE_READY_A='hardinit: ready slot=a version=1 verity=verified'

# fw_boot NAME DISK VARS READY: boots DISK through the firmware with VARS until the ready
# line READY (an ERE) and SSH.
fw_boot() {
	qemu_boot_firmware "$1" "$2" "$3" 400 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_line "$4" 200 || { REASON="$1: no ready line matching '$4'"; return 1; }
	guest_ssh_wait 120 || { REASON="no SSH on $1"; return 1; }
}

# push_bundle BUNDLE OUTFILE [COMMAND]: pipes BUNDLE to `hardinitctl update -` (or to
# COMMAND in the guest); each output line goes to OUTFILE prefixed with the host's
# seconds since the push began, the last one "exit=STATUS".
push_bundle() {
	local start line rc=0 us
	: >"$2"
	guest_wait_marked_good || { echo "exit=wait $REASON" >>"$2"; return 1; }
	start=${EPOCHREALTIME/./}
	{ guest_ssh "${3:-hardinitctl update -}" <"$1" 2>&1 || rc=$?; echo "exit=$rc"; } |
		while IFS= read -r line; do
			us=$(( ${EPOCHREALTIME/./} - start ))
			printf '%3d.%02d %s\n' $((us / 1000000)) $((us % 1000000 / 10000)) "$line" >>"$2"
		done
	grep -q '^ *[0-9.]* exit=0$' "$2"
}

CASES+=(bundle_kernel_update)
# Boot a (kernel = build/kernel), refuse a root-only bundle (the loader pins b's root
# through boot-b's image) and one with a flipped byte in its boot image (b is left
# unbootable), then a bundle for b built with another Debian kernel: after a
# reboot the loader chooses b, the kernel is the new one, hardinit's ready line says
# slot b version 2 verified, and the data partition kept its file.
case_bundle_kernel_update() {
	local disk vars out alt old
	alt=$(cat "$B/kernel-alt/version") old=$(cat "$B/kernel/version")
	[ "$alt" != "$old" ] || { REASON="the second kernel is the first one (test setup)"; return 1; }
	disk=$(fw_disk bundle_kernel_update) vars=$WORK/bundle_kernel_update.vars
	fw_boot bundle_kernel_update "$disk" "$vars" "$BUNDLE_READY_A" || return 1
	expect_console bundle_kernel_update "Linux version $old " || { REASON="slot a does not run $old"; return 1; }
	guest_wait_marked_good || return 1
	guest_ssh 'grep -qx chooser=loader /run/hardinit/state && echo kept > /var/kept.txt && sync' ||
		{ REASON="no chooser=loader in the state, or cannot write"; return 1; }
	if out=$(guest_ssh 'hardinitctl update -' <"$IMAGES/bundle-b-root.bundle" 2>&1); then
		REASON="a root-only bundle was accepted under the loader: $out"
		return 1
	fi
	echo "     guest (root-only bundle): $out"
	grep -q 'a new root alone would never boot' <<<"$out" || { REASON="not refused for the loader's pinned root"; return 1; }
	# One flipped byte in the boot image: refused (its SHA-256 is signed), b left unbootable.
	cp "$IMAGES/bundle-b.bundle" "$WORK/bundle-b-bad.bundle"
	flip_byte "$WORK/bundle-b-bad.bundle" $((4096 + $(head -c 4096 "$IMAGES/bundle-b.bundle" | tr -d '\0' | sed -n 's/^boot_size=//p') / 2))
	if out=$(guest_ssh 'hardinitctl update -' <"$WORK/bundle-b-bad.bundle" 2>&1); then
		REASON="a bundle with a flipped boot image byte was accepted: $out"
		return 1
	fi
	echo "     guest (flipped boot image byte): $(tail -n 1 <<<"$out")"
	grep -q 'boot_sha256' <<<"$out" || { REASON="not refused for its boot image's hash: $out"; return 1; }
	out=$(guest_ssh 'hardinitctl status') || { REASON="SSH failed"; return 1; }
	grep -q '^slot b: .*unbootable' <<<"$out" && grep -q '^slot a: .*<- booted' <<<"$out" ||
		{ REASON="after the refused bundle b is not unbootable or a not running: $out"; return 1; }
	push_bundle "$IMAGES/bundle-b.bundle" "$WORK/bundle_kernel_update.push" ||
		{ REASON="the bundle was refused: $(cat "$WORK/bundle_kernel_update.push")"; return 1; }
	sed 's/^/     guest (s): /' "$WORK/bundle_kernel_update.push"
	reboot_guest || return 1
	fw_boot bundle_kernel_update2 "$disk" "$vars" 'hardinit: ready slot=b version=2 verity=verified' || return 1
	expect_console bundle_kernel_update2 'hardinit-loader: chose slot b' || { REASON="the loader did not choose b"; return 1; }
	expect_console bundle_kernel_update2 "Linux version $alt " || { REASON="b's kernel is not $alt"; return 1; }
	out=$(guest_ssh 'uname -r; cat /var/kept.txt') || { REASON="SSH failed"; return 1; }
	[ "$out" = "$alt"$'\nkept' ] || { REASON="uname -r and the data file: '$out', expected $alt and kept"; return 1; }
	# The service tree blesses the slot the loader chose: b is good, its trial is over.
	out=$(guest_ssh 'hardinitctl mark-good && hardinitctl status' 2>&1) || { REASON="mark-good failed: $out"; return 1; }
	grep -q '^slot b: .*: good (priority [0-9]*) <- booted' <<<"$out" || { REASON="b is not good after mark-good: $out"; return 1; }
}

CASES+=(bundle_failing_kernel_falls_back)
# A bundle for b whose boot image's kernel cannot boot (its initramfs has no /init: the
# kernel panics, and panic=-1 resets the machine): the loader starts b its 3 tries, then
# b is out and a boots, verified, the data intact.
case_bundle_failing_kernel_falls_back() {
	local disk vars out n
	disk=$(fw_disk bundle_failing) vars=$WORK/bundle_failing.vars
	fw_boot bundle_failing "$disk" "$vars" "$BUNDLE_READY_A" || return 1
	guest_ssh 'echo kept > /var/kept.txt; sync' || { REASON="cannot write"; return 1; }
	guest_wait_marked_good || return 1
	out=$(guest_ssh 'hardinitctl update -' <"$IMAGES/bundle-b-panic.bundle" 2>&1) || { REASON="the bundle was refused: $out"; return 1; }
	reboot_guest || return 1
	# Resets restart the firmware in the same QEMU, as on hardware.
	QEMU_REBOOT=1 fw_boot bundle_failing2 "$disk" "$vars" "$BUNDLE_READY_A" || return 1
	n=$(grep -ac 'hardinit-loader: chose slot b' "$WORK/bundle_failing2.console") || true
	echo "     the loader started b $n times, then a"
	[ "$n" = 3 ] || { REASON="b was started $n times, not its 3 tries"; return 1; }
	expect_console bundle_failing2 'Kernel panic - not syncing' || { REASON="b's kernel did not panic (test setup)"; return 1; }
	out=$(guest_ssh 'cat /var/kept.txt; hardinitctl status') || { REASON="SSH failed"; return 1; }
	printf '%s\n' "$out" | sed -n '1,4p' | sed 's/^/     guest: /'
	grep -qx kept <<<"$out" || { REASON="the data file is gone"; return 1; }
	grep -q '^slot b: .*unbootable' <<<"$out" || { REASON="b is not out: $out"; return 1; }
}

CASES+=(bundle_power_cut)
# Chained power cuts (QEMU killed from the host) at 8 points spread over a whole bundle
# update (≈ 5 s here): each point is a step line of hardinitctl's output plus a delay,
# so that the points stay where they are however fast the machine is: the GPT mark,
# early and late in the boot image write, early and late in the root write, the read
# back, the hash tree, the commit, then after it (hardinitctl writes each chunk out as
# it goes, so a cut leaves a torn partition on the disk). Each time the next boot through
# the firmware (same vars) comes back on the slot that was running, with its version,
# or, only once the update committed, on the target with the bundle's version; the
# loader never started the half-written slot (no refused image, no slot marked); the
# data file is intact and the GPT verifies. The next cut starts from that boot (after a
# commit, with a bundle for the other slot and a higher version). Prints each point, the
# progress reached and where the machine came back.
BUNDLE_CUT_POINTS=(
	'marking unbootable:0' 'writing the boot image:0.3' 'writing the boot image:1.2'
	'writing the root:0.3' 'writing the root:1.2' 'reading the boot image back:0.1'
	'verifying the signature:0.2' 'committing:0' 'exit=0:1'
)

# wait_output FILE TEXT TIMEOUT_S: waits until a line of FILE contains TEXT, or the
# push ended without it. Succeeds if the line came.
wait_output() {
	local deadline=$((SECONDS + $3))
	while ((SECONDS < deadline)); do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		grep -q ' exit=' "$1" 2>/dev/null && return 1
		sleep 0.05
	done
	return 1
}

case_bundle_power_cut() {
	local disk vars point delay n=0 running=a version=1 target=b new=2 bundle reached points="" verify console got
	disk=$(fw_disk bundle_power_cut) vars=$WORK/bundle_power_cut.vars
	fw_boot bundle_cut0 "$disk" "$vars" "$BUNDLE_READY_A" || return 1
	guest_ssh 'echo kept > /var/kept.txt; sync' || { REASON="cannot write"; return 1; }
	bundle=$IMAGES/bundle-b.bundle
	for point in "${BUNDLE_CUT_POINTS[@]}"; do
		# The SSH session stays open while the update runs; the host cuts the power under it.
		rm -f "$WORK/bundle_cut.push"
		push_bundle "$bundle" "$WORK/bundle_cut.push" &
		wait_output "$WORK/bundle_cut.push" "${point%:*}" 60 || { qemu_kill; wait || true
			REASON="the update did not reach '${point%:*}': $(cat "$WORK/bundle_cut.push")"; return 1; }
		sleep "${point##*:}"
		delay="${point%:*} +${point##*:} s"
		qemu_kill
		wait || true
		reached=$(grep -v 'exit=' "$WORK/bundle_cut.push" | tail -n 1 | sed -E 's/^ *[0-9.]+ //; s/^slot [ab]: //')
		n=$((n + 1))
		fw_boot "bundle_cut$n" "$disk" "$vars" 'hardinit: ready slot=[ab] version=[0-9]+ verity=verified' ||
			{ REASON="after the cut '$delay' into the update (reached: ${reached:-nothing}): $REASON"; return 1; }
		console=$WORK/bundle_cut$n.console
		got=$(_console_text "$console" | grep -aoE 'hardinit: ready slot=[ab] version=[0-9]+' | tail -n 1 | sed -E 's/.*slot=([ab]) version=/\1 /')
		echo "     cut $n at '$delay' (reached: ${reached:-not started}) -> slot ${got/ / version }, verified"
		points+="${got/ /v} "
		[ "$got" = "$running $version" ] || [ "$got" = "$target $new" ] ||
			{ REASON="after the cut at '$delay' it came back on slot ${got/ / version }: neither the running $running $version nor the complete update $target $new"; return 1; }
		expect_no_console "bundle_cut$n" 'hardinit-loader: slot [ab]: the firmware refused|hardinit-loader: slot [ab] marked unbootable' ||
			{ REASON="after the cut at '$delay' the loader started a half-written slot"; return 1; }
		# The service tree marks the booted slot good (a GPT write in the guest): read the
		# GPT from the host once that write is done, not in the middle of it.
		qemu_wait_line 'demo: health check passed' 90 || { REASON="no health check after the cut at '$delay'"; return 1; }
		verify=$(sgdisk -v "$disk" 2>&1) || true
		grep -q 'No problems found' <<<"$verify" || { REASON="after the cut at '$delay' the GPT does not verify: $verify"; return 1; }
		[ "$(guest_ssh 'cat /var/kept.txt')" = kept ] || { REASON="the data file is gone after the cut at '$delay'"; return 1; }
		if [ "$got" = "$target $new" ]; then
			# Committed: the next update is for the other slot, one version up.
			running=$target version=$new target=$([ "$target" = a ] && echo b || echo a) new=$((new + 1))
			bundle=$WORK/bundle-$target-$new.bundle
			"$TOP/tools/mkbundle" --rootfs "$B/demo/rootfs" --version "$new" --slot "$target" --key "$B/keys/slot.key" \
				--kernel "$B/kernel/vmlinuz" --initrd "$INITRD" --db-key "$B/keys/secureboot/db.key" \
				--db-cert "$B/keys/secureboot/db.crt" -o "$bundle" >/dev/null || { REASON="mkbundle failed"; return 1; }
		fi
	done
	echo "     $n power cuts; slot and version booted after each: $points"
}
