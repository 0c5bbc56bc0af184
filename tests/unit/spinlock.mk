UNIT_TESTS += test_spinlock
test_spinlock_SRCS :=
test_spinlock_LIBS :=
