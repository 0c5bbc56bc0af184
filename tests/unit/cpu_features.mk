UNIT_TESTS += test_cpu_features
test_cpu_features_SRCS := arch/arm64/cpu_features.c arch/arm64/id_regs.c arch/arm64/pmu.c arch/host/fake_pmu.c
