UNIT_TESTS += test_vgic_v2
test_vgic_v2_SRCS := vdev/vgic/vgic.c vdev/vgic/vgic_lr.c vdev/vgic/vgic_dist_v2.c vdev/vgic/vgic_regs.c $(ARCH_FAKE_SRCS)
