UNIT_TESTS += test_irq
test_irq_SRCS := core/irq.c $(ARCH_FAKE_SRCS)
