/*
 * The guest virtio-blk device's check of a request's data against its
 * disk (vdev/include/vdev/virtio_blk.h): pure logic, apart from the
 * device (vdev/virtio_blk.c) so that its unit test runs exactly this.
 */
#include <drivers/virtio_blk.h>
#include <vdev/virtio_blk.h>

u8 virtio_blk_check(u32 type, u64 sector, const struct virtq_buf *data, unsigned n, u64 capacity,
		    bool read_only, u32 *bytes)
{
	u64 total = 0;

	*bytes = 0;
	if (type != VIRTIO_BLK_T_IN && type != VIRTIO_BLK_T_OUT)
		return VIRTIO_BLK_S_UNSUPP;
	if (type == VIRTIO_BLK_T_OUT && read_only)
		return VIRTIO_BLK_S_IOERR;
	for (unsigned i = 0; i < n; i++) {
		if (data[i].write != (type == VIRTIO_BLK_T_IN) || !data[i].len)
			return VIRTIO_BLK_S_IOERR;
		total += data[i].len;
	}
	if (!n || total % VIRTIO_BLK_SECTOR || total > 0xffffffffULL)
		return VIRTIO_BLK_S_IOERR;
	/* sector + total / 512 <= capacity, written so that neither side can wrap. */
	if (sector > capacity || total / VIRTIO_BLK_SECTOR > capacity - sector)
		return VIRTIO_BLK_S_IOERR;
	*bytes = (u32)total;
	return VIRTIO_BLK_S_OK;
}
