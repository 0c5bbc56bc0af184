/*
 * PCI configuration space (PCI Local Bus 3.0 / PCIe 4.0 chapter 7), the
 * MSI-X capability and the ECAM address split: one definition for the
 * virtual host bridge (vdev/pci_host.c), the functions on it and the
 * unit tests. Offsets are bytes into a function's configuration space.
 */
#ifndef HYPARM_PCI_H
#define HYPARM_PCI_H

/* Type 0 header. */
#define PCI_VENDOR_ID 0x00 /* 16 bits */
#define PCI_DEVICE_ID 0x02
#define PCI_COMMAND 0x04
#define PCI_STATUS 0x06
#define PCI_REVISION_ID 0x08 /* 8 bits, then the class code: prog-if, subclass, class */
#define PCI_CLASS_PROG 0x09
#define PCI_CLASS_DEVICE 0x0a /* 16 bits: class << 8 | subclass */
#define PCI_HEADER_TYPE 0x0e
#define PCI_BAR0 0x10
#define PCI_NR_BARS 6
#define PCI_SUBSYSTEM_VENDOR_ID 0x2c
#define PCI_SUBSYSTEM_ID 0x2e
#define PCI_CAPABILITY_LIST 0x34
#define PCI_INTERRUPT_LINE 0x3c
#define PCI_INTERRUPT_PIN 0x3d
#define PCI_CAP_START 0x40 /* where a function's capability list may begin */
#define PCI_CFG_SIZE 256 /* conventional space; the rest of the 4 KiB ECAM page reads as zero */
#define PCI_ECAM_FN_SIZE 4096

#define PCI_COMMAND_MEMORY (1u << 1) /* memory decode: the BARs answer */
#define PCI_COMMAND_MASTER (1u << 2) /* bus master: the function may write memory (and so send MSIs) */
#define PCI_COMMAND_INTX_DISABLE (1u << 10)
#define PCI_STATUS_INTERRUPT (1u << 3) /* the function asserts INTx (whatever INTx disable says) */
#define PCI_STATUS_CAP_LIST (1u << 4)

/* A 32-bit memory BAR: bits 3:0 are type (0: 32-bit, non-prefetchable), the rest the address. */
#define PCI_BAR_MEM_MASK 0xFFFFFFF0u
/* A 64-bit memory BAR's type bits: the next BAR register holds the address's upper half. */
#define PCI_BAR_MEM_TYPE_64 0x4u
#define PCI_BAR_MEM_PREFETCH 0x8u

/* Capability IDs. */
#define PCI_CAP_ID_VNDR 0x09
#define PCI_CAP_ID_MSIX 0x11

/* MSI-X capability (12 bytes): ID, next, message control, table offset/BIR, PBA offset/BIR. */
#define PCI_MSIX_FLAGS 2 /* 16 bits */
#define PCI_MSIX_FLAGS_QSIZE 0x07FFu /* table size - 1 */
#define PCI_MSIX_FLAGS_MASKALL (1u << 14)
#define PCI_MSIX_FLAGS_ENABLE (1u << 15)
#define PCI_MSIX_TABLE 4
#define PCI_MSIX_PBA 8
#define PCI_MSIX_CAP_SIZE 12
/* A table entry (16 bytes): message address low, high, data, vector control. */
#define PCI_MSIX_ENTRY_SIZE 16
#define PCI_MSIX_ENTRY_ADDR_LO 0
#define PCI_MSIX_ENTRY_ADDR_HI 4
#define PCI_MSIX_ENTRY_DATA 8
#define PCI_MSIX_ENTRY_CTRL 12
#define PCI_MSIX_ENTRY_CTRL_MASKBIT 1u

/* ECAM: bus in bits 27:20, device 19:15, function 14:12, register 11:0. */
#define PCI_ECAM_BUS_SHIFT 20
#define PCI_ECAM_DEV_SHIFT 15
#define PCI_ECAM_FN_SHIFT 12
/* The requester ID (and ITS DeviceID through the bridge's msi-map): bus << 8 | device << 3 | function. */
#define PCI_RID(bus, dev, fn) ((bus) << 8 | (dev) << 3 | (fn))

/* The DT's 3-cell PCI address: phys.hi space code for 32-bit memory. */
#define PCI_DT_SPACE_MEM32 0x02000000u
/* The device number's bits of phys.hi (interrupt-map-mask). */
#define PCI_DT_DEVFN_DEV_MASK 0xF800u

#endif
