#!/usr/bin/env bash
# dm-verity sweep: every block of a small slot image corrupted in turn, and every bit of
# its footer flipped in turn, inside one boot, through hardinit's own verity functions
# (tests/qemu/probes/verity_sweep.c). Sourced by ../run.

CASES+=(verity_sweep)
# The sweep slot (tools/build-images: sweep-slot.img) is a second disk, /dev/vdb. In the
# guest, verity-sweep opens it as the boot opens a root (footer, signature, trust, top of
# the tree, dm-verity with on_corruption = eio) for: the pristine image, which must read
# back the host's bytes; each data and hash-tree block zero-filled and with one bit
# flipped, which must be refused at open or fail to read (EIO) without a changed byte
# returned; each footer bit flipped, which must be refused. Any accepted corruption or
# changed byte fails the case.
case_verity_sweep() {
	local img=$IMAGES/sweep-slot.img sweep=$B/verity-sweep disk sha out rc=0
	[ -f "$img" ] && [ -x "$sweep" ] || { REASON="no $img or $sweep: run make images"; return 1; }
	cp "$img" "$WORK/verity_sweep.slot"
	sha=$(head -c "$(footer_value "$img" data_size)" "$img" | sha256sum | cut -d' ' -f1)
	disk=$(disk_variant verity_sweep)
	local -a QEMU_EXTRA_ARGS=(-drive "file=$WORK/verity_sweep.slot,format=raw,if=virtio")
	boot_ssh verity_sweep "$disk" || return 1
	guest_ssh 'mkdir -p /tmp/sweep/keys && cat >/tmp/sweep/verity-sweep && chmod 755 /tmp/sweep/verity-sweep' <"$sweep" \
		|| { REASON="cannot copy the sweep"; return 1; }
	guest_ssh 'cat >/tmp/sweep/keys/slot.pem' <"$B/keys/trusted/slot.pem" || { REASON="cannot copy the key"; return 1; }
	out=$(guest_ssh "/tmp/sweep/verity-sweep /dev/vdb /tmp/sweep/keys $sha" 2>&1) || rc=$?
	printf '%s\n' "$out" >"$WORK/verity_sweep.out"
	{ grep -E '^verity sweep' <<<"$out"; grep -E '^(ACCEPTED|UNEXPECTED)' <<<"$out" | head -n 10; } | sed 's/^/     /'
	[ "$rc" = 0 ] || { REASON="the sweep failed (exit $rc): $(grep -E '^(verity sweep: FAIL|ACCEPTED|UNEXPECTED)' <<<"$out" | head -n 1)"; return 1; }
	grep -qE '^verity sweep: pristine: [1-9][0-9]* data blocks read back identical; .* 0 accepted, 0 unexpected, 0 changed bytes returned; footer 4096 bytes x 8 bits flipped: 32768 refused, 0 accepted \(0 opened' <<<"$out" \
		|| { REASON="no clean summary line"; return 1; }
	console_check_clean verity_sweep || { REASON="shell prompt, panic or oops on the console"; return 1; }
}
