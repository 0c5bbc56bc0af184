UNIT_TESTS += test_vswitch
test_vswitch_SRCS := core/vswitch.c
test_vswitch_LIBS :=
