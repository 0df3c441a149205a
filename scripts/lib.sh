# SPDX-License-Identifier: GPL-2.0
# Common helpers for the project's scripts. Sourced, never executed.

VPM_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
VPM_CACHE=${VPM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/vfio-platform-msi}
VPM_OUT=${VPM_OUT:-$VPM_ROOT/out}
VPM_CROSS=${VPM_CROSS:-aarch64-linux-gnu-}

vpm_log() { echo "[vpm] $*" >&2; }
vpm_die() { echo "[vpm] error: $*" >&2; exit 1; }

# Run the host's apt-get noninteractively, with one 'apt-get update' per
# process at most. Always the host's own configuration: a suite's private
# one (vpm_suite_apt, exported to child processes too) must never install
# anything on the host, or the host would get that suite's packages.
vpm_apt_updated=
vpm_apt() {
	if [ -z "$vpm_apt_updated" ]; then
		env -u APT_CONFIG DEBIAN_FRONTEND=noninteractive \
			apt-get update -q >&2 ||
			vpm_die "apt-get update failed"
		vpm_apt_updated=1
	fi
	env -u APT_CONFIG DEBIAN_FRONTEND=noninteractive apt-get "$@" >&2
}

# Install host tools that are missing. Arguments are "command:package" or
# "/absolute/path:package" pairs.
vpm_need_tools() {
	local pair cmd pkg missing=
	for pair in "$@"; do
		cmd=${pair%%:*}
		pkg=${pair#*:}
		case $cmd in
		/*) [ -e "$cmd" ] && continue ;;
		*) command -v "$cmd" >/dev/null 2>&1 && continue ;;
		esac
		case " $missing " in *" $pkg "*) ;; *) missing="$missing $pkg" ;; esac
	done
	[ -z "$missing" ] && return 0
	[ "$(id -u)" = 0 ] || vpm_die "missing tools:$missing (run as root to install)"
	vpm_log "installing:$missing"
	# shellcheck disable=SC2086
	vpm_apt install -y -q --no-install-recommends $missing ||
		vpm_die "apt-get install$missing failed"
}

# The host compiler needs the C library's headers for kbuild's host
# programs (fixdep, kconfig): gcc only recommends libc6-dev, and packages
# are installed without their recommends.
vpm_host_tools() {
	vpm_need_tools qemu-system-aarch64:qemu-system-arm \
		aarch64-linux-gnu-gcc:gcc-aarch64-linux-gnu \
		/usr/aarch64-linux-gnu/lib/libc.a:libc6-dev-arm64-cross \
		fdtget:device-tree-compiler modinfo:kmod timeout:coreutils \
		dtc:device-tree-compiler cpio:cpio pahole:dwarves \
		xz:xz-utils bc:bc flex:flex bison:bison make:make \
		gcc:gcc /usr/include/stdio.h:libc6-dev perl:perl
}

# Make sure apt knows arm64 packages (for apt-get download of arm64 debs).
vpm_arm64_arch() {
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		dpkg --add-architecture arm64
		vpm_apt_updated=
	fi
	if ! apt-cache show linux-image-6.12-arm64:arm64 >/dev/null 2>&1; then
		vpm_apt_updated=
		vpm_apt --version >/dev/null
	fi
}

# Download a package (PKG:ARCH=VERSION or PKG:ARCH) into the cache, print the path.
vpm_download() {
	local spec=$1 dir=$VPM_CACHE/debs f
	mkdir -p "$dir"
	# --print-uris prints nothing for a file already in the current
	# directory: ask from an empty one.
	f=$(cd / && apt-get download --print-uris "$spec" 2>/dev/null |
		awk 'NR == 1 {print $2}')
	[ -n "$f" ] || vpm_die "no package for $spec"
	if [ ! -s "$dir/$f" ]; then
		(cd "$dir" && apt-get download -q "$spec" >&2 2>/dev/null) ||
			(cd "$dir" && apt-get download -q "$spec" >&2) ||
			vpm_die "apt-get download $spec failed"
	fi
	echo "$dir/$f"
}

# Name of the package a meta package depends on (first Depends: line).
vpm_meta_dep() {
	apt-cache depends "$1" 2>/dev/null | awk '/ Depends:/ {print $2; exit}' |
		sed 's/:.*//'
}

# The emulated board: QEMU virt with GICv3 and an ITS, TCG, cortex-a57.
# VPM_QEMU_MACHINE_EXTRA and VPM_QEMU_DEVICES add to it for one run (the
# bench's vfio-pci boot: ",iommu=smmuv3" and "-device edu ...").
# VPM_QEMU is the QEMU that runs it, VPM_CONSOLE the guest's console.
VPM_QEMU=qemu-system-aarch64
VPM_QEMU_MACHINE="virt,gic-version=3,its=on${VPM_QEMU_MACHINE_EXTRA:-}"
VPM_QEMU_ARGS="-cpu cortex-a57 -smp 2${VPM_QEMU_DEVICES:+ $VPM_QEMU_DEVICES}"
VPM_CONSOLE=ttyAMA0

# vpm_board riscv64: the riscv64 board instead, for the rest of the script
# and its children (VPM_ARCH, read by gen-dtb): QEMU virt with the AIA in
# MSI mode (an APLIC and an IMSIC per hart), TCG, 2 harts, on QEMU 10
# (scripts/fetch-qemu: 7.2's AIA hangs the trixie kernel). vpm_board arm64
# is the default above.
vpm_board() {
	case $1 in
	arm64) ;;
	riscv64)
		VPM_QEMU=$("$VPM_ROOT/scripts/fetch-qemu" riscv64) ||
			vpm_die "no QEMU for the riscv64 board"
		VPM_QEMU_MACHINE="virt,aia=aplic-imsic${VPM_QEMU_MACHINE_EXTRA:-}"
		VPM_QEMU_ARGS="-smp 2${VPM_QEMU_DEVICES:+ $VPM_QEMU_DEVICES}"
		VPM_CONSOLE=ttyS0
		;;
	*) vpm_die "no board for architecture '$1'" ;;
	esac
	export VPM_ARCH=$1
}

# What counts as a kernel splat in a guest log.
VPM_SPLAT_RE='BUG:|WARNING:|Oops|KASAN|UBSAN|kernel BUG|Kernel panic|Call trace:|circular locking|recursive locking|inconsistent lock state|suspicious RCU|unreferenced object|stack-protector|Unable to handle kernel'

# Other Debian suites (trixie, trixie-backports, sid, bookworm-backports),
# reached through a private apt configuration in the cache: the host's
# /etc/apt is never changed. vpm_suite_apt SUITE [riscv64] exports
# APT_CONFIG for the suite (every apt-get/apt-cache call after it uses that
# suite's index) and updates the index when it is missing or old. Its
# architectures are the host's and arm64, or with riscv64 the host's and
# riscv64 (an index of its own, apt/SUITE+riscv64). The mirror is the one
# the host's apt uses.
# Sid's index may be past its Valid-Until date on a mirror that lags:
# sid is read with check-valid-until=no.
vpm_mirror() {
	local m
	m=$(apt-get indextargets --format '$(SITE)' 'Created-By: Packages' 2>/dev/null |
		grep -m1 '/debian/\?$' || true)
	echo "${m:-http://deb.debian.org/debian}"
}

vpm_suite_apt_done=
vpm_suite_apt() {
	local suite=$1 foreign=${2:-arm64} name kr=/usr/share/keyrings/debian-archive-keyring.gpg
	local d mirror opt=
	case $foreign in
	arm64) name=$suite ;;
	riscv64) name=$suite+riscv64 ;;
	*) vpm_die "vpm_suite_apt: unknown architecture '$foreign'" ;;
	esac
	d=$VPM_CACHE/apt/$name
	case " $vpm_suite_apt_done " in
	*" $name "*) export APT_CONFIG=$d/apt.conf; return 0 ;;
	esac
	[ -f "$kr" ] || vpm_need_tools "$kr:debian-archive-keyring"
	mirror=$(APT_CONFIG='' vpm_mirror)
	mirror=${mirror%/}
	mkdir -p "$d"/{lists/partial,archives/partial,etc/preferences.d,etc/sources.list.d}
	[ -f "$d/status" ] || : >"$d/status"
	[ "$suite" != sid ] || opt=" check-valid-until=no"
	{
		case $suite in
		trixie|trixie-backports)
			for s in trixie trixie-updates; do
				echo "deb [signed-by=$kr] $mirror $s main"
			done
			echo "deb [signed-by=$kr] ${mirror%/debian}/debian-security trixie-security main"
			[ "$suite" != trixie-backports ] ||
				echo "deb [signed-by=$kr] $mirror trixie-backports main"
			;;
		sid) echo "deb [signed-by=$kr$opt] $mirror sid main" ;;
		# QEMU 10 for the riscv64 board (scripts/fetch-qemu): the
		# host's bookworm with its backports
		bookworm-backports)
			for s in bookworm bookworm-updates bookworm-backports; do
				echo "deb [signed-by=$kr] $mirror $s main"
			done
			echo "deb [signed-by=$kr] ${mirror%/debian}/debian-security bookworm-security main"
			;;
		*) vpm_die "unknown suite '$suite'" ;;
		esac
	} >"$d/etc/sources.list"
	cat >"$d/apt.conf" <<EOT
Dir::State "$d";
Dir::State::Lists "$d/lists";
Dir::State::status "$d/status";
Dir::Cache "$d";
Dir::Cache::archives "$d/archives";
Dir::Etc::SourceList "$d/etc/sources.list";
Dir::Etc::SourceParts "$d/etc/sources.list.d";
Dir::Etc::Preferences "$d/etc/preferences";
Dir::Etc::PreferencesParts "$d/etc/preferences.d";
APT::Architecture "$(dpkg --print-architecture)";
APT::Architectures { "$(dpkg --print-architecture)"; "$foreign"; };
APT::Sandbox::User "root";
EOT
	export APT_CONFIG=$d/apt.conf
	# The index is read again when it is 6 hours old (or VPM_APT_UPDATE=1):
	# every 'make' asks fetch-kernel which kernel is the newest.
	if [ "${VPM_APT_UPDATE:-0}" = 1 ] || [ -z "$(find "$d/.updated" -mmin -360 2>/dev/null)" ]; then
		DEBIAN_FRONTEND=noninteractive apt-get update -q >&2 ||
			vpm_die "apt-get update for $suite failed"
		touch "$d/.updated"
	fi
	vpm_suite_apt_done="$vpm_suite_apt_done $name"
}

# The version of Debian's linux-source-SERIES to use: VPM_DEBUG_SOURCE if
# set, else the candidate (after an 'apt-get update' if apt knows none).
vpm_linux_source_version() {
	local series=$1 ver=${VPM_DEBUG_SOURCE:-}
	if [ -z "$ver" ]; then
		ver=$(apt-cache policy "linux-source-$series" 2>/dev/null |
			awk '/Candidate:/ {print $2}')
		if [ -z "$ver" ] || [ "$ver" = "(none)" ]; then
			vpm_apt --version >/dev/null
			ver=$(apt-cache policy "linux-source-$series" |
				awk '/Candidate:/ {print $2}')
		fi
	fi
	[ -n "$ver" ] && [ "$ver" != "(none)" ] || vpm_die "linux-source-$series not found"
	echo "$ver"
}

# The whole linux-source-SERIES VERSION tree, extracted once into the cache
# and shared (read only) by every kernel built from it; prints its path.
# The same directory scripts/build-debug-kernel extracts to (fd 8 is
# used for its lock).
vpm_linux_source_full() {
	local series=$1 ver=$2 src deb
	src=$VPM_CACHE/source/linux-source-$series-$ver-full
	[ -f "$src/.done" ] && { echo "$src"; return 0; }
	# build-debug-kernel extracts it under this lock too
	mkdir -p "$VPM_CACHE/kernels"
	exec 8>"$VPM_CACHE/kernels/.debug-build.lock"
	flock 8
	if [ ! -f "$src/.done" ]; then
		deb=$VPM_CACHE/debs/linux-source-${series}_${ver/:/%3a}_all.deb
		[ -s "$deb" ] || deb=$(vpm_download "linux-source-$series=$ver")
		vpm_log "extracting linux-source-$series $ver"
		rm -rf "$src" "$src.tmp"
		mkdir -p "$src.tmp"
		dpkg-deb --fsys-tarfile "$deb" |
			tar -xO --wildcards "./usr/src/linux-source-$series.tar.*" |
			tar -xJ -C "$src.tmp" ||
			vpm_die "cannot extract linux-source-$series"
		mv "$src.tmp/linux-source-$series" "$src"
		rmdir "$src.tmp"
		echo "linux-source-$series=$ver" >"$src/package.txt"
		touch "$src/.done"
	fi
	exec 8>&-
	echo "$src"
}

# For scripts/bench and scripts/bench-trace: build the modules and the
# selftests for KERNEL, load its kernel.env (KABI, MODROOT, ...) into the
# caller's shell, and copy what the bench's guests run, vpmsi_bench.ko
# and vpm_bench_prog, into DIR.
vpm_bench_stage() {
	local kernel=$1 dir=$2 envf ko prog=$VPM_OUT/selftests/vpm_bench_prog
	vpm_host_tools
	make -s -C "$VPM_ROOT" KVER="$kernel" modules selftests
	envf=$("$VPM_ROOT/scripts/fetch-kernel" "$kernel")
	# shellcheck disable=SC1090
	. "$envf"
	ko=$(find "$VPM_OUT/$KABI" -name vpmsi_bench.ko -print -quit)
	[ -n "$ko" ] || vpm_die "vpmsi_bench.ko was not built for $KABI"
	[ -x "$prog" ] || vpm_die "$prog was not built"
	mkdir -p "$dir"
	cp "$ko" "$prog" "$dir/"
}
