UNIT_TESTS += test_pmu
test_pmu_SRCS := arch/arm64/pmu.c arch/arm64/sysreg_emul.c arch/arm64/id_regs.c arch/arm64/debug.c arch/host/fake_debug.c arch/host/fake_pmu.c $(SYSREG_PAUTH_SRCS)
