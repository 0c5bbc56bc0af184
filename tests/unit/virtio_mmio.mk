UNIT_TESTS += test_virtio_mmio
test_virtio_mmio_SRCS := vdev/virtio_mmio.c vdev/virtio_slots.c vdev/virtio_rng.c vdev/virtio_pci.c vdev/pci_config.c vdev/pci_host.c core/virtqueue.c core/vdev.c core/mmio.c lib/errno.c lib/printf.c
test_virtio_mmio_LIBS := -lfdt
