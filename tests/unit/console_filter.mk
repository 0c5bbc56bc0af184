UNIT_TESTS += test_console_filter
test_console_filter_SRCS := core/console_filter.c
test_console_filter_LIBS :=
