UNIT_TESTS += test_pci
test_pci_SRCS := vdev/pci_config.c vdev/pci_host.c vdev/virtio_pci.c vdev/virtio_mmio.c vdev/virtio_slots.c vdev/virtio_rng.c \
	core/virtqueue.c core/vdev.c core/mmio.c lib/errno.c lib/printf.c
test_pci_LIBS := -lfdt
