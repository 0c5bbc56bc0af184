UNIT_TESTS += test_printf
test_printf_SRCS := lib/printf.c
test_printf_LIBS :=
