UNIT_TESTS += test_sve
test_sve_SRCS := arch/arm64/sve.c arch/arm64/cpu_features.c $(ARCH_FAKE_SRCS)
