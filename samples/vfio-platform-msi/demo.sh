#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
#
# The guest side of 'make run' (scripts/demo), run by scripts/vm-run with
# VFIO_PMSI_DEVICE and VFIO_PMSI_GROUP set: first what an administrator
# checks, vfio-platform-info on the test device (tools/vfio-platform-info),
# then the example userspace driver. Both are in this script's directory.
here=$(dirname "$0")

echo "# vfio-platform-info $VFIO_PMSI_DEVICE"
"$here/vfio-platform-info" "$VFIO_PMSI_DEVICE" || exit
echo
exec "$here/vfio_pmsi_demo"
