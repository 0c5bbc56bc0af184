/*
 * The platform every guest sees, whatever board hyparm runs on: QEMU's
 * `virt` layout, so images built for KVM's virt machine run unchanged.
 * One definition, used by hyparm, the bare-metal test guests and the KVM
 * runner. Plain #defines only: assembly, the guests' linker script (run
 * through the C preprocessor with __ASSEMBLER__ defined) and host tools
 * include it too.
 */
#ifndef HYPARM_GUEST_LAYOUT_H
#define HYPARM_GUEST_LAYOUT_H

/* An address or size: 64 bits in C; a bare number for the assembler and the linker. */
#ifdef __ASSEMBLER__
#define GUEST_U64(x) x
#else
#define GUEST_U64(x) x##ULL
#endif

/* Two CFI flash banks, as QEMU virt has them: firmware code (read-only) at 0, UEFI variables above. */
#define GUEST_FLASH0_IPA GUEST_U64(0x00000000)
#define GUEST_FLASH1_IPA GUEST_U64(0x04000000)
#define GUEST_FLASH_BANK_SIZE GUEST_U64(0x04000000)
#define GUEST_GICD_IPA GUEST_U64(0x08000000)
#define GUEST_GICD_SIZE GUEST_U64(0x10000)
/* The GICv3 ITS: control frame, then the translation frame with GITS_TRANSLATER (the MSI doorbell). */
#define GUEST_ITS_IPA GUEST_U64(0x08080000)
#define GUEST_ITS_SIZE GUEST_U64(0x20000)
#define GUEST_GICR_IPA GUEST_U64(0x080A0000)
#define GUEST_GICR_STRIDE GUEST_U64(0x20000) /* RD_base + SGI_base frames per vCPU */
/* A virtual GICv2: its CPU interface (the host's GICV frame, 8 KiB: GICC_DIR is in the second page). */
#define GUEST_GICC_IPA GUEST_U64(0x08010000)
#define GUEST_GICC_SIZE GUEST_U64(0x2000)
#define GUEST_UART_IPA GUEST_U64(0x09000000)
#define GUEST_UART_SIZE GUEST_U64(0x1000)
#define GUEST_UART_INTID 33 /* SPI 1 */
#define GUEST_RTC_IPA GUEST_U64(0x09010000) /* PL031 */
#define GUEST_RTC_SIZE GUEST_U64(0x1000)
#define GUEST_RTC_INTID 34 /* SPI 2 */
/*
 * The PCIe host bridge's legacy INTA..INTD (its DT interrupt-map): SPIs 3..6,
 * as QEMU virt routes them. Slot d's pin p (1 = INTA) goes to
 * GUEST_PCI_INTX_INTID + (d + p - 1) % GUEST_PCI_INTX_LINES, the usual swizzle.
 */
#define GUEST_PCI_INTX_INTID 35
#define GUEST_PCI_INTX_LINES 4
/* Paravirtual stolen-time records, 64 bytes per vCPU, outside RAM (where QEMU's virt puts its PV time region). */
#define GUEST_PVTIME_IPA GUEST_U64(0x090A0000)
#define GUEST_PVTIME_SIZE GUEST_U64(0x10000) /* IPA space kept; one 4 KiB page of it is mapped */
#define GUEST_VIRTIO_IPA GUEST_U64(0x0A000000) /* 32 virtio-mmio slots of 0x200 bytes */
#define GUEST_VIRTIO_SLOT GUEST_U64(0x200)
#define GUEST_VIRTIO_SLOTS 32
#define GUEST_VIRTIO_INTID 48 /* slot n: SPI 16 + n */
/*
 * The virtual PCIe host bridge (device "pci-host"), where QEMU virt has
 * its low ECAM and 32-bit MMIO window: ECAM for bus 0 only (1 MiB), BARs
 * inside the window (the guest assigns them), no I/O space.
 */
#define GUEST_PCI_MMIO_IPA GUEST_U64(0x10000000)
#define GUEST_PCI_MMIO_SIZE GUEST_U64(0x2eff0000)
#define GUEST_PCI_ECAM_IPA GUEST_U64(0x3f000000)
#define GUEST_PCI_ECAM_SIZE GUEST_U64(0x100000)
#define GUEST_RAM_IPA GUEST_U64(0x40000000)
/* Room kept in RAM for the generated device tree (a VM's own DTB may be larger). */
#define GUEST_DTB_MAX GUEST_U64(0x10000)
/* A raw image (no arm64 Image header) goes this far into RAM, as QEMU puts it; entered at its first byte. */
#define GUEST_RAW_IMAGE_OFFSET GUEST_U64(0x80000)

/* Private interrupts of KVM's virt platform. */
#define GUEST_PTIMER_INTID 30 /* EL1 physical timer (PPI 14) */
#define GUEST_VTIMER_INTID 27 /* EL1 virtual timer (PPI 11) */
#define GUEST_MAINT_INTID 25 /* vGIC maintenance (PPI 9) */
#define GUEST_PMU_INTID 23 /* PMU overflow (PPI 7) */
/* Named in the guest's device tree only: hyparm gives guests neither. */
#define GUEST_SEC_PTIMER_INTID 29 /* secure EL1 physical timer (PPI 13) */
#define GUEST_HYP_PTIMER_INTID 26 /* EL2 physical timer (PPI 10) */

#endif
