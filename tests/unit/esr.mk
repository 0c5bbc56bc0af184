UNIT_TESTS += test_esr
test_esr_SRCS := arch/arm64/esr.c
test_esr_LIBS :=
