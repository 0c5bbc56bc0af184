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
HV_CFLAGS := -std=c11 -O2 -g -ffreestanding -fno-builtin -nostdlib -mgeneral-regs-only \
	-fpie -fvisibility=hidden -fno-stack-protector -fno-omit-frame-pointer \
	-mstrict-align -mno-outline-atomics -ffunction-sections -fdata-sections \
	-Wall -Wextra -Werror -Wno-unused-parameter $(INCLUDES) -DHYPARM_VERSION='"$(VERSION)"' \
	$(HV_TEST_CFLAGS)
# HV_TEST_CFLAGS: test-only builds, in their own B= directory (tests/integration/run.py uses
# -DHYPARM_TEST_STACK_OVERFLOW for the stack guard test). Never set for a real build.
HV_TEST_CFLAGS ?=
HV_ASFLAGS := -D__ASSEMBLER__ $(INCLUDES) -g
HV_LDFLAGS := -nostdlib -static -pie --no-dynamic-linker -z norelro -z max-page-size=4096 \
	--gc-sections -T arch/arm64/hyparm.ld

HV_SRCS := $(wildcard arch/arm64/*.c core/*.c vdev/*.c drivers/*.c lib/*.c)
HV_ASMS := $(wildcard arch/arm64/*.S)
HV_OBJS := $(patsubst %.c,$(B)/hv/%.o,$(HV_SRCS)) $(patsubst %.S,$(B)/hv/%.o,$(HV_ASMS))

.PHONY: all hyparm guests unit integration test run deps help clean bench linux
all: hyparm guests

help:
	@echo "make run          boot hyparm in QEMU with the default guests"
	@echo "make test         run every test (unit + integration); ends with 'N passed, N failed'"
	@echo "make deps         install the Debian packages hyparm needs (apt-get)"
	@echo "make hyparm       build $(B)/hyparm.bin"
	@echo "make guests       build the bare-metal test guests"
	@echo "make unit         host unit tests (cmocka)"
	@echo "make integration  QEMU integration tests"
	@echo "make linux        fetch Debian's arm64 kernel, build the busybox initramfs"
	@echo "make bench        benchmarks: hyparm vs Linux KVM (nVHE, VHE) vs native; results in bench-results/"

deps:
	bash scripts/setup-deps.sh

hyparm: $(B)/hyparm.bin

$(B)/hv/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(HV_CFLAGS) -MMD -c $< -o $@

$(B)/hv/%.o: %.S
	@mkdir -p $(dir $@)
	@echo "  AS      $<"
	@$(CC) $(HV_ASFLAGS) -MMD -c $< -o $@

$(LIBFDT_A):
	@echo "missing $@: run 'make deps' (or: bash scripts/setup-deps.sh)"; exit 1

$(B)/hyparm.elf: $(HV_OBJS) $(LIBFDT_A) arch/arm64/hyparm.ld
	@echo "  LD      $@"
	@$(LD) $(HV_LDFLAGS) -o $@ $(HV_OBJS) $(LIBFDT_A)
	@# hyparm must not use FP/SIMD registers: they hold the guest's state.
	@# Only fpsimd.S (which saves/restores them) may.
	@bash scripts/check-no-fpsimd.sh $(OBJDUMP) $@ || { rm -f $@; exit 1; }

$(B)/hyparm.bin: $(B)/hyparm.elf
	@$(OBJCOPY) -O binary $< $@
	@echo "  IMAGE   $@ ($$(stat -c %s $@) bytes)"

-include $(HV_OBJS:.o=.d)

# ---- bare-metal guests ----
include guests/guests.mk

# ---- the KVM-API runner used by `make bench` (static arm64 binary) ----
-include tools/kvm-runner/kvm-runner.mk

# ---- host unit tests (cmocka) ----
UNIT_TESTS :=
include $(wildcard tests/unit/*.mk)
UNIT_CFLAGS := -std=c11 -O1 -g -Wall -Wextra -Werror -Wno-unused-parameter $(INCLUDES) \
	-DHOST_TEST -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
UNIT_BINS := $(addprefix $(B)/unit/,$(UNIT_TESTS))

.SECONDEXPANSION:
$(B)/unit/%: tests/unit/%.c $$($$*_SRCS) $$(wildcard include/hyparm/*.h arch/arm64/include/arch/*.h vdev/include/vdev/*.h)
	@mkdir -p $(dir $@)
	@echo "  HOSTCC  $@"
	@$(HOSTCC) $(UNIT_CFLAGS) -o $@ $< $($*_SRCS) -lcmocka $($*_LIBS)

unit: $(UNIT_BINS)
	@bash scripts/run-unit.sh $(UNIT_BINS)

# Debian's stock arm64 kernel and a busybox initramfs for the Linux guests.
linux:
	@bash scripts/fetch-linux.sh
	@bash scripts/mkinitramfs.sh

integration: hyparm guests linux
	@python3 tests/integration/run.py

test:
	@bash scripts/test-all.sh

run:
	@bash scripts/setup-deps.sh
	@$(MAKE) -s hyparm guests linux
	@bash scripts/run-default.sh

# Benchmarks (docs/benchmarks.md): prints the table, writes bench-results/latest.{txt,csv,json,png}.
bench:
	@bash scripts/setup-deps.sh bench
	@$(MAKE) -s hyparm guests linux kvm-runner
	@python3 tools/bench.py $(BENCH_ARGS)

clean:
	rm -rf $(B)
