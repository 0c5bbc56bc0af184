/* PCI configuration space of one function (see vdev/pci.h): a byte image and a write mask. */
#include <hyparm/errno.h>
#include <string.h>
#include <vdev/pci.h>

void pci_cfg_set(struct pci_function *f, unsigned off, unsigned size, u32 val)
{
	for (unsigned i = 0; i < size && off + i < PCI_CFG_SIZE; i++)
		f->cfg[off + i] = (u8)(val >> (8 * i));
}

u32 pci_cfg_get(const struct pci_function *f, unsigned off, unsigned size)
{
	u32 v = 0;

	for (unsigned i = 0; i < size && off + i < PCI_CFG_SIZE; i++)
		v |= (u32)f->cfg[off + i] << (8 * i);
	return v;
}

static void set_mask(struct pci_function *f, unsigned off, unsigned size, u32 mask)
{
	for (unsigned i = 0; i < size && off + i < PCI_CFG_SIZE; i++)
		f->wmask[off + i] = (u8)(mask >> (8 * i));
}

void pci_fn_init(struct pci_function *f, const struct pci_function_ops *ops, void *ctx, u16 vendor,
		 u16 device, u32 class_code, u8 revision)
{
	memset(f, 0, sizeof(*f));
	f->ops = ops;
	f->ctx = ctx;
	f->next_cap = PCI_CAP_START;
	pci_cfg_set(f, PCI_VENDOR_ID, 2, vendor);
	pci_cfg_set(f, PCI_DEVICE_ID, 2, device);
	pci_cfg_set(f, PCI_REVISION_ID, 1, revision);
	pci_cfg_set(f, PCI_CLASS_PROG, 3, class_code);
	pci_cfg_set(f, PCI_SUBSYSTEM_VENDOR_ID, 2, vendor);
	/* Memory decode, bus master and INTx disable are the guest's; no I/O space; no INTx pin unless pci_fn_add_intx(). */
	set_mask(f, PCI_COMMAND, 2, PCI_COMMAND_MEMORY | PCI_COMMAND_MASTER | PCI_COMMAND_INTX_DISABLE);
	/* Interrupt Line is a scratch register for software. */
	set_mask(f, PCI_INTERRUPT_LINE, 1, 0xFF);
}

void pci_fn_add_bar(struct pci_function *f, unsigned bar, u32 size)
{
	if (bar >= PCI_NR_BARS || size < 16 || (size & (size - 1)))
		return;
	f->bar_size[bar] = size;
	/* Type bits 0 (32-bit memory, not prefetchable) read back; the address bits below size are 0. */
	set_mask(f, PCI_BAR0 + 4 * bar, 4, ~(size - 1) & PCI_BAR_MEM_MASK);
}

void pci_fn_add_bar64(struct pci_function *f, unsigned bar, u64 size, bool prefetch)
{
	u64 mask = ~(size - 1);

	if (bar + 1 >= PCI_NR_BARS || size < 16 || (size & (size - 1)))
		return;
	f->bar_size[bar] = size;
	f->bar64 |= (u8)(1u << bar);
	/* The type bits are read-only: 64-bit memory, prefetchable if asked. */
	pci_cfg_set(f, PCI_BAR0 + 4 * bar, 4, PCI_BAR_MEM_TYPE_64 | (prefetch ? PCI_BAR_MEM_PREFETCH : 0));
	set_mask(f, PCI_BAR0 + 4 * bar, 4, (u32)mask & PCI_BAR_MEM_MASK);
	set_mask(f, PCI_BAR0 + 4 * (bar + 1), 4, (u32)(mask >> 32));
}

void pci_fn_add_intx(struct pci_function *f)
{
	pci_cfg_set(f, PCI_INTERRUPT_PIN, 1, 1); /* INTA */
}

unsigned pci_fn_add_cap(struct pci_function *f, u8 id, unsigned len)
{
	unsigned off = f->next_cap;

	if (len < 2 || off + len > PCI_CFG_SIZE)
		return 0;
	f->cfg[off] = id;
	f->cfg[off + 1] = 0;
	if (f->last_cap)
		f->cfg[f->last_cap + 1] = (u8)off;
	else
		f->cfg[PCI_CAPABILITY_LIST] = (u8)off;
	pci_cfg_set(f, PCI_STATUS, 2, pci_cfg_get(f, PCI_STATUS, 2) | PCI_STATUS_CAP_LIST);
	f->last_cap = (u8)off;
	f->next_cap = (u8)((off + len + 3) & ~3u); /* capabilities are dword-aligned */
	return off;
}

void pci_fn_seal(struct pci_function *f)
{
	memcpy(f->cfg_reset, f->cfg, sizeof(f->cfg));
}

void pci_fn_reset(struct pci_function *f)
{
	memcpy(f->cfg, f->cfg_reset, sizeof(f->cfg));
}

static bool access_ok(unsigned off, unsigned size)
{
	return (size == 1 || size == 2 || size == 4) && (off & (size - 1)) == 0 && off < PCI_ECAM_FN_SIZE;
}

u32 pci_cfg_read(const struct pci_function *f, unsigned off, unsigned size)
{
	if (!access_ok(off, size))
		return size < 4 ? (1u << (8 * size)) - 1 : 0xFFFFFFFFu; /* all-ones of the access's width */
	if (off >= PCI_CFG_SIZE)
		return 0;
	return pci_cfg_get(f, off, size);
}

void pci_cfg_write(struct pci_function *f, unsigned off, unsigned size, u32 val)
{
	if (!access_ok(off, size) || off >= PCI_CFG_SIZE)
		return;
	for (unsigned i = 0; i < size; i++) {
		u8 m = f->wmask[off + i], b = (u8)(val >> (8 * i));
		f->cfg[off + i] = (u8)((f->cfg[off + i] & ~m) | (b & m));
	}
	if (f->ops && f->ops->cfg_written)
		f->ops->cfg_written(f, off, size);
}

u64 pci_fn_bar_addr(const struct pci_function *f, unsigned bar)
{
	u64 a;

	if (bar >= PCI_NR_BARS)
		return 0;
	a = pci_cfg_get(f, PCI_BAR0 + 4 * bar, 4) & PCI_BAR_MEM_MASK;
	if ((f->bar64 & (1u << bar)) && bar + 1 < PCI_NR_BARS)
		a |= (u64)pci_cfg_get(f, PCI_BAR0 + 4 * (bar + 1), 4) << 32;
	return a;
}

bool pci_fn_mem_enabled(const struct pci_function *f)
{
	return pci_cfg_get(f, PCI_COMMAND, 2) & PCI_COMMAND_MEMORY;
}

bool pci_fn_decode(const struct pci_function *f, u64 a, unsigned size, unsigned *bar, u64 *off)
{
	if (!pci_fn_mem_enabled(f))
		return false;
	for (unsigned b = 0; b < PCI_NR_BARS; b++) {
		u64 base = pci_fn_bar_addr(f, b);
		u64 sz = f->bar_size[b];
		/* No sum that can wrap: a - base < sz, then size against what is left. */
		if (sz && a >= base && a - base < sz && size <= sz - (a - base)) {
			*bar = b;
			*off = a - base;
			return true;
		}
	}
	return false;
}

bool pci_fn_bus_master(const struct pci_function *f)
{
	return pci_cfg_get(f, PCI_COMMAND, 2) & PCI_COMMAND_MASTER;
}
