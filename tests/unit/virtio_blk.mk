UNIT_TESTS += test_virtio_blk
test_virtio_blk_SRCS := vdev/virtio_blk_check.c
test_virtio_blk_LIBS :=
