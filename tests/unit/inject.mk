UNIT_TESTS += test_inject
# The real arch/arm64/inject.c over the fake's system-register file: the fake without its own inject_*.
test_inject_SRCS := arch/arm64/inject.c $(ARCH_FAKE_NOINJECT_SRCS)
