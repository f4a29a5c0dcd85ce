#!/usr/bin/env bash
# lib.sh: helpers for QEMU test cases; sourced, never run.
#
# Usage (in tests/qemu/run or a case script):
#   export KERNEL=build/kernel/vmlinuz WORK=build/qemu-work SSH_KEY=build/demo/id
#   . tests/qemu/lib.sh
#   case_begin boot-demo
#   trap qemu_kill EXIT
#   qemu_boot demo build/disk.img build/initramfs.img "root=... demo.poweroff" 120
#   if qemu_wait_line '^demo: service tree up' 60 && qemu_wait_exit 60 &&
#       console_check_clean demo; then case_pass; else case_fail "no clean boot"; fi
#   summary
#
# Environment: KERNEL (bzImage), WORK (scratch directory for consoles, logs and
# the SSH control socket), SSH_KEY (private key for the guest's root). Optional:
# QEMU_EXTRA_ARGS (array of extra QEMU arguments, e.g. a second -drive),
# QEMU_MEM (MiB, default 512), QEMU_REBOOT (1: a firmware boot restarts on a guest reset),
# QEMU_TPM (a directory: the guest gets a TPM 2.0, swtpm keeping its state there; the same
# directory at the next boot is the same TPM, an empty one a new TPM).
#
# One QEMU runs at a time per shell. Its state is in QEMU_PID, QEMU_PORT (the
# loopback port forwarded to guest port 22), QEMU_NAME and QEMU_CONSOLE
# ($WORK/NAME.console); QEMU's own messages go to $WORK/NAME.qemu.log.
# qemu_boot must run in the case's own shell (not in $(...) or a pipeline) so
# that the QEMU process stays its child.
set -euo pipefail

PASSED=${PASSED:-0}
FAILED=${FAILED:-0}
CASE_NAME=${CASE_NAME:-}
QEMU_PID=${QEMU_PID:-}
QEMU_PORT=${QEMU_PORT:-}
QEMU_NAME=${QEMU_NAME:-}
QEMU_CONSOLE=${QEMU_CONSOLE:-}
QEMU_WATCHDOG_PID=${QEMU_WATCHDOG_PID:-}
QEMU_SSH_CONTROL=${QEMU_SSH_CONTROL:-}
QEMU_SSH_MASTER_PID=${QEMU_SSH_MASTER_PID:-}
SWTPM_PID=${SWTPM_PID:-}

# Print the name of the innermost public (not _-prefixed) lib function on the call stack.
_lib_caller() {
	local f
	for f in "${FUNCNAME[@]:1}"; do
		[[ $f == _* ]] || { printf '%s\n' "$f"; return 0; }
	done
	printf 'lib.sh\n'
}

# Print "FUNC: unable to X: reason" on stderr (the caller then returns non-zero).
_lib_err() {
	printf '%s: unable to %s\n' "$(_lib_caller)" "$*" >&2
}

# Fail unless the environment variable named $1 is set and non-empty ($2: what needs it).
_lib_need_env() {
	if [[ -z ${!1:-} ]]; then
		_lib_err "$2: $1 is not set"
		return 1
	fi
}

# Print the console file without carriage returns and terminal escape
# sequences (firmware and ash emit them), so ^ and $ anchor as expected. A
# terminal reset (ESC c, sent by the firmware before the kernel's first line,
# sometimes right after an unterminated "Booting from ROM..") starts a new line.
_console_text() {
	local file=$1
	[[ -f $file ]] || return 0
	sed -E 's#\r##g; s#\x1bc#\n#g; s#\x1b\[[0-9;?]*[ -/]*[@-~]##g; s#\x1b[^[]##g' "$file"
}

# Succeed if console file $1 has a line matching ERE $2. The text is read in
# full first: `sed | grep -q` could die of SIGPIPE and fail under pipefail.
_console_has() {
	local text
	text=$(_console_text "$1")
	grep -aqE -- "$2" <<<"$text"
}

# Succeed if the current QEMU process exists and has not exited (zombie).
_qemu_alive() {
	local state=
	[[ -n $QEMU_PID ]] || return 1
	kill -0 "$QEMU_PID" 2>/dev/null || return 1
	# A dead child that bash has not reaped yet still answers kill -0.
	read -r _ _ state _ <"/proc/$QEMU_PID/stat" 2>/dev/null || return 1
	[[ $state != Z ]]
}

# Stop the boot-timeout watchdog of the current QEMU, if any.
_qemu_stop_watchdog() {
	if [[ -n $QEMU_WATCHDOG_PID ]]; then
		kill "$QEMU_WATCHDOG_PID" 2>/dev/null || true
		wait "$QEMU_WATCHDOG_PID" 2>/dev/null || true
		QEMU_WATCHDOG_PID=
	fi
}

# Stop the current boot's swtpm, if any (it also ends by itself when QEMU closes it).
_swtpm_stop() {
	if [[ -n $SWTPM_PID ]]; then
		kill "$SWTPM_PID" 2>/dev/null || true
		wait "$SWTPM_PID" 2>/dev/null || true
		SWTPM_PID=
	fi
}

# _swtpm_start DIR: starts swtpm (TPM 2.0) with its state in DIR and its control socket
# in DIR (or /tmp when that path is too long for a socket); --terminate ends it when QEMU
# disconnects. Sets SWTPM_PID and SWTPM_QEMU_ARGS (the QEMU arguments that attach it);
# fails (after a message) when swtpm is missing or its socket does not appear.
_swtpm_start() {
	local dir=$1 sock i
	_swtpm_stop
	command -v swtpm >/dev/null || { _lib_err "start swtpm: not installed (apt-get install swtpm)"; return 1; }
	mkdir -p "$dir" || { _lib_err "start swtpm: cannot create $dir"; return 1; }
	dir=$(cd "$dir" && pwd)
	sock=$dir/swtpm.sock
	((${#sock} <= 100)) || sock=/tmp/hardinit-swtpm-$UID-$BASHPID.sock
	rm -f "$sock"
	swtpm socket --tpm2 --tpmstate "dir=$dir" --ctrl "type=unixio,path=$sock" --terminate \
		--log "file=$dir/swtpm.log" </dev/null >/dev/null 2>&1 &
	SWTPM_PID=$!
	for ((i = 0; i < 50; i++)); do
		[[ -S $sock ]] && break
		sleep 0.1
	done
	[[ -S $sock ]] || { _swtpm_stop; _lib_err "start swtpm: no socket $sock"; return 1; }
	SWTPM_QEMU_ARGS=(-chardev "socket,id=tpmchr,path=$sock" -tpmdev emulator,id=tpm0,chardev=tpmchr -device tpm-tis,tpmdev=tpm0)
}

# Reap the exited QEMU, remember its status in QEMU_STATUS and tidy up.
_qemu_reap() {
	QEMU_STATUS=0
	if [[ -n $QEMU_PID ]]; then
		wait "$QEMU_PID" 2>/dev/null || QEMU_STATUS=$?
	fi
	_qemu_stop_watchdog
	_ssh_close
	_swtpm_stop
	QEMU_PID=
}

# Print a free TCP port on 127.0.0.1 (none listening), starting at a random base.
_free_port() {
	local base=$((20000 + RANDOM % 30000)) i port
	for ((i = 0; i < 200; i++)); do
		port=$((base + i))
		if [[ -z $(ss -Hltn "sport = :$port" 2>/dev/null) ]]; then
			printf '%s\n' "$port"
			return 0
		fi
	done
	return 1
}

# Kill QEMU $1 after $2 seconds unless it exits first; record the timeout in file $3.
_qemu_watchdog() {
	local pid=$1 limit=$2 marker=$3 waited=0 state=
	while kill -0 "$pid" 2>/dev/null; do
		read -r _ _ state _ <"/proc/$pid/stat" 2>/dev/null || break
		[[ $state != Z ]] || break
		if ((waited >= limit * 2)); then
			printf 'killed after %s s\n' "$limit" >"$marker"
			kill -TERM "$pid" 2>/dev/null || true
			sleep 3
			kill -KILL "$pid" 2>/dev/null || true
			break
		fi
		sleep 0.5
		waited=$((waited + 1))
	done
}

# qemu_boot NAME DISK INITRD CMDLINE [TIMEOUT_S]: start QEMU (TCG) in the background; DISK may be "" for none.
# _qemu_launch NAME TIMEOUT_S LOG QEMU_ARGS...: starts QEMU in the background with its
# watchdog and waits until it has set up its devices (it creates the console file then).
# Succeeds if QEMU is running; otherwise reaps it (QEMU_STATUS) and fails.
_qemu_launch() {
	local name=$1 timeout=$2 log=$3 i
	shift 3
	qemu-system-x86_64 "$@" </dev/null >"$log" 2>&1 &
	QEMU_PID=$!
	export QEMU_PID
	_qemu_watchdog "$QEMU_PID" "$timeout" "$WORK/$name.timeout" &
	QEMU_WATCHDOG_PID=$!
	for ((i = 0; i < 50; i++)); do
		[[ ! -e $QEMU_CONSOLE ]] || break
		_qemu_alive || break
		sleep 0.1
	done
	_qemu_alive && return 0
	_qemu_reap
	return 1
}

# _qemu_start NAME TIMEOUT_S ARGS...: what qemu_boot and qemu_boot_firmware share. Sets
# QEMU_NAME and QEMU_CONSOLE, starts QEMU (TCG, one vCPU, the serial console to a file)
# with ARGS, a user network "n0" whose host port QEMU_PORT forwards to the guest's port
# 22 (another port, up to 3 times, when one was taken between the check and QEMU's
# bind), then QEMU_EXTRA_ARGS. Returns 0 when QEMU runs, 1 (after a message) when not.
_qemu_start() {
	local name=$1 timeout=$2 tries=3 log
	local -a args
	shift 2
	if _qemu_alive; then
		_lib_err "start QEMU $name: QEMU $QEMU_NAME (pid $QEMU_PID) is still running"
		return 1
	fi
	mkdir -p "$WORK" || { _lib_err "start QEMU: cannot create $WORK"; return 1; }
	QEMU_NAME=$name
	QEMU_CONSOLE=$WORK/$name.console
	log=$WORK/$name.qemu.log
	while ((tries-- > 0)); do
		rm -f "$QEMU_CONSOLE" "$log" "$WORK/$name.timeout"
		QEMU_PORT=$(_free_port) || { _lib_err "start QEMU: no free port on 127.0.0.1"; return 1; }
		export QEMU_PORT
		args=(
			-accel tcg -m "${QEMU_MEM:-512}" -smp "${QEMU_SMP:-1}"
			-nographic
			-serial "file:$QEMU_CONSOLE" -monitor none
			-netdev "user,id=n0,hostfwd=tcp:127.0.0.1:$QEMU_PORT-:22"
			"$@"
		)
		if declare -p QEMU_EXTRA_ARGS >/dev/null 2>&1; then
			args+=("${QEMU_EXTRA_ARGS[@]}")
		fi
		if [[ -n ${QEMU_TPM:-} ]]; then
			_swtpm_start "$QEMU_TPM" || return 1
			args+=("${SWTPM_QEMU_ARGS[@]}")
		fi
		_qemu_launch "$name" "$timeout" "$log" "${args[@]}" && return 0
		# Another test may have taken the port between the check and QEMU's bind.
		grep -q 'host forwarding' "$log" 2>/dev/null && continue
		break
	done
	_lib_err "start QEMU $name: it exited at once (status $QEMU_STATUS): $(tail -n 5 "$log" 2>/dev/null)"
	return 1
}

qemu_boot() {
	if (($# < 4 || $# > 5)); then
		_lib_err "start QEMU: usage: qemu_boot NAME DISK INITRD CMDLINE [TIMEOUT_S]"
		return 2
	fi
	local name=$1 disk=$2 initrd=$3 cmdline=$4 timeout=${5:-120}
	local -a args
	_lib_need_env KERNEL "start QEMU" || return 1
	_lib_need_env WORK "start QEMU" || return 1
	[[ -f $KERNEL ]] || { _lib_err "start QEMU: kernel $KERNEL: no such file"; return 1; }
	[[ -f $initrd ]] || { _lib_err "start QEMU: initrd $initrd: no such file"; return 1; }
	[[ -z $disk || -e $disk ]] || { _lib_err "start QEMU: disk $disk: no such file"; return 1; }
	[[ $timeout =~ ^[0-9]+$ ]] || { _lib_err "start QEMU: timeout '$timeout' is not a number of seconds"; return 1; }
	args=(
		-no-reboot
		-kernel "$KERNEL" -initrd "$initrd"
		-append "console=ttyS0 printk.devkmsg=on panic=-1 $cmdline"
		-device "virtio-net-pci,netdev=n0"
	)
	[[ -z $disk ]] || args+=(-drive "file=$disk,format=raw,if=virtio")
	_qemu_start "$name" "$timeout" "${args[@]}"
}

# qemu_boot_firmware NAME DISK VARS [TIMEOUT_S]: start QEMU (TCG) booting DISK through
# OVMF's Secure Boot firmware (q35 with SMM, the code read-only) with VARS (a copy of a
# vars file, written by the firmware) as its variable store; no -kernel. Same state and
# helpers as qemu_boot, the SSH port included. With QEMU_REBOOT=1 a guest reset
# restarts the firmware (a panic=-1 kernel boots again, as on hardware) instead of
# ending QEMU.
OVMF_CODE=${OVMF_CODE:-/usr/share/OVMF/OVMF_CODE_4M.secboot.fd}
qemu_boot_firmware() {
	if (($# < 3 || $# > 4)); then
		_lib_err "start QEMU: usage: qemu_boot_firmware NAME DISK VARS [TIMEOUT_S]"
		return 2
	fi
	local name=$1 disk=$2 vars=$3 timeout=${4:-120}
	local -a args
	_lib_need_env WORK "start QEMU" || return 1
	[[ -f $OVMF_CODE ]] || { _lib_err "start QEMU: firmware $OVMF_CODE: no such file (apt-get install ovmf)"; return 1; }
	[[ -f $vars ]] || { _lib_err "start QEMU: vars $vars: no such file"; return 1; }
	[[ -e $disk ]] || { _lib_err "start QEMU: disk $disk: no such file"; return 1; }
	args=(
		-machine q35,smm=on -global driver=cfi.pflash01,property=secure,value=on
		-drive "if=pflash,format=raw,unit=0,file=$OVMF_CODE,readonly=on"
		-drive "if=pflash,format=raw,unit=1,file=$vars"
		-drive "file=$disk,format=raw,if=virtio"
		-device "virtio-net-pci,netdev=n0,romfile="
	)
	[[ ${QEMU_REBOOT:-0} == 1 ]] || args+=(-no-reboot)
	_qemu_start "$name" "$timeout" "${args[@]}"
}

# qemu_wait_line PATTERN [TIMEOUT_S]: wait for a console line matching ERE PATTERN; 1 on timeout or QEMU exit.
qemu_wait_line() {
	local pattern=$1 timeout=${2:-60} deadline
	[[ -n $QEMU_CONSOLE ]] || { _lib_err "wait for '$pattern': no QEMU was started"; return 1; }
	deadline=$((SECONDS + timeout))
	while :; do
		if _console_has "$QEMU_CONSOLE" "$pattern"; then
			return 0
		fi
		if ! _qemu_alive; then
			# Lines written just before the exit.
			if _console_has "$QEMU_CONSOLE" "$pattern"; then
				return 0
			fi
			printf 'qemu_wait_line: QEMU %s exited without a line matching: %s\n' \
				"$QEMU_NAME" "$pattern" >&2
			return 1
		fi
		if ((SECONDS >= deadline)); then
			printf 'qemu_wait_line: no line matching %s within %s s on %s\n' \
				"$pattern" "$timeout" "$QEMU_CONSOLE" >&2
			return 1
		fi
		sleep 0.2
	done
}

# guest_wait_marked_good [TIMEOUT_S]: waits until the demo's service tree marked the
# booted slot good (its "demo: health check passed" line). hardinitctl update refuses to
# run before: until then the running slot may be on its last try.
guest_wait_marked_good() {
	qemu_wait_line 'demo: health check passed' "${1:-90}" || { REASON="the booted slot was not marked good"; return 1; }
}

# qemu_wait_exit [TIMEOUT_S]: wait for QEMU to exit by itself (0); on timeout kill it and return 1.
qemu_wait_exit() {
	local timeout=${1:-60} deadline
	[[ -n $QEMU_PID ]] || return 0
	deadline=$((SECONDS + timeout))
	while _qemu_alive; do
		if ((SECONDS >= deadline)); then
			printf 'qemu_wait_exit: QEMU %s still running after %s s; killing it\n' \
				"$QEMU_NAME" "$timeout" >&2
			qemu_kill
			return 1
		fi
		sleep 0.2
	done
	_qemu_reap
	if [[ -e $WORK/$QEMU_NAME.timeout ]]; then
		printf 'qemu_wait_exit: QEMU %s was killed by its boot timeout\n' "$QEMU_NAME" >&2
		return 1
	fi
	return 0
}

# qemu_kill: kill QEMU (and its watchdog and SSH master) if running; safe in traps.
qemu_kill() {
	local i
	if [[ -n $QEMU_PID ]]; then
		if _qemu_alive; then
			kill -TERM "$QEMU_PID" 2>/dev/null || true
			for ((i = 0; i < 25; i++)); do
				_qemu_alive || break
				sleep 0.2
			done
			if _qemu_alive; then
				kill -KILL "$QEMU_PID" 2>/dev/null || true
			fi
		fi
		_qemu_reap
	fi
	_qemu_stop_watchdog
	_ssh_close
	_swtpm_stop
	return 0
}

# Print the SSH control socket path for the current boot (short: sun_path is 108 bytes).
_ssh_control_path() {
	local path=$WORK/ssh-$QEMU_PORT.ctl
	if ((${#path} > 100)); then
		path=/tmp/hardinit-ssh-$UID-$QEMU_PORT.ctl
	fi
	printf '%s\n' "$path"
}

# Set SSH_ARGV to the ssh command with the common options and this boot's control socket.
_ssh_argv() {
	SSH_ARGV=(
		ssh -i "$SSH_KEY" -p "$QEMU_PORT"
		-o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null
		-o BatchMode=yes -o LogLevel=ERROR -o ConnectTimeout=10
		-o ServerAliveInterval=5 -o ServerAliveCountMax=3
		-o ControlPath="$QEMU_SSH_CONTROL"
	)
}

# Run ssh to the guest with the common options, then "$@".
_ssh() {
	_ssh_argv
	"${SSH_ARGV[@]}" "$@"
}

# Start the one multiplexed SSH connection for this boot unless it is up.
# Returns 1 if the connection failed, 2 (after a message) on a usage error.
# The master is a child of this shell, not a ControlPersist/-f daemon: its pid
# is known and it is reaped here (a daemonized master is reparented to PID 1,
# which in some containers never reaps it). Its stdio goes to $WORK/NAME.ssh.log.
_ssh_master() {
	local i
	_lib_need_env SSH_KEY "connect to the guest" || return 2
	[[ -n $QEMU_PORT ]] || { _lib_err "connect to the guest: no QEMU was started"; return 2; }
	QEMU_SSH_CONTROL=$(_ssh_control_path)
	if [[ -S $QEMU_SSH_CONTROL ]] && _ssh -O check root@127.0.0.1 >/dev/null 2>&1; then
		return 0
	fi
	rm -f "$QEMU_SSH_CONTROL"
	_ssh_argv
	"${SSH_ARGV[@]}" -o ControlMaster=yes -o ControlPersist=no -N root@127.0.0.1 \
		</dev/null >>"$WORK/$QEMU_NAME.ssh.log" 2>&1 &
	QEMU_SSH_MASTER_PID=$!
	# The control socket appears once the master has logged in.
	for ((i = 0; i < 300; i++)); do
		if [[ -S $QEMU_SSH_CONTROL ]] && _ssh -O check root@127.0.0.1 >/dev/null 2>&1; then
			return 0
		fi
		if ! kill -0 "$QEMU_SSH_MASTER_PID" 2>/dev/null; then
			break
		fi
		sleep 0.1
	done
	_ssh_stop_master
	return 1
}

# Stop this shell's SSH master process, if any, and reap it.
_ssh_stop_master() {
	if [[ -n $QEMU_SSH_MASTER_PID ]]; then
		kill "$QEMU_SSH_MASTER_PID" 2>/dev/null || true
		wait "$QEMU_SSH_MASTER_PID" 2>/dev/null || true
		QEMU_SSH_MASTER_PID=
	fi
}

# Close the SSH master connection of the current boot, if any.
_ssh_close() {
	if [[ -n $QEMU_SSH_CONTROL && -S $QEMU_SSH_CONTROL ]]; then
		_ssh -O exit root@127.0.0.1 >/dev/null 2>&1 || true
	fi
	_ssh_stop_master
	[[ -z $QEMU_SSH_CONTROL ]] || rm -f "$QEMU_SSH_CONTROL"
	QEMU_SSH_CONTROL=
}

# guest_ssh CMD...: run CMD in the guest as root over this boot's single multiplexed connection.
guest_ssh() {
	local rc=0
	_ssh_master || rc=$?
	if ((rc == 1)); then
		_lib_err "connect to the guest on 127.0.0.1:$QEMU_PORT: $(tail -n 1 "$WORK/$QEMU_NAME.ssh.log" 2>/dev/null)"
	fi
	((rc == 0)) || return 255
	_ssh -o ControlMaster=no root@127.0.0.1 "$@"
}

# guest_ssh_wait [TIMEOUT_S] [READY_PATTERN]: wait until guest_ssh works; waits for READY_PATTERN on the console first to spare SYNs.
guest_ssh_wait() {
	local timeout=${1:-60} ready=${2:-} deadline attempts=0 rc
	deadline=$((SECONDS + timeout))
	if [[ -n $ready ]]; then
		qemu_wait_line "$ready" "$timeout" || return 1
	fi
	# Each failed attempt is one new connection (one SYN) to the guest.
	while :; do
		attempts=$((attempts + 1))
		rc=0
		_ssh_master || rc=$?
		((rc != 2)) || return 1
		if ((rc == 0)); then
			# shellcheck disable=SC2034 # for case scripts that report it
			GUEST_SSH_ATTEMPTS=$attempts
			return 0
		fi
		if ! _qemu_alive; then
			_lib_err "reach the guest by SSH: QEMU $QEMU_NAME exited"
			return 1
		fi
		if ((SECONDS >= deadline)); then
			_lib_err "reach the guest by SSH within $timeout s ($attempts attempts): $(tail -n 1 "$WORK/$QEMU_NAME.ssh.log" 2>/dev/null)"
			return 1
		fi
		sleep 2
	done
}

# Print console lines (from stdin) that show an interactive shell or a kernel failure.
# With $1 = 1, "Kernel panic" lines are allowed (an Oops, BUG or GPF never is).
_console_bad_lines() {
	LIB_ALLOW_PANIC=$1 \
	LIB_SHELL_RE='(^|[[:space:]])[/~][^[:space:]]* [#$] |[#$] $|^\[[^]]*\][#$] |built-in shell|can.t access tty|job control turned off' \
	LIB_KERNEL_RE='Kernel panic|Oops:|BUG:|general protection fault' \
		awk '
		$0 ~ ENVIRON["LIB_SHELL_RE"] { print NR ": " $0; next }
		$0 ~ ENVIRON["LIB_KERNEL_RE"] {
			if (ENVIRON["LIB_ALLOW_PANIC"] == 1 && $0 ~ /Kernel panic/ &&
			    $0 !~ /Oops:|BUG:|general protection fault/) next
			print NR ": " $0
		}'
}

# console_check_clean NAME [allow-panic]: fail (1) and print offending lines if the console shows a shell prompt or a kernel panic/oops.
console_check_clean() {
	local name=$1 mode=${2:-} file bad allow=0
	_lib_need_env WORK "check the console" || return 1
	file=$WORK/$name.console
	[[ -f $file ]] || { _lib_err "check console $name: $file: no such file"; return 1; }
	[[ $mode != allow-panic ]] || allow=1
	bad=$(_console_text "$file" | _console_bad_lines "$allow")
	if [[ -n $bad ]]; then
		printf 'console %s is not clean (shell prompt or kernel failure):\n%s\n' "$name" "$bad" >&2
		return 1
	fi
	return 0
}

# expect_console NAME PATTERN: succeed if a console line matches ERE PATTERN, else print it and the console tail.
expect_console() {
	_lib_need_env WORK "check the console" || return 1
	local name=$1 pattern=$2 file=$WORK/$1.console
	if _console_has "$file" "$pattern"; then
		return 0
	fi
	printf 'expected a console line matching: %s\nlast 40 lines of %s:\n' "$pattern" "$file" >&2
	_console_text "$file" | tail -n 40 >&2 || true
	return 1
}

# expect_no_console NAME PATTERN: succeed if no console line matches ERE PATTERN, else print the matches and the tail.
expect_no_console() {
	_lib_need_env WORK "check the console" || return 1
	local name=$1 pattern=$2 file=$WORK/$1.console
	if ! _console_has "$file" "$pattern"; then
		return 0
	fi
	printf 'expected no console line matching: %s; found:\n' "$pattern" >&2
	_console_text "$file" | grep -anE -- "$pattern" | head -n 10 >&2 || true
	printf 'last 40 lines of %s:\n' "$file" >&2
	_console_text "$file" | tail -n 40 >&2 || true
	return 1
}

# case_begin NAME: start a test case.
case_begin() {
	CASE_NAME=$1
}

# case_pass: count the current case as passed and print "PASS name".
case_pass() {
	PASSED=$((PASSED + 1))
	printf 'PASS %s\n' "$CASE_NAME"
	CASE_NAME=
}

# case_fail REASON: count the current case as failed and print "FAIL name: reason".
case_fail() {
	FAILED=$((FAILED + 1))
	printf 'FAIL %s: %s\n' "$CASE_NAME" "$*"
	CASE_NAME=
}

# summary: print "N passed, N failed"; return non-zero if any case failed.
summary() {
	printf '%d passed, %d failed\n' "$PASSED" "$FAILED"
	((FAILED == 0))
}
