UNIT_TESTS += test_gicv2_frame
test_gicv2_frame_SRCS := drivers/gicv2_frame.c
test_gicv2_frame_LIBS :=
