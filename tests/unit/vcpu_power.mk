UNIT_TESTS += test_vcpu_power
test_vcpu_power_SRCS := core/psci.c core/smccc.c core/vcpu.c
test_vcpu_power_LIBS :=
