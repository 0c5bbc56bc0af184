UNIT_TESTS += test_vsock
test_vsock_SRCS := core/vsock_router.c
test_vsock_LIBS :=
