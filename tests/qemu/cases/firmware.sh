# Firmware boot (docs/boot-chain.md): OVMF with Secure Boot on and the test keys
# enrolled (tools/mksecureboot), the signed loader in bootefi-a/b, a signed boot image
# per slot in boot-a/b (tools/build-images: images/fw-disk.img). Each boot ≈ 10 s to
# the kernel under TCG.

FW_VARS=${FW_VARS:-$B/keys/secureboot/OVMF_VARS.enrolled.fd}
FW_READY_A='hardinit: ready slot=a version=1 verity=verified'
FW_READY_B='hardinit: ready slot=b version=1 verity=verified'

# fw_disk NAME: a fresh copy of the firmware disk, and a fresh copy of the enrolled
# vars (the firmware writes to it) at $WORK/NAME.vars.
fw_disk() {
	cp --sparse=always "$IMAGES/fw-disk.img" "$WORK/$1.img"
	cp "$FW_VARS" "$WORK/$1.vars"
	echo "$WORK/$1.img"
}

# fw_attrs DISK N: partition N's attribute bits as sfdisk prints them ("GUID:49,56").
fw_attrs() { sfdisk --part-attrs "$1" "$2" 2>/dev/null; }

CASES+=(efi_signed_chain)
# The signed chain boots with Secure Boot on: the kernel says so, the loader chose slot a
# (good, priority 2) and had persisted its trial (tries 2, successful cleared: bits
# 49,53) in both GPT copies before it started the boot image, and hardinit's ready line
# names slot a.
case_efi_signed_chain() {
	local disk attrs verify
	disk=$(fw_disk efi_signed_chain)
	[ "$(fw_attrs "$disk" 5)" = "GUID:49,56" ] || { REASON="rootfs-a is not good at priority 2 (test setup)"; return 1; }
	qemu_boot_firmware efi_signed_chain "$disk" "$WORK/efi_signed_chain.vars" 300 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_line "hardinit-loader: starting slot a's boot image" 90 || { REASON="the loader did not start slot a"; return 1; }
	# Read while the boot image loads: what the loader wrote before starting it.
	attrs=$(fw_attrs "$disk" 5)
	verify=$(sgdisk -v "$disk" 2>&1) || true
	qemu_wait_line "$FW_READY_A" 120 || { REASON="no ready line for slot a"; return 1; }
	expect_console efi_signed_chain 'Secure boot enabled' || { REASON="the kernel does not say Secure boot enabled"; return 1; }
	expect_console efi_signed_chain 'hardinit-loader: chose slot a \(good, a trial until marked good\), tries now 2, persisted' \
		|| { REASON="no loader line for slot a"; return 1; }
	[ "$attrs" = "GUID:49,53" ] || { REASON="rootfs-a attributes before the kernel ran: '$attrs', expected GUID:49,53 (priority 2, tries 2)"; return 1; }
	grep -q 'No problems found' <<<"$verify" || { REASON="the GPT the loader wrote does not verify: $verify"; return 1; }
	console_check_clean efi_signed_chain || { REASON="shell prompt, panic or oops on the console"; return 1; }
}

CASES+=(efi_refused_image)
# One byte of boot-a's image changed (in its embedded command line): the firmware
# refuses it, the loader marks slot a unbootable (priority 0, persisted) and boots b in
# the same boot.
case_efi_refused_image() {
	local disk off attrs
	disk=$(fw_disk efi_refused_image)
	off=$(grep -obUa -m1 'hardinit.slot=a roothash=' "$disk" | head -n1 | cut -d: -f1)
	[ -n "$off" ] || { REASON="boot-a's command line not found on the disk (test setup)"; return 1; }
	flip_byte "$disk" $((off + 30))   # a hex digit of the pinned root hash
	qemu_boot_firmware efi_refused_image "$disk" "$WORK/efi_refused_image.vars" 300 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_line "$FW_READY_B" 150 || { REASON="slot b did not boot"; return 1; }
	expect_console efi_refused_image "hardinit-loader: slot a: the firmware refused its boot image: (Access Denied|Security Violation)" \
		|| { REASON="the firmware did not refuse boot-a's image"; return 1; }
	expect_console efi_refused_image 'hardinit-loader: slot a marked unbootable' || { REASON="slot a not marked unbootable"; return 1; }
	expect_console efi_refused_image 'Secure boot enabled' || { REASON="the kernel does not say Secure boot enabled"; return 1; }
	qemu_kill
	attrs=$(fw_attrs "$disk" 5)
	! grep -qE '4[89]|5[0-6]' <<<"$attrs" || { REASON="rootfs-a still has slot bits: '$attrs'"; return 1; }
}

CASES+=(efi_cmdline_not_overridable)
# A command line passed by the loader (its test build passes "console=ttyS0
# hardinit.verity=off hardinit.loader_cmdline_test" as the boot image's LoadOptions) has
# no effect: the kernel runs the image's embedded command line (slot and root hash).
case_efi_cmdline_not_overridable() {
	local disk
	disk=$WORK/efi_cmdline_not_overridable.img
	"$TOP/tools/mkdisk" -o "$disk" --slot-a "$IMAGES/slot-a.img" --slot-b "$IMAGES/slot-a.img" --rootfs-mib 32 \
		--data "$IMAGES/data.img" --logs "$IMAGES/logs.img" --loader "$IMAGES/loader-append-test.efi" \
		--uki-a "$IMAGES/uki-a.efi" --uki-b "$IMAGES/uki-b.efi" || { REASON="mkdisk failed"; return 1; }
	cp "$FW_VARS" "$WORK/efi_cmdline_not_overridable.vars"
	qemu_boot_firmware efi_cmdline_not_overridable "$disk" "$WORK/efi_cmdline_not_overridable.vars" 300 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_line 'Command line: ' 90 || { REASON="the kernel did not start"; return 1; }
	expect_console efi_cmdline_not_overridable 'hardinit-loader: test build: passing the command line' \
		|| { REASON="the loader did not pass a command line (test setup)"; return 1; }
	qemu_wait_line "$FW_READY_A" 120 || { REASON="no ready line for slot a, verified"; return 1; }
	expect_console efi_cmdline_not_overridable 'Command line: .*hardinit.slot=a roothash=[0-9a-f]{64}' \
		|| { REASON="the kernel does not run the embedded command line"; return 1; }
	expect_no_console efi_cmdline_not_overridable 'Command line: .*hardinit.loader_cmdline_test' \
		|| { REASON="the loader's command line reached the kernel"; return 1; }
}
