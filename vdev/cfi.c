/* The CFI (Intel command set) flash state machine (see vdev/cfi.h). */
#include <hyparm/errno.h>
#include <string.h>
#include <vdev/cfi.h>

#define SR_BAD_SEQUENCE (CFI_SR_ERASE_ERR | CFI_SR_PROGRAM_ERR) /* both: improper command sequence */
#define ID_MANUFACTURER 0x89 /* Intel */
#define ID_DEVICE 0x18 /* as QEMU's virt machine gives its flash */
#define NO_WINDOW (~0ULL)

/*
 * One chip's CFI query table (JEDEC JESD68), byte i at query address i;
 * the chip's size and block count depend on the bank's (cfi_table_byte).
 */
static const u8 query_table[0x40] = {
	[0x10] = 'Q',  [0x11] = 'R',  [0x12] = 'Y',  [0x13] = 0x01, /* primary command set: Intel/Sharp extended */
	[0x15] = 0x31, /* its extended table at 0x31 */
	[0x1B] = 0x45, [0x1C] = 0x55, /* Vcc 4.5 .. 5.5 V; no Vpp */
	[0x1F] = 0x07, [0x20] = 0x07, [0x21] = 0x0A, /* typical timeouts: word, buffer, block erase */
	[0x23] = 0x04, [0x24] = 0x04, [0x25] = 0x04, /* maximum timeouts (multipliers) */
	[0x28] = 0x02, /* interface: x8/x16 */
	[0x2A] = 0x0B, /* write buffer 2^11 bytes per chip */
	[0x2C] = 0x01, /* one erase-block region */
	[0x31] = 'P',  [0x32] = 'R',  [0x33] = 'I',  [0x34] = '1',  [0x35] = '0',
	[0x3F] = 0x01, /* one protection field */
};

static u8 cfi_table_byte(const struct cfi_bank *b, u64 i)
{
	u64 chip_size = b->size / 2, blocks = b->size / CFI_BLOCK_SIZE;
	u64 chip_block = CFI_BLOCK_SIZE / 2;

	switch (i) {
	case 0x27: /* chip size: 2^n bytes */
		return (u8)__builtin_ctzll(chip_size);
	case 0x2D: /* blocks - 1, and the block size in 256-byte units */
		return (u8)(blocks - 1);
	case 0x2E:
		return (u8)((blocks - 1) >> 8);
	case 0x2F:
		return (u8)(chip_block >> 8);
	case 0x30:
		return (u8)(chip_block >> 16);
	}
	return i < sizeof(query_table) ? query_table[i] : 0;
}

void cfi_reset(struct cfi_bank *b)
{
	b->cmd = 0;
	b->wcycle = 0;
	b->status = CFI_SR_READY;
	b->remaining = 0;
	b->buf_base = NO_WINDOW;
	b->buf_bad = false;
}

/* Both chips answer the same 16-bit value, each on its half of the bus. */
static u32 both_chips(u16 v)
{
	return (u32)v | (u32)v << 16;
}

/* The 32-bit bus word at a word-aligned offset, outside read-array mode. */
static u32 bus_word(const struct cfi_bank *b, u64 off)
{
	u64 addr = off / CFI_BANK_WIDTH; /* the chips' own (word) address */

	switch (b->cmd) {
	case 0x90: /* 0: manufacturer, 1: device, 2: block lock status (never locked) */
		addr &= 0xFF;
		return both_chips(addr == 0 ? ID_MANUFACTURER : addr == 1 ? ID_DEVICE : 0);
	case 0x98:
		return both_chips(cfi_table_byte(b, addr));
	default: /* every other command reads the status register */
		return both_chips(b->status);
	}
}

static u8 array_byte(const struct cfi_bank *b, u64 off)
{
	return off < b->backed ? b->storage[off] : 0xFF;
}

int cfi_read(struct cfi_bank *b, u64 off, unsigned size, u64 *val)
{
	u64 v = 0;

	if ((size != 1 && size != 2 && size != 4 && size != 8) || (off & (size - 1)) || off >= b->size ||
	    size > b->size - off)
		return -HV_EINVAL;
	if (cfi_in_array_mode(b)) {
		for (unsigned i = size; i-- > 0;)
			v = v << 8 | array_byte(b, off + i);
	} else if (size == 8) {
		v = bus_word(b, off) | (u64)bus_word(b, off + 4) << 32;
	} else {
		/* A narrower read sees its own byte lanes of the bus word. */
		v = bus_word(b, off & ~3ULL) >> ((off & 3) * 8);
		v &= size == 4 ? 0xFFFFFFFFULL : (1ULL << (size * 8)) - 1;
	}
	*val = v;
	return HV_OK;
}

static void back_to_array(struct cfi_bank *b)
{
	b->cmd = 0;
	b->wcycle = 0;
}

static void bad_sequence(struct cfi_bank *b)
{
	b->status |= SR_BAD_SEQUENCE;
	back_to_array(b);
}

/* Program len bytes at off: bits can only go from 1 to 0. */
static void program(struct cfi_bank *b, u64 off, const u8 *data, u64 len)
{
	if (b->read_only || off > b->backed || len > b->backed - off) {
		b->status |= CFI_SR_PROGRAM_ERR;
		return;
	}
	for (u64 i = 0; i < len; i++)
		b->storage[off + i] &= data[i];
	if (b->changed)
		b->changed(b->ctx, off, len, false);
}

static void erase(struct cfi_bank *b, u64 off)
{
	if (b->read_only || off > b->backed || CFI_BLOCK_SIZE > b->backed - off) {
		b->status |= CFI_SR_ERASE_ERR;
		return;
	}
	memset(b->storage + off, 0xFF, CFI_BLOCK_SIZE);
	if (b->changed)
		b->changed(b->ctx, off, CFI_BLOCK_SIZE, true);
}

/* A write when no command is under way: a new command. */
static void start(struct cfi_bank *b, u64 off, u8 c)
{
	switch (c) {
	case 0xFF: /* read array */
	case 0x00: /* QEMU's model takes 0 for read array too */
	case 0xF0: /* AMD reset, written by probes that try both command sets */
		back_to_array(b);
		return;
	case 0x50: /* clear status: the errors go, the state machine stays ready */
		b->status &= ~CFI_SR_ERRORS;
		back_to_array(b);
		return;
	case 0x70:
	case 0x90:
	case 0x98: /* read modes: the next write is a new command again */
		b->cmd = c;
		return;
	case 0x20:
	case 0x28:
		b->erase_off = off & ~(CFI_BLOCK_SIZE - 1);
		break;
	case 0x10:
	case 0x40:
	case 0x60:
		break;
	case 0xE8:
		b->status |= CFI_SR_READY; /* the write buffer is available */
		break;
	default:
		bad_sequence(b);
		return;
	}
	b->cmd = c;
	b->wcycle = 1;
}

static void buffer_data(struct cfi_bank *b, u64 off, unsigned size, u64 val)
{
	u64 base = off & ~(u64)(CFI_WRITE_BUFFER - 1);

	if (b->buf_base == NO_WINDOW)
		b->buf_base = base;
	/*
	 * The count is of writes, whatever their width: a probe (U-Boot's)
	 * may take the bank for a 16-bit one and write halfwords, as QEMU's
	 * model allows. They must all fall in one write block.
	 */
	if (base != b->buf_base) {
		b->buf_bad = true;
	} else {
		for (unsigned i = 0; i < size; i++)
			b->buf[off - base + i] = (u8)(val >> (8 * i));
	}
	if (--b->remaining == 0)
		b->wcycle = 3;
}

static void next_cycle(struct cfi_bank *b, u64 off, unsigned size, u64 val)
{
	u8 c = (u8)val;

	switch (b->cmd) {
	case 0x10:
	case 0x40: {
		u8 data[4];
		for (unsigned i = 0; i < size; i++)
			data[i] = (u8)(val >> (8 * i));
		program(b, off, data, size);
		b->wcycle = 0; /* reads now show the status */
		return;
	}
	case 0x20:
	case 0x28:
		if (c == 0xD0) {
			erase(b, b->erase_off);
			b->wcycle = 0;
		} else if (c == 0xFF) {
			back_to_array(b);
		} else {
			bad_sequence(b);
		}
		return;
	case 0x60: /* lock (0x01) or unlock (0xD0): blocks are never locked */
		if (c == 0xD0 || c == 0x01)
			b->wcycle = 0;
		else
			back_to_array(b);
		return;
	case 0xE8:
		if (b->wcycle == 1) {
			/* The word count - 1, per chip: the low chip's half of the bus. */
			u32 words = (u32)(val & 0xFFFF) + 1;
			if (words > CFI_WRITE_BUFFER / CFI_BANK_WIDTH) {
				bad_sequence(b);
				return;
			}
			b->remaining = words;
			b->buf_base = NO_WINDOW;
			b->buf_bad = false;
			memset(b->buf, 0xFF, sizeof(b->buf)); /* untouched bytes program nothing */
			b->wcycle = 2;
		} else if (b->wcycle == 2) {
			buffer_data(b, off, size, val);
		} else if (c == 0xD0) {
			if (b->buf_bad)
				b->status |= CFI_SR_PROGRAM_ERR;
			else
				program(b, b->buf_base, b->buf, CFI_WRITE_BUFFER);
			b->wcycle = 0;
		} else {
			back_to_array(b); /* no confirm: the buffer is dropped, the flash unchanged */
		}
		return;
	}
	bad_sequence(b);
}

int cfi_write(struct cfi_bank *b, u64 off, unsigned size, u64 val)
{
	bool was_array = cfi_in_array_mode(b);

	if ((size != 1 && size != 2 && size != 4 && size != 8) || (off & (size - 1)) || off >= b->size ||
	    size > b->size - off)
		return -HV_EINVAL;
	/*
	 * Wider than the bus: two bus writes, low word first, as QEMU splits
	 * it. EDK2's early code stores 64-bit values into its own image
	 * (globals of code that runs from flash): they must not fault.
	 */
	if (size == 8) {
		cfi_write(b, off, 4, val & 0xFFFFFFFFULL);
		return cfi_write(b, off + 4, 4, val >> 32);
	}
	if (b->wcycle == 0)
		start(b, off, (u8)val);
	else
		next_cycle(b, off, size, val);
	if (cfi_in_array_mode(b) != was_array && b->array_mode)
		b->array_mode(b->ctx, !was_array);
	return HV_OK;
}
