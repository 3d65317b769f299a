# hypervisor build rules (filled in below)
HV_ELF := $(O)/hypervisor/lamina.elf
