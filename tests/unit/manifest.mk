UNIT_TESTS += test_manifest
test_manifest_SRCS := core/manifest.c core/devnode_schema.c core/loader.c lib/printf.c
test_manifest_LIBS := -lfdt
