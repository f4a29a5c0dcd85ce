#!/usr/bin/env bash
# Lockdown (issue 6): the seccomp baseline through every ABI, the sysctls, the module
# lock, Seccomp: 2 on every service process, SSH still working. Sourced by ../run.

DENIED_SYSCALLS=(kexec_load kexec_file_load init_module finit_module delete_module open_by_handle_at
	userfaultfd acct swapon swapoff io_uring_setup io_uring_enter io_uring_register bpf perf_event_open)

CASES+=(lockdown_seccomp)
# Every denied syscall returns EPERM on x86-64 and ENOSYS through i386 (int 0x80) and
# x32 (the policy denies those ABIs wholesale); getpid still works on x86-64.
case_lockdown_seccomp() {
	local disk out bad
	mkdir -p "$WORK/probe"
	"$TOP/tests/qemu/probes/gen-nr.sh" "${DENIED_SYSCALLS[@]}" getpid >"$WORK/probe/nr.h"
	gcc -static -O2 -I"$WORK/probe" -o "$WORK/probe/syscalls" "$TOP/tests/qemu/probes/syscalls.c" || { REASON="cannot build the probe"; return 1; }
	disk=$(disk_variant lockdown_seccomp)
	boot_ssh lockdown_seccomp "$disk" || return 1
	guest_ssh 'cat > /tmp/syscalls && chmod 755 /tmp/syscalls' <"$WORK/probe/syscalls" || { REASON="cannot copy the probe"; return 1; }
	out=$(guest_ssh /tmp/syscalls) || { REASON="the probe failed to run"; return 1; }
	echo "     $(grep -c . <<<"$out") calls: $(awk '{print $2 "=" $3}' <<<"$out" | sort | uniq -c | tr -s ' ' | tr '\n' ';')"
	bad=$(awk '$1 != "getpid" && (($2 == "x86_64" && $3 != "EPERM") || ($2 != "x86_64" && $3 != "ENOSYS"))' <<<"$out")
	[ -z "$bad" ] || { REASON="not denied as expected: $(tr '\n' ';' <<<"$bad")"; return 1; }
	grep -qx 'getpid x86_64 OK' <<<"$out" || { REASON="an allowed syscall is broken"; return 1; }
	for s in "${DENIED_SYSCALLS[@]}"; do
		grep -q "^$s x86_64 EPERM" <<<"$out" || { REASON="$s was not tried on x86-64"; return 1; }
	done
	[ "$(grep -c ' i386 ' <<<"$out")" -ge 14 ] && [ "$(grep -c ' x32 ' <<<"$out")" -ge 15 ] \
		|| { REASON="the i386 or x32 calls were not all tried"; return 1; }
	# A real i386 program (-m32): not one of its syscalls works, so it never prints.
	gcc -m32 -static -O2 -o "$WORK/probe/hello32" "$TOP/tests/qemu/probes/hello32.c" || { REASON="cannot build the -m32 probe"; return 1; }
	guest_ssh 'cat > /tmp/hello32 && chmod 755 /tmp/hello32' <"$WORK/probe/hello32" || { REASON="cannot copy the -m32 probe"; return 1; }
	out=$(guest_ssh 'timeout 10 /tmp/hello32; echo "exit=$?"' 2>&1) || true
	echo "     the -m32 program: $(tr '\n' ' ' <<<"$out")"
	! grep -q 'i386 ran' <<<"$out" || { REASON="an i386 program ran"; return 1; }
	grep -q 'exit=' <<<"$out" || { REASON="the guest did not answer after the -m32 program"; return 1; }
}

CASES+=(lockdown_kernel)
# Each sysctl reads back its value; modules are locked; the lockdown LSM is at integrity;
# every process of the service tree (not the kernel threads: those have no cmdline) runs
# under the filter (Seccomp: 2); SSH works (this case logs in).
case_lockdown_kernel() {
	local disk out
	disk=$(disk_variant lockdown_kernel)
	boot_ssh lockdown_kernel "$disk" || return 1
	out=$(guest_ssh 'for k in kernel/kptr_restrict kernel/dmesg_restrict fs/protected_symlinks fs/protected_hardlinks \
		fs/protected_fifos fs/protected_regular fs/suid_dumpable kernel/kexec_load_disabled \
		kernel/unprivileged_bpf_disabled net/core/bpf_jit_harden kernel/perf_event_paranoid dev/tty/ldisc_autoload \
		vm/unprivileged_userfaultfd kernel/yama/ptrace_scope kernel/modules_disabled; do
		echo "$k=$(cat /proc/sys/$k)"; done
		for p in /proc/[0-9]*; do [ -n "$(tr -d "\\0" <$p/cmdline 2>/dev/null)" ] || continue; echo "pid ${p#/proc/} $(grep ^Seccomp: $p/status)"; done
		mount -t securityfs securityfs /sys/kernel/security && echo "lsm $(cat /sys/kernel/security/lockdown)"') \
		|| { REASON="SSH failed"; return 1; }
	printf '%s\n' "$out" | grep -v '^pid' | sed 's/^/     guest: /' | tr '\n' ' '; echo
	for kv in kernel/kptr_restrict=2 kernel/dmesg_restrict=1 fs/protected_symlinks=1 fs/protected_hardlinks=1 \
		fs/protected_fifos=2 fs/protected_regular=2 fs/suid_dumpable=0 kernel/kexec_load_disabled=1 \
		kernel/unprivileged_bpf_disabled=1 net/core/bpf_jit_harden=2 kernel/perf_event_paranoid=3 \
		dev/tty/ldisc_autoload=0 vm/unprivileged_userfaultfd=0 kernel/yama/ptrace_scope=1 kernel/modules_disabled=1; do
		grep -qx "$kv" <<<"$out" || { REASON="sysctl not set: want $kv"; return 1; }
	done
	echo "     $(grep -c '^pid' <<<"$out") service processes, Seccomp: $(grep '^pid' <<<"$out" | awk '{print $4}' | sort | uniq -c | tr -s ' ')"
	[ "$(grep -c '^pid' <<<"$out")" -ge 3 ] || { REASON="no service processes listed"; return 1; }
	! grep '^pid' <<<"$out" | grep -qv 'Seccomp:[[:space:]]*2$' || { REASON="a service process is not filtered: $(grep '^pid' <<<"$out" | grep -v 'Seccomp:[[:space:]]*2$')"; return 1; }
	grep -q '^lsm .*\[integrity\]' <<<"$out" || { REASON="the lockdown LSM is not at integrity"; return 1; }
}
