#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# Guest-side runner of the selftests (started by scripts/check through
# scripts/vm-run): runs every program listed in tests.list, each bound to
# the driver it tests, under a timeout, and prints their KTAP output between
# markers that scripts/check counts. The test device is rebound between
# programs: testdev_* programs test the device model through the reference
# host driver vpmsi_testhost, vfio_* programs test vfio-platform-msi.

here=${1:-$(dirname "$0")}
dev=${VFIO_PMSI_DEVICE:-7f000000.testdev}
sysdev=/sys/bus/platform/devices/$dev
per_test_timeout=${VPM_TEST_TIMEOUT:-600}

driver_of() {
	case $1 in
	testdev_*) echo vpmsi_testhost ;;
	*) echo vfio-platform-msi ;;
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
	timeout "$per_test_timeout" "$here/$t"
	rc=$?
	[ $rc = 0 ] || [ $rc = 4 ] || failed=1
	echo "=== VPM-TEST-END $t rc=$rc"
done <"$here/tests.list"
exit $failed
