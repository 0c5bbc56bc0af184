UNIT_TESTS += test_cfi
test_cfi_SRCS := vdev/cfi.c
test_cfi_LIBS :=
