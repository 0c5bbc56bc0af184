UNIT_TESTS += test_loader
test_loader_SRCS := core/loader.c lib/printf.c
test_loader_LIBS :=
