UNIT_TESTS += test_vpl011
test_vpl011_SRCS := vdev/vpl011.c
test_vpl011_LIBS :=
