# ---- fuzzers (libFuzzer + ASan + UBSan, clang; see docs/security.md) ----
# One harness per fuzz/fuzz_<name>.c; fuzz_<name>_SRCS lists the hyparm
# sources it links (host-built, as for the unit tests). Seeds live in
# fuzz/corpus/<name>/, crashers that were fixed in fuzz/regressions/<name>/.
# What libFuzzer finds goes to $(B)/fuzz/corpus/<name>/ (never the tree).
FUZZ_CC      ?= clang
FUZZ_SECONDS ?= 60
# fuzz-smoke: this long per harness, so that all of them stay within a minute on 2 cores.
FUZZ_SMOKE_SECONDS ?= 3

FUZZERS := esr mmio vpl011 psci sysreg vgic its fdt_platform bundle loader manifest cfi virtqueue vsock
fuzz_esr_SRCS          := arch/arm64/esr.c
fuzz_mmio_SRCS         := core/mmio.c
fuzz_vpl011_SRCS       := vdev/vpl011.c
fuzz_cfi_SRCS          := vdev/cfi.c
fuzz_psci_SRCS         := core/psci.c core/smccc.c core/spectre.c
# sysreg: the architectural table and the EL1 physical timer through its hooks, on the arch fake.
fuzz_sysreg_SRCS       := arch/arm64/sysreg_emul.c arch/arm64/id_regs.c arch/arm64/debug.c arch/arm64/pmu.c arch/arm64/esr.c \
			  vdev/ptimer.c arch/host/fake_pmu.c $(SYSREG_PAUTH_SRCS) \
			  core/deadline.c core/sysreg_hook.c core/vdev.c lib/printf.c $(ARCH_FAKE_SRCS)
fuzz_sysreg_LIBS       := -lcmocka
fuzz_fdt_platform_SRCS := drivers/fdt_platform.c lib/printf.c
fuzz_fdt_platform_LIBS := -lfdt
fuzz_bundle_SRCS       := core/bundle.c lib/printf.c
fuzz_loader_SRCS       := core/loader.c lib/printf.c
fuzz_manifest_SRCS     := core/manifest.c core/devnode_schema.c core/loader.c lib/printf.c
fuzz_manifest_LIBS     := -lfdt
fuzz_virtqueue_SRCS    := core/virtqueue.c
fuzz_vsock_SRCS        := core/vsock_router.c
# vgic: the model, its registers and the list-register policy, on the arch fake's list registers.
fuzz_vgic_SRCS         := vdev/vgic/vgic.c vdev/vgic/vgic_lr.c vdev/vgic/vgic_dist.c vdev/vgic/vgic_redist.c vdev/vgic/vgic_lpi.c core/virtqueue.c \
			  vdev/vgic/vgic_dist_v2.c vdev/vgic/vgic_regs.c $(ARCH_FAKE_SRCS)
fuzz_vgic_LIBS         := -lcmocka
# its: the ITS's registers and command queue, LPIs in the model and the list registers, on the arch fake.
fuzz_its_SRCS          := vdev/vgic/vits.c vdev/vgic/vgic.c vdev/vgic/vgic_lr.c vdev/vgic/vgic_dist.c vdev/vgic/vgic_redist.c \
			  vdev/vgic/vgic_lpi.c vdev/vgic/vgic_regs.c core/virtqueue.c lib/errno.c lib/printf.c $(ARCH_FAKE_SRCS)
fuzz_its_LIBS          := -lcmocka

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
