UNIT_TESTS += test_vpl031
test_vpl031_SRCS := vdev/vpl031.c
test_vpl031_LIBS :=
