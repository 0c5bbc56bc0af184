# hyparm build. `make help` lists the targets.
#
# Layout: arch/arm64 (EL2 only), core (VM logic), vdev (virtual devices),
# drivers (physical devices hyparm uses), lib (printf, strings), guests
# (bare-metal test guests), tools (host side), tests/unit (cmocka, host),
# tests/integration (QEMU runs).

CROSS   ?= aarch64-linux-gnu-
CC      := $(CROSS)gcc
LD      := $(CROSS)ld
OBJCOPY := $(CROSS)objcopy
OBJDUMP := $(CROSS)objdump
HOSTCC  ?= gcc
B       := build
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo unknown)

# Prebuilt arm64 libfdt from Debian (libfdt-dev:arm64), unpacked by scripts/setup-deps.sh.
LIBFDT_A := deps/libfdt-arm64/usr/lib/aarch64-linux-gnu/libfdt.a

INCLUDES := -Iinclude -Iarch/arm64/include -Ivdev/include -Idrivers/include
# -fpie: hyparm relocates itself at boot, so a boot loader may place it anywhere.
# -mbranch-protection=none: hyparm signs no return address (no PACIASP/BTI), whatever the
# compiler's default: the CPU's pointer-authentication keys are the running guest's (arch/pauth.h).
HV_CFLAGS := -std=c11 -O2 -g -ffreestanding -fno-builtin -nostdlib -mgeneral-regs-only -mbranch-protection=none \
	-fpie -fvisibility=hidden -fno-stack-protector -fno-omit-frame-pointer \
	-mstrict-align -mno-outline-atomics -ffunction-sections -fdata-sections \
	-Wall -Wextra -Werror -Wmissing-prototypes -Wno-unused-parameter -include include/hyparm/visibility.h $(INCLUDES) -DHYPARM_VERSION='"$(VERSION)"' \
	$(HV_TEST_CFLAGS)
# HYPARM_TEST_HOOKS=1: test-only hooks (include/hyparm/test_hooks.h); make hyparm-test-hooks builds it apart.
ifeq ($(HYPARM_TEST_HOOKS),1)
HV_CFLAGS += -DHYPARM_TEST_HOOKS=1
endif
# HV_TEST_CFLAGS: test-only builds, in their own B= directory (the stack guard test uses
# -DHYPARM_TEST_STACK_OVERFLOW). Never set for a real build.
HV_TEST_CFLAGS ?=
HV_ASFLAGS := -D__ASSEMBLER__ $(INCLUDES) -I$(B)/include -g
HV_LDFLAGS := -nostdlib -static -pie --no-dynamic-linker -z norelro -z max-page-size=4096 \
	--gc-sections -T arch/arm64/hyparm.ld

# asm-offsets.c is never linked: it only produces $(ASM_OFFSETS) (below).
HV_SRCS := $(filter-out arch/arm64/asm-offsets.c,$(wildcard arch/arm64/*.c core/*.c vdev/*.c vdev/*/*.c drivers/*.c lib/*.c))
HV_ASMS := $(wildcard arch/arm64/*.S)
MANIFEST_CHECK := $(B)/tools/manifest-check
HV_OBJS := $(patsubst %.c,$(B)/hv/%.o,$(HV_SRCS)) $(patsubst %.S,$(B)/hv/%.o,$(HV_ASMS))

.PHONY: all hyparm hyparm-test-hooks guests unit integration test run deps help clean bench linux profile-plugin
all: hyparm guests

help:
	@echo "make run          boot hyparm in QEMU with the default guests"
	@echo "make test         run every test (unit + fuzz-smoke + integration); ends with 'N passed, N failed'"
	@echo "make deps         install the Debian packages hyparm needs (apt-get)"
	@echo "make hyparm       build $(B)/hyparm.bin"
	@echo "make hyparm-test-hooks  build $(B)/test-hooks/hyparm.bin (test-only hooks: the watchdog test)"
	@echo "make guests       build the bare-metal test guests"
	@echo "make unit         host unit tests (cmocka)"
	@echo "make integration  QEMU integration tests (pytest; K=NAME runs those matching NAME)"
	@echo "make fuzz         run each fuzzer for FUZZ_SECONDS (default 60); fuzz-smoke: a few seconds each"
	@echo "make linux        fetch Debian's arm64 kernel, build the busybox initramfs"
	@echo "make format-check the C style (.clang-format); make format rewrites the files"
	@echo "make bench        benchmarks: hyparm vs Linux KVM (nVHE, VHE) vs Xen vs native; results in bench-results/"
	@echo "                  (GROUP=virtio: only the virtio-blk/net group)"

deps:
	bash scripts/setup-deps.sh

hyparm: $(B)/hyparm.bin $(MANIFEST_CHECK)

# hyparm with the test hooks, for the tests of its failure handling (tests/integration/test_watchdog.py).
hyparm-test-hooks:
	@$(MAKE) -s B=$(B)/test-hooks HYPARM_TEST_HOOKS=1 hyparm

$(B)/hv/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(HV_CFLAGS) -MMD -MP -c $< -o $@

$(B)/hv/%.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(HV_ASFLAGS) -MMD -MP -c $< -o $@

# Struct offsets for the assembly code, from the C structs themselves: asm-offsets.c
# compiled to assembly, each ".ascii \"->NAME value\"" marker becoming a #define.
ASM_OFFSETS := $(B)/include/generated/asm-offsets.h
$(B)/hv/asm-offsets.s: arch/arm64/asm-offsets.c
	@mkdir -p $(dir $@)
	@echo "  CC      $< (-S)"
	@$(CC) $(HV_CFLAGS) -MMD -MP -MT $@ -S $< -o $@

$(ASM_OFFSETS): $(B)/hv/asm-offsets.s
	@mkdir -p $(dir $@)
	@echo "  GEN     $@"
	@{ echo "/* Generated from arch/arm64/asm-offsets.c by the Makefile: do not edit. */"; \
	   echo "#ifndef GENERATED_ASM_OFFSETS_H"; echo "#define GENERATED_ASM_OFFSETS_H"; \
	   sed -n 's/^[[:space:]]*\.ascii[[:space:]]*"->\([A-Za-z0-9_]*\) #*\(-*[0-9]*\).*/#define \1 \2/p' $<; \
	   echo "#endif"; } > $@.tmp
	@grep -q '^#define ' $@.tmp || { echo "no offsets in $<"; rm -f $@.tmp; exit 1; }
	@mv $@.tmp $@

# SVE instructions for the one file that saves and restores the guests' SVE registers (arch/sve.h).
$(B)/hv/arch/arm64/sve_regs.o: HV_ASFLAGS += -march=armv8.2-a+sve

# The assembly sources that use them (first build: before -MMD has recorded it).
$(B)/hv/arch/arm64/entry.o $(B)/hv/arch/arm64/fpsimd.o: $(ASM_OFFSETS)

$(LIBFDT_A):
	@echo "missing $@: run 'make deps' (or: bash scripts/setup-deps.sh)"; exit 1

$(B)/hyparm.elf: $(HV_OBJS) $(LIBFDT_A) arch/arm64/hyparm.ld
	@echo "  LD      $@"
	@$(LD) $(HV_LDFLAGS) -o $@ $(HV_OBJS) $(LIBFDT_A)
	@# hyparm must not use FP/SIMD or SVE registers: they hold the guest's state.
	@# Only fpsimd.S and sve_regs.S (which save/restore them) may.
	@bash scripts/check-no-fpsimd.sh $(OBJDUMP) $@ || { rm -f $@; exit 1; }

$(B)/hyparm.bin: $(B)/hyparm.elf
	@$(OBJCOPY) -O binary $< $@
	@echo "  IMAGE   $@ ($$(stat -c %s $@) bytes)"

-include $(HV_OBJS:.o=.d) $(B)/hv/asm-offsets.d

# The launcher's manifest check (tools/manifest-check.c): hyparm's own parser built for the
# host, so that the launcher refuses a bad manifest with the message hyparm would give.
MANIFEST_CHECK_SRCS := tools/manifest-check.c core/manifest.c core/devnode_schema.c core/loader.c lib/printf.c
$(MANIFEST_CHECK): $(MANIFEST_CHECK_SRCS) $(wildcard include/hyparm/*.h)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(HOSTCC) -std=c11 -O2 -g -Wall -Wextra -Werror -Wmissing-prototypes -Wno-unused-parameter \
		-Iarch/host/include $(INCLUDES) -o $@ $(MANIFEST_CHECK_SRCS) -lfdt

# ---- bare-metal guests ----
include guests/guests.mk

# ---- the KVM-API runner used by `make bench` (static arm64 binary) ----
-include tools/kvm-runner/kvm-runner.mk

# ---- host unit tests (cmocka) ----
UNIT_TESTS :=
# The arch fake, for tests of code that calls the arch or drivers (scheduler, exits, vGIC, devices).
# ARCH_FAKE_NOINJECT_SRCS: the same without the fake exception injection (for the test of arch/arm64/inject.c).
ARCH_FAKE_NOINJECT_SRCS := arch/host/fake.c arch/host/fake_debug.c
ARCH_FAKE_SRCS := $(ARCH_FAKE_NOINJECT_SRCS) arch/host/fake_inject.c
# What arch/arm64/sysreg_emul.c calls besides debug and the PMU: pointer authentication's first use (on a fake CPU).
SYSREG_PAUTH_SRCS := arch/arm64/pauth.c arch/host/fake_pauth.c arch/arm64/cpu_features.c
include $(wildcard tests/unit/*.mk)
# Host tests see arch/host/include first: the arch fake's headers replace the EL2 ones (no ifdefs in hypervisor code).
UNIT_CFLAGS := -std=c11 -O1 -g -Wall -Wextra -Werror -Wmissing-prototypes -Wno-unused-parameter -Iarch/host/include $(INCLUDES) \
	-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
UNIT_BINS := $(addprefix $(B)/unit/,$(UNIT_TESTS))

.SECONDEXPANSION:
$(B)/unit/%: tests/unit/%.c $$($$*_SRCS) $$(wildcard include/hyparm/*.h arch/arm64/include/arch/*.h arch/host/include/arch/*.h vdev/include/vdev/*.h)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(HOSTCC) $(UNIT_CFLAGS) -o $@ $< $($*_SRCS) -lcmocka $($*_LIBS)

unit: $(UNIT_BINS)
	@bash scripts/run-unit.sh $(UNIT_BINS)

# ---- fuzzers (libFuzzer, clang): make fuzz, make fuzz-smoke ----
include fuzz/fuzz.mk

# Debian's stock arm64 kernel and a busybox initramfs for the Linux guests.
linux: $(B)/linux/hwdebug $(B)/linux/cpuspin $(B)/linux/perfcount $(B)/linux/mtetag $(B)/linux/svecheck $(B)/linux/vsockcat $(B)/linux/shmping $(B)/linux/blkbench $(B)/linux/netbench
	@bash scripts/fetch-linux.sh
	@bash scripts/mkinitramfs.sh

# The Linux guests' own test programs (in the initramfs): static, no libc, stripped.
# svecheck uses SVE instructions: built for Armv8.2-A+SVE (it runs only where /proc/cpuinfo says sve).
$(B)/linux/svecheck: LINUX_ARCH_FLAGS := -march=armv8.2-a+sve
$(B)/linux/hwdebug $(B)/linux/cpuspin $(B)/linux/perfcount $(B)/linux/mtetag $(B)/linux/svecheck $(B)/linux/vsockcat $(B)/linux/shmping $(B)/linux/blkbench $(B)/linux/netbench: $(B)/linux/%: guests/linux/%.c guests/linux/nolibc.h
	@mkdir -p $(dir $@)
	@echo "  LINUXCC $<"
	@$(CC) -std=gnu11 -O2 -static -nostdlib -ffreestanding -fno-stack-protector -Wall -Wextra -Werror $(LINUX_ARCH_FLAGS) -s -o $@ $<

# Debian's python3, where setup-deps.sh installs pytest and pexpect (a python3 earlier
# in PATH, pyenv's say, lacks them). K=NAME runs the tests whose name has NAME.
PYTHON ?= /usr/bin/python3

integration: hyparm hyparm-test-hooks guests linux
	@$(PYTHON) -m pytest tests/integration -q $(if $(K),-k '$(K)')

test:
	@bash scripts/test-all.sh

run:
	@bash scripts/setup-deps.sh
	@$(MAKE) -s hyparm guests linux
	@bash scripts/run-default.sh

# Benchmarks (docs/benchmarks.md): prints the table, writes bench-results/latest.{txt,csv,json,png}.
# GROUP=virtio (or micro, linux, scale, storm, boards; comma-separated) runs only those parts.
bench:
	@bash scripts/setup-deps.sh bench
	@bash scripts/fetch-xen.sh || echo "bench: no Xen 4.17 (scripts/fetch-xen.sh failed): no Xen column"
	@$(MAKE) -s hyparm guests linux kvm-runner
	@$(PYTHON) tools/bench.py $(if $(GROUP),--only $(GROUP)) $(BENCH_ARGS)

# The instruction-counting QEMU plugin (tools/plugins/insn_profile.c), used by tools/profile.py.
PLUGIN := $(B)/tools/insn_profile.so
$(PLUGIN): tools/plugins/insn_profile.c tools/plugins/qemu_plugin_api.h
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(HOSTCC) -O2 -Wall -Wextra -Werror -shared -fPIC -fvisibility=hidden -o $@ $<
profile-plugin: $(PLUGIN)

# The C style (.clang-format): format-check is part of make test; format rewrites the files.
format-check:
	@bash scripts/format-check.sh

format:
	@clang-format -i $$(git ls-files '*.c' '*.h' | grep -v '^fuzz/corpus/\|^tests/unit/data/')

clean:
	rm -rf $(B)
