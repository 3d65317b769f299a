# vmtop (vmtop/): static, on the dom0 library and Debian's ncurses
# (libncurses-dev ships libncursesw.a and libtinfo.a). Included by
# ../Makefile after DOMU_FILES, which it extends: the binary, its man
# page and the terminfo entries a static ncurses looks for under
# /lib/terminfo go into the dom0 initramfs.
VMTOP      := $(O)/vmtop
VMTOP_SRC  := $(wildcard vmtop/*.c)
VMTOP_TERMS := d/dumb l/linux v/vt100 v/vt102 v/vt220 x/xterm x/xterm-256color \
	       s/screen s/screen-256color t/tmux t/tmux-256color
VMTOP_TERMINFO := $(foreach t,$(VMTOP_TERMS),$(firstword $(wildcard /lib/terminfo/$(t) /usr/share/terminfo/$(t))))

$(VMTOP): $(VMTOP_SRC) $(wildcard vmtop/*.h lib/*.h) $(LIBDOM0) \
	  $(wildcard $(ROOT)/hypercall_abi/include/lamina/*.h)
	$(Q)mkdir -p $(O)
	$(Q)gcc $(TEST_CFLAGS) -Ilib -o $@ $(VMTOP_SRC) $(LIBDOM0) -lncursesw -ltinfo
	@echo "  CC      $@"

# vmctl list -l and vmctl top (vmctl/cmd_top.c) use vmtop's sampling and
# rates: those sources (not the screen) are linked into vmctl too; the
# recipe of $(VMCTL) reads VMCTL_SRC when it runs, so += here is enough.
VMTOP_CORE := vmtop/source.c vmtop/calc.c vmtop/statsfile.c vmtop/fake.c
VMCTL_SRC  += $(VMTOP_CORE)
$(VMCTL): $(VMTOP_CORE) $(wildcard vmtop/*.h)

DOMU_FILES += --add $(VMTOP):bin/vmtop --add vmtop/vmtop.1:usr/share/man/man1/vmtop.1 \
	$(foreach f,$(VMTOP_TERMINFO),--add $(f):lib/terminfo/$(notdir $(patsubst %/,%,$(dir $(f))))/$(notdir $(f)))
# tmux (Debian's, with its libraries) for the vmtop-tmux check, which
# drives vmtop's screen through it (tests/linux/dom0/run); without it
# the check is skipped. tmux refuses to start without a UTF-8 LC_CTYPE:
# glibc's C.UTF-8 one (libc-bin) comes along.
VMTOP_TMUX := $(wildcard /usr/bin/tmux)
VMTOP_CTYPE := $(if $(VMTOP_TMUX),$(wildcard /usr/lib/locale/C.utf8/LC_CTYPE))
DOMU_FILES += $(if $(VMTOP_TMUX),--add-prog $(VMTOP_TMUX):bin/tmux) \
	$(if $(VMTOP_CTYPE),--add $(VMTOP_CTYPE):usr/lib/locale/C.utf8/LC_CTYPE)
$(INITRAMFS): $(VMTOP) vmtop/vmtop.1 vmtop/vmtop.mk $(VMTOP_TMUX) $(VMTOP_CTYPE)
