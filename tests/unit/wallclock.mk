UNIT_TESTS += test_wallclock
test_wallclock_SRCS := core/wallclock.c $(ARCH_FAKE_SRCS)
test_wallclock_LIBS :=
