UNIT_TESTS += test_gpt
test_gpt_SRCS := core/gpt.c lib/printf.c
test_gpt_LIBS :=
