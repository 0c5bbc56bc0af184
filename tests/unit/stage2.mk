UNIT_TESTS += test_stage2
test_stage2_SRCS := arch/arm64/stage2.c
test_stage2_LIBS :=
