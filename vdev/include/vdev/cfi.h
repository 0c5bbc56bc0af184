/*
 * A CFI flash bank with the Intel/Sharp command set (CFI primary command
 * set 0x0001), as QEMU's pflash_cfi01 models the two flash banks of its
 * virt machine: two x16 chips side by side on a 32-bit bus (bank width 4,
 * device width 2), 256 KiB erase blocks, JEDEC IDs 0x89/0x18. The command
 * state machine only: storage, geometry and callbacks come from the
 * device (vdev/cfi_flash.c), so it is tested on the host
 * (tests/unit/test_cfi.c).
 *
 * Commands (the low byte of a write in read mode; both chips get the same):
 *   0xFF read array, 0x70 read status, 0x90 read ID, 0x98 CFI query,
 *   0x50 clear status, 0x40/0x10 word program (next write is the data),
 *   0x20/0x28 block erase (0xD0 at the next write confirms), 0xE8
 *   buffered program (count - 1, then that many data writes in one write
 *   block, then 0xD0), 0x60 block lock/unlock (0xD0 or 0x01 next: a
 *   no-op, blocks are never locked). Anything else, or a broken sequence,
 *   is an improper command sequence (status bits 4 and 5), back to read array.
 *
 * Programming only clears bits, as on a real NOR chip (erase sets them);
 * a read-only bank, or a range with no storage behind it, keeps its
 * content and reports a program (0x10) or erase (0x20) error instead.
 */
#ifndef VDEV_CFI_H
#define VDEV_CFI_H

#include <hyparm/types.h>

#define CFI_BANK_WIDTH 4 /* bytes on the bus */
#define CFI_DEVICE_WIDTH 2 /* each of the two chips is x16 */
#define CFI_BLOCK_SIZE 0x40000ULL /* erase block, both chips together */
#define CFI_WRITE_BUFFER 4096u /* buffered-program window, both chips together (2 KiB each) */

/* Status register bits. */
#define CFI_SR_READY 0x80 /* write state machine ready */
#define CFI_SR_ERASE_ERR 0x20
#define CFI_SR_PROGRAM_ERR 0x10
#define CFI_SR_ERRORS 0x3A /* what clear status clears */

struct cfi_bank {
	/* Set by the device. */
	u8 *storage; /* the first `backed` bytes of the bank; beyond that reads as erased (0xFF) */
	u64 backed, size; /* size: the bank's window, a multiple of CFI_BLOCK_SIZE */
	bool read_only; /* the firmware code bank: commands work, nothing changes */
	/* The bank enters (true) or leaves (false) read-array mode: the device maps or unmaps its storage. */
	void (*array_mode)(void *ctx, bool array);
	/* Bytes [off, off + len) of storage changed: erased (a whole block), or programmed. */
	void (*changed)(void *ctx, u64 off, u64 len, bool erased);
	void *ctx;
	/* The state machine. */
	u8 cmd; /* the command being served; 0 = read array */
	u8 wcycle; /* which write of a multi-write command comes next (0: a new command) */
	u8 status;
	u64 erase_off; /* block erase: the block given at setup */
	u32 remaining; /* buffered program: data writes still to come */
	u64 buf_base; /* buffered program: the write block (U64_MAX until the first data write) */
	bool buf_bad; /* buffered program: a data write outside the window */
	u8 buf[CFI_WRITE_BUFFER];
};

/* Power-on state: read array, status ready, no error. */
void cfi_reset(struct cfi_bank *b);
/* Read array mode, where reads come from storage (and the device may map it). */
static inline bool cfi_in_array_mode(const struct cfi_bank *b)
{
	return b->cmd == 0 && b->wcycle == 0;
}
/*
 * A guest access at off (inside the bank) of 1, 2, 4 or 8 bytes, naturally
 * aligned (an 8-byte write is two bus writes); anything else is -HV_EINVAL
 * (the guest gets an external abort) and changes nothing.
 */
int cfi_read(struct cfi_bank *b, u64 off, unsigned size, u64 *val);
int cfi_write(struct cfi_bank *b, u64 off, unsigned size, u64 val);

#endif
