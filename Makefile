# Lamina: one entry point. `make run` and `make test` are all a new user needs;
# both install missing Debian packages first (tests/run/install-deps).
#
#   make            build everything (hypervisor, test guests, tools)
#   make run        boot Lamina with dom0 under QEMU
#   make test       unit tests, test guests, component tests; ends "N passed, N failed"
#   make test-xen   the same test guests as dom0 of Debian's Xen 4.17 (SMP=2: on 2 CPUs)
#   make test-linux Debian's Linux 6.1 as dom0, driven at its shell (HV=xen too)
#   make boot KERNEL=<pv elf> [RAMDISK=f] [CMDLINE=".."] [HVARGS=".."] [ACCEL=kvm]
#   make iso        GRUB (multiboot2) ISO image for real machines
#   make bench      benchmarks against Xen 4.17 (make bench-blk: fio on block devices)
#   make stress     two SMP Linux domUs under mixed load, 10 min (STRESS_SECONDS), then the audit
#   make fuzz       the state-building hypercall fuzzer, long (FUZZ_SEEDS, FUZZ_CALLS, FUZZ_HV=xen)
#   make fuzz-decoders  libFuzzer on each kernel-module decoder (FUZZ_DEC_TIME s each; -short: FUZZ_DEC_RUNS)
#   make defconfig | menuconfig | olddefconfig

O        ?= build
PYTHON   := /usr/bin/python3
SHELL    := /bin/bash
V        ?= 0
Q        := $(if $(filter 1,$(V)),,@)
export O PYTHON

# Debian package lists: ours and each component's.
PKG_LISTS := tests/run/packages.txt $(wildcard */packages.txt)

.PHONY: all setup run test test-xen boot iso bench clean distclean \
	defconfig menuconfig olddefconfig help test-unit test-guests \
	test-components
.DEFAULT_GOAL := all

all: setup
	$(Q)$(MAKE) --no-print-directory build-all

help:
	@sed -n '2,16p' Makefile | sed 's/^# \{0,1\}//'

setup:
	$(Q)tests/run/install-deps $(PKG_LISTS)

# ---------------------------------------------------------------- Kconfig
CONFIG_H := $(O)/include/generated/config.h

.config:
	$(Q)KCONFIG_CONFIG=.config $(PYTHON) -m defconfig --kconfig Kconfig /dev/null >/dev/null 2>&1 || \
	  KCONFIG_CONFIG=.config $(PYTHON) -m alldefconfig Kconfig >/dev/null
	@echo "  CONFIG  .config (defaults)"

defconfig:
	$(Q)KCONFIG_CONFIG=.config $(PYTHON) -m alldefconfig Kconfig
menuconfig:
	$(Q)KCONFIG_CONFIG=.config $(PYTHON) -m menuconfig Kconfig
olddefconfig:
	$(Q)KCONFIG_CONFIG=.config $(PYTHON) -m olddefconfig Kconfig

# KCONFIG: the configuration this build uses (make bench's release build
# passes its own).
KCONFIG ?= .config
$(CONFIG_H): $(KCONFIG) Kconfig
	$(Q)mkdir -p $(dir $@)
	$(Q)KCONFIG_CONFIG=$(KCONFIG) $(PYTHON) -m olddefconfig Kconfig >/dev/null
	$(Q)KCONFIG_CONFIG=$(KCONFIG) $(PYTHON) -m genconfig --header-path $@ \
	  --config-out $(O)/include/generated/config.mk Kconfig
	@echo "  GEN     $@"

# The options as make variables (hypervisor/build.mk picks files by them):
# made with config.h, so a fresh build reads them before choosing sources.
$(O)/include/generated/config.mk: $(CONFIG_H) ;
-include $(O)/include/generated/config.mk

# ---------------------------------------------------------------- parts
include hypervisor/build.mk
include tests/guest/build.mk
include tests/unit/build.mk
include tests/fuzz/decoders/build.mk

build-all: $(HV_ELF) $(GUEST_ELFS) $(UNIT_BINS) $(ABI_CHECK_HOST)

# ---------------------------------------------------------------- running
ACCEL   ?= tcg
KERNEL  ?= $(O)/tests/guest/hello.elf
RAMDISK ?=
CMDLINE ?=
HVARGS  ?=
TIMEOUT ?= 600
GUEST_KERNEL_DIR := $(abspath $(O))/guest_patches

boot: all
	$(Q)tests/run/boot --hv $(HV_ELF) --kernel "$(KERNEL)" --ramdisk "$(RAMDISK)" \
	  --cmdline "$(CMDLINE)" --hvargs "$(HVARGS)" --accel $(ACCEL) --timeout $(TIMEOUT)

# make run: Lamina with Debian's Linux 6.1 as dom0 (kernel and initramfs
# built by dom0_tools), to a shell on this terminal; `poweroff` ends it.
# RUN_KERNEL=<pv elf> [RUN_RAMDISK=...] boots something else instead.
DOM0_OUT    := $(abspath $(O))/dom0_tools
RUN_KERNEL  ?= $(DOM0_OUT)/dom0-vmlinux.elf
RUN_RAMDISK ?= $(DOM0_OUT)/dom0-initramfs.cpio.gz
RUN_CMDLINE ?= console=hvc0
# max: as Xen's docs advise: without it dom0 has no memory limit (as on
# Xen 4.17) and Linux adds balloon space for memory it will never get.
RUN_HVARGS  ?= dom0_mem=512M,max:512M

run: all
	$(Q)if [ "$(RUN_KERNEL)" = "$(DOM0_OUT)/dom0-vmlinux.elf" ]; then \
	  $(MAKE) --no-print-directory -C dom0_tools dom0-image O=$(DOM0_OUT); fi
	$(Q)tests/run/boot --hv $(HV_ELF) --kernel $(RUN_KERNEL) --ramdisk "$(RUN_RAMDISK)" \
	  --cmdline "$(RUN_CMDLINE)" --hvargs "$(RUN_HVARGS) $(HVARGS)" --accel $(ACCEL) \
	  --memory 1024 --cpu max,-smap --timeout 86400 --interactive \
	  $(if $(filter $(DOM0_OUT)/dom0-vmlinux.elf,$(RUN_KERNEL)),--disk $(DOM0_OUT)/dom0-disk.img)

# ---------------------------------------------------------------- tests
TEST_LOG := $(O)/test.log

# What runs again at --smp 4 (and the kick race and vcpus at 3): the
# scheduler's kicks and steals, IPIs and remote flushes, the guests that
# assumed two CPUs before 7 Dec (docs/testing.md, "Three and four CPUs"),
# the pin/type race that failed at 3 and 4 CPUs as at 2, and a pause's
# runstates (a vCPU paused while it runs on another CPU).
SMP4_GUESTS := smp-kick-taken smp-cpus smp-ap-slice smp-evtchn smp-pause smp-tlb-remote \
	smp-tlb-stamp smp-tlb-realloc failsafe vcpus attack-long-calls attack-pin-type-race \
	runstate-pause

# test-linux before test-components: it builds the dom0 image, and
# dom0_tools' selftest checks its kernel package (real-kernel, real-modules).
test: setup
	$(Q)$(MAKE) --no-print-directory build-all
	$(Q)mkdir -p $(O); : > $(TEST_LOG)
	$(Q)$(MAKE) --no-print-directory test-unit 2>&1 | tee -a $(TEST_LOG)
	$(Q)tests/run/guest-tests --hv $(HV_ELF) --dir $(O)/tests/guest 2>&1 | tee -a $(TEST_LOG)
	$(Q)tests/run/guest-tests --smp 2 --hv $(HV_ELF) --dir $(O)/tests/guest 2>&1 | tee -a $(TEST_LOG)
	$(Q)tests/run/guest-tests --smp 4 --hv $(HV_ELF) --dir $(O)/tests/guest $(SMP4_GUESTS) 2>&1 | tee -a $(TEST_LOG)
	$(Q)tests/run/guest-tests --smp 3 --hv $(HV_ELF) --dir $(O)/tests/guest smp-kick-taken vcpus 2>&1 | tee -a $(TEST_LOG)
	$(Q)tests/run/conform-diff --hv $(HV_ELF) --dir $(O)/tests/guest 2>&1 | tee -a $(TEST_LOG)
	$(Q)tests/run/conform-diff --smp 2 --hv $(HV_ELF) --dir $(O)/tests/guest 2>&1 | tee -a $(TEST_LOG)
	$(Q)tests/run/conform-diff --guest conform-diff-domu --hv $(HV_ELF) --dir $(O)/tests/guest 2>&1 | tee -a $(TEST_LOG)
	$(Q)tests/run/conform-diff --guest conform-diff-domu --smp 2 --hv $(HV_ELF) --dir $(O)/tests/guest 2>&1 | tee -a $(TEST_LOG)
	$(Q)tests/run/conform-diff --guest conform-start-diff --hv $(HV_ELF) --dir $(O)/tests/guest 2>&1 | tee -a $(TEST_LOG)
	$(Q)tests/run/conform-diff --guest conform-start-diff --smp 2 --hv $(HV_ELF) --dir $(O)/tests/guest 2>&1 | tee -a $(TEST_LOG)
	$(Q)tests/run/conform-diff --guest conform-start-diff-p2m --hv $(HV_ELF) --dir $(O)/tests/guest 2>&1 | tee -a $(TEST_LOG)
	$(Q)tests/run/conform-diff --guest conform-start-diff-legacy --hv $(HV_ELF) --dir $(O)/tests/guest 2>&1 | tee -a $(TEST_LOG)
	$(Q)tests/run/conform-diff --guest conform-trap-diff --hv $(HV_ELF) --dir $(O)/tests/guest 2>&1 | tee -a $(TEST_LOG)
	$(Q)tests/run/conform-diff --guest conform-trap-diff --smp 2 --hv $(HV_ELF) --dir $(O)/tests/guest 2>&1 | tee -a $(TEST_LOG)
	$(Q)tests/run/conform-diff --guest conform-trap-diff-domu --hv $(HV_ELF) --dir $(O)/tests/guest 2>&1 | tee -a $(TEST_LOG)
	$(Q)tests/run/conform-diff --guest conform-trap-diff-domu --smp 2 --hv $(HV_ELF) --dir $(O)/tests/guest 2>&1 | tee -a $(TEST_LOG)
	$(Q)for s in 1 2 11 30 147; do tests/run/conform-diff --guest conform-fuzz-diff --seed $$s --hv $(HV_ELF) --dir $(O)/tests/guest; done 2>&1 | tee -a $(TEST_LOG)
	$(Q)for s in 2 22 28; do tests/run/conform-diff --guest conform-fuzz-diff --seed $$s --wide --hv $(HV_ELF) --dir $(O)/tests/guest; done 2>&1 | tee -a $(TEST_LOG)
	$(Q)for s in 1 2 3; do tests/run/conform-diff --guest conform-args-diff --seed $$s --hv $(HV_ELF) --dir $(O)/tests/guest; done 2>&1 | tee -a $(TEST_LOG)
	$(Q)$(MAKE) --no-print-directory bench-check 2>&1 | tee -a $(TEST_LOG)
	$(Q)$(MAKE) --no-print-directory test-linux 2>&1 | tee -a $(TEST_LOG)
	$(Q)$(MAKE) --no-print-directory test-components 2>&1 | tee -a $(TEST_LOG)
	$(Q)tests/run/summary $(TEST_LOG)

# Debian's Linux 6.1 as dom0 of Lamina (HV=xen: of Xen 4.17), driven like a
# user at its shell; the first run downloads the kernel package (~70 MB).
.PHONY: dom0-image test-linux
dom0-image: setup
	$(Q)$(MAKE) --no-print-directory -C dom0_tools dom0-image O=$(DOM0_OUT) \
	  TEST_GUEST=$(abspath $(O))/tests/guest/hello.elf
# The dom0 run and the device runs (block, netfront, net, dom0's devices)
# boot QEMU each on its own and share only the built image, so they run
# side by side, one CPU each: their output is shown when both are done
# (live in $(O)/runs/test-linux-dom0.out and test-linux-io.out).
LINUX_RUNS := $(abspath $(O))/runs
test-linux: setup
	$(Q)$(MAKE) --no-print-directory build-all
	$(Q)$(MAKE) --no-print-directory dom0-image
	$(Q)mkdir -p $(LINUX_RUNS)
	$(Q){ $(MAKE) --no-print-directory -C dom0_tools test-linux O=$(DOM0_OUT) \
	  HV_ELF=$(abspath $(HV_ELF)) DOMU_ELF=$(abspath $(O))/tests/linux/domu/xs-client.elf \
	  TEST_GUEST=$(abspath $(O))/tests/guest/hello.elf \
	  || echo "FAIL linux: the dom0 test run exited with an error"; } \
	  >$(LINUX_RUNS)/test-linux-dom0.out 2>&1 & \
	{ for t in test-blk test-netfront test-net test-devices test-start-diff test-lamina-xl test-bzimage; do \
	    $(MAKE) --no-print-directory $$t; done; } >$(LINUX_RUNS)/test-linux-io.out 2>&1; \
	wait; cat $(LINUX_RUNS)/test-linux-dom0.out $(LINUX_RUNS)/test-linux-io.out

# Block devices (tests/linux/blk/run): blkback serving Linux's blkfront and
# ours, a malicious frontend, durability; needs the image test-linux builds.
.PHONY: test-blk
test-blk:
	$(Q)tests/linux/blk/run --build $(DOM0_OUT) --hv-elf $(abspath $(HV_ELF)) \
	  --domu-dir $(abspath $(O))/tests/linux/domu \
	  || echo "FAIL linux/blk: the block test run exited with an error"

# Debian's vmlinuz itself (the xz bzImage, not dom0-vmlinux.elf) as dom0,
# decoded by the hypervisor: one boot to the shell (HV=xen: on Xen 4.17).
.PHONY: test-bzimage
test-bzimage:
	$(Q)tests/linux/dom0/run --bzimage --hv $(or $(HV),lamina) --build $(DOM0_OUT) \
	  --hv-elf $(abspath $(HV_ELF)) \
	  || echo "FAIL linux/dom0-bzimage: the bzImage boot exited with an error"

# Our netfront (tests/linux/net/ourfront): dom0 pings and UDP-echoes a small
# domU on frontend_drivers/net through netback and through Linux's xen-netback.
# HV=xen: the same on Xen 4.17 (test-net too).
.PHONY: test-netfront
test-netfront:
	$(Q)tests/linux/net/ourfront --hv $(or $(HV),lamina) --build $(DOM0_OUT) --hv-elf $(abspath $(HV_ELF)) \
	  --domu-dir $(abspath $(O))/tests/linux/domu \
	  || echo "FAIL linux/netfront: the netfront test run exited with an error"

# Networking (tests/linux/net/run): netback serving Linux's netfront in
# domUs of vmctl create with a vif, 100 MiB domU to domU by TCP, a
# malicious frontend, destroy unplugging the tap; needs the image.
.PHONY: test-net
test-net:
	$(Q)tests/linux/net/run --hv $(or $(HV),lamina) --build $(DOM0_OUT) --hv-elf $(abspath $(HV_ELF)) \
	  || echo "FAIL linux/net: the network test run exited with an error"

# The start-of-day state of a domU of vmctl create in Linux dom0
# (tests/run/conform-start-diff-domu) against the same domU of Debian's
# xl on Xen 4.17 (its golden file), and the store such a domU sees
# (--guest xs-view); needs the image.
.PHONY: test-start-diff
test-start-diff:
	$(Q)tests/run/conform-start-diff-domu --machine lamina --build $(DOM0_OUT) \
	  --hv-elf $(abspath $(HV_ELF)) --dir $(abspath $(O))/tests/guest \
	  || echo "FAIL linux/start-diff: the start-of-day comparison exited with an error"
	$(Q)tests/run/conform-start-diff-domu --guest xs-view --machine lamina --build $(DOM0_OUT) \
	  --hv-elf $(abspath $(HV_ELF)) --dir $(abspath $(O))/tests/guest \
	  || echo "FAIL linux/xs-view: the store comparison exited with an error"

# Debian's own xl (xen-utils-4.17, its xenstored, xenconsoled and
# xen-init-dom0) in Linux dom0 on Lamina, docs/toolstack.md §8: xl create
# of the start-diff domU end to end, its lines against xl's on Xen 4.17
# (the allow list's hypervisor differences); about 20 s.
.PHONY: test-lamina-xl
test-lamina-xl:
	$(Q)$(MAKE) --no-print-directory -C dom0_tools dom0-xl-image O=$(DOM0_OUT)
	$(Q)tests/run/conform-start-diff-domu --machine lamina-xl --build $(DOM0_OUT) \
	  --hv-elf $(abspath $(HV_ELF)) --dir $(abspath $(O))/tests/guest \
	  || echo "FAIL linux/start-diff-lamina-xl: xl on Lamina exited with an error"

# dom0's real devices (tests/linux/devices/run): a virtio disk and NIC,
# PCI, PIRQ interrupts, DHCP and HTTP from the loopback; needs the image.
.PHONY: test-devices
test-devices:
	$(Q)tests/linux/devices/run --build $(DOM0_OUT) --hv-elf $(abspath $(HV_ELF)) \
	  || echo "FAIL linux/devices: the device test run exited with an error"

test-unit: $(UNIT_BINS)
	$(Q)rc=0; for t in $(UNIT_BINS); do $$t || { echo "FAIL $$(basename $$t): exited with $$?"; rc=1; }; done; exit $$rc

# Components with their own Makefile add their tests here (make -C dir test).
COMPONENTS := $(patsubst %/Makefile,%,$(wildcard xenstore/Makefile guest_patches/Makefile dom0_tools/Makefile))
test-components:
	$(Q)for c in $(COMPONENTS); do \
	  $(MAKE) --no-print-directory -C $$c test O=$(abspath $(O))/$$c || \
	    echo "FAIL $$c: its test run exited with an error"; done

BENCH_COMPONENTS := $(filter xenstore guest_patches,$(COMPONENTS))

test-xen: setup
	$(Q)$(MAKE) --no-print-directory build-all
	$(Q)mkdir -p $(O); : > $(O)/test-xen.log
	$(Q)tests/run/guest-tests --xen $(if $(SMP),--smp $(SMP)) --dir $(O)/tests/guest 2>&1 | tee -a $(O)/test-xen.log
	$(Q)tests/run/conform-diff --xen $(if $(SMP),--smp $(SMP)) --dir $(O)/tests/guest 2>&1 | tee -a $(O)/test-xen.log
	$(Q)tests/run/conform-diff --guest conform-diff-domu --xen $(if $(SMP),--smp $(SMP)) --dir $(O)/tests/guest 2>&1 | tee -a $(O)/test-xen.log
	$(Q)tests/run/conform-diff --guest conform-start-diff --xen $(if $(SMP),--smp $(SMP)) --dir $(O)/tests/guest 2>&1 | tee -a $(O)/test-xen.log
	$(Q)tests/run/conform-diff --guest conform-start-diff-p2m --xen $(if $(SMP),--smp $(SMP)) --dir $(O)/tests/guest 2>&1 | tee -a $(O)/test-xen.log
	$(Q)tests/run/conform-diff --guest conform-start-diff-legacy --xen $(if $(SMP),--smp $(SMP)) --dir $(O)/tests/guest 2>&1 | tee -a $(O)/test-xen.log
	$(Q)tests/run/conform-diff --guest conform-trap-diff --xen $(if $(SMP),--smp $(SMP)) --dir $(O)/tests/guest 2>&1 | tee -a $(O)/test-xen.log
	$(Q)tests/run/conform-diff --guest conform-trap-diff-domu --xen $(if $(SMP),--smp $(SMP)) --dir $(O)/tests/guest 2>&1 | tee -a $(O)/test-xen.log
	$(Q)for s in 1 2 11 30 147; do tests/run/conform-diff --guest conform-fuzz-diff --seed $$s --xen --dir $(O)/tests/guest; done 2>&1 | tee -a $(O)/test-xen.log
	$(Q)for s in 2 22 28; do tests/run/conform-diff --guest conform-fuzz-diff --seed $$s --wide --xen --dir $(O)/tests/guest; done 2>&1 | tee -a $(O)/test-xen.log
	$(Q)for s in 1 2 3; do tests/run/conform-diff --guest conform-args-diff --seed $$s --xen --dir $(O)/tests/guest; done 2>&1 | tee -a $(O)/test-xen.log
	$(Q)tests/run/summary $(O)/test-xen.log

# make bench measures a release hypervisor (.config with DEBUG and
# TRACE_ERR off, built in $(O)/release) and reports the debug build
# ($(HV_ELF), what .config says) beside it. guest_patches' pvbench runs
# only when its kernel is built (or BENCH_GUEST_KERNEL=1 builds it).
BENCH_REL     := $(O)/release
BENCH_HV      := $(BENCH_REL)/hypervisor/lamina.elf
BENCH_RUN      = tests/bench/run-bench --hv $(BENCH_HV) --debug-hv $(HV_ELF) \
	--guest $(O)/tests/bench/$(1).elf --out $(O)/bench/$(1).txt
$(BENCH_REL)/.config: .config
	$(Q)mkdir -p $(@D)
	$(Q){ sed -e '/^CONFIG_DEBUG=/d' -e '/^CONFIG_TRACE_ERR=/d' .config; \
	  printf '# CONFIG_DEBUG is not set\n# CONFIG_TRACE_ERR is not set\n'; } > $@
bench: setup $(BENCH_REL)/.config
	$(Q)$(MAKE) --no-print-directory build-all
	$(Q)$(MAKE) --no-print-directory O=$(BENCH_REL) KCONFIG=$(BENCH_REL)/.config $(BENCH_HV)
	$(Q)$(call BENCH_RUN,cpu)
	$(Q)$(call BENCH_RUN,pte) --title "Page-table entry updates" --plot $(O)/bench/pte.png
	$(Q)$(call BENCH_RUN,events) --title "Events, timers and scheduling"
	$(Q)$(call BENCH_RUN,grants) --title "Grant tables" --peer
	$(Q)$(call BENCH_RUN,interdomain) --title "Between two domains" --peer
	$(Q)$(call BENCH_RUN,smp) --title "Across two CPUs" --peer --smp 2 --hvargs dom0_max_vcpus=2
	$(Q)$(call BENCH_RUN,memop) --title "Memory reservation"
	$(Q)$(call BENCH_RUN,foreign) --title "Foreign page-table entries" --peer
	$(Q)for c in $(BENCH_COMPONENTS); do \
	  if [ $$c = guest_patches ] && [ ! -f $(O)/guest_patches/bzImage ] && [ "$(BENCH_GUEST_KERNEL)" != 1 ]; then \
	    echo "SKIP bench/guest_patches: the guest kernel is not built (hours on 2 cores: make bench BENCH_GUEST_KERNEL=1 builds it)"; \
	    continue; fi; \
	  $(MAKE) --no-print-directory -C $$c bench O=$(abspath $(O))/$$c; done
	$(Q)$(MAKE) --no-print-directory dom0-image
	$(Q)$(MAKE) --no-print-directory bench-linux
	$(Q)$(MAKE) --no-print-directory bench-smp-speedup
	$(Q)$(MAKE) --no-print-directory -C dom0_tools dom0-xl-image O=$(DOM0_OUT)
	$(Q)tests/bench/vmctl-create --hv-elf $(BENCH_HV) --build $(DOM0_OUT) \
	  --out $(O)/bench/vmctl-create.txt
	$(Q)$(MAKE) --no-print-directory bench-blk
	$(Q)$(MAKE) --no-print-directory bench-net

# make bench-smp-speedup (in make bench): two gzip processes in Linux dom0
# with 1 and 2 vCPUs (pinned to CPUs 0 and 1) on QEMU -smp 2 (MTTCG), Lamina
# (release build) and Xen 4.17; wall clock, 4 boots, ~10 min under load.
.PHONY: bench-smp-speedup
bench-smp-speedup: setup $(BENCH_REL)/.config
	$(Q)$(MAKE) --no-print-directory O=$(BENCH_REL) KCONFIG=$(BENCH_REL)/.config $(BENCH_HV)
	$(Q)$(MAKE) --no-print-directory dom0-image
	$(Q)tests/bench/smp-speedup --hv-elf $(BENCH_HV) --build $(DOM0_OUT) \
	  --out $(O)/bench/smp-speedup.txt

# make stress: issue 21's mixed SMP stress (tests/linux/stress/run), not in
# make test: Linux dom0 on QEMU -smp 2 and two Linux domUs with 2 vCPUs
# each under load for STRESS_SECONDS, then the frame audit, the kernel logs
# and the hypervisor's log. About STRESS_SECONDS + 6 min under TCG.
STRESS_SECONDS ?= 600
.PHONY: stress
stress: setup
	$(Q)$(MAKE) --no-print-directory build-all
	$(Q)$(MAKE) --no-print-directory dom0-image
	$(Q)tests/linux/stress/run --hv-elf $(HV_ELF) --build $(DOM0_OUT) --seconds $(STRESS_SECONDS)

# make bench-blk (in make bench): fio on block devices (tests/bench/fio-blk):
# a Linux domU through our blkback and through Linux's xen-blkback, dom0 on
# the same image, dom0's virtio-blk disk; Lamina (release build), Xen 4.17
# and bare QEMU; about 13 minutes under TCG. BLK_RUNS runs of BLK_SECONDS s
# per job.
BLK_RUNS    ?= 3
BLK_SECONDS ?= 2
.PHONY: bench-blk
bench-blk: setup $(BENCH_REL)/.config
	$(Q)$(MAKE) --no-print-directory build-all
	$(Q)$(MAKE) --no-print-directory O=$(BENCH_REL) KCONFIG=$(BENCH_REL)/.config $(BENCH_HV)
	$(Q)$(MAKE) --no-print-directory dom0-image
	$(Q)tests/bench/fio-blk --hv-elf $(abspath $(BENCH_HV)) --build $(DOM0_OUT) \
	  --runs $(BLK_RUNS) --seconds $(BLK_SECONDS) --out $(O)/bench/fio-blk.txt

# make bench-net (in make bench): iperf3 and ping between Linux domUs and
# dom0 with our netback and Linux's xen-netback on Lamina (release build)
# and Linux's on Xen 4.17, the same QEMU; three boots, ~20 min on the
# loaded 2-core machine (tests/bench/net-bench --only to pick setups).
.PHONY: bench-net
bench-net: setup $(BENCH_REL)/.config
	$(Q)$(MAKE) --no-print-directory build-all
	$(Q)$(MAKE) --no-print-directory O=$(BENCH_REL) KCONFIG=$(BENCH_REL)/.config $(BENCH_HV)
	$(Q)$(MAKE) --no-print-directory dom0-image
	$(Q)tests/bench/net-bench --hv-elf $(BENCH_HV) --build $(DOM0_OUT) --out $(O)/bench/net.txt

# Linux-level figures (issue 22 item 4): tests/bench/linux/syscalls.c run by
# Debian's stock 6.1 kernel natively, in dom0 and in a vmctl domU of the
# release Lamina and of Xen 4.17, all under -icount; $(O)/bench/linux.txt.
# Needs the dom0 image (make dom0-image) and the release build (make bench).
LINUX_BENCH := $(O)/tests/bench/linux
$(LINUX_BENCH)/syscalls: tests/bench/linux/syscalls.c tests/bench/linux/tsc.h
	$(Q)mkdir -p $(@D)
	$(Q)gcc -static -O2 -Wall -Wextra -Werror -o $@ $<
	@echo "  CC      $@"
$(LINUX_BENCH)/bench-nop: tests/bench/linux/nop.c
	$(Q)mkdir -p $(@D)
	$(Q)gcc -static -nostdlib -no-pie -O2 -fno-stack-protector -Wall -Wextra -Werror -s -o $@ $<
	@echo "  CC      $@"
# dom0's share of vmctl create step by step (issue 17): tests/bench/dom0-work
# runs it in dom0 of Lamina (release build) and Xen 4.17 and on bare QEMU,
# under -icount (instructions) and plain TCG (QEMU's CPU time per step).
# Its decoding steps call vmctl's own decompressor (libvmctl/kernel_image.c).
$(LINUX_BENCH)/dom0-work: tests/bench/linux/dom0work.c tests/bench/linux/tsc.h \
		dom0_tools/libvmctl/kernel_image.c dom0_tools/libvmctl/kernel_image.h
	$(Q)mkdir -p $(@D)
	$(Q)gcc -static -O2 -Wall -Wextra -Werror -Idom0_tools/libvmctl -Ihypervisor/include -Ihypercall_abi/include \
	  -o $@ $< dom0_tools/libvmctl/kernel_image.c hypervisor/common/elf.c \
	  -lz -ldeflate -llzma -llz4 -lzstd -lbz2 -lpthread
	@echo "  CC      $@"
.PHONY: bench-dom0-work
bench-dom0-work: $(LINUX_BENCH)/dom0-work
	$(Q)tests/bench/dom0-work --hv-elf $(BENCH_HV) --build $(DOM0_OUT) \
	  --prog $(LINUX_BENCH)/dom0-work --out $(O)/bench/dom0-work.txt
.PHONY: bench-linux
bench-linux: $(LINUX_BENCH)/syscalls $(LINUX_BENCH)/bench-nop
	$(Q)tests/bench/linux/run --hv-elf $(BENCH_HV) --build $(DOM0_OUT) \
	  --progs $(LINUX_BENCH) --out $(O)/bench/linux.txt

# make bench-check: every benchmark path's instructions (release build,
# -icount: deterministic) against tests/bench/budgets.txt, 2 % slack; in
# make test. A budget moves only in a commit that says why
# (tests/bench/bench-check --write GUEST... prints the lines).
.PHONY: bench-check
bench-check: setup $(BENCH_REL)/.config
	$(Q)$(MAKE) --no-print-directory build-all
	$(Q)$(MAKE) --no-print-directory O=$(BENCH_REL) KCONFIG=$(BENCH_REL)/.config $(BENCH_HV)
	$(Q)tests/bench/bench-check --hv $(BENCH_HV) --dir $(O)/tests/bench

# make fuzz: tests/guest/fuzz-state for FUZZ_CALLS hypercalls per domain
# (dom0 and a domU) on each of FUZZ_SEEDS, one boot each: 50 x 2 x 10^6 =
# 10^8 calls by default, some hours under TCG. Not part of `make test`,
# which runs one short seed. A failure prints its seed= to replay with
# `tests/run/guest-tests --cmdline "seed=N calls=M" fuzz-state`.
FUZZ_SEEDS ?= $(shell seq 1 50)
FUZZ_CALLS ?= 1000000
FUZZ_OFF   ?= ioapic
FUZZ_HV    ?= lamina
.PHONY: fuzz
fuzz: setup
	$(Q)$(MAKE) --no-print-directory build-all
	$(Q)mkdir -p $(O); : > $(O)/fuzz.log
	$(Q)for s in $(FUZZ_SEEDS); do \
	  echo "fuzz: seed $$s, $(FUZZ_CALLS) calls per domain ($$(date +%T))"; \
	  tests/run/guest-tests $(if $(filter xen,$(FUZZ_HV)),--xen,--hv $(HV_ELF)) \
	    --dir $(O)/tests/guest --timeout 14400 \
	    --cmdline "seed=$$s calls=$(FUZZ_CALLS) off=$(FUZZ_OFF)" fuzz-state; \
	  grep -h "^fuzz: \|^(d1) fuzz: " $(O)/tests/guest/fuzz-state$(if $(filter xen,$(FUZZ_HV)),.xen).log | tail -2; \
	done 2>&1 | tee -a $(O)/fuzz.log
	$(Q)tests/run/summary $(O)/fuzz.log

# ---------------------------------------------------------------- ISO
ISO := $(O)/lamina.iso
iso: all
	$(Q)rm -rf $(O)/iso && mkdir -p $(O)/iso/boot/grub
	$(Q)cp $(HV_ELF) $(O)/iso/boot/lamina.elf
	$(Q)cp $(KERNEL) $(O)/iso/boot/dom0.elf
	$(Q)$(if $(RAMDISK),cp $(RAMDISK) $(O)/iso/boot/dom0.initrd)
	$(Q){ echo 'set timeout=1'; \
	  echo 'serial --unit=0 --speed=115200'; \
	  echo 'terminal_input serial console'; \
	  echo 'terminal_output serial console'; \
	  echo 'menuentry "Lamina" {'; \
	  echo '  multiboot2 /boot/lamina.elf console=com1 $(HVARGS)'; \
	  echo '  module2 /boot/dom0.elf $(CMDLINE)'; \
	  $(if $(RAMDISK),echo '  module2 /boot/dom0.initrd';) \
	  echo '  boot'; echo '}'; } > $(O)/iso/boot/grub/grub.cfg
	$(Q)grub-mkrescue -o $(ISO) $(O)/iso >$(O)/iso.log 2>&1 || \
	  { cat $(O)/iso.log; exit 1; }
	@echo "  ISO     $(ISO) (boot it with: qemu-system-x86_64 -M q35 -m 512 -cpu max -cdrom $(ISO) -nographic)"

clean:
	rm -rf $(O)
distclean: clean
	rm -f .config .config.old

# ---------------------------------------------------------------- guest kernel
.PHONY: guest-kernel test-guest-kernel
guest-kernel: setup
	$(Q)$(MAKE) --no-print-directory -C guest_patches guest-kernel O=$(GUEST_KERNEL_DIR)
test-guest-kernel: setup
	$(Q)$(MAKE) --no-print-directory -C guest_patches test-guest-kernel O=$(GUEST_KERNEL_DIR) \
	  DOM0_BUILD=$(DOM0_OUT)
