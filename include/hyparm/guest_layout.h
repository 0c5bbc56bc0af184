/*
 * The platform every guest sees, whatever board hyparm runs on: QEMU's
 * `virt` layout, so images built for KVM's virt machine run unchanged.
 * One definition, used by hyparm, the bare-metal test guests and the KVM
 * runner. Plain #defines only: assembly and host tools include it too.
 */
#ifndef HYPARM_GUEST_LAYOUT_H
#define HYPARM_GUEST_LAYOUT_H

#define GUEST_GICD_IPA     0x08000000ULL
#define GUEST_GICD_SIZE    0x10000ULL
#define GUEST_GICR_IPA     0x080A0000ULL
#define GUEST_GICR_STRIDE  0x20000ULL     /* RD_base + SGI_base frames per vCPU */
#define GUEST_UART_IPA     0x09000000ULL
#define GUEST_UART_SIZE    0x1000ULL
#define GUEST_UART_INTID   33             /* SPI 1 */
#define GUEST_VIRTIO_IPA   0x0A000000ULL  /* 32 virtio-mmio slots of 0x200 bytes */
#define GUEST_VIRTIO_SLOT  0x200ULL
#define GUEST_VIRTIO_SLOTS 32
#define GUEST_VIRTIO_INTID 48             /* slot n: SPI 16 + n */
#define GUEST_RAM_IPA      0x40000000ULL

/* Private interrupts of KVM's virt platform. */
#define GUEST_PTIMER_INTID 30             /* EL1 physical timer (PPI 14) */
#define GUEST_VTIMER_INTID 27             /* EL1 virtual timer (PPI 11) */
#define GUEST_MAINT_INTID  25             /* vGIC maintenance (PPI 9) */

#endif
