UNIT_TESTS += test_pvtime
test_pvtime_SRCS := vdev/pvtime.c core/kvm_vendor.c core/smccc.c core/spectre.c core/vdev.c core/wallclock.c lib/errno.c lib/printf.c lib/string.c $(ARCH_FAKE_SRCS)
test_pvtime_LIBS :=
