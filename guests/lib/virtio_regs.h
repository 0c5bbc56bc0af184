/*
 * The virtio-mmio register map and bits (virtio 1.2 4.2.2, 2.1, 2.7.5) as
 * the bare-metal test guests' own drivers see it. A guest's driver keeps its
 * own copy, as a real one would (hyparm's is vdev/include/vdev/virtio_mmio.h),
 * but one copy for all the test guests.
 */
#ifndef GUEST_VIRTIO_REGS_H
#define GUEST_VIRTIO_REGS_H

#define MAGIC 0x000
#define VERSION 0x004
#define DEVICE_ID 0x008
#define VENDOR_ID 0x00c
#define DEV_FEATURES 0x010
#define DEV_FEATURES_SEL 0x014
#define DRV_FEATURES 0x020
#define DRV_FEATURES_SEL 0x024
#define QUEUE_SEL 0x030
#define QUEUE_NUM_MAX 0x034
#define QUEUE_NUM 0x038
#define QUEUE_READY 0x044
#define QUEUE_NOTIFY 0x050
#define INT_STATUS 0x060
#define INT_ACK 0x064
#define STATUS 0x070
#define QUEUE_DESC 0x080
#define QUEUE_DRIVER 0x090
#define QUEUE_DEVICE 0x0a0
#define CONFIG_GEN 0x0fc
#define CONFIG 0x100

/* Device status bits. */
#define S_ACK 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FEATURES_OK 8
#define S_NEEDS_RESET 64

/* Descriptor flags. */
#define D_NEXT 1
#define D_WRITE 2
#define D_INDIRECT 4

#endif
