# libFuzzer targets for the kernel-module decoders (tests/fuzz/decoders):
# one binary per decoder from dec_fuzz.c, linked with kimage.c and every
# decoder (KIMAGE_SRCS, tests/unit/build.mk), clang with ASan and UBSan.
#   make fuzz-decoders        each decoder FUZZ_DEC_TIME seconds (300), one at a time
#   make fuzz-decoders-short  each FUZZ_DEC_RUNS inputs (20000) from the seeds
# The corpora grow in $(O)/fuzz/decoders/<name>.corpus across runs; a
# crash's input is left in $(O)/fuzz/decoders/<name>.art/.

FUZZ_DECODERS := gzip lz4 xz bzip2 lzma lzo zstd
FUZZ_DEC_OUT := $(O)/fuzz/decoders
FUZZ_DEC_BINS := $(patsubst %,$(FUZZ_DEC_OUT)/%,$(FUZZ_DECODERS))
FUZZ_DEC_TIME ?= 300
FUZZ_DEC_RUNS ?= 20000
FUZZ_DEC_CFLAGS := -std=gnu11 -O1 -g -Wall -Wno-unused-parameter \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all \
	-include $(CONFIG_H) -Ihypervisor/include -Ihypercall_abi/include -I$(O)/include \
	-DUNIT_HOST_CPU

$(FUZZ_DEC_OUT)/%: tests/fuzz/decoders/dec_fuzz.c $(KIMAGE_SRCS) hypervisor/include/hv/decompress.h \
		$(CONFIG_H) | fuzz-decoders-deps
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	$(Q)clang $(FUZZ_DEC_CFLAGS) -DDEC_$(shell echo $* | tr a-z A-Z) -o $@ $< $(KIMAGE_SRCS)

# clang (with libFuzzer) only for these targets: not in make setup's lists.
.PHONY: fuzz-decoders fuzz-decoders-short fuzz-decoders-deps
fuzz-decoders-deps:
	$(Q)tests/run/install-deps tests/fuzz/decoders/packages.txt
fuzz-decoders: $(FUZZ_DEC_BINS)
	$(Q)FUZZ_OUT=$(FUZZ_DEC_OUT) tests/fuzz/decoders/run-fuzz time $(FUZZ_DEC_TIME) $(FUZZ_DECODERS)
fuzz-decoders-short: $(FUZZ_DEC_BINS)
	$(Q)FUZZ_OUT=$(FUZZ_DEC_OUT) tests/fuzz/decoders/run-fuzz runs $(FUZZ_DEC_RUNS) $(FUZZ_DECODERS)
