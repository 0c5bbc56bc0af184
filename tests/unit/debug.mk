UNIT_TESTS += test_debug
test_debug_SRCS := arch/arm64/debug.c arch/arm64/sysreg_emul.c arch/arm64/id_regs.c arch/host/fake_debug.c arch/arm64/pmu.c arch/host/fake_pmu.c $(SYSREG_PAUTH_SRCS)
