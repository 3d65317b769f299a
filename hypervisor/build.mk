# Hypervisor build rules, included by the top-level Makefile.
#
# The image is linked twice: first with an empty symbol table, then with
# the text symbols of the first link (tools/gensyms), placed after all code
# so no code address moves. The build checks that they did not.

HV_DIR   := hypervisor
HV_OUT   := $(O)/hypervisor
HV_ELF   := $(HV_OUT)/lamina.elf

HV_SRCS := \
	$(HV_DIR)/arch/x86/head.S \
	$(HV_DIR)/arch/x86/entry.S \
	$(HV_DIR)/arch/x86/trampoline.S \
	$(HV_DIR)/arch/x86/copy_wide.S \
	$(HV_DIR)/arch/x86/acpi.c \
	$(HV_DIR)/arch/x86/smp.c \
	$(HV_DIR)/arch/x86/cpu.c \
	$(HV_DIR)/arch/x86/descriptors.c \
	$(HV_DIR)/arch/x86/domain_build.c \
	$(HV_DIR)/arch/x86/flushtlb.c \
	$(HV_DIR)/arch/x86/emul_priv.c \
	$(HV_DIR)/arch/x86/cpu_policy.c \
	$(HV_DIR)/arch/x86/msr.c \
	$(HV_DIR)/arch/x86/domain_destroy.c \
	$(HV_DIR)/arch/x86/grant_pte.c \
	$(HV_DIR)/arch/x86/irq.c \
	$(HV_DIR)/arch/x86/msi.c \
	$(HV_DIR)/arch/x86/pci.c \
	$(HV_DIR)/arch/x86/mca.c \
	$(HV_DIR)/arch/x86/mm.c \
	$(HV_DIR)/arch/x86/memory_op.c \
	$(HV_DIR)/arch/x86/memory_op_toolstack.c \
	$(HV_DIR)/arch/x86/mm_audit.c \
	$(HV_DIR)/arch/x86/mm_hypercalls.c \
	$(HV_DIR)/arch/x86/page_type.c \
	$(HV_DIR)/arch/x86/multiboot.c \
	$(HV_DIR)/arch/x86/platform_op.c \
	$(HV_DIR)/arch/x86/power.c \
	$(HV_DIR)/arch/x86/ptwr.c \
	$(HV_DIR)/arch/x86/int_ops.c \
	$(HV_DIR)/arch/x86/pv.c \
	$(HV_DIR)/arch/x86/pv_misc.c \
	$(HV_DIR)/arch/x86/pv_traps.c \
	$(HV_DIR)/arch/x86/serial.c \
	$(HV_DIR)/arch/x86/setup.c \
	$(HV_DIR)/arch/x86/symbols_table.c \
	$(HV_DIR)/arch/x86/time.c \
	$(HV_DIR)/arch/x86/traps.c \
	$(HV_DIR)/arch/x86/usercopy.c \
	$(HV_DIR)/arch/x86/vcpu_context.c \
	$(HV_DIR)/common/cmdline.c \
	$(HV_DIR)/common/compat.c \
	$(HV_DIR)/common/conring.c \
	$(HV_DIR)/common/console.c \
	$(HV_DIR)/common/console_input.c \
	$(HV_DIR)/common/domain.c \
	$(HV_DIR)/common/domctl.c \
	$(HV_DIR)/common/elf.c \
	$(HV_DIR)/common/event_channel.c \
	$(HV_DIR)/common/evtchn_fifo.c \
	$(HV_DIR)/common/grant_map.c \
	$(HV_DIR)/common/grant_table.c \
	$(HV_DIR)/common/hypercall.c \
	$(HV_DIR)/common/inflate.c \
	$(HV_DIR)/common/ioport_ranges.c \
	$(HV_DIR)/common/kimage.c \
	$(HV_DIR)/common/multicall.c \
	$(HV_DIR)/common/page_alloc.c \
	$(HV_DIR)/common/printk.c \
	$(HV_DIR)/common/refused.c \
	$(HV_DIR)/common/pv_layout.c \
	$(HV_DIR)/common/rspinlock.c \
	$(HV_DIR)/common/sched.c \
	$(HV_DIR)/common/spinlock.c \
	$(HV_DIR)/common/symbols.c \
	$(HV_DIR)/common/sysctl.c \
	$(HV_DIR)/common/timer.c \
	$(HV_DIR)/common/unxz.c \
	$(HV_DIR)/common/lzma.c \
	$(HV_DIR)/common/unlzma.c \
	$(HV_DIR)/common/unlzo.c \
	$(HV_DIR)/common/unzstd.c \
	$(HV_DIR)/common/unlz4.c \
	$(HV_DIR)/common/bunzip2.c \
	$(HV_DIR)/common/vcpu.c \
	$(HV_DIR)/common/version.c \
	$(HV_DIR)/lib/crc32.c \
	$(HV_DIR)/lib/string.c \
	$(HV_DIR)/lib/vsnprintf.c \
	hypercall_abi/check/layout.c \
	hypercall_abi/check/numbers.c

# Options that remove a feature leave out its files (docs/style.md §1);
# the CONFIG_ variables come from config.mk, which the Makefile includes.
HV_SRCS-y :=
HV_SRCS-$(CONFIG_DEBUG_KEYS) += $(HV_DIR)/common/keyhandler.c
HV_SRCS += $(HV_SRCS-y)

HV_OBJS := $(patsubst %,$(HV_OUT)/%.o,$(basename $(HV_SRCS)))

LAMINA_CHANGESET := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

HV_INCLUDES := -I$(HV_DIR)/include -I$(HV_DIR)/arch/x86/include \
	-Ihypercall_abi/include -I$(O)/include
HV_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-ffreestanding -fno-stack-protector -fpie -fvisibility=hidden \
	-mno-red-zone -mgeneral-regs-only -fno-omit-frame-pointer \
	-mno-omit-leaf-frame-pointer -fno-asynchronous-unwind-tables \
	-fcf-protection=none -include $(HV_DIR)/include/hv/compiler.h -include $(CONFIG_H) $(HV_INCLUDES) -MMD -MP
HV_ASFLAGS := -D__ASSEMBLY__ $(HV_INCLUDES) -MMD -MP
HV_LDFLAGS := -static -nostdlib -no-pie -z max-page-size=4096 \
	-z noexecstack --no-warn-rwx-segments --build-id=sha1 -T $(HV_DIR)/arch/x86/lamina.lds

# XENVER_changeset: version.o is built again when the commit (or its
# dirty mark) changes, not only when version.c does, so a rebuilt
# hypervisor never names the commit of an older build.
$(HV_OUT)/changeset: .lamina-changeset-check
	@mkdir -p $(dir $@)
	$(Q)echo '$(LAMINA_CHANGESET)' | cmp -s - $@ || echo '$(LAMINA_CHANGESET)' > $@
.PHONY: .lamina-changeset-check

$(HV_OUT)/hypervisor/common/version.o: $(HV_OUT)/changeset
$(HV_OUT)/hypervisor/common/version.o: HV_CFLAGS += \
	-DLAMINA_CHANGESET='"$(LAMINA_CHANGESET)"' \
	-DLAMINA_COMPILE_BY='"$(shell id -un 2>/dev/null || echo unknown)"' \
	-DLAMINA_COMPILE_DATE='"$(shell date -u +%Y-%m-%d)"'

$(HV_OUT)/%.o: %.c $(CONFIG_H) $(HV_DIR)/build.mk
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)gcc $(HV_CFLAGS) -c $< -o $@

$(HV_OUT)/%.o: %.S $(CONFIG_H) $(HV_DIR)/build.mk
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	$(Q)gcc $(HV_ASFLAGS) -c $< -o $@

$(HV_OUT)/symbols.0.S: $(HV_DIR)/tools/gensyms
	@mkdir -p $(dir $@)
	$(Q)$(HV_DIR)/tools/gensyms > $@

$(HV_OUT)/lamina.0.elf: $(HV_OBJS) $(HV_OUT)/symbols.0.o $(HV_DIR)/arch/x86/lamina.lds
	$(Q)ld $(HV_LDFLAGS) -o $@ $(HV_OBJS) $(HV_OUT)/symbols.0.o

$(HV_OUT)/symbols.S: $(HV_OUT)/lamina.0.elf $(HV_DIR)/tools/gensyms
	$(Q)nm -n $< > $(HV_OUT)/lamina.0.nm
	$(Q)$(HV_DIR)/tools/gensyms $(HV_OUT)/lamina.0.nm > $@

$(HV_OUT)/symbols.0.o $(HV_OUT)/symbols.o: %.o: %.S
	$(Q)gcc -c $< -o $@

$(HV_ELF): $(HV_OUT)/lamina.0.elf $(HV_OUT)/symbols.o
	@echo "  LD      $@"
	$(Q)ld $(HV_LDFLAGS) -o $@ $(HV_OBJS) $(HV_OUT)/symbols.o
	$(Q)nm -n $@ | awk 'NF == 3 && $$2 ~ /^[tT]$$/' > $(HV_OUT)/lamina.nm
	$(Q)awk 'NF == 3 && $$2 ~ /^[tT]$$/' $(HV_OUT)/lamina.0.nm | cmp -s - $(HV_OUT)/lamina.nm || \
	  { echo "hypervisor: code moved between link passes" >&2; rm -f $@; exit 1; }

-include $(HV_OBJS:.o=.d)
