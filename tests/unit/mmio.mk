UNIT_TESTS += test_mmio
test_mmio_SRCS := core/mmio.c
test_mmio_LIBS :=
