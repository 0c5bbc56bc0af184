UNIT_TESTS += test_vmconfig
test_vmconfig_SRCS := core/vmconfig.c lib/printf.c
test_vmconfig_LIBS :=
