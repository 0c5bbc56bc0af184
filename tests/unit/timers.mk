UNIT_TESTS += test_timers
test_timers_SRCS := vdev/ptimer.c vdev/vtimer.c core/deadline.c core/sysreg_hook.c core/irq.c core/vdev.c lib/printf.c lib/string.c $(ARCH_FAKE_SRCS)
