UNIT_TESTS += test_vits
test_vits_SRCS := vdev/vgic/vits.c vdev/vgic/vgic.c vdev/vgic/vgic_lr.c vdev/vgic/vgic_dist.c vdev/vgic/vgic_redist.c \
	vdev/vgic/vgic_lpi.c vdev/vgic/vgic_regs.c core/virtqueue.c lib/errno.c lib/printf.c $(ARCH_FAKE_SRCS)
