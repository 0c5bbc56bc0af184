UNIT_TESTS += test_guest_cmdline
test_guest_cmdline_SRCS := core/guest_cmdline.c lib/printf.c
test_guest_cmdline_LIBS :=
