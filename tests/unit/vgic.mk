UNIT_TESTS += test_vgic
test_vgic_SRCS := vdev/vgic/vgic.c vdev/vgic/vgic_lr.c vdev/vgic/vgic_dist.c vdev/vgic/vgic_redist.c vdev/vgic/vgic_lpi.c core/virtqueue.c vdev/vgic/vgic_regs.c $(ARCH_FAKE_SRCS)
