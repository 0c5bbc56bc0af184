UNIT_TESTS += test_drbg
test_drbg_SRCS := core/drbg.c core/entropy.c $(ARCH_FAKE_SRCS)
test_drbg_LIBS :=
