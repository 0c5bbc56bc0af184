UNIT_TESTS += test_vcpu_watchdog
test_vcpu_watchdog_SRCS := core/vcpu_watchdog.c core/deadline.c $(ARCH_FAKE_SRCS)
