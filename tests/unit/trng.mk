UNIT_TESTS += test_trng
test_trng_SRCS := core/trng.c core/smccc.c core/spectre.c core/drbg.c core/entropy.c $(ARCH_FAKE_SRCS)
test_trng_LIBS :=
