#!/usr/bin/env bash
# disk.sh: helpers that make damaged or altered copies of the test disk; sourced.

# disk_variant NAME: a fresh sparse copy of the base disk, printed as its path.
disk_variant() {
	cp --sparse=always "$IMAGES/disk.img" "$WORK/$1.img"
	echo "$WORK/$1.img"
}

# part_start DISK N / part_size DISK N: partition N's byte offset and size.
part_start() { sfdisk -d "$1" | awk -v d="$1$2" '$1 == d {gsub(/[^0-9]/, "", $4); printf "%.0f\n", $4 * 512}'; }
part_size() { sfdisk -d "$1" | awk -v d="$1$2" '$1 == d {gsub(/[^0-9]/, "", $6); printf "%.0f\n", $6 * 512}'; }

# flip_byte FILE OFFSET: inverts every bit of one byte in place.
flip_byte() {
	local old
	old=$(od -An -tu1 -j "$2" -N1 "$1" | tr -d ' ')
	printf "\\$(printf '%03o' $((old ^ 255)))" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none
}

# put_byte FILE OFFSET CHAR: writes one character in place.
put_byte() { printf '%s' "$3" | dd of="$1" bs=1 seek="$2" conv=notrunc status=none; }

# footer_value IMAGE KEY: a value from a slot image's footer.
footer_value() { tail -c 4096 "$1" | tr -d '\0' | awk -F= -v k="$2" '$1 == k {print $2}'; }

# offset_of FILE TEXT: byte offset of the first occurrence of TEXT in FILE.
offset_of() { grep -obaF -m1 "$2" "$1" | head -n1 | cut -d: -f1; }

# slot_of_rootfs NAME ROOTFS KEY: a slot image of ROOTFS signed with KEY, on a disk copy
# (slot a); prints the disk's path.
slot_disk() {
	local name=$1 rootfs=$2 key=$3 disk
	"$TOP/tools/mkslot" --rootfs "$rootfs" --key "$key" --version 1 -o "$WORK/$name.slot" >/dev/null
	disk="$WORK/$name.img"
	"$TOP/tools/mkdisk" -o "$disk" --slot-a "$WORK/$name.slot" --slot-b "$IMAGES/slot-a.img"
	echo "$disk"
}

# write_slot_image DISK N IMAGE: a slot image into partition N, footer at its end.
write_slot_image() {
	local start len size
	start=$(part_start "$1" "$2"); len=$(part_size "$1" "$2"); size=$(stat -c %s "$3")
	dd if="$3" of="$1" bs=4096 count=$(( (size - 4096) / 4096 )) seek=$((start / 4096)) conv=notrunc status=none
	tail -c 4096 "$3" | dd of="$1" bs=4096 seek=$(( (start + len - 4096) / 4096 )) conv=notrunc status=none
}

# partition_image DISK N OUT: a copy of partition N (journal replayed by e2fsck on the
# copy, so that debugfs sees the last writes).
partition_image() {
	dd if="$1" of="$3" bs=1M skip=$(( $(part_start "$1" "$2") / 1048576 )) \
		count=$(( $(part_size "$1" "$2") / 1048576 )) status=none
	e2fsck -fy "$3" >/dev/null 2>&1 || true
}

# partition_sha256 DISK N: the checksum of partition N's bytes.
partition_sha256() {
	dd if="$1" bs=1M skip=$(( $(part_start "$1" "$2") / 1048576 )) \
		count=$(( $(part_size "$1" "$2") / 1048576 )) status=none | sha256sum | cut -d' ' -f1
}

# replace_partition DISK N IMAGE: writes a filesystem image at partition N's start.
replace_partition() {
	dd if="$3" of="$1" bs=1M seek=$(( $(part_start "$1" "$2") / 1048576 )) conv=notrunc status=none
}

# initramfs_with_policy NAME POLICY: an initramfs like the demo's but with POLICY,
# printed as its path.
initramfs_with_policy() {
	"$TOP/initramfs/mkinitramfs" --hardinit "$B/hardinit" --kernel-root "$B/kernel/root" \
		--kver "$(cat "$B/kernel/version")" --policy "$2" --keys "$B/keys/trusted" -o "$WORK/$1.initrd" >/dev/null 2>&1 || return 1
	echo "$WORK/$1.initrd"
}
