# Test guests: one PV kernel per tests/guest/<name>.c, on the framework in lib/.

GUEST_DIR  := tests/guest
GUEST_OUT  := $(O)/tests/guest
GUEST_SRCS := $(wildcard $(GUEST_DIR)/*.c)
GUEST_ELFS := $(patsubst $(GUEST_DIR)/%.c,$(GUEST_OUT)/%.elf,$(GUEST_SRCS))
GUEST_LIB  := $(GUEST_OUT)/lib/head.o $(GUEST_OUT)/lib/lib.o $(GUEST_OUT)/lib/traps.o \
	$(GUEST_OUT)/lib/mm.o $(GUEST_OUT)/lib/user.o $(GUEST_OUT)/lib/userentry.o \
	$(GUEST_OUT)/lib/events.o $(GUEST_OUT)/lib/peer.o $(GUEST_OUT)/lib/elf.o \
	$(GUEST_OUT)/lib/pv_layout.o \
	$(GUEST_OUT)/lib/trapentry.o \
	$(GUEST_OUT)/lib/string.o $(GUEST_OUT)/lib/vsnprintf.o \
	$(GUEST_OUT)/lib/abi-layout.o $(GUEST_OUT)/lib/abi-numbers.o

GUEST_CFLAGS := -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wno-unused-parameter \
	-ffreestanding -fno-stack-protector -fno-pic -mcmodel=kernel \
	-mno-red-zone -mgeneral-regs-only -fno-asynchronous-unwind-tables \
	-fcf-protection=none -Ihypercall_abi/include -Ihypervisor/include -MMD -MP
GUEST_LDBASE  := -static -nostdlib -no-pie -z max-page-size=4096 -z noexecstack \
	--no-warn-rwx-segments --build-id=none
GUEST_LDFLAGS := $(GUEST_LDBASE) -T $(GUEST_DIR)/lib/guest.lds

$(GUEST_OUT)/lib/%.o: $(GUEST_DIR)/lib/%.c $(GUEST_DIR)/build.mk
	@mkdir -p $(dir $@)
	$(Q)gcc $(GUEST_CFLAGS) -c $< -o $@
$(GUEST_OUT)/lib/%.o: $(GUEST_DIR)/lib/%.S $(GUEST_DIR)/build.mk
	@mkdir -p $(dir $@)
	$(Q)gcc $(GUEST_CFLAGS) -c $< -o $@
$(GUEST_OUT)/lib/%.o: hypervisor/lib/%.c $(GUEST_DIR)/build.mk
	@mkdir -p $(dir $@)
	$(Q)gcc $(GUEST_CFLAGS) -c $< -o $@
# The ABI's layout and number checks, compiled as the guests see the headers.
$(GUEST_OUT)/lib/abi-%.o: hypercall_abi/check/%.c $(GUEST_DIR)/build.mk
	@mkdir -p $(dir $@)
	$(Q)gcc $(GUEST_CFLAGS) -c $< -o $@
# The peer builder (lib/peer.c) reads PV kernels with the hypervisor's ELF
# reader and lays them out with its start-of-day layout planner.
$(GUEST_OUT)/lib/elf.o: hypervisor/common/elf.c $(GUEST_DIR)/build.mk
	@mkdir -p $(dir $@)
	$(Q)gcc $(GUEST_CFLAGS) -c $< -o $@
$(GUEST_OUT)/lib/pv_layout.o: hypervisor/common/pv_layout.c $(GUEST_DIR)/build.mk
	@mkdir -p $(dir $@)
	$(Q)gcc $(GUEST_CFLAGS) -c $< -o $@

# A test that defines WITH_HYPERCALL_PAGE gets the note and the page.
$(GUEST_OUT)/%.hcpage.o: $(GUEST_DIR)/lib/head.S
	@mkdir -p $(dir $@)
	$(Q)gcc $(GUEST_CFLAGS) -DWITH_HYPERCALL_PAGE -c $< -o $@

$(GUEST_OUT)/%.o: $(GUEST_DIR)/%.c $(GUEST_DIR)/build.mk
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)gcc $(GUEST_CFLAGS) -c $< -o $@

# A test with "@head: -D<variant>" in its comment gets its own head.S
# (other notes, see lib/head.S), one with "@ldflags: ..." links with them,
# one with "@lds: <file>" links with lib/<file> instead of lib/guest.lds.
$(GUEST_OUT)/%.elf: $(GUEST_OUT)/%.o $(GUEST_LIB) $(GUEST_OUT)/%.hcpage.o $(wildcard $(GUEST_DIR)/lib/*.lds)
	$(Q)hdefs=$$(sed -n 's/^ \* @head: //p' $(GUEST_DIR)/$*.c); \
	  ldx=$$(sed -n 's/^ \* @ldflags: //p' $(GUEST_DIR)/$*.c); \
	  lds=$$(sed -n 's/^ \* @lds: //p' $(GUEST_DIR)/$*.c); \
	  if grep -q '^#define WITH_HYPERCALL_PAGE' $(GUEST_DIR)/$*.c; then \
	  head=$(GUEST_OUT)/$*.hcpage.o; elif [ -n "$$hdefs" ]; then \
	  head=$(GUEST_OUT)/$*.head.o; \
	  gcc $(GUEST_CFLAGS) $$hdefs -c $(GUEST_DIR)/lib/head.S -o $$head || exit 1; \
	  else head=$(GUEST_OUT)/lib/head.o; fi; \
	  ld $$ldx $(GUEST_LDBASE) -T $(GUEST_DIR)/lib/$${lds:-guest.lds} -o $@ $$head $(GUEST_OUT)/$*.o $(GUEST_PARTS_$*) \
	  $(filter-out $(GUEST_OUT)/lib/head.o,$(GUEST_LIB))

# A test in several files: <name>.c keeps the @-lines, the rest are in a
# folder of its own, linked in through GUEST_PARTS_<name>.
GUEST_PARTS_fuzz-state := $(patsubst $(GUEST_DIR)/%.c,$(GUEST_OUT)/%.o,$(wildcard $(GUEST_DIR)/fuzz/*.c))
$(GUEST_OUT)/fuzz-state.elf: $(GUEST_PARTS_fuzz-state)

.SECONDARY: $(GUEST_ELFS:.elf=.o) $(GUEST_ELFS:.elf=.hcpage.o) $(GUEST_LIB) $(GUEST_PARTS_fuzz-state)
-include $(wildcard $(GUEST_OUT)/*.d $(GUEST_OUT)/lib/*.d $(GUEST_OUT)/fuzz/*.d)

# Benchmark guests: tests/bench/guest/<name>.c on the same framework.
BENCH_DIR  := tests/bench/guest
BENCH_OUT  := $(O)/tests/bench
BENCH_ELFS := $(patsubst $(BENCH_DIR)/%.c,$(BENCH_OUT)/%.elf,$(wildcard $(BENCH_DIR)/*.c))

$(BENCH_OUT)/%.o: $(BENCH_DIR)/%.c $(GUEST_DIR)/build.mk
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)gcc $(GUEST_CFLAGS) -c $< -o $@

$(BENCH_OUT)/%.elf: $(BENCH_OUT)/%.o $(GUEST_LIB) $(GUEST_DIR)/lib/guest.lds
	$(Q)ld $(GUEST_LDFLAGS) -o $@ $(GUEST_LIB) $<

GUEST_ELFS += $(BENCH_ELFS)
.SECONDARY: $(BENCH_ELFS:.elf=.o)

# domUs for the Linux dom0 checks: tests/linux/domu/<name>.c, same framework.
DOMU_DIR  := tests/linux/domu
DOMU_OUT  := $(O)/tests/linux/domu
DOMU_ELFS := $(patsubst $(DOMU_DIR)/%.c,$(DOMU_OUT)/%.elf,$(wildcard $(DOMU_DIR)/*.c))

$(DOMU_OUT)/%.o: $(DOMU_DIR)/%.c $(GUEST_DIR)/build.mk
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)gcc $(GUEST_CFLAGS) -I$(GUEST_DIR)/lib -Ifrontend_drivers -c $< -o $@

# Our guest-side drivers (frontend_drivers/: xenbus, grants, blkfront, netfront) go
# into every such domU; the linker keeps what it needs.
FE_SRCS := $(wildcard frontend_drivers/common/*.c frontend_drivers/block/*.c frontend_drivers/net/*.c)
FE_OBJS := $(patsubst frontend_drivers/%.c,$(O)/frontend_drivers/%.o,$(FE_SRCS))
$(O)/frontend_drivers/%.o: frontend_drivers/%.c $(wildcard frontend_drivers/*/*.h) $(GUEST_DIR)/build.mk
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	$(Q)gcc $(GUEST_CFLAGS) -I$(GUEST_DIR)/lib -c $< -o $@
FE_LIB := $(O)/frontend_drivers/libfe.a
$(FE_LIB): $(FE_OBJS)
	$(Q)rm -f $@; ar rcs $@ $^

$(DOMU_OUT)/%.elf: $(DOMU_OUT)/%.o $(GUEST_LIB) $(FE_LIB) $(GUEST_DIR)/lib/guest.lds
	$(Q)ld $(GUEST_LDFLAGS) -o $@ $(GUEST_LIB) $< $(FE_LIB)

GUEST_ELFS += $(DOMU_ELFS)
.SECONDARY: $(DOMU_ELFS:.elf=.o)
