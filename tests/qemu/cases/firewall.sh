#!/usr/bin/env bash
# Firewall (issue 4): only TCP 22 answers; the per-source SSH ban (a sliding window of 3
# new connections per 60 s, IPv6 per /64); vsock mode; the deny-all fallback.
# Test traffic goes only to the guest's own network namespaces and to the host's
# loopback port forward. Sourced by ../run; see core.sh and state.sh for helpers.

# The guest side: two source namespaces s1 and s2, each joined to the appliance by a veth
# pair, with IPv4 192.168.20N.0/24 and IPv6 fd00:20N::/64 (the appliance is .1 / ::1).
# probe NS ADDR PORT prints "ok" if a TCP connection gets an answer within 3 s, else
# "DROP". A listener on 8080 answers "open8080".
GUEST_NET='
IP=/usr/sbin/ip
for i in 1 2; do
	$IP netns add s$i
	$IP link add h$i type veth peer name c$i netns s$i
	$IP addr add 192.168.20$i.1/24 dev h$i
	$IP -6 addr add fd00:20$i::1/64 dev h$i nodad
	$IP link set h$i up
	$IP -n s$i addr add 192.168.20$i.2/24 dev c$i
	$IP -n s$i -6 addr add fd00:20$i::2/64 dev c$i nodad
	$IP -n s$i link set c$i up
	$IP -n s$i link set lo up
done
nc -ll -p 8080 -e /bin/echo open8080 >/dev/null 2>&1 &
sleep 1
'
GUEST_PROBE='probe() { out=$(sleep 1 | /usr/sbin/ip netns exec "$1" nc -w 3 "$2" "$3" 2>/dev/null | head -c 8);
	case $out in SSH-2.0*|open8080) echo ok ;; *) echo DROP ;; esac; }'

# guest_probes "NS ADDR PORT;...": runs the probes in order in the guest, printing one
# result per probe, space-separated.
guest_probes() {
	local script=$GUEST_PROBE p IFS=';'
	for p in $1; do
		script+="; printf '%s ' \"\$(probe $p)\""
	done
	guest_ssh "$script; echo" 2>/dev/null
}

# host_probe: one new connection from the host (source 10.0.2.2 in the guest); "ok" if
# the guest's SSH banner arrives within 4 s.
host_probe() {
	if timeout 4 bash -c "exec 3<>/dev/tcp/127.0.0.1/$QEMU_PORT && head -c 7 <&3" 2>/dev/null | grep -q SSH-2.0; then
		echo ok
	else
		echo DROP
	fi
}

CASES+=(fw_only_ssh)
# 1. Only TCP 22 answers from outside, over IPv4 and IPv6; loopback inside the guest
#    reaches the other listener; the ruleset is readable with nft.
case_fw_only_ssh() {
	local disk out
	disk=$(disk_variant fw_only_ssh)
	# Two vCPUs: the firewall's and the network's modules load ahead, in a child process,
	# while PID 1 mounts the root; the firewall below must be complete all the same.
	QEMU_SMP=2 boot_ssh fw_only_ssh "$disk" || return 1
	expect_console fw_only_ssh 'firewall=loaded' || { REASON="the firewall is not loaded"; return 1; }
	expect_console fw_only_ssh 'load-modules:firewall: loaded ahead, on another CPU' \
		|| { REASON="with two CPUs the firewall's modules were not loaded ahead"; return 1; }
	guest_ssh "$GUEST_NET" || { REASON="cannot make the test namespaces"; return 1; }
	out=$(guest_probes "s1 192.168.201.1 8080;s1 fd00:201::1 8080;s2 192.168.202.1 22;s2 fd00:202::1 22")
	echo "     8080 v4, 8080 v6, 22 v4, 22 v6 from outside: $out"
	[ "$out" = "DROP DROP ok ok " ] || { REASON="expected 8080 closed and 22 open, got: $out"; return 1; }
	out=$(guest_ssh 'sleep 1 | nc -w 3 127.0.0.1 8080; nft list ruleset') || { REASON="SSH failed"; return 1; }
	grep -q '^open8080' <<<"$out" || { REASON="loopback does not reach 8080"; return 1; }
	grep -q 'table inet hardinit' <<<"$out" && grep -q 'chain ssh_new' <<<"$out" \
		|| { REASON="nft list ruleset does not show the table"; return 1; }
}

CASES+=(fw_ssh_ban)
# 2. The ban. IPv4 and IPv6 (per /64) sources in the guest: three quick connections pass,
#    a fourth 25 s later is dropped (a sliding window, not a token bucket), so is a fifth;
#    another source is unaffected; after 60 s of quiet the banned source gets in again.
#    From the host: its new connections beyond the window are dropped, while its
#    established SSH session keeps working.
case_fw_ssh_ban() {
	local disk out host=() used want i
	disk=$(disk_variant fw_ssh_ban)
	boot_ssh fw_ssh_ban "$disk" || return 1
	used=${GUEST_SSH_ATTEMPTS:-1}
	# The host: `used` new connections so far (the harness's), then two more probes than
	# the window leaves.
	for ((i = used; i < 5; i++)); do host+=("$(host_probe)"); done
	want=""
	for ((i = used; i < 5; i++)); do want+="$([ "$i" -lt 3 ] && echo ok || echo DROP) "; done
	echo "     host (10.0.2.2) after $used harness connection(s): ${host[*]}"
	[ "${host[*]} " = "$want" ] || { REASON="host probes: want '$want', got '${host[*]} '"; return 1; }
	guest_ssh true || { REASON="the established session from the banned host stopped working"; return 1; }

	guest_ssh "$GUEST_NET" || { REASON="cannot make the test namespaces"; return 1; }
	out=$(guest_probes "s1 192.168.201.1 22;s1 192.168.201.1 22;s1 192.168.201.1 22;s1 fd00:201::1 22;s1 fd00:201::1 22;s1 fd00:201::1 22")
	echo "     s1: 3 quick IPv4, 3 quick IPv6: $out"
	[ "$out" = "ok ok ok ok ok ok " ] || { REASON="the first three were not all accepted: $out"; return 1; }
	sleep 25
	out=$(guest_probes "s1 192.168.201.1 22;s1 fd00:201::1 22;s1 192.168.201.1 22;s1 fd00:201::1 22;s2 192.168.202.1 22;s2 fd00:202::1 22")
	echo "     25 s later: s1 4th and 5th (IPv4, IPv6), s2 (IPv4, IPv6): $out"
	[ "$out" = "DROP DROP DROP DROP ok ok " ] || { REASON="want the 4th and 5th dropped and s2 accepted, got: $out"; return 1; }
	out=$(guest_ssh "nft list set inet hardinit ssh_ban4; nft list set inet hardinit ssh_ban6") || true
	grep -q '192.168.201.2' <<<"$out" && grep -q 'fd00:201::' <<<"$out" || { REASON="s1 is not in the ban sets: $out"; return 1; }
	guest_ssh true || { REASON="the established session stopped working"; return 1; }
	sleep 62
	out=$(guest_probes "s1 192.168.201.1 22;s1 fd00:201::1 22")
	echo "     after 62 s of quiet, s1 IPv4, IPv6: $out"
	[ "$out" = "ok ok " ] || { REASON="s1 is still banned after 60 s of quiet: $out"; return 1; }
}

CASES+=(fw_vsock)
# 3. hardinit.ssh=vsock: no TCP port answers, not even 22; the vsock modules are loaded.
case_fw_vsock() {
	local disk
	disk=$(disk_variant fw_vsock)
	boot_ready fw_vsock "$disk" "hardinit.ssh=vsock" || return 1
	expect_console fw_vsock 'demo: vsock ready' || { REASON="/dev/vsock is missing"; return 1; }
	[ "$(host_probe)" = DROP ] || { REASON="TCP 22 answers in vsock mode"; return 1; }
	console_check_clean fw_vsock || { REASON="shell prompt, panic or oops"; return 1; }
}

CASES+=(fw_broken_policy)
# 4. A broken extra-ports value: the deny-all ruleset is loaded (even SSH is closed), the
#    boot completes, and the boot record says firewall=fallback.
case_fw_broken_policy() {
	local disk initrd
	sed 's/^\[modules\]/[firewall]\ntcp_ports = 8080 eighty\n\n[modules]/' "$IMAGES/policy-plain.conf" >"$WORK/fw-broken.conf"
	initrd=$(initramfs_with_policy fw-broken "$WORK/fw-broken.conf") || { REASON="mkinitramfs failed"; return 1; }
	disk=$(disk_variant fw_broken_policy)
	qemu_boot fw_broken_policy "$disk" "$initrd" "" 300 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_line 'hardinit: ready .* firewall=fallback' 120 || { REASON="no ready line with firewall=fallback"; return 1; }
	expect_console fw_broken_policy "firewall: \[firewall\] tcp_ports: 'eighty' is not a port .*: loading the deny-all ruleset" \
		|| { REASON="no fallback line"; return 1; }
	qemu_wait_line "$SERVICE_UP" 60 || { REASON="the service tree did not start"; return 1; }
	[ "$(host_probe)" = DROP ] || { REASON="SSH answers under the deny-all ruleset"; return 1; }
	qemu_kill
	records "$disk" | grep -q '"firewall":"fallback"' || { REASON="the boot record does not say fallback"; return 1; }
}

# --- Exhaustion (issue 15): the window sets full, as a flood of spoofed sources leaves them.

# Five source namespaces, s1..s5, made as GUEST_NET makes s1 and s2: s1 known, s2
# banned, s3 trusted (192.168.203.0/24, fd00:203::/64 in the test's policy), s4
# unknown, s5 at its limit before the flood.
FLOOD_NET=${GUEST_NET//for i in 1 2;/for i in 1 2 3 4 5;}

# FLOOD_FILL (guest script; $1 = the first flood address's index): fills the SSH sets
# as a flood of spoofed sources that each sent more SYNs than the limit leaves them.
# Equivalent to sending those SYNs: the kernel refuses an element beyond a set's `size`
# the same way whether the ruleset's `add` or `nft add element` asks, and every set is
# filled to what the flood can put there. Each flood source (10.66.x.y, or the /64
# 2001:db8:66:N::) goes into every window set with room and into the ban set. With an
# ssh_known set (the new ruleset), a window set can hold only sources ssh_known holds
# (every slot add goes through ssh_known), so the flood sources are the ones ssh_known
# takes; without it (the old ruleset), each set is filled to its size, as new sources
# take the first set with room. Prints each set's "name live/size".
FLOOD_FILL='flood_fill() {
	nft list table inet hardinit | awk -v start="$1" "
	function addr(fam, i) { return fam == \"ipv4_addr\" ? sprintf(\"10.66.%d.%d\", int(i / 256), i % 256) : sprintf(\"2001:db8:66:%x::\", i) }
	function add(set, k,   i, s) { if (k <= 0) return; s = \"\"; for (i = 0; i < k; i++) s = s (i ? \", \" : \"\") addr(fam[set], start + i);
		print \"add element inet hardinit \" set \" { \" s \" }\" }
	\$1 == \"set\" { name = \$2; inel = 0; next }
	\$1 == \"chain\" { name = \"\"; next }
	name != \"\" && \$1 == \"type\" { fam[name] = \$2 }
	name != \"\" && \$1 == \"size\" { size[name] = \$2; n[name] = 0; order[++sets] = name }
	name != \"\" && /elements = [{]/ { inel = 1 }
	name != \"\" && inel { for (i = 1; i <= NF; i++) if (\$i ~ /^[0-9a-f.:]+,?\$/ && \$i ~ /[.:]/) n[name]++; if (/[}]/) inel = 0 }
	END {
		for (j = 1; j <= sets; j++) { s = order[j]; if (s ~ /^ssh_known/) m[fam[s]] = size[s] - n[s] }
		for (j = 1; j <= sets; j++) { s = order[j]; k = size[s] - n[s]
			if (s ~ /^ssh_slot/ && (fam[s] in m) && m[fam[s]] < k) k = m[fam[s]]
			add(s, k) }
	}" > /run/flood.nft
	for try in 1 2 3 4 5; do nft -f /run/flood.nft 2>/run/flood.err && return 0; sleep 2; done; cat /run/flood.err; return 1
}
flood_count() {
	nft list table inet hardinit | awk "\$1 == \"set\" { name = \$2; inel = 0; n = 0 }
		\$1 == \"size\" { size = \$2 }
		name != \"\" && /elements = [{]/ { inel = 1 }
		name != \"\" && inel { for (i = 1; i <= NF; i++) if (\$i ~ /^[0-9a-f.:]+,?\$/ && \$i ~ /[.:]/) n++; if (/[}]/) { inel = 0 } ; next }
		name != \"\" && \$1 == \"}\" { if (name ~ /^ssh_/ && size) printf \"%s %d/%d \", name, n, size; name = \"\"; size = 0 }
		END { print \"\" }"
}'

# The policy of fw_flood: small sets (64) and a budget of 2 for untracked sources, so
# that the flood and the budget are quick to exhaust. FW_FLOOD_OLD=1 leaves out the
# keys the firewall before issue 15 did not know, to run the case against that code.
fw_flood_policy() {
	local fw='tracked_sources = 64\nssh_window_s = 90\nssh_ban_s = 90\n'
	[ "${FW_FLOOD_OLD:-0}" = 1 ] || fw+='ssh_trusted = 192.168.203.0/24 fd00:203::/64\nssh_untracked_per_min = 2\n'
	sed "s|^\\[modules\\]|[firewall]\\n$fw\\n[modules]|" "$IMAGES/policy-plain.conf"
}

# flood_check NAME WANT GOT: prints the result; a mismatch is added to FLOOD_FAILS.
flood_check() {
	if [ "$3" = "$2" ]; then
		echo "     ok   $1: $3"
	else
		echo "     FAIL $1: want '$2', got '$3'"
		FLOOD_FAILS+=("$1")
	fi
}

# flood_topup START: (re)fills the sets in the guest with fresh flood sources from index
# START, as a flood that goes on would, and checks that they are full: ssh_known (or,
# in the old ruleset, the first window set) and the ban set, both families.
flood_topup() {
	local out fam want
	out=$(guest_ssh "$FLOOD_FILL; flood_fill $1 && flood_count") || { echo "cannot fill the sets: $out"; return 1; }
	echo "     the flood: $out"
	for fam in 4 6; do
		want="ssh_slot${fam}_0"
		! grep -q "ssh_known$fam " <<<"$out" || want="ssh_known$fam"
		for want in "$want" "ssh_ban$fam"; do
			grep -qE "(^| )$want 64/64 " <<<"$out" || { echo "$want is not full"; return 1; }
		done
	done
}

CASES+=(fw_flood)
# 5. The window sets full (docs/firewall.md, "When the sets are full"): a trusted source
#    connects 10 times in a row (IPv4 and IPv6); a source that made one connection
#    before the flood gets its other two, then is dropped; a banned source stays banned;
#    a source at its limit before the flood is dropped; an unknown source gets the
#    global budget (2, shared by IPv4 and IPv6), then is dropped; once the flood stops
#    and the timeouts pass, the flood is gone from the sets and each source is counted
#    on its own again. Every check runs and is printed; the case fails if any did.
case_fw_flood() {
	local disk initrd out t_fill
	FLOOD_FAILS=()
	fw_flood_policy >"$WORK/fw-flood.conf"
	initrd=$(initramfs_with_policy fw-flood "$WORK/fw-flood.conf") || { REASON="mkinitramfs failed"; return 1; }
	disk=$(disk_variant fw_flood)
	qemu_boot fw_flood "$disk" "$initrd" "" 600 || { REASON="QEMU did not start"; return 1; }
	qemu_wait_line 'hardinit: ready .* firewall=loaded' 120 || { REASON="no ready line with firewall=loaded"; return 1; }
	qemu_wait_line "$SERVICE_UP" 60 || { REASON="the service tree did not start"; return 1; }
	guest_ssh_wait 90 || { REASON="no SSH"; return 1; }
	guest_ssh "$FLOOD_NET" || { REASON="cannot make the test namespaces"; return 1; }

	# Before the flood: s2 over its limit (banned), s5 at its limit, s1 one connection.
	out=$(guest_probes "s2 192.168.202.1 22;s2 192.168.202.1 22;s2 192.168.202.1 22;s2 192.168.202.1 22;s2 fd00:202::1 22;s2 fd00:202::1 22;s2 fd00:202::1 22;s2 fd00:202::1 22")
	flood_check "before: s2 4 IPv4, 4 IPv6 (banned)" "ok ok ok DROP ok ok ok DROP " "$out"
	out=$(guest_probes "s5 192.168.205.1 22;s5 192.168.205.1 22;s5 192.168.205.1 22;s5 fd00:205::1 22;s5 fd00:205::1 22;s5 fd00:205::1 22")
	flood_check "before: s5 3 IPv4, 3 IPv6 (at its limit)" "ok ok ok ok ok ok " "$out"
	out=$(guest_probes "s1 192.168.201.1 22;s1 fd00:201::1 22")
	flood_check "before: s1 1 IPv4, 1 IPv6" "ok ok " "$out"

	out=$(flood_topup 1) || { REASON=$out; return 1; }
	echo "$out"
	out=$(guest_probes "s2 192.168.202.1 22;s2 fd00:202::1 22")
	flood_check "flood: s2 banned before, IPv4, IPv6" "DROP DROP " "$out"
	out=$(guest_probes "s5 192.168.205.1 22;s5 fd00:205::1 22")
	flood_check "flood: s5 at its limit before, IPv4, IPv6 (the ban set is full)" "DROP DROP " "$out"
	out=$(flood_topup 1000) || { REASON=$out; return 1; }
	echo "$out"
	out=$(guest_probes "s1 192.168.201.1 22;s1 192.168.201.1 22;s1 192.168.201.1 22;s1 fd00:201::1 22;s1 fd00:201::1 22;s1 fd00:201::1 22")
	flood_check "flood: s1 (1 before) 3 IPv4, 3 IPv6" "ok ok DROP ok ok DROP " "$out"
	out=$(flood_topup 2000) || { REASON=$out; return 1; }
	echo "$out"
	out=$(guest_probes "s4 192.168.204.1 22;s4 fd00:204::1 22;s4 192.168.204.1 22;s4 fd00:204::1 22")
	flood_check "flood: s4 unknown, IPv4, IPv6, IPv4, IPv6 (a budget of 2)" "ok ok DROP DROP " "$out"
	out=$(flood_topup 3000) || { REASON=$out; return 1; }
	echo "$out"
	t_fill=$SECONDS
	out=$(guest_probes "$(for i in 1 2 3 4 5 6 7 8 9 10; do printf 's3 192.168.203.1 22;'; done)")
	flood_check "flood: s3 trusted, 10 IPv4 in a row" "ok ok ok ok ok ok ok ok ok ok " "$out"
	out=$(guest_probes "$(for i in 1 2 3 4 5 6 7 8 9 10; do printf 's3 fd00:203::1 22;'; done)")
	flood_check "flood: s3 trusted, 10 IPv6 in a row" "ok ok ok ok ok ok ok ok ok ok " "$out"
	out=$(guest_ssh "$FLOOD_FILL; flood_count; nft list table inet hardinit | awk '\$1 == \"set\" { t = \$2 ~ /^ssh_trusted/ } !t' | grep -c -e '192\\.168\\.203\\.2' -e 'fd00:203::'")
	echo "     after the trusted source: $out"
	flood_check "flood: s3 in no counting set" "0" "${out##*$'\n'}"

	# The flood stops: every timeout (90 s) passes from its last entries (and s2's last
	# SYN, before them).
	sleep $((t_fill + 90 + 25 - SECONDS > 0 ? t_fill + 90 + 25 - SECONDS : 0))
	out=$(guest_ssh "$FLOOD_FILL; flood_count; nft list table inet hardinit | grep -c -e 10.66. -e 2001:db8:66:")
	echo "     after the timeouts: $out"
	flood_check "after: flood entries left" "0" "${out##*$'\n'}"
	out=$(guest_probes "s4 192.168.204.1 22;s4 192.168.204.1 22;s4 192.168.204.1 22;s4 192.168.204.1 22;s2 192.168.202.1 22;s2 fd00:202::1 22;s1 192.168.201.1 22;s5 fd00:205::1 22")
	flood_check "after: s4 counted on its own (3 then drop), s2, s1, s5 let in" "ok ok ok DROP ok ok ok ok " "$out"

	guest_ssh true || FLOOD_FAILS+=("the established session stopped working")
	[ ${#FLOOD_FAILS[@]} -eq 0 ] || { REASON="failed: ${FLOOD_FAILS[*]}"; return 1; }
}

CASES+=(fw_set_memory)
# 6. A measurement, stated in docs/firewall.md: the kernel memory a set of 65536 costs
#    when the ruleset loads (its hash table) and once full (its elements), IPv4 and IPv6,
#    from /proc/meminfo (MemAvailable, and SUnreclaim for the slab part) around a scratch
#    table that is deleted again. Fails only if an element costs more than 256 bytes.
case_fw_set_memory() {
	local disk out
	disk=$(disk_variant fw_set_memory)
	boot_ssh fw_set_memory "$disk" || return 1
	out=$(guest_ssh '
	mem() { sync; sleep 2; awk "/^MemAvailable:/ { print \$2 }" /proc/meminfo; }
	slab() { awk "/^SUnreclaim:/ { print \$2 }" /proc/meminfo; }
	for fam in ipv4_addr ipv6_addr; do
		nft delete table inet memtest 2>/dev/null
		a=$(mem); sa=$(slab)
		nft add table inet memtest
		nft "add set inet memtest s { type $fam; size 65536; flags dynamic,timeout; timeout 1h; }"
		b=$(mem); sb=$(slab)
		awk -v fam=$fam "BEGIN { for (i = 0; i < 65536; i += 4096) { s = \"\"
			for (j = i; j < i + 4096; j++) s = s (j > i ? \", \" : \"\") (fam == \"ipv4_addr\" ? sprintf(\"10.%d.%d.1\", int(j / 256), j % 256) : sprintf(\"2001:db8:%x::\", j))
			print \"add element inet memtest s { \" s \" }\" } }" >/run/memtest.nft
		nft -f /run/memtest.nft || echo "nft failed"
		c=$(mem); sc=$(slab)
		n=$(nft list set inet memtest s | grep -oE "10\.[0-9]+\.[0-9]+\.1|2001:db8:[0-9a-f:]*" | wc -l)
		nft delete table inet memtest
		echo "$fam empty_kib=$((a - b)) elements=$n full_kib=$((a - c)) per_element_bytes=$(((b - c) * 1024 / n)) slab_per_element_bytes=$(((sc - sb) * 1024 / n)) slab_empty_kib=$((sb - sa))"
	done') || { REASON="the measurement failed: $out"; return 1; }
	printf '%s\n' "$out" | sed 's/^/     /'
	grep -q 'nft failed' <<<"$out" && { REASON="nft refused the elements"; return 1; }
	[ "$(grep -c 'elements=65536 ' <<<"$out")" = 2 ] || { REASON="the sets did not fill"; return 1; }
	! awk '{ split($5, a, "="); if (a[2] > 256) bad = 1 } END { exit !bad }' <<<"$out" || { REASON="an element costs more than 256 bytes"; return 1; }
}
