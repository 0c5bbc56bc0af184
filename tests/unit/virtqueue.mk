UNIT_TESTS += test_virtqueue
test_virtqueue_SRCS := core/virtqueue.c
test_virtqueue_LIBS :=
