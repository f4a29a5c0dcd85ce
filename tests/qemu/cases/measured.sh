# Measured boot (docs/measured-boot.md): the firmware boot (firmware.sh's disk and vars)
# with a TPM 2.0 (swtpm, a fresh state: its four default banks). systemd-stub measures
# the boot image into PCR 11; hardinit extends PCR 11 with "enter-initrd" and
# "leave-initrd" and PCR 15 with the booted image's identity. The host predicts every
# value on its own: PCR 11 with systemd-measure from the signed boot image's sections,
# PCR 15 from the identity text and the hash tools.

SYSTEMD_MEASURE=${SYSTEMD_MEASURE:-/usr/lib/systemd/systemd-measure}

# measured_sections UKI DIR: the sections systemd-stub measures, dumped from the signed
# boot image into DIR/{linux,osrel,cmdline,initrd} and, when the image has one (a PCR
# public key, docs/measured-boot.md), DIR/pcrpkey; also DIR/pcrsig when it has one (not
# measured: the signature of the PCR 11 policy).
measured_sections() {
	local s
	mkdir -p "$2"
	rm -f "$2/pcrpkey" "$2/pcrsig"
	for s in linux osrel cmdline initrd; do
		objcopy --dump-section ".$s=$2/$s" "$1" "$2/uki.discard" 2>/dev/null || return 1
	done
	for s in pcrpkey pcrsig; do
		objdump -h "$1" | awk -v s=".$s" '$2 == s {f = 1} END {exit !f}' || continue
		objcopy --dump-section ".$s=$2/$s" "$1" "$2/uki.discard" 2>/dev/null || return 1
	done
	rm -f "$2/uki.discard"
}

# measured_pcr11 DIR PHASE BANK: systemd-measure's PCR 11 (hex) for the sections in DIR
# after the boot phases PHASE ("enter-initrd", "enter-initrd:leave-initrd"; "" for the
# sections alone).
measured_pcr11() {
	local pcrpkey=()
	[ ! -e "$1/pcrpkey" ] || pcrpkey=(--pcrpkey="$1/pcrpkey")
	"$SYSTEMD_MEASURE" calculate --linux="$1/linux" --osrel="$1/osrel" --cmdline="$1/cmdline" \
		--initrd="$1/initrd" "${pcrpkey[@]}" --phase="$2" --bank="$3" 2>/dev/null | sed -n "s/^11:$3=//p"
}

# measured_policy_pcr11 PCR11: the TPM2 policy digest (hex) of PolicyPCR on PCR 11 of the
# SHA-256 bank holding PCR11 (hex), from a zero digest: SHA-256(32 zero bytes ||
# TPM_CC_PolicyPCR || TPML_PCR_SELECTION {1, SHA-256, 3 bytes, PCR 11} || SHA-256(PCR11)).
# A signed PCR policy (.pcrsig, "pol") is for exactly the PCR 11 value that gives it.
measured_policy_pcr11() {
	local d
	d=$(printf '%s' "$1" | tr a-f A-F | basenc --base16 -d | sha256sum | cut -d' ' -f1)
	{ head -c 32 /dev/zero; printf '%s' "0000017F00000001000B03000800$d" | tr a-f A-F | basenc --base16 -d; } \
		| sha256sum | cut -d' ' -f1
}

# measured_from_zero SUM TEXT: a PCR (hex) that started at zero after one extend with
# TEXT: SUM(zeros || SUM(TEXT)), SUM being sha1sum or sha256sum.
measured_from_zero() {
	local d
	d=$(printf '%s' "$2" | "$1" | cut -d' ' -f1)
	{ head -c $((${#d} / 2)) /dev/zero; printf "$(sed 's/../\\x&/g' <<<"$d")"; } | "$1" | cut -d' ' -f1
}

# measured_console_value NAME TEXT KEY: the hex after " KEY=" on the console line of boot
# NAME that holds TEXT ("" when there is none).
measured_console_value() {
	grep -aF -- "$2" "$WORK/$1.console" | tr -d '\r' | tail -n 1 | sed -n "s/.* $3=\([0-9a-f]*\).*/\1/p"
}

CASES+=(efi_measured_boot)
# PCR 11 read by hardinit right after "enter-initrd" (the value a PCR policy signed for
# the initramfs phase holds) and after "leave-initrd" equal systemd-measure's
# predictions for this boot image; in the running service tree the kernel's sysfs shows
# PCR 11 at enter-initrd:leave-initrd (SHA-256 and SHA-1 banks) and PCR 15 at the
# identity's value; the boot record carries the values hardinit read.
case_efi_measured_boot() {
	local name=efi_measured_boot disk roothash identity enter leave leave_sha1 pcr15 got record
	[ -x "$SYSTEMD_MEASURE" ] || { REASON="no $SYSTEMD_MEASURE (apt-get install systemd) (test setup)"; return 1; }
	measured_sections "$IMAGES/uki-a.efi" "$WORK/$name.sections" || { REASON="objcopy failed (test setup)"; return 1; }
	enter=$(measured_pcr11 "$WORK/$name.sections" enter-initrd sha256)
	leave=$(measured_pcr11 "$WORK/$name.sections" enter-initrd:leave-initrd sha256)
	leave_sha1=$(measured_pcr11 "$WORK/$name.sections" enter-initrd:leave-initrd sha1)
	[[ $enter =~ ^[0-9a-f]{64}$ && $leave =~ ^[0-9a-f]{64}$ && $leave_sha1 =~ ^[0-9a-f]{40}$ ]] \
		|| { REASON="systemd-measure predicted nothing (test setup)"; return 1; }
	roothash=$(sed -n 's/^root_hash=//p' "$IMAGES/slot-a.roothash")
	identity="hardinit-image:slot=a:version=1:roothash=$roothash"
	pcr15=$(measured_from_zero sha256sum "$identity")

	disk=$(fw_disk "$name")
	QEMU_TPM=$WORK/$name.tpm qemu_boot_firmware "$name" "$disk" "$WORK/$name.vars" 300 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_line "$FW_READY_A" 150 || { REASON="no ready line for slot a"; return 1; }
	expect_console "$name" "hardinit: measured \"enter-initrd\" into PCR 11 and \"$identity\" into PCR 15 \(banks sha1 sha256 sha384 sha512\): sha256 pcr11=[0-9a-f]{64} pcr15=[0-9a-f]{64}\$" \
		|| { REASON="no line for enter-initrd and the identity in every bank"; return 1; }
	got=$(measured_console_value "$name" 'measured "enter-initrd"' pcr11)
	[ "$got" = "$enter" ] || { REASON="PCR 11 after enter-initrd is $got, not systemd-measure's $enter"; return 1; }
	got=$(measured_console_value "$name" 'measured "enter-initrd"' pcr15)
	[ "$got" = "$pcr15" ] || { REASON="PCR 15 after the identity is $got, not $pcr15"; return 1; }
	got=$(measured_console_value "$name" 'measured "leave-initrd" into PCR 11: sha256' pcr11)
	[ "$got" = "$leave" ] || { REASON="PCR 11 after leave-initrd is '$got', not systemd-measure's $leave"; return 1; }
	guest_ssh_wait 120 || { REASON="no SSH"; return 1; }
	got=$(guest_ssh 'cd /sys/class/tpm/tpm0 && cat pcr-sha256/11 pcr-sha1/11 pcr-sha256/15' | tr 'A-F\n' 'a-f ')
	[ "$got" = "$leave $leave_sha1 $pcr15 " ] \
		|| { REASON="the service tree's PCRs (sha256:11 sha1:11 sha256:15) are '$got', expected '$leave $leave_sha1 $pcr15'"; return 1; }
	qemu_kill
	partition_image "$disk" 7 "$WORK/$name.logs.img"
	record=$(debugfs -R "cat /hardinit/boots.jsonl" "$WORK/$name.logs.img" 2>/dev/null | tail -n 1)
	grep -qF "\"tpm\":\"measured\",\"pcr_bank\":\"sha256\",\"pcr11_enter_initrd\":\"$enter\",\"pcr15\":\"$pcr15\",\"pcr11_leave_initrd\":\"$leave\"" <<<"$record" \
		|| { REASON="the boot record does not carry the PCR values: $record"; return 1; }
}
