UNIT_TESTS += test_exit
test_exit_SRCS := core/exit.c lib/printf.c core/vm_ram.c arch/arm64/stage2.c lib/errno.c arch/arm64/esr.c core/mmio.c core/irq.c core/sysreg_hook.c $(ARCH_FAKE_SRCS)
