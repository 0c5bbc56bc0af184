UNIT_TESTS += test_nvstore
test_nvstore_SRCS := core/nvstore.c
test_nvstore_LIBS :=
