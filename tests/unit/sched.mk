UNIT_TESTS += test_sched
test_sched_SRCS := core/sched.c core/deadline.c core/irq.c core/vdev.c core/psci.c core/smccc.c core/spectre.c core/vcpu.c lib/string.c lib/printf.c $(ARCH_FAKE_SRCS)
test_sched_LIBS :=
