#!/usr/bin/env bash
# host.sh: the soak's checks of the disk file on the host; sourced by tests/soak/run,
# never run. They read the disk (copies of partitions, sparse views of one GPT copy)
# and never write it. Need: B (the build directory), WORK (scratch), the layout from
# soak_layout. Each check prints what it found on failure and returns non-zero.

declare -A PART_START PART_SIZE
DISK_SECTORS=0 GPT_ENTRY_SECTORS=0

# soak_layout DISK: partition offsets and sizes in bytes by name (PART_START[rootfs-a],
# ...), the disk's sectors and the sectors of one GPT entry array (from the primary
# header's entry count and size). Fails unless every partition the soak reads is there.
soak_layout() {
	local line name start size n sz
	DISK_SECTORS=$(($(stat -c %s "$1") / 512))
	while IFS= read -r line; do
		[[ $line =~ start=\ *([0-9]+),\ *size=\ *([0-9]+),.*name=\"([^\"]+)\" ]] || continue
		start=${BASH_REMATCH[1]} size=${BASH_REMATCH[2]} name=${BASH_REMATCH[3]}
		PART_START[$name]=$((start * 512)) PART_SIZE[$name]=$((size * 512))
	done < <(sfdisk -d "$1" 2>/dev/null)
	for name in boot-a boot-b rootfs-a rootfs-b logs data; do
		[[ -n ${PART_START[$name]:-} ]] || { echo "soak: $1 has no partition $name" >&2; return 1; }
	done
	n=$(od -An -tu4 -j $((512 + 80)) -N4 "$1" | tr -d ' ') sz=$(od -An -tu4 -j $((512 + 84)) -N4 "$1" | tr -d ' ')
	GPT_ENTRY_SECTORS=$(((n * sz + 511) / 512))
	((GPT_ENTRY_SECTORS > 0)) || { echo "soak: $1: no GPT entry array in the primary header" >&2; return 1; }
}

# part_copy DISK NAME OUT [BYTES]: the partition's bytes (or its first BYTES) into OUT.
part_copy() {
	local bytes=${4:-${PART_SIZE[$2]}}
	dd if="$1" of="$3" bs=1M iflag=skip_bytes,count_bytes skip="${PART_START[$2]}" count="$bytes" \
		conv=sparse status=none
}

# gpt_views DISK: $WORK/gpt-primary.img and $WORK/gpt-backup.img, sparse files of the
# disk's size that hold one GPT copy each (and the protective MBR): libfdisk reads
# the one copy there is, or finds no GPT.
gpt_views() {
	local p=$WORK/gpt-primary.img b=$WORK/gpt-backup.img tail=$((GPT_ENTRY_SECTORS + 1))
	rm -f "$p" "$b"
	truncate -s $((DISK_SECTORS * 512)) "$p" "$b"
	dd if="$1" of="$p" bs=512 count=$((2 + GPT_ENTRY_SECTORS)) conv=notrunc status=none
	dd if="$1" of="$b" bs=512 count=1 conv=notrunc status=none
	dd if="$1" of="$b" bs=512 skip=$((DISK_SECTORS - tail)) seek=$((DISK_SECTORS - tail)) count=$tail \
		conv=notrunc status=none
}

# gpt_valid VIEW: succeeds if libfdisk finds a GPT in the view.
gpt_valid() { sfdisk -d "$1" 2>/dev/null | grep -q '^label: gpt$'; }

# slot_attrs VIEW SLOT: prints "PRIORITY TRIES SUCCESSFUL" of rootfs-SLOT in the view
# (docs/slots.md: bits 48-51, 52-55, 56).
slot_attrs() {
	local bits b prio=0 tries=0 ok=0
	bits=$(sfdisk -d "$1" 2>/dev/null | grep "name=\"rootfs-$2\"" | sed -nE 's/.*attrs="([^"]*)".*/\1/p')
	bits=${bits#*GUID:}
	for b in ${bits//,/ }; do
		[[ $b =~ ^[0-9]+$ ]] || continue
		if ((b >= 48 && b <= 51)); then prio=$((prio | 1 << (b - 48)))
		elif ((b >= 52 && b <= 55)); then tries=$((tries | 1 << (b - 52)))
		elif ((b == 56)); then ok=1; fi
	done
	echo "$prio $tries $ok"
}

# slot_bootable PRIORITY TRIES SUCCESSFUL: the slot rule's "bootable".
slot_bootable() { (($1 > 0 && ($3 == 1 || $2 > 0))); }

# gpt_choice VIEW: the slot the loader chooses from this GPT copy (the bootable slot
# with the highest priority, a on a tie; docs/slots.md), or "none".
gpt_choice() {
	local pa ta sa pb tb sb
	read -r pa ta sa < <(slot_attrs "$1" a)
	read -r pb tb sb < <(slot_attrs "$1" b)
	if slot_bootable "$pa" "$ta" "$sa" && { ! slot_bootable "$pb" "$tb" "$sb" || ((pa >= pb)); }; then
		echo a
	elif slot_bootable "$pb" "$tb" "$sb"; then
		echo b
	else
		echo none
	fi
}

# footer_get FOOTERTEXT KEY: a value of the footer text.
footer_get() { sed -n "s/^$2=//p" <<<"$1" | head -n 1; }

# slot_image_check DISK SLOT: the slot's footer is signed by the trusted key, rootfs-SLOT
# verifies against the footer's root hash with the footer's geometry (as hardinit opens
# it: no veritysetup superblock read), when the footer names a boot image boot-SLOT
# starts with boot_size bytes of SHA-256 boot_sha256, and boot-SLOT's image passes
# boot_image_check. Sets SLOT_VERSION. Prints the disagreement and fails otherwise.
slot_image_check() {
	local disk=$1 s=$2 img=$WORK/slot-check.img ft text sigoff key out bs bh got
	part_copy "$disk" "rootfs-$s" "$img"
	ft=$WORK/slot-check.footer
	tail -c 4096 "$img" >"$ft"
	text=$(tr -d '\0' <"$ft")
	SLOT_VERSION=$(footer_get "$text" version)
	for key in version data_size hash_offset data_block_size hash_block_size salt root_hash signature; do
		[[ -n $(footer_get "$text" "$key") ]] || { echo "rootfs-$s: the footer has no $key"; return 1; }
	done
	[[ $(footer_get "$text" hash_algorithm) == sha256 ]] || { echo "rootfs-$s: the footer's hash is not sha256"; return 1; }
	sigoff=$(grep -obaE -m1 '^signature=' "$ft" | cut -d: -f1)
	head -c "$sigoff" "$ft" >"$WORK/slot-check.msg"
	footer_get "$text" signature | xxd -r -p >"$WORK/slot-check.sig"
	out=$(openssl pkeyutl -verify -pubin -inkey "$B/keys/trusted/slot.pem" -rawin \
		-in "$WORK/slot-check.msg" -sigfile "$WORK/slot-check.sig" 2>&1) ||
		{ echo "rootfs-$s: the footer's signature does not verify: $out"; return 1; }
	out=$(veritysetup verify --no-superblock --hash=sha256 \
		--data-block-size="$(footer_get "$text" data_block_size)" \
		--hash-block-size="$(footer_get "$text" hash_block_size)" \
		--data-blocks=$(($(footer_get "$text" data_size) / $(footer_get "$text" data_block_size))) \
		--hash-offset=$(($(footer_get "$text" hash_offset) + $(footer_get "$text" hash_block_size))) \
		--salt="$(footer_get "$text" salt)" "$img" "$img" "$(footer_get "$text" root_hash)" 2>&1) ||
		{ echo "rootfs-$s (version $SLOT_VERSION): the hash tree does not match the footer's root hash: $out"; return 1; }
	bs=$(footer_get "$text" boot_size) bh=$(footer_get "$text" boot_sha256)
	if [[ -n $bs ]]; then
		got=$(dd if="$disk" bs=1M iflag=skip_bytes,count_bytes skip="${PART_START[boot-$s]}" count="$bs" status=none |
			sha256sum | cut -d' ' -f1)
		[[ $got == "$bh" ]] || { echo "boot-$s: its first $bs bytes are not the footer's boot_sha256 (version $SLOT_VERSION)"; return 1; }
	fi
	boot_image_check "$disk" "$s" "$(footer_get "$text" root_hash)"
}

# boot_image_check DISK SLOT ROOTHASH: what the firmware and hardinit check of boot-SLOT
# (docs/boot-chain.md), whether or not a footer names its SHA-256: the FAT holds
# \EFI\Linux\hardinit.efi, signed by the db key (sbverify), and its embedded command line
# names the slot and pins ROOTHASH. Prints the disagreement and fails otherwise.
boot_image_check() {
	local img=$WORK/boot-check.img efi=$WORK/boot-check.efi cmdline out
	rm -f "$efi"
	part_copy "$1" "boot-$2" "$img"
	out=$(mcopy -n -i "$img" ::/EFI/Linux/hardinit.efi "$efi" 2>&1) ||
		{ echo "boot-$2: no boot image to read: $out"; return 1; }
	out=$(sbverify --cert "$B/keys/secureboot/db.crt" "$efi" 2>&1) ||
		{ echo "boot-$2: the boot image's signature does not verify: $(tail -n 1 <<<"$out")"; return 1; }
	cmdline=$(objcopy -O binary --only-section=.cmdline "$efi" /dev/stdout 2>/dev/null | tr -d '\0')
	[[ " $cmdline " == *" hardinit.slot=$2 "* && " $cmdline " == *" roothash=$3 "* ]] ||
		{ echo "boot-$2: the boot image's command line does not pin rootfs-$2's root hash: $cmdline"; return 1; }
}

# gpt_after_recovery DISK: both GPT copies valid, their entry arrays byte for byte the
# same, and sgdisk -v finds no problem. Prints what is wrong and fails otherwise.
gpt_after_recovery() {
	local disk=$1 out e=$GPT_ENTRY_SECTORS
	out=$(sgdisk -v "$disk" 2>&1) || true
	grep -q 'No problems found' <<<"$out" || { echo "sgdisk -v: $(grep -v '^$' <<<"$out" | head -n 8 | tr '\n' ' ')"; return 1; }
	gpt_views "$disk"
	gpt_valid "$WORK/gpt-primary.img" || { echo "the primary GPT is not valid"; return 1; }
	gpt_valid "$WORK/gpt-backup.img" || { echo "the backup GPT is not valid"; return 1; }
	cmp -s <(dd if="$disk" bs=512 skip=2 count="$e" status=none) \
		<(dd if="$disk" bs=512 skip=$((DISK_SECTORS - 1 - e)) count="$e" status=none) ||
		{ echo "the primary and backup GPT entry arrays differ"; return 1; }
}

# fsck_clean DISK NAME: on a copy of the partition, the journal replayed (as the next
# mount or hardinit's e2fsck -p would), then e2fsck -fn finds nothing. Prints e2fsck's
# output and fails otherwise.
fsck_clean() {
	local img=$WORK/fsck-$2.img out rc=0
	rm -f "$img"
	part_copy "$1" "$2" "$img"
	e2fsck -y -E journal_only "$img" >/dev/null 2>&1 || true
	out=$(e2fsck -fn "$img" 2>&1) || rc=$?
	((rc == 0)) || { echo "e2fsck -fn on $2 (exit status $rc): $(grep -vE '^(Pass [0-9]|e2fsck [0-9]|Fix\? no|$)' <<<"$out" | head -n 8 | tr '\n' ' ')"; return 1; }
}
