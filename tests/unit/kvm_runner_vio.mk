UNIT_TESTS += test_kvm_runner_vio
# The KVM runner's virtio devices (user space, for make bench's KVM column) over hyparm's walker.
test_kvm_runner_vio_SRCS := tools/kvm-runner/vio.c core/virtqueue.c
test_kvm_runner_vio_LIBS := -lfdt -lpthread
