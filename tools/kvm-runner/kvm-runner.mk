# kvm-runner: static arm64 program that runs a hyparm test guest under Linux KVM
# (see tools/kvm-runner/runner.c and scripts/kvm-host-run.sh).
KVMR_DIR     := tools/kvm-runner
KVMR_OUT     := $(B)/kvm-runner
KVMR_BIN     := $(KVMR_OUT)/kvm-runner
# core/guest_fdt.c (and the printf it uses) is hyparm's device-tree generator: shared, not copied.
KVMR_SRCS    := $(KVMR_DIR)/runner.c core/guest_fdt.c lib/printf.c
KVMR_FDT_INC := deps/libfdt-arm64/usr/include
KVMR_FDT_LIB := deps/libfdt-arm64/usr/lib/aarch64-linux-gnu/libfdt.a
KVMR_CFLAGS  := -std=gnu11 -O2 -Wall -Wextra -Werror -I$(KVMR_FDT_INC) -Iinclude -Iarch/arm64/include
KVMR_LDFLAGS := -static -pthread

.PHONY: kvm-runner
kvm-runner: $(KVMR_BIN)

$(KVMR_BIN): $(KVMR_SRCS) include/hyparm/guest_fdt.h $(KVMR_FDT_LIB) $(KVMR_DIR)/kvm-runner.mk
	@mkdir -p $(dir $@)
	@echo "  KVMR    $@"
	@$(CC) $(KVMR_CFLAGS) -o $@ $(KVMR_SRCS) $(KVMR_FDT_LIB) $(KVMR_LDFLAGS)
