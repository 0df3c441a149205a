#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest-side runner of the selftests (started by scripts/check through
# scripts/vm-run): run_suite.sh [DIR [LIST]] runs the programs of DIR named
# in LIST (default DIR/tests.list), each bound to the driver it tests, under
# a timeout, and prints their KTAP output between markers that scripts/check
# counts. The test device is rebound between programs: testdev_* programs
# test the device model through the reference host driver vpmsi_testhost,
# vfio_* programs test vfio-platform-msi, bound by the name its driver has
# (the module parameter driver_name: vfio-platform, or vfio-platform-msi on
# a kernel that has upstream vfio-platform).
#
# Each program runs in a session of its own. The harness forks every test
# into a process group of its own, so killing the program alone would leave
# a timed-out test running with the device open; a timeout kills the whole
# session instead, and so does a program that returns with processes left
# behind (reported, it is a defect of the test).
#
#   VPM_TEST_TIMEOUT    seconds a program may run (default 600)
#   VPM_VFIO_DRIVER     the VFIO driver of vfio_* programs (default: the
#                       project's, by the name in
#                       /sys/module/vfio_platform_msi/parameters/driver_name,
#                       else vfio-platform). Upstream's peer on the debug
#                       kernel: vfio-platform, while ours is loaded under its
#                       default name there, vfio-platform-msi (the two
#                       cannot both carry vfio-platform)
#   VPM_TIMEOUT_SCALE   multiplies the harness's per-test timeouts
#                       (lib/vpm_harness.h) and VPM_TEST_TIMEOUT

here=${1:-$(dirname "$0")}		# the programs
list=${2:-$here/tests.list}		# which of them to run, in order
dev=${VFIO_PMSI_DEVICE:-7f000000.testdev}
sysdev=/sys/bus/platform/devices/$dev
per_test_timeout=$((${VPM_TEST_TIMEOUT:-600} * ${VPM_TIMEOUT_SCALE:-1}))
vpm_name=$(cat /sys/module/vfio_platform_msi/parameters/driver_name 2>/dev/null)
vfio_driver=${VPM_VFIO_DRIVER:-${vpm_name:-vfio-platform}}

driver_of() {
	case $1 in
	testdev_*) echo vpmsi_testhost ;;
	*) echo "$vfio_driver" ;;
	esac
}

rebind() {
	want=$1
	cur=
	[ -e "$sysdev/driver" ] && cur=$(basename "$(readlink "$sysdev/driver")")
	[ "$cur" = "$want" ] && return 0
	[ -n "$cur" ] && echo "$dev" >"$sysdev/driver/unbind"
	echo "$want" >"$sysdev/driver_override"
	echo "$dev" >/sys/bus/platform/drivers_probe 2>/dev/null
	[ -e "$sysdev/driver" ] &&
		[ "$(basename "$(readlink "$sysdev/driver")")" = "$want" ]
}

# session_pids SID: the processes of session SID
session_pids() {
	for p in /proc/[0-9]*; do
		# pid (comm) state ppid pgrp session ...: comm has no blanks here
		read -r _ _ _ _ _ s _ <"$p/stat" 2>/dev/null || continue
		[ "$s" = "$1" ] && echo "${p#/proc/}"
	done
}

kill_session() {
	for sig in TERM KILL; do
		pids=$(session_pids "$1")
		[ -n "$pids" ] || return 0
		# shellcheck disable=SC2086
		kill -$sig $pids 2>/dev/null
		sleep 1
	done
}

# run_one PROGRAM: run PROGRAM in a new session under the timeout; prints
# its status as "rc".
run_one() {
	# ash without job control: the child is no group leader, so setsid
	# makes it a session leader without forking again: its pid is the sid.
	setsid "$1" &
	pid=$!
	(
		n=0
		while [ $n -lt "$per_test_timeout" ] && kill -0 "$pid" 2>/dev/null; do
			sleep 1
			n=$((n + 1))
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "# $(basename "$1"): timed out after ${per_test_timeout}s, killing its session"
			kill_session "$pid"
		fi
	) &
	watchdog=$!
	wait "$pid"
	rc=$?
	wait "$watchdog"
	if [ -n "$(session_pids "$pid")" ]; then
		echo "# $(basename "$1"): left processes behind, killing them"
		kill_session "$pid"
		[ $rc != 0 ] || rc=1
	fi
}

echo "# environment: $(env | grep '^VPM_' | sort | tr '\n' ' ')"
failed=0
while read -r t; do
	[ -n "$t" ] || continue
	drv=$(driver_of "$t")
	echo "=== VPM-TEST-BEGIN $t ($drv)"
	if ! rebind "$drv"; then
		echo "# $t: cannot bind $dev to $drv"
		echo "=== VPM-TEST-END $t rc=4 nodriver"
		continue
	fi
	if [ -e "$sysdev/iommu_group" ]; then
		g=$(basename "$(readlink "$sysdev/iommu_group")")
		VFIO_PMSI_GROUP=/dev/vfio/$g
		# VFIO no-IOMMU mode (vm-run --noiommu)
		[ -e "/dev/vfio/noiommu-$g" ] && VFIO_PMSI_GROUP=/dev/vfio/noiommu-$g
		export VFIO_PMSI_GROUP
	fi
	start=$(cut -d. -f1 /proc/uptime)
	run_one "$here/$t"
	[ $rc = 0 ] || [ $rc = 4 ] || failed=1
	echo "=== VPM-TEST-END $t rc=$rc secs=$(($(cut -d. -f1 /proc/uptime) - start))"
done <"$list"
exit $failed
