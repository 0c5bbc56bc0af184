UNIT_TESTS += test_bundle
test_bundle_SRCS := core/bundle.c lib/printf.c
test_bundle_LIBS :=
