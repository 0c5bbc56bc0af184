UNIT_TESTS += test_mmu
test_mmu_SRCS := arch/arm64/mmu.c
