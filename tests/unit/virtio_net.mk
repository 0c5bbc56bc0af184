UNIT_TESTS += test_virtio_net
test_virtio_net_SRCS := vdev/virtio_net.c vdev/virtio_mmio.c vdev/virtio_slots.c core/virtqueue.c core/vswitch.c core/vdev.c core/mmio.c lib/errno.c lib/printf.c
test_virtio_net_LIBS := -lfdt
