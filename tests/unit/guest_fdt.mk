UNIT_TESTS += test_guest_fdt
test_guest_fdt_SRCS := core/guest_fdt.c lib/printf.c
test_guest_fdt_LIBS := -lfdt
