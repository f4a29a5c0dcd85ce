#!/usr/bin/env bash
# Supervise mode (issue 8): with pid1 = supervise hardinit stays PID 1, reaps orphans,
# turns SIGTERM into an orderly reboot, runs the health check and acts on the service
# tree's exit. Policy: tests/qemu/policies/supervise.conf (the cases vary it).
# Each case_NAME returns 0 on pass, or sets REASON and returns 1. Sourced by ../run.

SUPERVISE_READY='hardinit: ready slot=a version=1 verity=verified overlays=/etc,/home,/root,/var data=persistent firewall=loaded init_ms=[0-9]+'

# supervise_initrd NAME [SED]: an initramfs with the supervise policy, edited by the sed
# script SED; printed as its path.
supervise_initrd() {
	sed "${2:-}" "$TOP/tests/qemu/policies/supervise.conf" >"$WORK/$1.conf"
	initramfs_with_policy "$1" "$WORK/$1.conf"
}

# slot_a_attrs DISK: slot a's GPT attribute bits as sfdisk prints them.
slot_a_attrs() { sfdisk --part-attrs "$1" 5 2>/dev/null; }

SUPERVISOR_KB_MAX=1024

# supervisor_is_small NAME: after the boot, PID 1 is the small static supervisor hardinit
# handed over to (a sealed memfd named hardinit-supervise), maps no shared library,
# holds open only the console (the initramfs's node, deleted at switch root), /dev/kmsg,
# its signalfd and the verified programs it runs, and costs
# at most SUPERVISOR_KB_MAX kB of RSS and of Pss. Prints what it measured; sets REASON.
supervisor_is_small() {
	local out=$WORK/$1.pid1 rss pss rollup so fds
	guest_ssh 'readlink /proc/1/exe; echo "comm $(cat /proc/1/comm)"
		echo "rss $(awk "/^VmRSS:/ {print \$2}" /proc/1/status) pss $(awk "/^Pss:/ {print \$2}" /proc/1/smaps_rollup) rollup $(awk "/^Rss:/ {print \$2}" /proc/1/smaps_rollup)"
		echo "so $(grep -c "\.so" /proc/1/maps)"; cat /proc/1/smaps_rollup /proc/1/maps
		for f in /proc/1/fd/*; do echo "fd ${f##*/} $(readlink "$f")"; done' >"$out" 2>&1 \
		|| { REASON="unable to read PID 1's state: $(tail -n 1 "$out")"; return 1; }
	read -r rss pss rollup < <(awk '/^rss / {print $2, $4, $6}' "$out")
	so=$(awk '/^so / {print $2}' "$out")
	echo "     PID 1: $(head -n 1 "$out"), $(grep '^comm ' "$out"), VmRSS ${rss} kB (Rss ${rollup} kB in smaps_rollup), Pss ${pss} kB, ${so} .so mappings"
	grep '^fd ' "$out" | sed 's/^/     /'
	grep -q '^/memfd:hardinit-supervise (deleted)$' "$out" || { REASON="PID 1 is not the supervisor (its exe: $(head -n 1 "$out"))"; return 1; }
	grep -q '^comm hardinit-sv$' "$out" || { REASON="PID 1's name is $(grep '^comm ' "$out")"; return 1; }
	[ "$so" = 0 ] || { REASON="PID 1 has $so mappings of a shared library"; return 1; }
	[[ $rss =~ ^[0-9]+$ && $pss =~ ^[0-9]+$ && $rollup =~ ^[0-9]+$ ]] || { REASON="no RSS or Pss for PID 1: $(head -n 3 "$out")"; return 1; }
	# VmRSS lags (the kernel folds per-thread counters in now and then): smaps_rollup's
	# Rss, counted from the page tables, is checked too.
	((rss <= SUPERVISOR_KB_MAX && rollup <= SUPERVISOR_KB_MAX)) || { REASON="PID 1's RSS is $rss kB ($rollup kB in smaps_rollup), over $SUPERVISOR_KB_MAX"; return 1; }
	((pss <= SUPERVISOR_KB_MAX)) || { REASON="PID 1's Pss is $pss kB, over $SUPERVISOR_KB_MAX"; return 1; }
	fds=$(grep '^fd ' "$out" | grep -vE '^fd [0-9]+ (/dev/console( \(deleted\))?|/dev/kmsg|anon_inode:\[signalfd\]|/usr/lib/demo/(service-tree|health)|/usr/bin/busybox|/bin/busybox)$' || true)
	[ -z "$fds" ] || { REASON="PID 1 holds a descriptor it should not: $(echo $fds)"; return 1; }
	expect_no_console "$1" 'crossed the hand-over' || { REASON="a descriptor crossed the hand-over"; return 1; }
}

CASES+=(supervise_reaps_orphans)
# 2. 1000 orphans left by the service tree are reaped: no zombie 2 s after they exit.
# The health check marks the slot good; PID 1 is then the small supervisor
# (supervisor_is_small); SIGTERM to PID 1 is an orderly reboot.
case_supervise_reaps_orphans() {
	local name=supervise_reaps_orphans disk initrd z
	initrd=$(supervise_initrd "$name") || { REASON="mkinitramfs failed"; return 1; }
	disk=$(disk_variant "$name")
	qemu_boot "$name" "$disk" "$initrd" "demo.orphans=1000" 300 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_line "$SUPERVISE_READY" 120 || { REASON="no ready line"; return 1; }
	qemu_wait_line 'hardinit: service tree /usr/lib/demo/service-tree started as pid [0-9]+' 30 || { REASON="the service tree was not started as a child"; return 1; }
	qemu_wait_line 'demo: orphans 1000 zombies [0-9]+' 200 || { REASON="the orphan probe did not report"; return 1; }
	z=$(grep -aoE 'demo: orphans 1000 zombies [0-9]+' "$QEMU_CONSOLE" | awk '{print $5}')
	echo "     zombies 2 s after 1000 orphans exited: $z"
	[ "$z" = 0 ] || { REASON="$z zombies left"; return 1; }
	qemu_wait_line 'hardinit: health check passed: slot /dev/vda5 marked good' 120 || { REASON="the health check did not mark the slot good"; return 1; }
	guest_ssh_wait 90 || { REASON="no SSH"; return 1; }
	supervisor_is_small "$name" || return 1
	guest_ssh 'kill -TERM 1' >/dev/null 2>&1 || true
	qemu_wait_exit 60 || { REASON="SIGTERM to PID 1 did not reboot"; return 1; }
	expect_console "$name" 'hardinit: shutdown: reboot \(Terminated from pid [0-9]+\): stopping every process' || { REASON="no orderly shutdown"; return 1; }
	expect_console "$name" 'hardinit: shutdown: reboot after [0-9]+ms: [0-9]+ unmounted, [0-9]+ read-only, 0 left' || { REASON="mounts left at shutdown"; return 1; }
	expect_console "$name" 'reboot: Restarting system' || { REASON="no reboot"; return 1; }
	console_check_clean "$name" || { REASON="shell prompt, panic or oops on the console"; return 1; }
	slot_a_attrs "$disk" | grep -qE 'GUID:([0-9]+,)*56' || { REASON="slot a is not marked successful: $(slot_a_attrs "$disk")"; return 1; }
}

CASES+=(supervise_reboot_cycles)
# 2. 20 reboot cycles (SIGTERM to PID 1 while a writer fsyncs files on /var): every
# fsynced file is intact at every next boot, and e2fsck finds the data partition clean.
case_supervise_reboot_cycles() {
	local name=supervise_reboot_cycles disk initrd i line checked=0 data
	initrd=$(supervise_initrd "$name") || { REASON="mkinitramfs failed"; return 1; }
	disk=$(disk_variant "$name")
	for ((i = 1; i <= 21; i++)); do
		qemu_boot "$name-$i" "$disk" "$initrd" "demo.writeload=4" 150 || { REASON="QEMU did not start (boot $i)"; return 1; }
		qemu_wait_exit 140 || { REASON="boot $i did not end in a reboot"; return 1; }
		line=$(grep -aoE 'demo: writeload boot [0-9]+ checked [0-9]+ bad [0-9]+' "$QEMU_CONSOLE" | head -n1)
		[ -n "$line" ] || { REASON="boot $i: the writer did not start"; console_check_clean "$name-$i" || true; return 1; }
		set -- $line
		[ "$4" = "$i" ] || { REASON="boot $i: the writer counted boot $4 (a lost /var/load/boots)"; return 1; }
		[ "$8" = 0 ] || { REASON="boot $i: $8 of $6 fsynced files are damaged or missing"; return 1; }
		[ "$6" -ge "$checked" ] || { REASON="boot $i: $6 fsynced files listed, fewer than the $checked before"; return 1; }
		checked=$6
		expect_console "$name-$i" 'hardinit: shutdown: reboot after [0-9]+ms: [0-9]+ unmounted, [0-9]+ read-only, 0 left' || { REASON="boot $i: no orderly shutdown"; return 1; }
		console_check_clean "$name-$i" || { REASON="boot $i: shell prompt, panic or oops"; return 1; }
	done
	echo "     21 boots, 20 SIGTERM reboots under write load: $checked fsynced files intact"
	[ "$checked" -gt 0 ] || { REASON="no file was ever fsynced"; return 1; }
	data=$WORK/$name.data
	dd if="$disk" of="$data" bs=1M skip=$(( $(part_start "$disk" 8) / 1048576 )) \
		count=$(( $(part_size "$disk" 8) / 1048576 )) status=none
	e2fsck -fn "$data" >"$WORK/$name.fsck" 2>&1 || { REASON="e2fsck: $(tail -n 3 "$WORK/$name.fsck")"; return 1; }
	echo "     e2fsck -fn on the data partition: $(tail -n 1 "$WORK/$name.fsck")"
}

CASES+=(supervise_tree_exit_poweroff)
# 3. The service tree exits: on_exit = poweroff powers off; no kernel panic.
case_supervise_tree_exit_poweroff() {
	local name=supervise_tree_exit_poweroff disk initrd
	initrd=$(supervise_initrd "$name" 's|^exec = .*|exec = /usr/lib/demo/exit-at-once|; s|^on_exit = .*|on_exit = poweroff|; s|^health_check = .*||') \
		|| { REASON="mkinitramfs failed"; return 1; }
	disk=$(disk_variant "$name")
	qemu_boot "$name" "$disk" "$initrd" "" 200 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_exit 150 || { REASON="the VM did not power off"; return 1; }
	expect_console "$name" 'hardinit: service tree exited \(exit status 3\): poweroff' || { REASON="the exit was not handled"; return 1; }
	expect_console "$name" 'reboot: Power down' || { REASON="no power-off"; return 1; }
	expect_no_console "$name" 'Kernel panic' || { REASON="kernel panic"; return 1; }
	console_check_clean "$name" || { REASON="shell prompt, panic or oops on the console"; return 1; }
}

CASES+=(supervise_crash_loop)
# 3. on_exit = restart: the tree is restarted until it exits restart_limit + 1 (3) times
# within the window, then the crash loop is a failure: FATAL and on_failure (reboot).
case_supervise_crash_loop() {
	local name=supervise_crash_loop disk initrd n
	initrd=$(supervise_initrd "$name" 's|^exec = .*|exec = /usr/lib/demo/exit-at-once|; s|^on_exit = .*|on_exit = restart|; s|^health_check = .*||') \
		|| { REASON="mkinitramfs failed"; return 1; }
	disk=$(disk_variant "$name")
	qemu_boot "$name" "$disk" "$initrd" "" 200 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_exit 150 || { REASON="the VM did not reboot"; return 1; }
	n=$(grep -ac 'demo: service tree exiting' "$QEMU_CONSOLE")
	[ "$n" = 3 ] || { REASON="the tree ran $n times, not 3"; return 1; }
	expect_console "$name" 'hardinit: FATAL service: /usr/lib/demo/exit-at-once exited 3 times within 60s' || { REASON="no crash-loop FATAL line"; return 1; }
	expect_console "$name" 'reboot: Restarting system' || { REASON="no reboot"; return 1; }
	expect_no_console "$name" 'Kernel panic' || { REASON="kernel panic"; return 1; }
	console_check_clean "$name" || { REASON="shell prompt, panic or oops on the console"; return 1; }
}

CASES+=(supervise_shutdown_many_mounts)
# 6. Shutdown takes down every mount however many: 500 tmpfs mounts with ~300-character
# targets under /logs (a 20-deep chain, 440 on one mount, one over a parent directory
# of another, one over the same target with 35 on top), then SIGTERM to PID 1: all
# unmounted, none left, and /logs (which they sit on) is clean on the disk.
case_supervise_shutdown_many_mounts() {
	local name=supervise_shutdown_many_mounts disk initrd base script t0 secs line logs i
	initrd=$(supervise_initrd "$name") || { REASON="mkinitramfs failed"; return 1; }
	disk=$(disk_variant "$name")
	qemu_boot "$name" "$disk" "$initrd" "" 400 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_line "$SUPERVISE_READY" 120 || { REASON="no ready line"; return 1; }
	guest_ssh_wait 90 || { REASON="no SSH"; return 1; }
	base=/logs/shutdown-many
	for i in 1 2 3 4; do base+=/$(printf "%058d" 0 | tr 0 "$(printf "\\$((140 + i))")"); done
	base+=/$(printf "%034d" 0 | tr 0 x)
	script=$WORK/$name.sh
	{
		echo "set -e; B=$base; m() { mkdir -p \"\$1\"; mount -t tmpfs -o size=64k many \"\$1\"; }"
		echo 'm $B; c=$B; for i in $(seq 20); do c=$c/c; m $c; done'
		echo 'for i in $(seq 100 539); do m $B/s$i; done'
		echo 'm $B/p; mkdir -p $B/p/b/c; m $B/p/b/c; m $B/p/b'  # the last covers b/c
		echo 'm $B; for i in $(seq 100 134); do m $B/t$i; done'  # over $B, hiding the rest
		echo 'echo "mounts $(grep -c "$B" /proc/self/mountinfo) longest $(awk "{print length(\$5)}" /proc/self/mountinfo | sort -n | tail -n 1)"'
	} >"$script"
	t0=$SECONDS
	guest_ssh 'sh -s' <"$script" >"$WORK/$name.guest" 2>&1 || { REASON="making the mounts failed: $(tail -n 2 "$WORK/$name.guest")"; return 1; }
	secs=$((SECONDS - t0))
	line=$(grep -aE '^mounts [0-9]+ longest [0-9]+$' "$WORK/$name.guest") || { REASON="no mount count: $(tail -n 2 "$WORK/$name.guest")"; return 1; }
	echo "     $line (made in ${secs} s over SSH)"
	set -- $line
	[ "$2" = 500 ] || { REASON="$2 mounts made, not 500"; return 1; }
	[ "$4" -ge 300 ] || { REASON="the longest target is $4 characters"; return 1; }
	guest_ssh 'kill -TERM 1' >/dev/null 2>&1 || true
	qemu_wait_exit 120 || { REASON="SIGTERM to PID 1 did not reboot"; return 1; }
	line=$(grep -aoE 'hardinit: shutdown: reboot after [0-9]+ms: [0-9]+ unmounted, [0-9]+ read-only, [0-9]+ left' "$QEMU_CONSOLE") \
		|| { REASON="no shutdown summary: $(grep -a 'hardinit: shutdown' "$QEMU_CONSOLE" | tail -n 2)"; return 1; }
	echo "     ${line#hardinit: }"
	expect_console "$name" 'hardinit: shutdown: reboot after [0-9]+ms: [0-9]+ unmounted, 0 read-only, 0 left' || { REASON="mounts left at shutdown: $line"; return 1; }
	set -- $line
	[ "$6" -ge 500 ] || { REASON="only $6 unmounted"; return 1; }
	expect_no_console "$name" 'hardinit: shutdown: (unable|too many)' || { REASON="a shutdown warning: $(grep -aE 'hardinit: shutdown: (unable|too many)' "$QEMU_CONSOLE" | head -n 1)"; return 1; }
	expect_console "$name" 'reboot: Restarting system' || { REASON="no reboot"; return 1; }
	console_check_clean "$name" || { REASON="shell prompt, panic or oops on the console"; return 1; }
	logs=$WORK/$name.logs
	dd if="$disk" of="$logs" bs=1M skip=$(( $(part_start "$disk" 7) / 1048576 )) \
		count=$(( $(part_size "$disk" 7) / 1048576 )) status=none
	dumpe2fs -h "$logs" >"$WORK/$name.dumpe2fs" 2>&1 || { REASON="dumpe2fs failed"; return 1; }
	grep -qE '^Filesystem state: +clean$' "$WORK/$name.dumpe2fs" \
		|| { REASON="/logs was left mounted: $(grep -E '^Filesystem state' "$WORK/$name.dumpe2fs")"; return 1; }
	! grep -E '^Filesystem features:' "$WORK/$name.dumpe2fs" | grep -q needs_recovery \
		|| { REASON="/logs was left mounted: its journal needs recovery"; return 1; }
	echo "     /logs on the disk: clean, no journal to replay"
}
