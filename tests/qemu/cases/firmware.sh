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
# names slot a. The boot chain is named on the console and in the boot record: the
# loader (LoaderInfo), the stub (StubInfo) and boot-a's partition UUID (the stub's
# LoaderDevicePartUUID). Without a TPM nothing is measured, a console line says so and
# the record's tpm is none (with a TPM: measured.sh).
case_efi_signed_chain() {
	local disk attrs verify uuid chain record
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
	# The kernel locked itself down for Secure Boot; hardinit leaves it there, no warning.
	expect_console efi_signed_chain 'hardinit: kernel lockdown already at integrity' \
		|| { REASON="hardinit did not see the kernel's own lockdown"; return 1; }
	expect_no_console efi_signed_chain 'unable to raise the kernel lockdown' || { REASON="a lockdown warning under Secure Boot"; return 1; }
	console_check_clean efi_signed_chain || { REASON="shell prompt, panic or oops on the console"; return 1; }
	uuid=$(sfdisk --part-uuid "$disk" 3 | tr 'A-F' 'a-f')
	[ -n "$uuid" ] || { REASON="no partition UUID for boot-a (test setup)"; return 1; }
	chain="loader=hardinit-loader [0-9.]+ stub=systemd-stub 252[^ ]* boot_image=$uuid"
	expect_console efi_signed_chain "hardinit: boot chain: $chain\$" || { REASON="the console does not name the chain ($chain)"; return 1; }
	expect_console efi_signed_chain 'hardinit: tpm: no TPM 2.0 \(/dev/tpmrm0 is missing\): nothing measured' \
		|| { REASON="no console line for the missing TPM"; return 1; }
	qemu_kill
	partition_image "$disk" 7 "$WORK/efi_signed_chain.logs.img"
	record=$(debugfs -R "cat /hardinit/boots.jsonl" "$WORK/efi_signed_chain.logs.img" 2>/dev/null | tail -n 1)
	grep -qE "\"loader\":\"hardinit-loader [0-9.]+\",\"stub\":\"systemd-stub 252[^\"]*\",\"boot_image\":\"$uuid\"" <<<"$record" \
		|| { REASON="the boot record does not name the chain: $record"; return 1; }
	grep -qF '"tpm":"none","pcr_bank":null,"pcr11_enter_initrd":null' <<<"$record" \
		|| { REASON="the boot record does not say tpm none: $record"; return 1; }
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

# fw_put DISK PART FILE PATH: replaces (or adds) PATH in partition PART's FAT with FILE
# (mtools on the partition's offset), as a damaged or re-signed file on the disk.
fw_put() {
	mcopy -o -i "$1@@$(part_start "$1" "$2")" "$3" "::$4"
}

# fw_section_flip EFI SECTION FILE: a copy of EFI at FILE with one byte in the middle of
# SECTION (objdump -h: its size and file offset) inverted; its signature still attached.
fw_section_flip() {
	local size off
	read -r size off < <(objdump -h "$1" | awk -v s="$2" '$2 == s {print $3, $6}')
	[ -n "$off" ] || return 1
	cp "$1" "$3"
	flip_byte "$3" $(( 0x$off + 0x$size / 2 ))
}

# fw_refused_then_b NAME DISK: boots DISK; the firmware must refuse boot-a's image, the
# loader mark a unbootable (its bits cleared on the disk) and boot b, verified; the boot
# chain names boot-b's partition (the image that ran), not boot-a's.
fw_refused_then_b() {
	local attrs uuid
	qemu_boot_firmware "$1" "$2" "$WORK/$1.vars" 300 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_line "$FW_READY_B" 150 || { REASON="slot b did not boot verified"; return 1; }
	expect_console "$1" "hardinit-loader: slot a: the firmware refused its boot image: (Access Denied|Security Violation)" \
		|| { REASON="the firmware did not refuse boot-a's image"; return 1; }
	expect_console "$1" 'hardinit-loader: slot a marked unbootable' || { REASON="slot a not marked unbootable"; return 1; }
	expect_no_console "$1" "hardinit-loader: starting slot a's boot image" || { REASON="slot a's image was started"; return 1; }
	uuid=$(sfdisk --part-uuid "$2" 4 | tr 'A-F' 'a-f')
	expect_console "$1" "hardinit: boot chain: .* boot_image=$uuid\$" || { REASON="the boot chain does not name boot-b ($uuid)"; return 1; }
	qemu_kill
	attrs=$(fw_attrs "$2" 5)
	[ -z "$attrs" ] || { REASON="rootfs-a still has slot bits: '$attrs'"; return 1; }
}

CASES+=(efi_foreign_key_image)
# boot-a's image re-signed by a key that is not in db (made here): refused, b boots.
case_efi_foreign_key_image() {
	local disk
	disk=$(fw_disk efi_foreign_key_image)
	openssl req -quiet -new -x509 -newkey rsa:2048 -nodes -sha256 -days 1 -subj "/CN=hardinit foreign db/" \
		-keyout "$WORK/foreign.key" -out "$WORK/foreign.crt" 2>/dev/null || { REASON="openssl failed (test setup)"; return 1; }
	cp "$IMAGES/uki-a.efi" "$WORK/uki-a.unsigned.efi"
	sbattach --remove "$WORK/uki-a.unsigned.efi" >/dev/null 2>&1 || { REASON="sbattach failed (test setup)"; return 1; }
	sbsign --key "$WORK/foreign.key" --cert "$WORK/foreign.crt" --output "$WORK/uki-a.foreign.efi" \
		"$WORK/uki-a.unsigned.efi" 2>/dev/null || { REASON="sbsign failed (test setup)"; return 1; }
	sbverify --cert "$WORK/foreign.crt" "$WORK/uki-a.foreign.efi" >/dev/null 2>&1 || { REASON="not signed by the foreign key (test setup)"; return 1; }
	fw_put "$disk" 3 "$WORK/uki-a.foreign.efi" /EFI/Linux/hardinit.efi || { REASON="mcopy failed (test setup)"; return 1; }
	fw_refused_then_b efi_foreign_key_image "$disk"
}

CASES+=(efi_initramfs_byte)
# One byte in the middle of boot-a's .initrd section changed (signature kept): refused, b boots.
case_efi_initramfs_byte() {
	local disk
	disk=$(fw_disk efi_initramfs_byte)
	fw_section_flip "$IMAGES/uki-a.efi" .initrd "$WORK/uki-a.initrd-byte.efi" || { REASON="no .initrd section (test setup)"; return 1; }
	! cmp -s "$IMAGES/uki-a.efi" "$WORK/uki-a.initrd-byte.efi" || { REASON="no byte changed (test setup)"; return 1; }
	fw_put "$disk" 3 "$WORK/uki-a.initrd-byte.efi" /EFI/Linux/hardinit.efi || { REASON="mcopy failed (test setup)"; return 1; }
	fw_refused_then_b efi_initramfs_byte "$disk"
}

CASES+=(efi_unsigned_image)
# boot-a's image with its signature removed: refused, b boots.
case_efi_unsigned_image() {
	local disk
	disk=$(fw_disk efi_unsigned_image)
	cp "$IMAGES/uki-a.efi" "$WORK/uki-a.unsigned.efi"
	sbattach --remove "$WORK/uki-a.unsigned.efi" >/dev/null 2>&1 || { REASON="sbattach failed (test setup)"; return 1; }
	fw_put "$disk" 3 "$WORK/uki-a.unsigned.efi" /EFI/Linux/hardinit.efi || { REASON="mcopy failed (test setup)"; return 1; }
	fw_refused_then_b efi_unsigned_image "$disk"
}

CASES+=(efi_panicking_image)
# boot-a holds a signed image whose kernel panics (an initramfs without /init; panic=-1
# resets): each boot is one of a's tries (good → 2 → 1 → 0, persisted before the image
# starts), then b boots verified. QEMU exits at each reset (-no-reboot) and is started
# again with the same disk and vars.
case_efi_panicking_image() {
	local disk i roothash name
	disk=$(fw_disk efi_panicking_image)
	mkdir -p "$WORK/empty-initrd"
	(cd "$WORK/empty-initrd" && echo . | cpio -o -H newc --quiet) >"$WORK/empty.cpio"
	roothash=$(sed -n 's/^root_hash=//p' "$IMAGES/slot-a.roothash")
	"$TOP/tools/mkuki" --kernel "$KERNEL" --initrd "$WORK/empty.cpio" --slot a --roothash "$roothash" --version 1 \
		--key "$B/keys/secureboot/db.key" --cert "$B/keys/secureboot/db.crt" -o "$WORK/uki-a.panic.efi" \
		|| { REASON="mkuki failed (test setup)"; return 1; }
	fw_put "$disk" 3 "$WORK/uki-a.panic.efi" /EFI/Linux/hardinit.efi || { REASON="mcopy failed (test setup)"; return 1; }
	for i in 1 2 3; do
		name=efi_panicking_image$i
		qemu_boot_firmware "$name" "$disk" "$WORK/efi_panicking_image.vars" 150 || { REASON="QEMU did not start"; return 1; }
		qemu_wait_exit 120 || { REASON="boot $i of a did not reset"; return 1; }
		expect_console "$name" "hardinit-loader: chose slot a \(.*\), tries now $((3 - i)), persisted" || { REASON="boot $i: a not chosen with tries $((3 - i))"; return 1; }
		expect_console "$name" 'Kernel panic' || { REASON="boot $i: a's kernel did not panic"; return 1; }
	done
	qemu_boot_firmware efi_panicking_image4 "$disk" "$WORK/efi_panicking_image.vars" 300 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_line "$FW_READY_B" 150 || { REASON="b did not boot after a's 3 tries"; return 1; }
	expect_console efi_panicking_image4 'hardinit-loader: slot a: priority 2 tries 0 successful 0' || { REASON="a's tries not spent"; return 1; }
	expect_console efi_panicking_image4 'hardinit-loader: chose slot b \(good, a trial until marked good\), tries now 2' || { REASON="b not chosen"; return 1; }
	qemu_kill
	[ "$(fw_attrs "$disk" 5)" = "GUID:49" ] || { REASON="rootfs-a: '$(fw_attrs "$disk" 5)', expected GUID:49 (priority 2, tries 0)"; return 1; }
	[ "$(fw_attrs "$disk" 6)" = "GUID:48,53" ] || { REASON="rootfs-b: '$(fw_attrs "$disk" 6)', expected GUID:48,53 (priority 1, tries 2)"; return 1; }
}

CASES+=(efi_torn_gpt)
# A torn GPT write. Seen by the loader (its test build tears the primary header after
# the firmware scanned the disk): it says the primary is invalid, uses the backup, boots
# a verified, and its own write (a's trial) repairs both copies before the boot image
# starts. Torn on the host before the boot: the firmware itself restores the copy from
# the other (OVMF's partition driver does), the loader finds both valid and boots a.
case_efi_torn_gpt() {
	local disk out
	disk=$(fw_disk efi_torn_gpt)
	fw_put "$disk" 1 "$IMAGES/loader-tear-test.efi" /EFI/BOOT/BOOTX64.EFI || { REASON="mcopy failed (test setup)"; return 1; }
	qemu_boot_firmware efi_torn_gpt "$disk" "$WORK/efi_torn_gpt.vars" 300 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_line "hardinit-loader: starting slot a's boot image" 90 || { REASON="the loader did not start slot a"; return 1; }
	out=$(sgdisk -v "$disk" 2>&1) || true
	expect_console efi_torn_gpt 'hardinit-loader: test build: primary GPT header torn' || { REASON="the primary was not torn (test setup)"; return 1; }
	expect_console efi_torn_gpt 'hardinit-loader: primary GPT invalid \(.*\)' || { REASON="the loader did not see the torn primary"; return 1; }
	expect_console efi_torn_gpt 'hardinit-loader: GPT primary INVALID, backup valid: using the backup' || { REASON="the loader did not use the backup"; return 1; }
	grep -q 'No problems found' <<<"$out" || { REASON="the loader's write did not repair the GPT: $out"; return 1; }
	qemu_wait_line "$FW_READY_A" 120 || { REASON="no ready line for slot a, verified"; return 1; }
	qemu_kill
	[ "$(fw_attrs "$disk" 5)" = "GUID:49,53" ] || { REASON="rootfs-a: '$(fw_attrs "$disk" 5)', expected GUID:49,53"; return 1; }

	disk=$(fw_disk efi_torn_gpt_host)
	flip_byte "$disk" $((512 + 90))
	out=$(sgdisk -v "$disk" 2>&1) || true
	grep -q 'invalid main GPT header' <<<"$out" || { REASON="the primary header is not damaged (test setup)"; return 1; }
	qemu_boot_firmware efi_torn_gpt_host "$disk" "$WORK/efi_torn_gpt_host.vars" 300 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_line "hardinit-loader: starting slot a's boot image" 90 || { REASON="the loader did not start slot a (torn on the host)"; return 1; }
	out=$(sgdisk -v "$disk" 2>&1) || true
	qemu_kill
	grep -q 'No problems found' <<<"$out" || { REASON="the GPT torn on the host was not repaired: $out"; return 1; }
}

CASES+=(efi_blessed_slot_demoted)
# rootfs-a is good (priority 2, successful: as after mark-good), then a byte of its hash
# tree's top block is damaged: the loader starts a's trial (tries 2), hardinit's verity
# check fails, hardinit marks a unbootable and resets; the next boot the loader boots b.
case_efi_blessed_slot_demoted() {
	local disk hash_offset
	disk=$(fw_disk efi_blessed_slot_demoted)
	[ "$(fw_attrs "$disk" 5)" = "GUID:49,56" ] || { REASON="rootfs-a is not good (test setup)"; return 1; }
	hash_offset=$(footer_value "$IMAGES/slot-a.img" hash_offset)
	[ -n "$hash_offset" ] || { REASON="no hash_offset in slot-a's footer (test setup)"; return 1; }
	flip_byte "$disk" $(( $(part_start "$disk" 5) + hash_offset + 4096 + 64 ))
	qemu_boot_firmware efi_blessed_slot_demoted "$disk" "$WORK/efi_blessed_slot_demoted.vars" 150 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_exit 120 || { REASON="a's failure did not reset"; return 1; }
	expect_console efi_blessed_slot_demoted 'hardinit-loader: chose slot a \(good, a trial until marked good\), tries now 2' || { REASON="a not chosen"; return 1; }
	expect_console efi_blessed_slot_demoted 'hardinit: FATAL open-verity: ' || { REASON="no FATAL open-verity"; return 1; }
	expect_console efi_blessed_slot_demoted 'hardinit: slot a \(/dev/vda5\) marked unbootable' || { REASON="hardinit did not mark a"; return 1; }
	[ -z "$(fw_attrs "$disk" 5)" ] || { REASON="rootfs-a after its failure: '$(fw_attrs "$disk" 5)', expected no bits"; return 1; }
	qemu_boot_firmware efi_blessed_slot_demoted2 "$disk" "$WORK/efi_blessed_slot_demoted.vars" 300 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_line "$FW_READY_B" 150 || { REASON="b did not boot verified"; return 1; }
	expect_console efi_blessed_slot_demoted2 'hardinit-loader: slot a: priority 0 tries 0 successful 0' || { REASON="the loader did not see a demoted"; return 1; }
	qemu_kill
	[ -z "$(fw_attrs "$disk" 5)" ] || { REASON="rootfs-a: '$(fw_attrs "$disk" 5)', expected no bits"; return 1; }
	[ "$(fw_attrs "$disk" 6)" = "GUID:48,53" ] || { REASON="rootfs-b: '$(fw_attrs "$disk" 6)', expected GUID:48,53"; return 1; }
}

CASES+=(efi_loader_copy_fallback)
# The loader writes a firmware boot entry for each of its copies (bootefi-a, bootefi-b)
# at the head of BootOrder on the first boot; then bootefi-a's copy is damaged (a byte of
# its .text: Secure Boot refuses it) and the same vars boot again: the firmware's entry
# for bootefi-a fails, the one for bootefi-b starts the loader, which writes nothing
# (the entries are in place) and boots slot a, verified.
case_efi_loader_copy_fallback() {
	local disk vars=$WORK/efi_loader_copy_fallback.vars
	disk=$(fw_disk efi_loader_copy_fallback)
	qemu_boot_firmware efi_loader_copy_fallback "$disk" "$vars" 300 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_line "$FW_READY_A" 150 || { REASON="no ready line for slot a on the first boot"; return 1; }
	qemu_kill
	expect_console efi_loader_copy_fallback 'hardinit-loader: started from bootefi-a' || { REASON="the first boot did not start bootefi-a's copy"; return 1; }
	expect_console efi_loader_copy_fallback 'hardinit-loader: boot entry Boot[0-9A-F]{4} written: "hardinit loader \(bootefi-a\)"' \
		|| { REASON="no boot entry for bootefi-a"; return 1; }
	expect_console efi_loader_copy_fallback 'hardinit-loader: boot entry Boot[0-9A-F]{4} written: "hardinit loader \(bootefi-b\)"' \
		|| { REASON="no boot entry for bootefi-b"; return 1; }
	expect_console efi_loader_copy_fallback 'hardinit-loader: BootOrder written' || { REASON="BootOrder not written"; return 1; }

	fw_section_flip "$IMAGES/loader.efi" .text "$WORK/loader.damaged.efi" || { REASON="no .text in the loader (test setup)"; return 1; }
	fw_put "$disk" 1 "$WORK/loader.damaged.efi" /EFI/BOOT/BOOTX64.EFI || { REASON="mcopy failed (test setup)"; return 1; }
	qemu_boot_firmware efi_loader_copy_fallback2 "$disk" "$vars" 300 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_line "$FW_READY_A" 150 || { REASON="no ready line for slot a with bootefi-a's copy damaged"; return 1; }
	expect_console efi_loader_copy_fallback2 'BdsDxe: failed to load Boot[0-9A-F]{4} "hardinit loader \(bootefi-a\)".*(Access Denied|Security Violation)' \
		|| { REASON="the firmware did not refuse bootefi-a's copy through its entry"; return 1; }
	expect_console efi_loader_copy_fallback2 'BdsDxe: starting Boot[0-9A-F]{4} "hardinit loader \(bootefi-b\)"' \
		|| { REASON="the firmware did not start bootefi-b's entry"; return 1; }
	expect_console efi_loader_copy_fallback2 'hardinit-loader: started from bootefi-b' || { REASON="the loader did not run from bootefi-b"; return 1; }
	expect_console efi_loader_copy_fallback2 'hardinit-loader: boot entries in place' || { REASON="the entries were not found in place"; return 1; }
	expect_no_console efi_loader_copy_fallback2 'hardinit-loader: (boot entry .* written|BootOrder written)' \
		|| { REASON="the loader wrote a variable that was already right"; return 1; }
	expect_console efi_loader_copy_fallback2 'hardinit-loader: chose slot a \(in trial\), tries now 1' || { REASON="slot a was not chosen"; return 1; }
}

CASES+=(efi_blessed_slot_late_corruption)
# rootfs-a is good (as after mark-good), then a file its service tree reads before the
# health check (dropbear) is damaged: hardinit boots a (ready, verified) but the service
# tree fails before mark-good and the VM resets, three times (the loader's tries 2, 1, 0,
# each persisted before the image starts); the fourth boot is b, verified.
case_efi_blessed_slot_late_corruption() {
	local disk off i name vars=$WORK/efi_blessed_slot_late_corruption.vars
	disk=$(fw_disk efi_blessed_slot_late_corruption)
	off=$(dump.erofs --path=/usr/sbin/dropbear -e "$IMAGES/slot-a.img" | awk '$1 == "0:" {sub(/\.\./, "", $7); print $7}')
	[ -n "$off" ] || { REASON="dropbear not found in the image (test setup)"; return 1; }
	flip_byte "$disk" $(( $(part_start "$disk" 5) + off + 64 ))
	for i in 1 2 3; do
		name=efi_blessed_slot_late_corruption$i
		qemu_boot_firmware "$name" "$disk" "$vars" 150 || { REASON="QEMU did not start"; return 1; }
		qemu_wait_exit 120 || { REASON="a's boot $i did not reset"; return 1; }
		expect_console "$name" "hardinit-loader: chose slot a \(.*\), tries now $((3 - i)), persisted" || { REASON="boot $i: a not chosen with tries $((3 - i))"; return 1; }
		expect_console "$name" "$FW_READY_A" || { REASON="boot $i: no ready line for a"; return 1; }
		expect_console "$name" 'device-mapper: verity: .* is corrupted' || { REASON="boot $i: no corruption found"; return 1; }
	done
	[ "$(fw_attrs "$disk" 5)" = "GUID:49" ] || { REASON="rootfs-a after 3 failed boots: '$(fw_attrs "$disk" 5)', expected GUID:49 (priority 2, tries 0)"; return 1; }
	qemu_boot_firmware efi_blessed_slot_late_corruption4 "$disk" "$vars" 300 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_line "$FW_READY_B" 150 || { REASON="b did not boot after a's 3 tries"; return 1; }
	qemu_kill
	[ "$(fw_attrs "$disk" 5)" = "GUID:49" ] || { REASON="rootfs-a: '$(fw_attrs "$disk" 5)', expected GUID:49"; return 1; }
	[ "$(fw_attrs "$disk" 6)" = "GUID:48,53" ] || { REASON="rootfs-b: '$(fw_attrs "$disk" 6)', expected GUID:48,53"; return 1; }
}
