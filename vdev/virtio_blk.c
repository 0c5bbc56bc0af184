/*
 * virtio-blk (virtio 1.2 section 5.2, device ID 2) for a guest, backed by
 * one of the machine's virtio-blk devices (drivers/virtio_blk.c: the
 * launcher attaches each host disk file as one). Manifest node:
 *     disk0 { compatible = "hyparm,virtio-blk"; file = "disk.img"; read-only; };
 * several per VM. The nth distinct file named by the manifest's disk nodes
 * (in VM order, then node order) is the nth physical disk, the launcher
 * attaching them in that order; two VMs naming one file may only both
 * read it.
 *
 * Every request is checked before anything reaches the physical device:
 * a readable 16-byte header first, a writable 1-byte status last, the data
 * buffers between all in the direction the type needs, their total a
 * multiple of 512 and the sectors [sector, sector + len / 512) inside the
 * disk (arithmetic that cannot wrap). A request that fails is completed
 * with VIRTIO_BLK_S_IOERR (UNSUPP for an unknown type), never dropped; one
 * whose chain leaves no status byte is completed with length 0. A good one
 * goes to the physical device with hyparm's own copy of the header (the
 * guest may change its own meanwhile) and status byte, and the guest's
 * data buffers as they are (zero copy: guest RAM is contiguous at
 * vm->ram_pa and hyparm runs with VA == PA). It completes with the
 * physical device's interrupt; a FLUSH completes only after the physical
 * FLUSH did, so what the guest was told is durable is on the host file.
 */
#include <drivers/virtio_blk.h>
#include <hyparm/devnode.h>
#include <hyparm/errno.h>
#include <hyparm/gpt.h>
#include <hyparm/page_alloc.h>
#include <hyparm/print.h>
#include <hyparm/vm.h>
#include <string.h>
#include <vdev/virtio_blk.h>
#include <vdev/virtio_mmio.h>
#include <vdev/virtio_slots.h>

#define BLK_QUEUE VIRTQ_MAX_SIZE
#define BLK_MAX_DISKS 8 /* disk nodes in the whole manifest */
#define BLK_FILE_MAX 128

struct blk_req {
	struct hostblk_req hr; /* first: done() gets it back */
	struct blkdev *dev;
	struct virtq_chain chain;
	u32 gen; /* the device's reset generation when it was taken */
	u32 data_len; /* bytes the guest's IN buffers get */
	u8 *status; /* the guest's status byte */
	bool busy;
	struct virtio_blk_outhdr hdr; /* hyparm's copies, which the physical device reads and writes */
	u8 hstatus;
};

struct blkdev {
	struct virtio_dev vd;
	struct hostblk *host;
	struct hostblk_info info;
	bool read_only;
	u64 start; /* the partition's first sector on the physical disk (0: the whole disk) */
	char id[VIRTIO_BLK_ID_BYTES];
	u32 gen;
	struct blk_req *reqs; /* BLK_QUEUE of them, one per head */
	struct virtq_buf bufs[VHOST_MAX_SG]; /* the chain being checked (under vd.lock) */
	u64 errors;
};

/* The manifest's disk files (index = the physical disk) and who uses which part of each. */
#define BLK_FILE_USERS 8
static struct {
	char file[BLK_FILE_MAX];
	unsigned users;
	u32 part[BLK_FILE_USERS]; /* 0: the whole disk */
	bool write[BLK_FILE_USERS];
} files[BLK_MAX_DISKS];
static unsigned nr_files;

static struct blkdev *blk_of(struct virtio_dev *vd)
{
	return (struct blkdev *)vd; /* vd is the first member */
}

static void finish(struct blkdev *b, struct blk_req *r, u8 status, u32 written)
{
	struct virtq *q = &b->vd.q[0];

	if (status != VIRTIO_BLK_S_OK)
		b->errors++;
	if (r->status) {
		*r->status = status;
		written += 1;
	} else {
		written = 0;
	}
	virtq_push(q, &b->vd.mem, &r->chain, written);
	r->busy = false;
}

/* The physical device completed r (no driver lock held). */
static void blk_done(struct hostblk_req *hr, u32 len)
{
	struct blk_req *r = (struct blk_req *)hr;
	struct blkdev *b = r->dev;

	(void)len;
	spin_lock(&b->vd.lock);
	if (r->gen == b->gen && b->vd.q[0].ready) {
		u8 st = r->hstatus == VIRTIO_BLK_S_OK ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR;
		finish(b, r, st, st == VIRTIO_BLK_S_OK ? r->data_len : 0);
		virtio_queue_interrupt(&b->vd, 0);
	} else {
		r->busy = false; /* the device was reset meanwhile: its queue is gone */
	}
	spin_unlock(&b->vd.lock);
}

/* Take one chain: complete it now (an error, GET_ID, a flush without a physical one) or send it on. */
static void serve(struct blkdev *b, struct blk_req *r)
{
	struct virtq *q = &b->vd.q[0];
	struct virtq_buf *bufs = b->bufs, last;
	unsigned n = 0;
	bool too_many = false;
	int rc;
	u32 bytes;
	u8 st;

	r->status = NULL;
	r->data_len = 0;
	while (n < VHOST_MAX_SG && (rc = virtq_next(q, &b->vd.mem, &r->chain, &bufs[n])) == 1)
		n++;
	if (n == VHOST_MAX_SG) {
		/* More buffers than we forward: walk to the last one (the walker bounds it) for the status. */
		last = bufs[n - 1];
		while ((rc = virtq_next(q, &b->vd.mem, &r->chain, &last)) == 1)
			too_many = true;
	} else if (n) {
		last = bufs[n - 1];
	}
	if (rc < 0 || !n || !last.write) {
		finish(b, r, VIRTIO_BLK_S_IOERR, 0); /* no status byte to write: used length 0 */
		return;
	}
	r->status = last.host + last.len - 1; /* the status is the chain's last byte */
	if (too_many || last.len != 1 || n < 2 || bufs[0].write || bufs[0].len != sizeof(r->hdr)) {
		finish(b, r, VIRTIO_BLK_S_IOERR, 0);
		return;
	}
	memcpy(&r->hdr, bufs[0].host, sizeof(r->hdr)); /* once: the guest may change its copy */
	struct virtq_buf *data = &bufs[1];
	unsigned nd = n - 2;

	switch (r->hdr.type) {
	case VIRTIO_BLK_T_GET_ID:
		if (nd != 1 || !data[0].write) {
			finish(b, r, VIRTIO_BLK_S_IOERR, 0);
			return;
		}
		bytes = MIN(data[0].len, (u32)VIRTIO_BLK_ID_BYTES);
		memcpy(data[0].host, b->id, bytes);
		finish(b, r, VIRTIO_BLK_S_OK, bytes);
		return;
	case VIRTIO_BLK_T_FLUSH:
		if (nd) {
			finish(b, r, VIRTIO_BLK_S_IOERR, 0);
			return;
		}
		if (!b->info.flush) { /* the physical device writes through */
			finish(b, r, VIRTIO_BLK_S_OK, 0);
			return;
		}
		bytes = 0;
		r->hdr.sector = 0; /* the guest's sector means nothing for a flush: keep it off the device */
		break;
	default:
		if (nd > b->info.seg_max) {
			finish(b, r, VIRTIO_BLK_S_IOERR, 0);
			return;
		}
		st = virtio_blk_check(r->hdr.type, r->hdr.sector, data, nd, b->info.capacity, b->read_only,
				      &bytes);
		if (st != VIRTIO_BLK_S_OK) {
			finish(b, r, st, 0);
			return;
		}
	}
	r->data_len = r->hdr.type == VIRTIO_BLK_T_IN ? bytes : 0;
	r->hdr.sector += b->start; /* checked against the partition's size: inside it */
	r->hdr.reserved = 0;
	r->hstatus = 0xff;
	r->gen = b->gen;
	r->hr.owner = b->vd.vm->id;
	r->hr.done = blk_done;
	r->hr.n = 0;
	r->hr.sg[r->hr.n++] = (struct vhost_sg){ (paddr_t)(uintptr_t)&r->hdr, sizeof(r->hdr), false };
	for (unsigned i = 0; i < nd; i++)
		r->hr.sg[r->hr.n++] = (struct vhost_sg){ (paddr_t)(uintptr_t)data[i].host, data[i].len,
							 data[i].write };
	r->hr.sg[r->hr.n++] = (struct vhost_sg){ (paddr_t)(uintptr_t)&r->hstatus, 1, true };
	hostblk_submit(b->host, &r->hr);
}

static bool drain(struct blkdev *b, unsigned *done)
{
	struct virtq *q = &b->vd.q[0];
	unsigned budget = q->num;
	struct virtq_chain c;
	int rc = 0;

	while (budget-- && (rc = virtq_pop(q, &b->vd.mem, &c)) == 1) {
		struct blk_req *r = &b->reqs[c.head];

		if (r->busy && r->gen != b->gen) {
			/*
			 * The head's request from before a device reset is still at the
			 * physical device (its memory in use): this new one cannot take
			 * the slot. Completed at once, length 0 (an error to the driver).
			 */
			virtq_push(q, &b->vd.mem, &c, 0);
			b->errors++;
			++*done;
			continue;
		}
		if (r->busy) {
			/* The guest offered a head the device still holds: a broken ring. */
			q->error = VQ_E_HEAD;
			return false;
		}
		r->busy = true;
		r->chain = c;
		r->dev = b;
		serve(b, r);
		++*done;
	}
	return rc >= 0;
}

static void blk_notify(struct virtio_dev *vd, unsigned qi)
{
	struct blkdev *b = blk_of(vd);
	unsigned done = 0;
	bool ok = drain(b, &done);

	if (ok && vd->q[qi].event_idx) {
		virtq_publish_avail_event(&vd->q[qi], &vd->mem);
		ok = drain(b, &done);
	}
	/* Requests completed here (errors, GET_ID) want their interrupt now; the others get theirs later. */
	if (done)
		virtio_queue_interrupt(vd, qi);
	if (!ok)
		virtio_needs_reset(vd, qi);
}

/* After vd->lock is released: tell the physical device of the requests blk_notify sent it. */
static void blk_notified(struct virtio_dev *vd, unsigned qi)
{
	(void)qi;
	hostblk_kick(blk_of(vd)->host);
}

static u64 blk_config_read(struct virtio_dev *vd, u32 off, unsigned size)
{
	struct blkdev *b = blk_of(vd);
	u8 cfg[24] = { 0 };
	u64 v = 0;
	u32 seg = b->info.seg_max, bs = VIRTIO_BLK_SECTOR;

	memcpy(cfg + 0, &b->info.capacity, 8);
	memcpy(cfg + 12, &seg, 4);
	memcpy(cfg + 20, &bs, 4);
	memcpy(&v, cfg + off, size);
	return v;
}

static void blk_reset(struct virtio_dev *vd)
{
	blk_of(vd)->gen++; /* requests still at the physical device complete into nothing */
}

static struct virtio_backend blk_backends[VM_MAX * BLK_MAX_DISKS];
static struct blkdev devs[VM_MAX * BLK_MAX_DISKS];
static unsigned nr_devs;

/*
 * The physical disk for file, part (0: whole): two users of one file may
 * overlap (the same partition, or the whole disk and anything) only if
 * neither writes.
 */
static int file_index(const char *file, u32 part, bool write, const struct devnode *dn, char *err,
		      size_t errlen)
{
	unsigned i;

	for (i = 0; i < nr_files; i++)
		if (strcmp(files[i].file, file) == 0)
			break;
	if (i == nr_files) {
		if (nr_files == BLK_MAX_DISKS)
			return devnode_fail(dn, "file", err, errlen, "more than %u disk files",
					    BLK_MAX_DISKS);
		hv_snprintf(files[i].file, sizeof(files[i].file), "%s", file);
		nr_files++;
	}
	if (files[i].users == BLK_FILE_USERS)
		return devnode_fail(dn, "file", err, errlen, "more than %u disks on \"%s\"", BLK_FILE_USERS,
				    file);
	for (unsigned u = 0; u < files[i].users; u++) {
		bool overlap = !part || !files[i].part[u] || part == files[i].part[u];
		if (overlap && (write || files[i].write[u]))
			return devnode_fail(
				dn, "file", err, errlen,
				"\"%s\"%s is already another disk's, and one of them writes it: "
				"give each writer its own file or partition (or mark both read-only)",
				file, part ? " (this partition)" : "");
	}
	files[i].part[files[i].users] = part;
	files[i].write[files[i].users] = write;
	files[i].users++;
	return (int)i;
}

/* Find partition part of b's physical disk: b->start and b->info.capacity become the partition's. */
static int find_partition(struct blkdev *b, u32 part, const struct devnode *dn, char *err, size_t errlen)
{
	char why[160];
	struct gpt_header_info h;
	u8 *buf = page_alloc(GPT_MAX_ENTRY_BYTES / PAGE_SIZE + 1);
	u64 start, count;
	int rc;

	if (!buf)
		return devnode_fail(dn, NULL, err, errlen, "out of memory");
	rc = hostblk_read_sync(b->host, 1, buf, GPT_SECTOR);
	if (!rc)
		rc = gpt_header(buf, b->info.capacity, &h, why, sizeof(why));
	else
		hv_snprintf(why, sizeof(why), "reading LBA 1 failed");
	if (!rc) {
		u32 bytes = (h.entries_bytes + GPT_SECTOR - 1) / GPT_SECTOR * GPT_SECTOR;
		rc = hostblk_read_sync(b->host, h.entries_lba, buf, bytes);
		if (!rc)
			rc = gpt_partition(&h, buf, part, &start, &count, why, sizeof(why));
		else
			hv_snprintf(why, sizeof(why), "reading the GPT entries failed");
	}
	page_free(buf, GPT_MAX_ENTRY_BYTES / PAGE_SIZE + 1);
	if (rc)
		return devnode_fail(dn, "partition", err, errlen, "%s", why);
	b->start = start;
	b->info.capacity = count;
	return HV_OK;
}

static int blk_create(struct vdev *d, char *err, size_t errlen)
{
	struct vm *vm = d->vm;
	const struct devnode *dn = d->node;
	char file[BLK_FILE_MAX];
	struct blkdev *b;
	int idx, rc, slot;

	if (!dn) {
		hv_snprintf(err, errlen,
			    "vm %s: virtio-blk needs a device node (disk0 { compatible = "
			    "\"hyparm,virtio-blk\"; file = \"disk.img\"; };), not a devices entry",
			    vm->name);
		return -HV_EINVAL;
	}
	if (nr_devs == ARRAY_SIZE(devs))
		return devnode_fail(dn, NULL, err, errlen, "more than %u virtio-blk disks",
				    (unsigned)ARRAY_SIZE(devs));
	if (devnode_string(dn, "file", file, sizeof(file)) || !file[0])
		return devnode_fail(dn, "file", err, errlen,
				    "a host disk file is needed (\"disk.img\", < %u bytes)", BLK_FILE_MAX);
	u32 part = 0;
	bool has_part = false;
	if (devnode_u32(dn, "partition", &part, &has_part) || (has_part && part == 0))
		return devnode_fail(dn, "partition", err, errlen, "partitions are numbered from 1 (<1>)");
	bool ro = devnode_flag(dn, "read-only");
	idx = file_index(file, part, !ro, dn, err, errlen);
	if (idx < 0)
		return idx;
	b = &devs[nr_devs];
	rc = hostblk_open((unsigned)idx, &b->host, &b->info);
	if (rc)
		return devnode_fail(
			dn, "file", err, errlen,
			"no physical virtio-blk device %d for \"%s\" (%s): the launcher attaches one per "
			"disk file",
			idx, file, hv_strerror(rc));
	b->read_only = ro || b->info.read_only;
	b->start = 0;
	if (part) {
		rc = find_partition(b, part, dn, err, errlen);
		if (rc)
			return rc;
	}
	b->reqs = page_alloc((BLK_QUEUE * sizeof(struct blk_req) + PAGE_SIZE - 1) / PAGE_SIZE);
	if (!b->reqs)
		return devnode_fail(dn, NULL, err, errlen, "out of memory");
	hv_snprintf(b->id, sizeof(b->id), "%s", dn->name);
	struct virtio_backend *be = &blk_backends[nr_devs];
	*be = (struct virtio_backend){
		.name = "virtio-blk",
		.device_id = VIRTIO_ID_BLOCK,
		.features = 1ULL << VIRTIO_BLK_F_SEG_MAX | 1ULL << VIRTIO_BLK_F_BLK_SIZE |
			1ULL << VIRTIO_BLK_F_FLUSH | (b->read_only ? 1ULL << VIRTIO_BLK_F_RO : 0),
		.num_queues = 1,
		.config_size = 24,
		.config_read = blk_config_read,
		.notify = blk_notify,
		.notified = blk_notified,
		.reset = blk_reset,
	};
	slot = virtio_slot_attach(vm, &b->vd, be, b);
	if (slot < 0)
		return devnode_fail(dn, NULL, err, errlen,
				    slot == -HV_ENOENT
					    ? "virtio-blk needs \"virtio-mmio\" in the VM's devices (%s)"
					    : "no free virtio-mmio slot (%s)",
				    hv_strerror(slot));
	nr_devs++;
	d->state = b;
	return HV_OK;
}

static void blk_vdev_reset(struct vdev *d)
{
	struct blkdev *b = d->state;

	virtio_dev_reset_locked(&b->vd);
}

static const struct vdev_type blk_type = {
	.name = "virtio-blk",
	.create = blk_create,
	.reset = blk_vdev_reset,
	.multi_instance = true,
};
VDEV_REGISTER(blk_type);
