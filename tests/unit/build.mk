# Host unit tests: tests/unit/<path>.c tests <path>.c of the real source,
# compiled together for the host with AddressSanitizer and UBSan.

UNIT_OUT := $(O)/tests/unit
UNIT_CFLAGS := -std=gnu11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-Wno-format-truncation -fsanitize=address,undefined -fno-sanitize-recover=all \
	-include $(CONFIG_H) -Ihypervisor/include -Ihypercall_abi/include -I$(O)/include \
	-DUNIT_HOST_CPU

UNIT_TESTS := hypervisor/common/cmdline hypervisor/common/page_alloc hypervisor/common/spinlock \
	hypervisor/common/elf hypervisor/common/pv_layout hypervisor/common/symbols \
	hypervisor/common/timer hypervisor/common/ioport_ranges hypervisor/common/unxz hypervisor/common/bunzip2 hypervisor/lib/vsnprintf backend_drivers/console/cons_ring \
	backend_drivers/console/cons_log backend_drivers/block/blk_req dom0_tools/lib/cons_tty dom0_tools/lib/xendev dom0_tools/lib/dominfo \
	dom0_tools/lib/xs dom0_tools/libvmctl/config dom0_tools/libvmctl/libvmctl \
	dom0_tools/libvmctl/kernel_image dom0_tools/libvmctl/kcache backend_drivers/common/be_stats \
	dom0_tools/vmctl/cpumap \
	hypervisor/common/unzstd
UNIT_BINS := $(patsubst %,$(UNIT_OUT)/%,$(UNIT_TESTS))

# The ABI's layout and number checks, compiled for the host (nothing to run).
ABI_CHECK_SRCS := $(wildcard hypercall_abi/check/*.c)
ABI_CHECK_HOST := $(patsubst hypercall_abi/check/%.c,$(UNIT_OUT)/abi-check/%.o,$(ABI_CHECK_SRCS))
$(UNIT_OUT)/abi-check/%.o: hypercall_abi/check/%.c $(wildcard hypercall_abi/include/lamina/*.h) \
		hypercall_abi/include/lamina/hypercalls.def
	@mkdir -p $(dir $@)
	$(Q)gcc -std=gnu11 -Wall -Wextra -Werror -Ihypercall_abi/include -c $< -o $@

$(UNIT_OUT)/hypervisor/lib/vsnprintf: tests/unit/hypervisor/lib/vsnprintf.c \
		hypervisor/lib/vsnprintf.c $(CONFIG_H) tests/unit/unit.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)gcc $(UNIT_CFLAGS) -c hypervisor/lib/vsnprintf.c -o $@.lib.o \
	  -Dvsnprintf=lm_vsnprintf -Dsnprintf=lm_snprintf -fno-builtin
	$(Q)gcc $(UNIT_CFLAGS) -Wno-format -o $@ $< $@.lib.o	# compares odd flag mixes with libc's

# A header's inline helpers: the test includes the header, nothing is linked.
HEADER_BINS := $(patsubst %,$(UNIT_OUT)/hypervisor/include/hv/%,nospec flushtlb)
UNIT_BINS += $(HEADER_BINS)
$(HEADER_BINS): $(UNIT_OUT)/hypervisor/include/hv/%: tests/unit/hypervisor/include/hv/%.c \
		hypervisor/include/hv/%.h $(CONFIG_H) tests/unit/unit.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)gcc $(UNIT_CFLAGS) -o $@ $<

# The core state machines: the real sources on a fake machine (fake_machine.h),
# each test linking the sources its line below names.
FAKE_MACHINE := tests/unit/hypervisor/fake_machine.c hypervisor/common/page_alloc.c \
	hypervisor/arch/x86/page_type.c hypervisor/arch/x86/mm_audit.c \
	hypervisor/arch/x86/descriptors.c hypervisor/common/spinlock.c \
	hypervisor/common/rspinlock.c
FAKE_BINS := $(UNIT_OUT)/hypervisor/arch/x86/page_type $(UNIT_OUT)/hypervisor/common/event_channel \
	$(UNIT_OUT)/hypervisor/common/grant_table $(UNIT_OUT)/hypervisor/arch/x86/ptwr
UNIT_BINS += $(FAKE_BINS)
$(UNIT_OUT)/hypervisor/arch/x86/page_type: $(FAKE_MACHINE)
$(UNIT_OUT)/hypervisor/arch/x86/ptwr: $(FAKE_MACHINE) hypervisor/arch/x86/ptwr.c \
	hypervisor/arch/x86/int_ops.c
$(UNIT_OUT)/hypervisor/common/event_channel: $(FAKE_MACHINE) \
	hypervisor/common/event_channel.c hypervisor/common/evtchn_fifo.c
$(UNIT_OUT)/hypervisor/common/grant_table: $(FAKE_MACHINE) \
	hypervisor/common/grant_table.c hypervisor/common/grant_map.c
$(FAKE_BINS): $(UNIT_OUT)/%: tests/unit/%.c $(CONFIG_H) tests/unit/unit.h \
		tests/unit/hypervisor/fake_machine.h tests/unit/hypervisor/host_arch.h \
		$(wildcard hypervisor/include/hv/*.h hypervisor/arch/x86/include/asm/*.h) \
		hypervisor/common/grant_internal.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)gcc $(UNIT_CFLAGS) -Ihypervisor/arch/x86/include \
	  -include tests/unit/hypervisor/host_arch.h -o $@ $(filter %.c,$^)

# copy_wide.S, GNTTABOP_copy's AVX copy: the assembly as it is, on the host's CPU.
UNIT_BINS += $(UNIT_OUT)/hypervisor/arch/x86/copy_wide
$(UNIT_OUT)/hypervisor/arch/x86/copy_wide: tests/unit/hypervisor/arch/x86/copy_wide.c \
		hypervisor/arch/x86/copy_wide.S $(CONFIG_H) tests/unit/unit.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)gcc $(UNIT_CFLAGS) -Wa,--noexecstack -o $@ $< hypervisor/arch/x86/copy_wide.S

# time.c's scale and records: the test includes the source (its scale
# helpers are static) and sets the TSC itself.
UNIT_BINS += $(UNIT_OUT)/hypervisor/arch/x86/time
$(UNIT_OUT)/hypervisor/arch/x86/time: tests/unit/hypervisor/arch/x86/time.c \
		hypervisor/arch/x86/time.c hypervisor/common/spinlock.c \
		tests/unit/hypervisor/host_panic.c $(CONFIG_H) tests/unit/unit.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)gcc $(UNIT_CFLAGS) -Ihypervisor/arch/x86/include -o $@ $< \
	  hypervisor/common/spinlock.c tests/unit/hypervisor/host_panic.c

# Sources that take locks link the debug lock checks (hv/spinlock.h) too.
UNIT_LOCKING := $(patsubst %,$(UNIT_OUT)/hypervisor/common/%,timer page_alloc)
$(UNIT_LOCKING): UNIT_EXTRA := hypervisor/common/spinlock.c tests/unit/hypervisor/host_panic.c
$(UNIT_OUT)/hypervisor/common/spinlock: UNIT_EXTRA := hypervisor/common/rspinlock.c
$(UNIT_OUT)/hypervisor/common/unxz: UNIT_EXTRA := hypervisor/common/lzma.c hypervisor/lib/crc32.c
$(UNIT_OUT)/hypervisor/common/unxz: hypervisor/common/lzma.c hypervisor/common/lzma.h
UNIT_BINS += $(UNIT_OUT)/hypervisor/common/unlzma
$(UNIT_OUT)/hypervisor/common/unlzma: UNIT_EXTRA = $(filter-out hypervisor/common/unlzma.c,$(KIMAGE_SRCS))
UNIT_BINS += $(UNIT_OUT)/hypervisor/common/unlzo
$(UNIT_OUT)/hypervisor/common/unlzo: UNIT_EXTRA = $(filter-out hypervisor/common/unlzo.c,$(KIMAGE_SRCS))
$(UNIT_LOCKING) $(UNIT_OUT)/hypervisor/common/spinlock: hypervisor/common/spinlock.c \
	hypervisor/common/rspinlock.c \
	tests/unit/hypervisor/host_panic.c hypervisor/include/hv/spinlock.h hypervisor/include/hv/lock_order.h
$(UNIT_OUT)/hypervisor/%: tests/unit/hypervisor/%.c hypervisor/%.c $(CONFIG_H) tests/unit/unit.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)gcc $(UNIT_CFLAGS) -o $@ $< $(sort hypervisor/$*.c $(UNIT_EXTRA))

# dom0 backends: plain userspace C (UNIT_CFLAGS still includes config.h).
$(UNIT_OUT)/backend_drivers/%: tests/unit/backend_drivers/%.c backend_drivers/%.c \
		backend_drivers/%.h tests/unit/unit.h $(CONFIG_H)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)gcc $(UNIT_CFLAGS) -o $@ $< backend_drivers/$*.c

# netback's data path: the common/ ring and grant headers and the dom0
# library's xendev.h come in by include path; the fake grant copy is the test's.
UNIT_BINS += $(UNIT_OUT)/backend_drivers/net/net_ring
$(UNIT_OUT)/backend_drivers/net/net_ring: tests/unit/backend_drivers/net/net_ring.c \
		backend_drivers/net/net_ring.c backend_drivers/net/net_ring.h hypercall_abi/include/lamina/io/netif.h \
		backend_drivers/common/ring_be.h backend_drivers/common/gnt_be.h tests/unit/unit.h $(CONFIG_H)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)gcc $(UNIT_CFLAGS) -Ibackend_drivers/common -Idom0_tools/lib -o $@ $< backend_drivers/net/net_ring.c

# The backends' batched grant copies: gnt_be.c is included by the test,
# its gntdev ioctl replaced by the test's recorder.
UNIT_BINS += $(UNIT_OUT)/backend_drivers/common/gnt_be
$(UNIT_OUT)/backend_drivers/common/gnt_be: tests/unit/backend_drivers/common/gnt_be.c \
		backend_drivers/common/gnt_be.c backend_drivers/common/gnt_be.h tests/unit/unit.h $(CONFIG_H)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)gcc $(UNIT_CFLAGS) -Idom0_tools/lib -o $@ $<

# The backends' xenbus state machine: xenbus_be.c is included by the test,
# the dom0 library's store calls answered from the test's table.
UNIT_BINS += $(UNIT_OUT)/backend_drivers/common/xenbus_be
$(UNIT_OUT)/backend_drivers/common/xenbus_be: tests/unit/backend_drivers/common/xenbus_be.c \
		backend_drivers/common/xenbus_be.c backend_drivers/common/xenbus_be.h tests/unit/unit.h \
		$(CONFIG_H)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)gcc $(UNIT_CFLAGS) -Idom0_tools/lib -o $@ $<

# Our netfront's rings and stack (frontend_drivers/net): no hypercalls in them.
NF_UNIT := $(UNIT_OUT)/frontend_drivers/net/nf_ring $(UNIT_OUT)/frontend_drivers/net/nf_stack
UNIT_BINS += $(NF_UNIT)
$(NF_UNIT): $(UNIT_OUT)/frontend_drivers/%: tests/unit/frontend_drivers/%.c frontend_drivers/%.c \
		$(wildcard frontend_drivers/net/*.h) hypercall_abi/include/lamina/io/netif.h tests/unit/unit.h $(CONFIG_H)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)gcc $(UNIT_CFLAGS) -o $@ $< frontend_drivers/$*.c

# libvmctl.c calls the dom0 library: its sources come in too, sanitized.
$(UNIT_OUT)/dom0_tools/libvmctl/libvmctl: tests/unit/dom0_tools/libvmctl/libvmctl.c \
		dom0_tools/libvmctl/libvmctl.c dom0_tools/libvmctl/libvmctl.h \
		dom0_tools/lib/xendev.c dom0_tools/lib/xs.c dom0_tools/lib/dominfo.c \
		dom0_tools/lib/dominfo.h tests/unit/unit.h $(CONFIG_H)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)gcc $(UNIT_CFLAGS) -Idom0_tools/lib -o $@ $< dom0_tools/libvmctl/libvmctl.c \
	  dom0_tools/lib/xendev.c dom0_tools/lib/xs.c dom0_tools/lib/dominfo.c

# The hypervisor's kernel-module decoders, fed by the gzip and lz4
# commands at run time (KIMAGE_VMLINUZ: a bzImage to look into as well).
UNIT_BINS += $(UNIT_OUT)/hypervisor/common/kimage
KIMAGE_SRCS := hypervisor/common/kimage.c hypervisor/common/inflate.c hypervisor/lib/crc32.c \
	hypervisor/common/unlz4.c hypervisor/common/unxz.c hypervisor/common/bunzip2.c \
	hypervisor/common/lzma.c hypervisor/common/unlzma.c hypervisor/common/unlzo.c \
	hypervisor/common/unzstd.c
$(UNIT_OUT)/hypervisor/common/kimage: tests/unit/hypervisor/common/kimage.c $(KIMAGE_SRCS) \
		tests/unit/unit.h $(CONFIG_H)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)gcc $(UNIT_CFLAGS) -o $@ $< $(KIMAGE_SRCS)
# unlzma and unlzo link every decoder too (their kimage rounds).
$(UNIT_OUT)/hypervisor/common/unlzma $(UNIT_OUT)/hypervisor/common/unlzo: $(KIMAGE_SRCS) \
	hypervisor/common/lzma.h

# The decoder suites share one helper header (streams, data, hostile rounds, main).
DECOMP_UNIT := $(patsubst %,$(UNIT_OUT)/hypervisor/common/%,bunzip2 unxz unzstd unlzma unlzo kimage)
$(DECOMP_UNIT): tests/unit/hypervisor/common/decomp_test.h hypervisor/include/hv/decompress.h

# The builder's kernel reader: the hypervisor's ELF reader and Debian's
# decompression libraries (dom0_tools/packages.txt) come in too.
$(UNIT_OUT)/dom0_tools/libvmctl/kernel_image: tests/unit/dom0_tools/libvmctl/kernel_image.c \
		dom0_tools/libvmctl/kernel_image.c dom0_tools/libvmctl/kernel_image.h \
		dom0_tools/libvmctl/guest_mem.h \
		hypervisor/common/elf.c tests/unit/unit.h $(CONFIG_H)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)gcc $(UNIT_CFLAGS) -o $@ $< dom0_tools/libvmctl/kernel_image.c hypervisor/common/elf.c \
	  -lz -llzma -llz4 -lzstd -lbz2 -ldeflate

# The cache of unpacked kernels on the kernel reader, in a directory of its own under /tmp.
$(UNIT_OUT)/dom0_tools/libvmctl/kcache: tests/unit/dom0_tools/libvmctl/kcache.c \
		dom0_tools/libvmctl/kcache.c dom0_tools/libvmctl/kcache.h \
		dom0_tools/libvmctl/kernel_image.c dom0_tools/libvmctl/kernel_image.h \
		hypervisor/common/elf.c tests/unit/unit.h $(CONFIG_H)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)gcc $(UNIT_CFLAGS) -o $@ $< dom0_tools/libvmctl/kcache.c dom0_tools/libvmctl/kernel_image.c \
	  hypervisor/common/elf.c -lz -ldeflate -llzma -llz4 -lzstd -lbz2

# vmtop's logic without ncurses or devices: rates, sorting, formats, the
# stats files, batch mode on the synthetic source.
VMTOP_UNIT_SRC := dom0_tools/vmtop/calc.c dom0_tools/vmtop/statsfile.c \
	dom0_tools/vmtop/fake.c dom0_tools/vmtop/batch.c dom0_tools/lib/dominfo.c
UNIT_BINS += $(UNIT_OUT)/dom0_tools/vmtop/vmtop
$(UNIT_OUT)/dom0_tools/vmtop/vmtop: tests/unit/dom0_tools/vmtop/vmtop.c $(VMTOP_UNIT_SRC) \
		$(wildcard dom0_tools/vmtop/*.h) dom0_tools/lib/dominfo.h tests/unit/unit.h $(CONFIG_H)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)gcc $(UNIT_CFLAGS) -Idom0_tools/lib -o $@ $< $(VMTOP_UNIT_SRC)

# The config reader is three files: the syntax, the keys, the device specs.
CONFIG_READER := dom0_tools/libvmctl/config_syntax.c dom0_tools/libvmctl/config.c \
	dom0_tools/libvmctl/config_spec.c
$(UNIT_OUT)/dom0_tools/libvmctl/config: tests/unit/dom0_tools/libvmctl/config.c \
		$(CONFIG_READER) dom0_tools/libvmctl/config.h dom0_tools/libvmctl/config_internal.h \
		tests/unit/unit.h $(CONFIG_H)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)gcc $(UNIT_CFLAGS) -o $@ $< $(CONFIG_READER)

# dom0 tools' library code: plain userspace C, like the backends.
$(UNIT_OUT)/dom0_tools/%: tests/unit/dom0_tools/%.c dom0_tools/%.c \
		dom0_tools/%.h tests/unit/unit.h $(CONFIG_H)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)gcc $(UNIT_CFLAGS) -o $@ $< dom0_tools/$*.c

# consoled's own source with its /dev/xen, xenstore, clock and terminal calls answered by the test.
UNIT_BINS += $(UNIT_OUT)/backend_drivers/console/consoled
$(UNIT_OUT)/backend_drivers/console/consoled: tests/unit/backend_drivers/console/consoled.c \
		backend_drivers/console/consoled.c backend_drivers/console/cons_ring.c \
		backend_drivers/console/cons_log.c $(wildcard backend_drivers/console/*.h) \
		dom0_tools/lib/xendev.h dom0_tools/lib/xs.h tests/unit/unit.h $(CONFIG_H)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)gcc $(UNIT_CFLAGS) -D_GNU_SOURCE -Wno-unused-function -Idom0_tools/lib -o $@ $< \
		backend_drivers/console/cons_ring.c backend_drivers/console/cons_log.c

# A backend's own main loop on a fake dom0 (tests/unit/backend_drivers/fake_dom0.h):
# the test includes the backend's source, its poll() the fake's.
FAKE_DOM0 := tests/unit/backend_drivers/fake_dom0.c
FAKE_DOM0_DEP := $(FAKE_DOM0) tests/unit/backend_drivers/fake_dom0.h $(wildcard backend_drivers/common/*.h) \
	dom0_tools/lib/xendev.h dom0_tools/lib/xs.h tests/unit/unit.h $(CONFIG_H)
FAKE_DOM0_CFLAGS := -Ibackend_drivers/common -Idom0_tools/lib -Itests/unit/backend_drivers
UNIT_BINS += $(UNIT_OUT)/backend_drivers/block/blkback
$(UNIT_OUT)/backend_drivers/block/blkback: tests/unit/backend_drivers/block/blkback.c \
		backend_drivers/block/blkback.c backend_drivers/block/blk_req.c backend_drivers/block/blk_req.h \
		$(FAKE_DOM0_DEP)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)gcc $(UNIT_CFLAGS) $(FAKE_DOM0_CFLAGS) -o $@ $< backend_drivers/block/blk_req.c $(FAKE_DOM0) -luring
UNIT_BINS += $(UNIT_OUT)/backend_drivers/net/netback
$(UNIT_OUT)/backend_drivers/net/netback: tests/unit/backend_drivers/net/netback.c \
		backend_drivers/net/netback.c backend_drivers/net/net_ring.c $(wildcard backend_drivers/net/*.h) \
		hypercall_abi/include/lamina/io/netif.h $(FAKE_DOM0_DEP)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	$(Q)gcc $(UNIT_CFLAGS) $(FAKE_DOM0_CFLAGS) -o $@ $< backend_drivers/net/net_ring.c $(FAKE_DOM0)
