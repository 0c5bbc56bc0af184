UNIT_TESTS += test_psci
test_psci_SRCS := core/psci.c core/smccc.c core/spectre.c
test_psci_LIBS :=
