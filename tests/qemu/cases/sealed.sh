# The sealed data partition (docs/data-protection.md): the firmware boot of the demo
# policy ([data] protection = tpm) with a TPM 2.0 (swtpm; its state in a directory that
# later boots reuse, or not). images/fw-tpm-disk.img has a blank data partition and boot
# images carrying the PCR public key and signature (tools/mkuki --pcr-key).
# Sourced by ../run; uses fw_put (firmware.sh), push_bundle, fw_boot (bundle.sh),
# reboot_guest (state.sh), part_start, partition_image, partition_sha256 (disk.sh).

SEALED_DATA=8                   # the data partition's number on the firmware disk
SEALED_LOGS=7
SEALED_READY_A='hardinit: ready slot=a version=1 verity=verified'
SEALED_SECRET=hardinit-sealed-secret-5b1e

# sealed_disk NAME: a fresh copy of the firmware disk with a blank data partition, and
# of the enrolled vars (at $WORK/NAME.vars).
sealed_disk() {
	cp --sparse=always "$IMAGES/fw-tpm-disk.img" "$WORK/$1.img"
	cp "$FW_VARS" "$WORK/$1.vars"
	echo "$WORK/$1.img"
}

# sealed_boot NAME DISK TPM_DIR: boots DISK with the TPM whose state is in TPM_DIR ("":
# no TPM) until slot a's ready line and its mark-good.
sealed_boot() {
	QEMU_TPM=$3 qemu_boot_firmware "$1" "$2" "$WORK/${1%%.*}.vars" 300 || { REASON="$1: QEMU did not start"; return 1; }
	qemu_wait_line "$SEALED_READY_A" 200 || { REASON="$1: no ready line for slot a"; return 1; }
	# Marked good, so that the next boot is slot a's again (not its trial's last).
	guest_wait_marked_good || { REASON="$1: $REASON"; return 1; }
}

# sealed_record DISK: the last boot record on DISK's logs partition.
sealed_record() {
	partition_image "$1" "$SEALED_LOGS" "$WORK/sealed.logs.img"
	debugfs -R "cat /hardinit/boots.jsonl" "$WORK/sealed.logs.img" 2>/dev/null | tail -n 1
}

# sealed_luks_dump DISK: cryptsetup luksDump of DISK's data partition (a copy).
sealed_luks_dump() {
	dd if="$1" of="$WORK/sealed.data.img" bs=1M skip=$(( $(part_start "$1" "$SEALED_DATA") / 1048576 )) \
		count=$(( $(part_size "$1" "$SEALED_DATA") / 1048576 )) status=none
	cryptsetup luksDump "$WORK/sealed.data.img" 2>&1
}

# sealed_volume_shape DUMP: a luksDump (sealed_luks_dump) of a volume as hardinit leaves it
# sealed: label hardinit-data, one keyslot, one systemd-tpm2 token. Sets REASON if not.
sealed_volume_shape() {
	grep -Eq '^Label:[[:space:]]*hardinit-data$' <<<"$1" || { REASON="not labelled hardinit-data: $1"; return 1; }
	[ "$(grep -cE '^  [0-9]+: luks2$' <<<"$1")" = 1 ] || { REASON="not exactly one keyslot: $1"; return 1; }
	[ "$(grep -cE '^  [0-9]+: systemd-tpm2$' <<<"$1")" = 1 ] || { REASON="not exactly one systemd-tpm2 token: $1"; return 1; }
}

# sealed_degraded NAME DISK WHY: the boot NAME of DISK ran degraded: the console and the
# record say so with WHY (an ERE), the record says data_crypt locked.
sealed_degraded() {
	local record
	expect_console "$1" "hardinit: (the data partition is left untouched and the state is volatile|data is volatile) \(tmpfs\): .*$3" \
		|| { REASON="$1: no console line saying the data is left untouched because of '$3'"; return 1; }
	expect_console "$1" "$SEALED_READY_A .*data=degraded" || { REASON="$1: the ready line does not say data=degraded"; return 1; }
	qemu_kill
	record=$(sealed_record "$2")
	grep -q '"data":"degraded"' <<<"$record" && grep -q '"data_protection":"tpm","data_crypt":"locked"' <<<"$record" \
		&& grep -Eq "\"data_reason\":\"[^\"]*$3" <<<"$record" \
		|| { REASON="$1: the record does not say degraded, locked, '$3': $record"; return 1; }
}

# sealed_probe_files: the host's cryptsetup, the systemd-tpm2 token plugin and every
# library they need, as "SOURCE" lines: what someone in the service tree would bring.
sealed_probe_files() {
	local plugin=/lib/x86_64-linux-gnu/cryptsetup/libcryptsetup-token-systemd-tpm2.so f
	{
		echo /sbin/cryptsetup
		echo "$plugin"
		for f in /sbin/cryptsetup "$plugin" /lib/x86_64-linux-gnu/systemd/libsystemd-shared-*.so; do
			ldd "$f" | grep -o '/[^ ]*'
		done
		ls /lib/x86_64-linux-gnu/libtss2-*.so.? 2>/dev/null
	} | sort -u
}

# sealed_service_tree_unseal: from the running service tree (root, over SSH), tries to
# open the data partition with its TPM token, using the host's cryptsetup and token
# plugin copied into /var/tmp (a bind mount puts the plugin where libcryptsetup looks).
# Prints the output; succeeds only if the volume opened.
sealed_service_tree_unseal() {
	local f
	guest_ssh 'rm -rf /var/tmp/probe && mkdir -p /var/tmp/probe/lib/cryptsetup && cp -a /lib/x86_64-linux-gnu/. /var/tmp/probe/lib/' \
		|| return 2
	while read -r f; do
		case $f in
		*/cryptsetup/*) guest_ssh "cat > /var/tmp/probe/lib/cryptsetup/${f##*/}" <"$f" ;;
		*.so*) guest_ssh "cat > /var/tmp/probe/lib/${f##*/}" <"$(readlink -f "$f")" ;;
		*) guest_ssh "cat > /var/tmp/probe/${f##*/} && chmod 755 /var/tmp/probe/${f##*/}" <"$f" ;;
		esac || return 2
	done < <(sealed_probe_files)
	guest_ssh 'mount --bind /var/tmp/probe/lib /lib/x86_64-linux-gnu && mkdir -p /run/cryptsetup &&
		cp /run/systemd/tpm2-pcr-signature.json /dev/null 2>&1; ls /dev/tpmrm0 >/dev/null &&
		/var/tmp/probe/cryptsetup open --token-only --test-passphrase /dev/vda'"$SEALED_DATA"' 2>&1; echo "exit=$?"'
}

CASES+=(tpm_sealed_data)
# First boot: the blank data partition is sealed (LUKS2, one systemd-tpm2 token for the
# signed PCR 11 policy, no other keyslot, no plain PCR binding); what the service tree
# writes is not in the partition's bytes; the service tree itself cannot unseal the key
# (PCR 11 is past "leave-initrd"). Second boot: the same TPM unseals it and the files are
# there. An update to a new boot image signed with the same keys (slot b, version 2)
# keeps them.
case_tpm_sealed_data() {
	local name=tpm_sealed_data disk tpm dump out record
	disk=$(sealed_disk "$name") tpm=$WORK/$name.tpm
	sealed_boot "$name" "$disk" "$tpm" || return 1
	expect_console "$name" 'hardinit: sealing the blank data partition /dev/vda8' || { REASON="no sealing line"; return 1; }
	expect_console "$name" "$SEALED_READY_A .*data=persistent" || { REASON="the ready line does not say data=persistent"; return 1; }
	guest_ssh_wait 120 || { REASON="no SSH"; return 1; }
	guest_ssh "echo $SEALED_SECRET > /etc/sealed.txt && echo $SEALED_SECRET > /root/sealed.txt && sync" \
		|| { REASON="cannot write the state"; return 1; }
	out=$(sealed_service_tree_unseal)
	echo "     guest (unseal from the service tree): $(tr '\n' ' ' <<<"$out")"
	grep -q '^exit=[1-9]' <<<"$out" || { REASON="the service tree unsealed the key (or the probe did not run): $out"; return 1; }
	# The token plugin ran and found no signed policy for PCR 11 as it now is.
	grep -qiE 'signature|token|TPM2' <<<"$out" || { REASON="the probe did not reach the token plugin: $out"; return 1; }
	qemu_kill
	record=$(sealed_record "$disk")
	grep -q '"data":"persistent","data_reason":null,"data_protection":"tpm","data_crypt":"sealed"' <<<"$record" \
		|| { REASON="the first boot's record does not say sealed: $record"; return 1; }
	dump=$(sealed_luks_dump "$disk")
	grep -q '^Version:[[:space:]]*2$' <<<"$dump" || { REASON="not a LUKS2 volume: $dump"; return 1; }
	sealed_volume_shape "$dump" || return 1
	# The signed policy on PCR 11 alone, for the vendor's PCR key; no plain PCR binding.
	cryptsetup token export --token-id 0 "$WORK/sealed.data.img" 2>/dev/null | jq -e --arg key "$(base64 -w0 "$B/keys/pcr/pcr.pem")" \
		'.type == "systemd-tpm2" and ."tpm2-pcrs" == [] and .tpm2_pubkey_pcrs == [11] and .tpm2_pubkey == $key' >/dev/null \
		|| { REASON="the token is not for the signed PCR 11 policy of the PCR key alone: $(cryptsetup token export --token-id 0 "$WORK/sealed.data.img" 2>&1)"; return 1; }
	if grep -qaF "$SEALED_SECRET" "$WORK/sealed.data.img"; then
		REASON="the written text is in the data partition's bytes in the clear"
		return 1
	fi
	sealed_boot "$name.2" "$disk" "$tpm" || return 1
	expect_console "$name.2" 'hardinit: the TPM unsealed the data partition /dev/vda8' || { REASON="boot 2: no unsealed line"; return 1; }
	guest_ssh_wait 120 || { REASON="boot 2: no SSH"; return 1; }
	out=$(guest_ssh 'cat /etc/sealed.txt /root/sealed.txt') || { REASON="boot 2: SSH failed"; return 1; }
	[ "$out" = "$SEALED_SECRET"$'\n'"$SEALED_SECRET" ] || { REASON="boot 2: the files are '$out'"; return 1; }
	push_bundle "$IMAGES/bundle-tpm-b.bundle" "$WORK/$name.push" ||
		{ REASON="the bundle was refused: $(cat "$WORK/$name.push")"; return 1; }
	reboot_guest || return 1
	QEMU_TPM=$tpm fw_boot "$name.3" "$disk" "$WORK/$name.vars" 'hardinit: ready slot=b version=2 verity=verified' || return 1
	expect_console "$name.3" 'hardinit: the TPM unsealed the data partition' || { REASON="boot 3 (slot b): not unsealed"; return 1; }
	out=$(guest_ssh 'cat /etc/sealed.txt') || { REASON="boot 3: SSH failed"; return 1; }
	[ "$out" = "$SEALED_SECRET" ] || { REASON="boot 3 (slot b): the file is '$out'"; return 1; }
}

CASES+=(tpm_sealed_refusals)
# A sealed data partition is left untouched (byte for byte) and the boot runs degraded
# and reachable when: the TPM is another one (a fresh state: the disk in another VM);
# the boot image is signed for Secure Boot but its PCR signature is from another PCR key
# (and its command line differs); there is no TPM at all. Random bytes over the start of
# the encrypted volume: the TPM unseals, but what decrypts is no filesystem: never
# mounted, nothing runs from it.
case_tpm_sealed_refusals() {
	local name=tpm_sealed_refusals disk tpm sum
	disk=$(sealed_disk "$name") tpm=$WORK/$name.tpm
	sealed_boot "$name" "$disk" "$tpm" || return 1
	expect_console "$name" "$SEALED_READY_A .*data=persistent" || { REASON="the first boot did not seal"; return 1; }
	qemu_kill
	cp -a "$tpm" "$WORK/$name.tpm-kept"
	sum=$(partition_sha256 "$disk" "$SEALED_DATA")
	# Another TPM.
	sealed_boot "$name.fresh" "$disk" "$WORK/$name.tpm-fresh" || return 1
	sealed_degraded "$name.fresh" "$disk" 'the TPM did not unseal' || return 1
	[ "$(partition_sha256 "$disk" "$SEALED_DATA")" = "$sum" ] || { REASON="another TPM: the partition changed"; return 1; }
	# Another PCR key's signature on a Secure-Boot-signed image.
	cp "$disk" "$WORK/$name.foreign.img"
	fw_put "$WORK/$name.foreign.img" 3 "$IMAGES/uki-tpm-foreign.efi" /EFI/Linux/hardinit.efi || { REASON="mcopy failed (test setup)"; return 1; }
	sealed_boot "$name.foreign" "$WORK/$name.foreign.img" "$tpm" || return 1
	sealed_degraded "$name.foreign" "$WORK/$name.foreign.img" 'the TPM did not unseal' || return 1
	[ "$(partition_sha256 "$WORK/$name.foreign.img" "$SEALED_DATA")" = "$sum" ] || { REASON="another PCR key: the partition changed"; return 1; }
	# No TPM.
	sealed_boot "$name.none" "$disk" "" || return 1
	expect_console "$name.none" 'hardinit: tpm: no TPM 2.0' || { REASON="no TPM: no console line"; return 1; }
	sealed_degraded "$name.none" "$disk" 'no TPM measured this boot' || return 1
	[ "$(partition_sha256 "$disk" "$SEALED_DATA")" = "$sum" ] || { REASON="no TPM: the partition changed"; return 1; }
	# Random bytes over the first MiB of the encrypted data (after the 16 MiB header).
	dd if=/dev/urandom of="$disk" bs=1M seek=$(( $(part_start "$disk" "$SEALED_DATA") / 1048576 + 16 )) count=1 \
		conv=notrunc status=none
	sealed_boot "$name.noise" "$disk" "$WORK/$name.tpm-kept" || return 1
	expect_console "$name.noise" 'hardinit: the TPM unsealed the data partition' || { REASON="noise: the header no longer opens (test setup)"; return 1; }
	sealed_degraded "$name.noise" "$disk" 'not ext4: left untouched' || return 1
}

CASES+=(tpm_planted_plaintext)
# Someone with the disk file of a sealed appliance puts a plain ext4 in the data
# partition with an inittab that starts a shell on the console, an rcS that prints a
# line, and their SSH key for root. The TPM's data marker says this TPM sealed the data
# (the first boot, cut once it is ready), so it is never mounted (nor migrated): nothing
# planted runs, no shell on the console, the appliance is up (degraded) and reachable
# with the real key only. (A plaintext filesystem on a disk never sealed is migrated:
# migration.sh.)
case_tpm_planted_plaintext() {
	local name=tpm_planted_plaintext disk dir sum out
	disk=$(sealed_disk "$name") dir=$WORK/$name.planted
	QEMU_TPM=$WORK/$name.tpm qemu_boot_firmware "$name.seal" "$disk" "$WORK/$name.vars" 300 \
		|| { REASON="$name.seal: QEMU did not start"; return 1; }
	qemu_wait_line "$SEALED_READY_A .*data=persistent" 200 || { REASON="the first boot did not seal"; return 1; }
	qemu_kill
	rm -rf "$dir" && mkdir -p "$dir/.eflow/overlays/etc/upper/init.d" "$dir/.eflow/overlays/root/upper/.ssh"
	printf '::sysinit:/etc/init.d/rcS\nttyS0::respawn:/bin/sh\n' >"$dir/.eflow/overlays/etc/upper/inittab"
	printf '#!/bin/sh\necho HARDINIT-PWNED rcS > /dev/console\n' >"$dir/.eflow/overlays/etc/upper/init.d/rcS"
	chmod 755 "$dir/.eflow/overlays/etc/upper/init.d/rcS"
	ssh-keygen -q -t ed25519 -N '' -C planted-attacker-key -f "$WORK/$name.attacker" <<<y >/dev/null 2>&1
	cp "$WORK/$name.attacker.pub" "$dir/.eflow/overlays/root/upper/.ssh/authorized_keys"
	rm -f "$WORK/$name.ext4"
	mke2fs -q -t ext4 -L data -d "$dir" "$WORK/$name.ext4" 64M || { REASON="mke2fs failed (test setup)"; return 1; }
	replace_partition "$disk" "$SEALED_DATA" "$WORK/$name.ext4"
	sum=$(partition_sha256 "$disk" "$SEALED_DATA")
	sealed_boot "$name" "$disk" "$WORK/$name.tpm" || return 1
	guest_ssh_wait 120 || { REASON="not reachable with the real key"; return 1; }
	out=$(guest_ssh 'grep -c respawn:/bin/sh /etc/inittab; grep -c planted-attacker-key /root/.ssh/authorized_keys' 2>&1)
	[ "$out" = $'0\n0' ] || { REASON="the planted inittab or SSH key is in the service tree: $out"; return 1; }
	expect_no_console "$name" 'HARDINIT-PWNED' || { REASON="the planted rcS ran"; return 1; }
	expect_no_console "$name" '^(/ )?# *$' || { REASON="a shell prompt on the console"; return 1; }
	expect_no_console "$name" 'migrating the plaintext' || { REASON="the planted filesystem was migrated"; return 1; }
	sealed_degraded "$name" "$disk" 'a plaintext filesystem where this TPM sealed the data' || return 1
	[ "$(partition_sha256 "$disk" "$SEALED_DATA")" = "$sum" ] || { REASON="the planted partition was changed"; return 1; }
}

# sealed_integrity_disk NAME: a sealed-data disk whose boot-a holds a boot image for the
# demo policy with [data] integrity = hmac-sha256 (built here: the initramfs as mkinitramfs
# makes it, signed for Secure Boot and with the PCR key as build-images signs uki-tpm-a).
sealed_integrity_disk() {
	local name=$1 disk
	{ cat "$TOP/demo/policy.conf"; printf '\n[data]\nintegrity = hmac-sha256\n'; } >"$WORK/$name.policy"
	grep -q '^\[data\]' "$WORK/$name.policy" || return 1
	"$TOP/initramfs/mkinitramfs" --hardinit "$B/hardinit" --kernel-root "$B/kernel/root" \
		--kver "$(cat "$B/kernel/version")" --policy "$WORK/$name.policy" --keys "$B/keys/trusted" \
		--pcr-pub "$B/keys/pcr/pcr.pem" -o "$WORK/$name.initrd" >/dev/null 2>&1 || return 1
	"$TOP/tools/mkuki" --kernel "$B/kernel/vmlinuz" --initrd "$WORK/$name.initrd" --slot a \
		--roothash "$(sed -n 's/^root_hash=//p' "$IMAGES/slot-a.roothash")" --version 1 \
		--key "$B/keys/secureboot/db.key" --cert "$B/keys/secureboot/db.crt" \
		--pcr-key "$B/keys/pcr/pcr.key" --pcr-pub "$B/keys/pcr/pcr.pem" -o "$WORK/$name.efi" >/dev/null 2>&1 || return 1
	disk=$(sealed_disk "$name")
	fw_put "$disk" 3 "$WORK/$name.efi" /EFI/Linux/hardinit.efi || return 1
	echo "$disk"
}

# sealed_seconds NAME FROM TO: seconds between the console lines of boot NAME matching
# FROM and TO (kernel timestamps).
sealed_seconds() {
	local a b
	a=$(grep -aF -- "$2" "$WORK/$1.console" | head -n 1 | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p')
	b=$(grep -aF -- "$3" "$WORK/$1.console" | head -n 1 | sed -n 's/^\[ *\([0-9.]*\)\].*/\1/p')
	[ -n "$a" ] && [ -n "$b" ] && echo "$b - $a" | bc
}

CASES+=(tpm_sealed_integrity)
# [data] integrity = hmac-sha256: the first boot seals an authenticated LUKS2 volume
# (dm-integrity under dm-crypt; every sector written so its tag exists) and a file
# persists. Bytes changed offline in the encrypted volume, where the filesystem has
# nothing yet: the boot still comes up (nothing read there), and reading the volume
# there fails with an I/O error and the kernel's integrity message instead of handing
# back noise.
case_tpm_sealed_integrity() {
	local name=tpm_sealed_integrity disk tpm out dump end
	disk=$(sealed_integrity_disk "$name") || { REASON="unable to build the integrity boot image (test setup)"; return 1; }
	tpm=$WORK/$name.tpm
	sealed_boot "$name" "$disk" "$tpm" || return 1
	expect_console "$name" "$SEALED_READY_A .*data=persistent" || { REASON="the first boot did not seal"; return 1; }
	echo "     seal with integrity: $(sealed_seconds "$name" 'hardinit: sealing the blank' 'holds nothing (blank): format') s"
	out=$(guest_ssh "echo $SEALED_SECRET > /var/kept.txt && sync && dd if=/dev/zero of=/var/w bs=1M count=8 conv=fsync 2>&1 | tail -n 1; rm /var/w; sync") \
		|| { REASON="cannot write"; return 1; }
	echo "     guest: 8 MiB with fsync: $out"
	qemu_kill
	dump=$(sealed_luks_dump "$disk")
	grep -Eq 'integrity:[[:space:]]*hmac\(sha256\)' <<<"$dump" || { REASON="the volume has no hmac(sha256) integrity: $dump"; return 1; }
	end=$(( $(part_start "$disk" "$SEALED_DATA") + $(part_size "$disk" "$SEALED_DATA") ))
	dd if=/dev/urandom of="$disk" bs=1M seek=$(( end / 1048576 - 3 )) count=1 conv=notrunc status=none
	sealed_boot "$name.2" "$disk" "$tpm" || return 1
	expect_console "$name.2" "$SEALED_READY_A .*data=persistent" || { REASON="boot 2 is not persistent"; return 1; }
	out=$(guest_ssh 'cat /var/kept.txt; dd if=/dev/mapper/data of=/dev/null bs=64k 2>&1 | head -n 1; dmesg | grep -ciE "integrity aead error|checksum failed"' 2>&1)
	echo "     guest (boot 2): $(tr '\n' ' ' <<<"$out")"
	[ "$(head -n 1 <<<"$out")" = "$SEALED_SECRET" ] || { REASON="boot 2: the file is not there: $out"; return 1; }
	grep -qi 'error' <<<"$(sed -n 2p <<<"$out")" || { REASON="reading the changed sectors did not fail: $out"; return 1; }
	[ "$(tail -n 1 <<<"$out")" -gt 0 ] 2>/dev/null || { REASON="no integrity error from the kernel: $out"; return 1; }
}
