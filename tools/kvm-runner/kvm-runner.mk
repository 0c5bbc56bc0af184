# kvm-runner: static arm64 program that runs a hyparm test guest under Linux KVM
# (see tools/kvm-runner/runner.c and scripts/kvm-host-run.sh).
KVMR_DIR     := tools/kvm-runner
KVMR_OUT     := $(B)/kvm-runner
KVMR_BIN     := $(KVMR_OUT)/kvm-runner
# hyparm's device-tree generator (core/guest_fdt.c, with the printf it uses), its image
# placement (core/loader.c) and its PL011 model (vdev/vpl011.c) are built in: the guest meets
# the same machine under both. Shared, not copied. So is its virtqueue walker (core/virtqueue.c),
# under the runner's own virtio-mmio devices (vio.c).
KVMR_SRCS    := $(KVMR_DIR)/runner.c $(KVMR_DIR)/vio.c core/guest_fdt.c core/loader.c core/virtqueue.c lib/printf.c vdev/vpl011.c
KVMR_FDT_INC := deps/libfdt-arm64/usr/include
KVMR_FDT_LIB := deps/libfdt-arm64/usr/lib/aarch64-linux-gnu/libfdt.a
KVMR_CFLAGS  := -std=gnu11 -O2 -Wall -Wextra -Werror -Wno-unused-parameter -I$(KVMR_FDT_INC) -Iinclude -Iarch/arm64/include -Ivdev/include
KVMR_LDFLAGS := -static -pthread

.PHONY: kvm-runner
kvm-runner: $(KVMR_BIN)

$(KVMR_BIN): $(KVMR_SRCS) $(KVMR_DIR)/vio.h include/hyparm/virtqueue.h include/hyparm/guest_fdt.h include/hyparm/guest_layout.h include/hyparm/loader.h vdev/include/vdev/vpl011.h $(KVMR_FDT_LIB) $(KVMR_DIR)/kvm-runner.mk
	@mkdir -p $(dir $@)
	@echo "  KVMR    $@"
	@$(CC) $(KVMR_CFLAGS) -o $@ $(KVMR_SRCS) $(KVMR_FDT_LIB) $(KVMR_LDFLAGS)
