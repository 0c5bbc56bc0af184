UNIT_TESTS += test_string
test_string_SRCS := lib/string.c
test_string_LIBS :=
