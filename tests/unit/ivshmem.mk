UNIT_TESTS += test_ivshmem
test_ivshmem_SRCS := vdev/ivshmem.c core/shmem.c vdev/pci_config.c vdev/pci_host.c core/vdev.c core/mmio.c \
	core/devnode_schema.c lib/errno.c lib/printf.c
test_ivshmem_LIBS := -lfdt
