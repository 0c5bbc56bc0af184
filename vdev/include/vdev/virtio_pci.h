/*
 * The virtio 1.x PCI transport, modern only (virtio 1.2 section 4.1),
 * under the same backends as virtio-mmio (struct virtio_backend): one
 * function on the PCIe host bridge, vendor 0x1af4, device 0x1040 + the
 * virtio device ID, its common / notify / ISR / device configuration
 * structures and its MSI-X table and PBA all in BAR 0. Interrupts are
 * MSI-X messages only (no INTx pin): an unmasked vector whose address is
 * the ITS's GITS_TRANSLATER becomes vits_deliver_msi(DeviceID = the
 * requester ID, EventID = the message data).
 */
#ifndef VDEV_VIRTIO_PCI_H
#define VDEV_VIRTIO_PCI_H

#include <vdev/pci.h>
#include <vdev/virtio_mmio.h>

#define VPCI_VECTORS 8 /* MSI-X table entries: a config vector and one per queue, with room */
#define VPCI_NO_VECTOR 0xFFFF

/* BAR 0's layout. */
#define VPCI_COMMON_OFF 0x0000
#define VPCI_COMMON_SIZE 0x40
#define VPCI_ISR_OFF 0x1000
#define VPCI_ISR_SIZE 4
#define VPCI_DEVICE_OFF 0x2000
#define VPCI_DEVICE_MAX 0x1000
#define VPCI_NOTIFY_OFF 0x3000
#define VPCI_NOTIFY_SIZE 4 /* notify_off_multiplier 0: every queue's doorbell is here, the value names it */
#define VPCI_MSIX_TABLE_OFF 0x4000
#define VPCI_MSIX_PBA_OFF 0x5000
#define VPCI_BAR_SIZE 0x8000

/* The common configuration structure (4.1.4.3). */
#define VPCI_DFSELECT 0
#define VPCI_DF 4
#define VPCI_GFSELECT 8
#define VPCI_GF 12
#define VPCI_MSIX_CONFIG 16
#define VPCI_NUM_QUEUES 18
#define VPCI_STATUS 20
#define VPCI_CFG_GENERATION 21
#define VPCI_Q_SELECT 22
#define VPCI_Q_SIZE 24
#define VPCI_Q_MSIX 26
#define VPCI_Q_ENABLE 28
#define VPCI_Q_NOFF 30
#define VPCI_Q_DESC 32
#define VPCI_Q_AVAIL 40
#define VPCI_Q_USED 48

/* The virtio vendor capability (4.1.4): cfg_type values. */
#define VPCI_CAP_COMMON 1
#define VPCI_CAP_NOTIFY 2
#define VPCI_CAP_ISR 3
#define VPCI_CAP_DEVICE 4
#define VPCI_CAP_LEN 16
#define VPCI_NOTIFY_CAP_LEN 20

#define VIRTIO_PCI_VENDOR 0x1AF4
#define VIRTIO_PCI_DEVICE_BASE 0x1040

struct vpci_msix_entry {
	u32 addr_lo, addr_hi, data, ctrl;
};

struct virtio_pci {
	struct virtio_dev vd;
	struct pci_function fn;
	unsigned msix_cap; /* its offset in configuration space */
	struct vpci_msix_entry msix[VPCI_VECTORS];
	u32 pba; /* pending bits: a message while its vector (or the function) was masked */
	u16 config_vector;
	u16 queue_vector[VIRTIO_MAX_QUEUES];
	/* Counters: messages delivered; dropped (no vector, MSI-X off, no bus master); bad address; not translated. */
	u64 msis, dropped, bad_addr, untranslated;
};

/* Set vp up for be and put it on vm's bridge: the device number, or -HV_ENOENT (no pci-host) / -HV_EBUSY. */
int virtio_pci_attach(struct virtio_pci *vp, struct vm *vm, const struct virtio_backend *be, void *be_state);
/* VM reset: the transport and backend (its configuration space is the bridge's to reset). */
void virtio_pci_reset(struct virtio_pci *vp);
void virtio_pci_print_stats(struct virtio_pci *vp);

#endif
