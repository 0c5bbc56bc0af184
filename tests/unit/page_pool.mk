UNIT_TESTS += test_page_pool
test_page_pool_SRCS := core/page_pool.c core/page_alloc.c
test_page_pool_LIBS :=
