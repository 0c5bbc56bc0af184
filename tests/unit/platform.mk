UNIT_TESTS += test_platform
test_platform_SRCS := drivers/fdt_platform.c lib/printf.c
test_platform_LIBS := -lfdt
