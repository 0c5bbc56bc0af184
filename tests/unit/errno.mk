UNIT_TESTS += test_errno
test_errno_SRCS := lib/errno.c
test_errno_LIBS :=
