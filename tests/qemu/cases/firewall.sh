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
	boot_ssh fw_only_ssh "$disk" || return 1
	expect_console fw_only_ssh 'firewall=loaded' || { REASON="the firewall is not loaded"; return 1; }
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
	sed 's/^\[modules\]/[firewall]\ntcp_ports = 8080 eighty\n\n[modules]/' "$TOP/demo/policy.conf" >"$WORK/fw-broken.conf"
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
