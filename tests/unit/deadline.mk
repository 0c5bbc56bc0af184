UNIT_TESTS += test_deadline
test_deadline_SRCS := core/deadline.c $(ARCH_FAKE_SRCS)
