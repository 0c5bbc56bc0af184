# ---- fuzzers (libFuzzer + ASan + UBSan, clang; see docs/security.md) ----
# One harness per fuzz/fuzz_<name>.c; fuzz_<name>_SRCS lists the hyparm
# sources it links (host-built, as for the unit tests). Seeds live in
# fuzz/corpus/<name>/, crashers that were fixed in fuzz/regressions/<name>/.
# What libFuzzer finds goes to $(B)/fuzz/corpus/<name>/ (never the tree).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
# fuzz-smoke: this long per harness, so that all of them stay within a minute on 2 cores.
FUZZ_SMOKE_SECONDS ?= 3

# sysreg and vgic: being moved onto the arch fake after the vGIC/timer split (their sources moved).
FUZZERS := esr mmio vpl011 psci fdt_platform bundle loader vmconfig
fuzz_esr_SRCS          := arch/arm64/esr.c
fuzz_mmio_SRCS         := core/mmio.c
fuzz_vpl011_SRCS       := vdev/vpl011.c
fuzz_psci_SRCS         := core/psci.c core/smccc.c
fuzz_sysreg_SRCS       := arch/arm64/sysreg_emul.c arch/arm64/id_regs.c arch/arm64/esr.c vdev/vtimer.c
fuzz_fdt_platform_SRCS := drivers/fdt_platform.c lib/printf.c
fuzz_fdt_platform_LIBS := -lfdt
fuzz_bundle_SRCS       := core/bundle.c lib/printf.c
fuzz_loader_SRCS       := core/loader.c lib/printf.c
fuzz_vmconfig_SRCS     := core/vmconfig.c lib/printf.c
# The vGIC is being reorganised (vdev/vgic/): adapt this list after that merge.
fuzz_vgic_SRCS         := vdev/vgic.c vdev/vgic_dist.c vdev/vgic_redist.c vdev/vgic_regs.c

FUZZ_CFLAGS := -std=c11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter -Iarch/host/include $(INCLUDES) \
	-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
FUZZ_BINS := $(addprefix $(B)/fuzz/fuzz_,$(FUZZERS))

.PHONY: fuzz fuzz-smoke fuzzers
fuzzers: $(FUZZ_BINS)

$(B)/fuzz/fuzz_%: fuzz/fuzz_%.c fuzz/input.h $$(fuzz_$$*_SRCS) $$(wildcard include/hyparm/*.h arch/arm64/include/arch/*.h vdev/include/vdev/*.h drivers/include/drivers/*.h)
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -o $@ $< $(fuzz_$*_SRCS) $(fuzz_$*_LIBS)

# Each harness for FUZZ_SECONDS (default 60), after replaying its regressions.
fuzz: $(FUZZ_BINS)
	@bash scripts/run-fuzz.sh $(FUZZ_SECONDS) $(FUZZ_BINS)

# What `make test` runs: the regressions and a short run of each harness.
fuzz-smoke: $(FUZZ_BINS)
	@bash scripts/run-fuzz.sh $(FUZZ_SMOKE_SECONDS) $(FUZZ_BINS)
