#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# qemu_client.sh {realize|e2e} DIR
#
# Runs in the emulated board's guest (scripts/qemu-client-test starts it
# through scripts/vm-run, the test device bound to vfio-platform-msi): starts
# Debian's qemu-system-aarch64 from the rootfs DIR/rootfs with
# -device vfio-platform,host=$VFIO_PMSI_DEVICE and prints KTAP.
#
# realize  QEMU, paused, realizes the device: GET_INFO, every region set up
#          and mapped on the platform bus where the nested DT says, every IRQ
#          index wired, from QEMU's VFIO trace and its monitor (info qtree,
#          info mtree); the host interrupts are requested, and released when
#          QEMU quits. QEMU does not ask for the device's MSIs
#          (Documentation/uapi.rst), so it sees upstream vfio-platform's
#          device: the wired lines only, each count 1.
# e2e      A nested busybox guest with vpmsi_nested.ko sees the registers and
#          gets the interrupts that the device model raises when this script
#          drives its LINE_CMD mailbox: level line and edge line. An MSI
#          the device is asked to send reaches nobody.
#
# DIR/files holds what scripts/qemu-client-test prepared: nested.dtb,
# dummy-kernel, expect.conf (the nested machine and the platform-bus layout
# written in nested.dtb), and for e2e nested-kernel and nested-initrd.cpio.

mode=${1:?usage: qemu_client.sh realize|e2e DIR}
dir=${2:?usage: qemu_client.sh realize|e2e DIR}
dev=${VFIO_PMSI_DEVICE:-7f000000.testdev}
sysdev=/sys/bus/platform/devices/$dev
root=$dir/rootfs
files=$dir/files
work=$root/tmp		# the chroot's /tmp
base=0x${dev%%.*}	# physical address of the register window
qemu_pid=

# shellcheck source=/dev/null
. "$files/expect.conf"

# --- KTAP -------------------------------------------------------------------
n=0
failed=0
ok() { n=$((n + 1)); echo "ok $n $*"; }
not_ok() { n=$((n + 1)); failed=1; echo "not ok $n $*"; }
diag() { echo "# $*"; }
result() {	# result RC DESC
	if [ "$1" = 0 ]; then ok "$2"; else not_ok "$2"; fi
}

# --- helpers ------------------------------------------------------------------
# Seconds since boot, for diagnostics.
now() { cut -d' ' -f1 /proc/uptime; }

alive() { [ -n "$qemu_pid" ] && kill -0 "$qemu_pid" 2>/dev/null; }

# wait_for FILE ERE SECONDS: until a line of FILE matches, while QEMU runs.
wait_for() {
	i=0
	while [ $i -lt $(($3 * 10)) ]; do
		grep -Eq "$2" "$1" 2>/dev/null && return 0
		alive || { grep -Eq "$2" "$1" 2>/dev/null; return; }
		sleep 0.1
		i=$((i + 1))
	done
	return 1
}

reg_read() { devmem $((base + $1)) 32; }
reg_write() { devmem $((base + $1)) 32 "$2"; }

# mailbox OFFSET VALUE: the FIRE / LINE_CMD protocol (wait for 0, write,
# wait for 0).
mailbox() {
	for step in wait write wait; do
		if [ $step = write ]; then
			reg_write "$1" "$2"
			continue
		fi
		i=0
		while [ "$(($(reg_read "$1")))" != 0 ]; do
			i=$((i + 1))
			[ $i -lt 500 ] || { diag "mailbox $1 stays busy"; return 1; }
			sleep 0.01
		done
	done
}

# Interrupt handlers of the device in /proc/interrupts.
host_irqs() { grep -E "vfio-[a-z-]*\[[0-9]+\]\($dev\)" /proc/interrupts; }

# The driver's debug counters: what it still holds for the device (handlers,
# eventfds, virqfds, the MSI block), one line per IRQ index. Prints the
# lines that hold something; succeeds when none does.
driver_holds() {
	st=/sys/kernel/debug/vfio-platform-msi/$dev/state
	[ -r "$st" ] || { echo "no $st"; return 1; }
	! grep -E '(handler|trigger|mask_fd|unmask_fd|block|handlers|triggers|virqfds) [1-9]' "$st"
}

start_qemu() {	# start_qemu QEMU-ARGS...: monitor on a FIFO, fd 3
	rm -f "$work/mon.in"
	mkfifo "$work/mon.in"
	diag "[$(now)] qemu-system-aarch64 $*"
	chroot "$root" /usr/bin/qemu-system-aarch64 -display none -nodefaults \
		-monitor stdio "$@" <"$work/mon.in" >"$work/mon.out" \
		2>"$work/qemu.err" &
	qemu_pid=$!
	exec 3>"$work/mon.in"
}

monitor() { echo "$*" >&3; }

# quit_qemu: "quit" on the monitor; returns QEMU's exit status.
quit_qemu() {
	monitor quit
	exec 3>&-
	i=0
	while alive && [ $i -lt 300 ]; do
		sleep 0.1
		i=$((i + 1))
	done
	if alive; then
		diag "QEMU did not quit, killing it"
		kill -9 "$qemu_pid"
	fi
	wait "$qemu_pid"
	rc=$?
	qemu_pid=
	diag "[$(now)] QEMU exited with status $rc"
	return $rc
}

# QEMU's own messages (error_report(), warn_report()) on its stderr, with
# or without -msg timestamp=on.
qemu_messages() { grep -E '^([0-9T:.-]+Z )?qemu-system-aarch64: ' "$work/qemu.err"; }

# QEMU 7.2 names a platform device's regions "VFIO <dev> region <i>\n": join
# the lines it splits, in its trace (stderr) and its monitor's output (which
# ends lines with CR LF).
unsplit() {
	tr -d '\r' <"$1" | awk 'NR > 1 && ($0 ~ /^ mmaps\[/ || $0 ~ /^", flags:/) { prev = prev $0; next }
	     NR > 1 { print prev } { prev = $0 } END { if (NR) print prev }'
}

setup() {
	# vfio-platform-msi's driver, by the name in effect (driver_name)
	drv=$(cat /sys/module/vfio_platform_msi/parameters/driver_name) ||
		{ echo "Bail out! vfio-platform-msi is not loaded"; exit 1; }
	[ "$(basename "$(readlink "$sysdev/driver")")" = "$drv" ] ||
		{ echo "Bail out! $dev is not bound to vfio-platform-msi ($drv)"; exit 1; }
	for m in dev proc sys; do
		mount --bind "/$m" "$root/$m" ||
			{ echo "Bail out! cannot bind-mount /$m into the rootfs"; exit 1; }
	done
	mount -t tmpfs tmpfs "$root/tmp"
	mount --bind "$files" "$root/mnt"
	# Expected layout, from the board's DT.
	nregs=$(($(wc -c <"$sysdev/of_node/reg") / 16))
	nlines=$(($(wc -c <"$sysdev/of_node/interrupts") / 12))
	nvec=$(($(reg_read 0x8)))
	nidx=$nlines		# QEMU does not ask for the MSIs
}

teardown() {
	alive && quit_qemu >/dev/null
	umount "$root/mnt" "$root/tmp" "$root/sys" "$root/proc" "$root/dev" \
		2>/dev/null
}

# --- realize ------------------------------------------------------------------
test_realize() {
	echo "TAP version 13"
	echo "1..$((8 + nregs + nidx))"
	diag "$dev: $nregs regions, $nlines wired lines, $nvec MSI vectors"

	# shellcheck disable=SC2086
	start_qemu $NESTED_MACHINE -S \
		-kernel /mnt/dummy-kernel -dtb /mnt/nested.dtb \
		-trace 'vfio_*' -device "vfio-platform,host=$dev"
	# The monitor answers once QEMU is initialised, the device realized.
	monitor info qtree
	monitor info mtree
	wait_for "$work/mon.out" 'dev: vfio-platform' 60
	result $? "realize: QEMU realizes vfio-platform,host=$dev and answers on its monitor"
	# What the host has while QEMU runs; everything else is read from
	# QEMU's trace and monitor output once it has quit.
	host_irqs >"$work/host_irqs"
	sed 's/^ */host: /; s/^/# /' "$work/host_irqs"
	n_wired=$(grep -Ec "vfio-pmsi-irq\[[0-9]+\]\($dev\)" "$work/host_irqs")
	n_msi=$(grep -Ec "vfio-msi\[[0-9]+\]\($dev\)" "$work/host_irqs")
	[ "$n_wired" = "$nlines" ] && [ "$n_msi" = 0 ]
	result $? "realize: the host has $nlines wired handlers and no MSI handler for the device ($n_wired, $n_msi)"

	quit_qemu
	result $? "realize: QEMU quits with status 0"
	unsplit "$work/qemu.err" >"$work/trace"
	unsplit "$work/mon.out" >"$work/monitor"

	irqs=$(host_irqs)
	[ -z "$irqs" ]
	result $? "realize: quitting QEMU releases every host interrupt of the device"
	[ -z "$irqs" ] || echo "$irqs" | sed 's/^/#   /'
	held=$(driver_holds)
	result $? "realize: the driver's debug counters show no handler, eventfd, virqfd or MSI block left"
	[ -z "$held" ] || echo "$held" | sed 's/^/#   /'

	# GET_INFO: VFIO_DEVICE_FLAGS_PLATFORM (4), the region and index counts.
	line=$(grep "^vfio_get_device Device $dev flags:" "$work/trace")
	flags=$(echo "$line" | sed -n 's/.*flags: \([0-9]*\),.*/\1/p')
	echo "$line" | grep -q "regions: $nregs, irqs: $nidx\$" &&
		[ $((${flags:-0} & 4)) = 4 ]
	result $? "realize: GET_INFO: platform device, $nregs regions, $nidx IRQ indexes (${line#vfio_get_device })"

	# Every region: set up with the size from the DT, mapped on the platform
	# bus at the address the nested DT gives, and mmapped when page aligned.
	r=0
	size=0
	addr=0
	mmap=0
	while [ $r -lt "$nregs" ]; do
		eval "size=\$REG${r}_SIZE addr=\$REG${r}_ADDR mmap=\$REG${r}_MMAP"
		start=$(printf '%016x' $((addr)))
		end=$(printf '%016x' $((addr + size - 1)))
		grep -Eq "^vfio_region_setup Device $dev, region $r .*size: $(printf '0x%x' $((size)))\$" \
			"$work/trace" &&
			grep -q "$start-$end (prio 0, i/o): VFIO $dev region $r\$" "$work/monitor"
		rc=$?
		what=trapped
		if [ "$mmap" = 1 ]; then
			what=mmapped
			[ $rc = 0 ] &&
				grep -q "^vfio_region_mmap Region VFIO $dev region $r mmaps\[0\] \[0x0 - $(printf '0x%x' $((size - 1)))\]" \
					"$work/trace" &&
				grep -q "$start-$end (prio 0, ramd\?): VFIO $dev region $r mmaps\[0\]\$" \
					"$work/monitor"
			rc=$?
		fi
		result $rc "realize: region $r ($(printf '%#x' $((size))) bytes) mapped at $(printf '%#x' $((addr))), $what"
		r=$((r + 1))
	done

	# Every IRQ index: GET_IRQ_INFO as the uAPI says, and a host handler
	# of the right kind while QEMU ran.
	i=0
	while [ $i -lt "$nidx" ]; do
		eval "type=\$IRQ${i}_TYPE"
		count=1
		if [ "$type" = Level ]; then flags=0x7; else flags=0x3; fi
		pat="vfio-pmsi-irq\[[0-9]+\]\($dev\)"
		what="wired line $i ($type)"
		grep -q "^vfio_platform_populate_interrupts - IRQ index $i: count $count, flags=$flags\$" \
			"$work/trace" &&
			grep -E "$pat" "$work/host_irqs" | grep -q " $type "
		result $? "realize: IRQ index $i wired: $what"
		i=$((i + 1))
	done

	# info qtree: the device, its host, one MMIO per region (the platform
	# bus maps them itself: qtree shows no address) and an IRQ per index.
	qtree=$(sed -n '/dev: vfio-platform/,/dev: /p' "$work/monitor")
	rc=0
	echo "$qtree" | grep -q "host = \"$dev\"" || rc=1
	echo "$qtree" | grep -q "gpio-out \"sysbus-irq\" $nidx\$" || rc=1
	r=0
	while [ $r -lt "$nregs" ]; do
		eval "size=\$REG${r}_SIZE"
		echo "$qtree" | grep -q "mmio [0-9a-f]*/$(printf '%016x' $((size)))\$" || rc=1
		r=$((r + 1))
	done
	result $rc "realize: info qtree: vfio-platform, host = \"$dev\", $nregs MMIO regions, $nidx IRQs"

	[ -z "$(qemu_messages)" ]
	result $? "realize: QEMU printed no error or warning"
	qemu_messages | sed 's/^/#   /'

	if [ "$failed" != 0 ]; then
		echo "$qtree" | sed 's/^/# qtree: /'
		grep -E '^vfio_(get_device|region_setup|region_mmap|platform)' "$work/trace" |
			sed 's/^/# trace: /'
		grep -E 'platform bus|VFIO' "$work/monitor" | sed 's/^/# mtree: /'
	fi
}

# --- end to end ---------------------------------------------------------------
nested_log=
# nested_count WHAT: last "WHAT count=N" the nested driver printed (0 if none).
nested_count() {
	c=$(sed -n "s/.*vpmsi_nested .*: $1 count=\([0-9]*\).*/\1/p" "$nested_log" | tail -n 1)
	echo "${c:-0}"
}

spurious() {
	c=$(sed -n 's/.*vpmsi_nested .*: level spurious=\([0-9]*\).*/\1/p' "$nested_log" | tail -n 1)
	echo "${c:-0}"
}

# expect_count WHAT N SECONDS: wait until the nested driver counted N.
expect_count() {
	wait_for "$nested_log" "vpmsi_nested .*: $1 count=$2([^0-9]|\$)" "$3"
}

test_e2e() {
	echo "TAP version 13"
	echo "1..7"
	nested_log=$work/nested.log
	level_cmd=$((0x80000000 | (1 << 8) | 0))	# GO | ASSERT | line 0
	edge_cmd=$((0x80000000 | (3 << 8) | 1))		# GO | PULSE x1 | line 1

	t0=$(now)
	# shellcheck disable=SC2086
	start_qemu $NESTED_MACHINE -no-reboot \
		-kernel /mnt/nested-kernel -initrd /mnt/nested-initrd.cpio \
		-dtb /mnt/nested.dtb -serial file:/tmp/nested.log \
		-append "console=ttyAMA0 panic=-1 quiet" \
		-msg timestamp=on -trace 'vfio_platform_*' -trace 'vfio_intp_*' -trace 'vfio_get_device' \
		-device "vfio-platform,host=$dev"
	# The nested kernel takes 2 to 4 minutes to boot (TCG in TCG).
	range=$(printf '0x%08x-0x%08x' $((REG0_ADDR)) $((REG0_ADDR + REG0_SIZE - 1)))
	wait_for "$nested_log" 'VPMSI-NESTED-(READY|FAILED)' 480 &&
		grep -q VPMSI-NESTED-READY "$nested_log" &&
		grep -q "vpmsi_nested $(printf '%x' $((REG0_ADDR))).testdev: ready: ID 0x564d5349 version 1 at \[mem $range\]" \
			"$nested_log"
	result $? "e2e: the nested guest boots, its driver finds the test device's registers at $range"
	diag "[$(now)] nested guest up after $(awk "BEGIN { print $(now) - $t0 }") s"
	grep 'vpmsi_nested.*ready' "$nested_log" | tr -d '\r' | sed 's/^/# nested: /'

	# QEMU enabled every index: host handlers for the wired lines, none
	# for MSIs (it did not ask for them), and the device's MSIs are off.
	host_irqs | sed 's/^ */host: /; s/^/# /'
	n_wired=$(host_irqs | grep -Ec "vfio-pmsi-irq\[[0-9]+\]\($dev\)")
	n_msi=$(host_irqs | grep -Ec "vfio-msi\[[0-9]+\]\($dev\)")
	[ "$n_wired" = "$nlines" ] && [ "$n_msi" = 0 ] &&
		[ $(($(reg_read 0x10) & 1)) = 0 ]
	result $? "e2e: QEMU enabled every index: $nlines wired handlers, no MSI handler, the device's MSIs off ($n_wired, $n_msi)"

	# Level line: one interrupt per assertion; the nested driver drives the
	# line low through its mapping, QEMU's EOI unmasks and re-arms it.
	rc=0
	for k in 1 2 3; do
		if ! mailbox 0x24 $level_cmd || ! expect_count level $k 30; then
			rc=1
			break
		fi
		[ $(($(reg_read 0x28) & 1)) = 0 ] || { diag "level line still high after interrupt $k"; rc=1; break; }
	done
	diag "level line raised $(($(reg_read 0x40))) times, LINE_STATE $(reg_read 0x28), LINE_CMD $(reg_read 0x24), ERR_COUNT $(reg_read 0x2c); host: $(host_irqs | grep Level)"
	for f in /sys/kernel/debug/irq/irqs/$(host_irqs | grep Level | cut -d: -f1 | tr -d ' '); do
		[ -f "$f" ] && sed 's/^/# irq: /' "$f"
	done
	sleep 1
	[ $rc = 0 ] && [ "$(nested_count level)" = 3 ]
	result $? "e2e: level line: 3 assertions, 3 interrupts in the nested guest, re-armed by EOI (got $(nested_count level))"
	diag "level interrupts that found the line low already (QEMU unmasks on the first access): $(spurious)"

	# Edge line: one interrupt per pulse.
	rc=0
	for k in 1 2 3; do
		if ! mailbox 0x24 $edge_cmd || ! expect_count edge $k 30; then
			rc=1
			break
		fi
	done
	sleep 1
	[ $rc = 0 ] && [ "$(nested_count edge)" = 3 ]
	result $? "e2e: edge line: 3 pulses, 3 interrupts in the nested guest (got $(nested_count edge))"

	# An MSI: nobody asked for the device's MSIs; the device, its MSIs
	# off, drops it (ERR_COUNT).
	err0=$(($(reg_read 0x2c)))
	total0=$(($(reg_read 0x3c)))
	mailbox 0x20 $((0x80000000))
	sleep 2
	err1=$(($(reg_read 0x2c)))
	total1=$(($(reg_read 0x3c)))
	[ "$err1" = $((err0 + 1)) ] && [ "$total1" = "$total0" ]
	result $? "e2e: MSI vector 0, the MSIs not asked for: dropped by the device (ERR_COUNT $err0 -> $err1, MSI_TOTAL $total0 -> $total1)"

	quit_qemu
	rc=$?
	irqs=$(host_irqs)
	[ $rc = 0 ] && [ -z "$irqs" ]
	result $? "e2e: QEMU quits with status 0, no host handler of the device left"
	[ -z "$irqs" ] || echo "$irqs" | sed 's/^/#   /'
	held=$(driver_holds)
	result $? "e2e: the driver's debug counters show no handler, eventfd, virqfd or MSI block left"
	[ -z "$held" ] || echo "$held" | sed 's/^/#   /'
	[ -z "$(qemu_messages)" ] || qemu_messages | sed 's/^/# qemu: /'
	if [ "$failed" != 0 ]; then
		# The nested guest's messages of the test (not its boot log, whose
		# warnings would look like the board's own).
		grep -E 'vpmsi|VPMSI' "$nested_log" | tr -d '\r' | sed 's/^/# nested: /'
		sed 's/^/# trace: /' "$work/qemu.err"
	fi
}


setup
case $mode in
realize) test_realize ;;
e2e) test_e2e ;;
*) echo "Bail out! unknown mode $mode"; failed=1 ;;
esac
teardown
exit $failed
