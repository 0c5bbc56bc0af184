UNIT_TESTS += test_vgic
test_vgic_SRCS := vdev/vgic.c vdev/vgic_dist.c vdev/vgic_redist.c vdev/vgic_regs.c
