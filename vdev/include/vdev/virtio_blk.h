/* The guest virtio-blk device's request check (vdev/virtio_blk.c), for its unit test. */
#ifndef VDEV_VIRTIO_BLK_H
#define VDEV_VIRTIO_BLK_H

#include <hyparm/types.h>
#include <hyparm/virtqueue.h>

/*
 * Check an IN or OUT request's data buffers (n of them) against a disk of
 * capacity sectors: VIRTIO_BLK_S_OK and the data bytes in *bytes, or the
 * status the guest gets (UNSUPP for another type; IOERR for a write to a
 * read-only disk, a buffer in the wrong direction or empty, a total that
 * is 0 or not a multiple of 512, sectors outside the disk).
 */
u8 virtio_blk_check(u32 type, u64 sector, const struct virtq_buf *data, unsigned n, u64 capacity,
		    bool read_only, u32 *bytes);

#endif
