# SPDX-License-Identifier: GPL-2.0
#
# vfio-platform-msi: out-of-tree build, test bench and checks.
#
#   make [KVER=6.12|6.1|trixie-6.12|7.3|7.2]
#                               build the modules for a stock Debian arm64 kernel
#   make KVER=riscv64-6.12      the same for trixie's riscv64 kernel (the
#                               riscv64 board; ARCH and CROSS_COMPILE follow)
#   make KDIR=... ARCH=... CROSS_COMPILE=...   build against any kernel tree
#   make all-kernels            build for both stock kernels
#   make selftests              build the static aarch64 selftests
#   make selftests ARCH=riscv   the static riscv64 ones, in out/selftests-riscv64
#   make tools                  vfio-platform-info (static aarch64) and its
#                               man page, in out/tools/
#   make run                    the demo on the emulated board
#   make check                  the gate: builds, static checks, the suite on 6.12
#                               and 6.1, the debug kernel's part (< 60 min cold)
#   make check-all              the full matrix: the whole suite on the debug
#                               kernel too, no-IOMMU mode, QEMU end to end,
#                               the driver in the tree (check-intree)
#   make check-intree           the driver in the kernel tree: the series, the
#                               debug kernel with it =m and =y, the suite
#                               through run_kselftest.sh (Documentation/intree.rst)
#   make intree-series          the patch series for linux-source-6.12, in
#                               out/intree/series (checkpatch --strict)
#   make qemu-e2e               nested guest behind Debian's QEMU, end to end
#   make fuzz-soak [KVER=...]   the longer fuzzing run
#   make bench [BENCH_ARGS=...] the interrupt paths against their peers in one
#                               boot: report and plots in out/bench/ (scripts/bench)
#   make check-debug            check's part on the debug kernel only
#   make checkpatch sparse      style and static checks
#   make deb                    the Debian packages, in out/deb/ (lintian
#                               clean): the DKMS package (all) and
#                               vfio-platform-info (arm64, cross-built)
#   make check-debian           the packages in the Debian guest: DKMS build,
#                               modprobe, driverctl across a reboot, the demo,
#                               vfio-platform-info
#   make check-debian-debug     the same on the Debian system's debug kernel
#                               (KASAN, lockdep), with a kmemleak scan
#
# W=1 and C=1 are passed to kbuild as usual.

KVER		?= 6.12
VPM_SRC		:= $(CURDIR)
OUT		?= $(VPM_SRC)/out
BOARD		?= 1

ifeq ($(KDIR),)
KENV		:= $(shell $(VPM_SRC)/scripts/fetch-kernel $(KVER) 2>/dev/null)
# The kernel's architecture (riscv64-6.12: riscv64) picks ARCH
KARCH		:= $(shell [ -n "$(KENV)" ] && . $(KENV) && echo $$KARCH)
ifeq ($(KARCH),riscv64)
ARCH		?= riscv
endif
endif
ARCH		?= arm64
ifeq ($(ARCH),riscv)
CROSS_COMPILE	?= riscv64-linux-gnu-
SELFTESTS_OUT	:= $(OUT)/selftests-riscv64
else
CROSS_COMPILE	?= aarch64-linux-gnu-
SELFTESTS_OUT	:= $(OUT)/selftests
endif

export ARCH CROSS_COMPILE

ifeq ($(KDIR),)
KDIR		:= $(shell [ -n "$(KENV)" ] && . $(KENV) && echo $$KDIR)
BUILD		:= $(OUT)/$(shell [ -n "$(KENV)" ] && . $(KENV) && echo $$KABI)
# Kernels of a newer Debian build in their suite's build root
# (scripts/build-root) with the compiler their headers name.
KBROOT		:= $(shell [ -n "$(KENV)" ] && . $(KENV) && echo $$KBROOT)
KCC		:= $(shell [ -n "$(KENV)" ] && . $(KENV) && echo $$KCC)
# A kernel with the driver in its tree (scripts/build-intree-kernel): only
# the test board's modules are built here, against it.
INTREE		:= $(shell [ -n "$(KENV)" ] && . $(KENV) && echo $$VPM_INTREE)
else
BUILD		:= $(OUT)/$(subst /,_,$(patsubst /%,%,$(abspath $(KDIR))))
endif

KBUILD_ARGS	:= -C $(KDIR) M=$(BUILD) VPM_SRC=$(VPM_SRC) BOARD=$(BOARD) \
		   $(if $(INTREE),CONFIG_VFIO_PLATFORM_MSI= CONFIG_DEV_MSI=,CONFIG_VFIO_PLATFORM_MSI=m CONFIG_DEV_MSI=m)

.PHONY: all modules all-kernels selftests samples tools run check check-all qemu-e2e fuzz-soak check-debug \
	bench check-intree intree-series \
	checkpatch sparse clean deb check-debian check-debian-debug

all: modules

modules:
	@[ -n "$(KDIR)" ] || { echo "no kernel tree: run scripts/fetch-kernel $(KVER) to see why" >&2; exit 1; }
	@$(VPM_SRC)/scripts/mktree $(BUILD)
	@$(VPM_SRC)/scripts/kcompat-gen $(KDIR) $(BUILD)/.compat/vpm_compat_autoconf.h
	$(if $(KBROOT),$(VPM_SRC)/scripts/build-root exec $(KBROOT) --) \
		$(MAKE) $(KBUILD_ARGS) $(if $(KBROOT),CC=$(KCC)) modules

all-kernels:
	$(MAKE) KVER=6.12 modules
	$(MAKE) KVER=6.1 modules

selftests:
	@$(VPM_SRC)/scripts/setup-host
	$(if $(filter riscv,$(ARCH)),@bash -c '. $(VPM_SRC)/scripts/lib.sh && \
		vpm_need_tools riscv64-linux-gnu-gcc:gcc-riscv64-linux-gnu \
		/usr/riscv64-linux-gnu/lib/libc.a:libc6-dev-riscv64-cross')
	$(MAKE) -C tools/testing/selftests/vfio-platform-msi OUTPUT=$(SELFTESTS_OUT)

samples:
	@if [ -f samples/vfio-platform-msi/Makefile ]; then \
		$(MAKE) -C samples/vfio-platform-msi OUTPUT=$(OUT)/samples; fi

tools:
	@bash -c '. $(VPM_SRC)/scripts/lib.sh && vpm_host_tools && \
		vpm_need_tools rst2man:python3-docutils'
	$(MAKE) -C tools/vfio-platform-info OUTPUT=$(OUT)/tools

run:
	$(VPM_SRC)/scripts/demo

check:
	$(VPM_SRC)/scripts/check

check-all:
	$(VPM_SRC)/scripts/check --all

# Slower targets, not part of check: QEMU end to end, and a fuzzing soak.
qemu-e2e:
	$(VPM_SRC)/scripts/qemu-client-test --kernel 6.12 --e2e
	$(VPM_SRC)/scripts/qemu-client-test --kernel 6.1 --e2e

fuzz-soak:
	$(VPM_SRC)/scripts/fuzz-soak --kernel $(KVER)

# Not part of check: measurements, reported rather than asserted.
bench:
	$(VPM_SRC)/scripts/bench $(BENCH_ARGS)

check-debug:
	VPM_KERNELS=debug $(VPM_SRC)/scripts/check

check-intree:
	$(VPM_SRC)/scripts/check-intree

intree-series:
	$(VPM_SRC)/scripts/make-intree-series --check

checkpatch sparse:
	$(VPM_SRC)/scripts/lint $@

deb:
	@$(VPM_SRC)/scripts/make-deb

check-debian:
	$(VPM_SRC)/scripts/debian-guest-test

check-debian-debug:
	$(VPM_SRC)/scripts/debian-guest-test --kernel debug-debian

clean:
	rm -rf $(OUT)
