#!/usr/bin/env bash
# gen-nr.sh NAME...: nr.h for syscalls.c, with each syscall's number in the x86-64, i386
# and x32 ABIs (-1 where an ABI has none), from the kernel's UAPI headers.
set -euo pipefail
dir=/usr/include/x86_64-linux-gnu/asm
nr() { # nr ABI NAME: the number, with the x32 bit resolved
	local v
	v=$(awk -v n="__NR_$2" '$1 == "#define" && $2 == n {$1 = $2 = ""; print}' "$dir/unistd_$1.h")
	[ -n "$v" ] || { echo -1; return; }
	echo $(( ${v//__X32_SYSCALL_BIT/0x40000000} ))
}
echo 'struct probe_nr { const char *name; long nr64, nr32, nrx32; };'
echo 'static const struct probe_nr probes[] = {'
for name in "$@"; do
	printf '\t{ "%s", %s, %s, %s },\n' "$name" "$(nr 64 "$name")" "$(nr 32 "$name")" "$(nr x32 "$name")"
done
echo '};'
