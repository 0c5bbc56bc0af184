UNIT_TESTS += test_mitigations
test_mitigations_SRCS := core/mitigations.c
