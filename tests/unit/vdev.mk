UNIT_TESTS += test_vdev
test_vdev_SRCS := core/vdev.c lib/printf.c lib/string.c
