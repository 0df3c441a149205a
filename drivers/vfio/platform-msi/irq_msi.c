// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-msi: the MSI index.
 *
 * When the device has MSIs, the index after the wired lines is its block
 * of vectors: count = number of vectors, one sub-index per vector,
 * EVENTFD | MASKABLE, no NORESIZE.
 *
 * The block is allocated once, through dev-msi, on the first SET_IRQS on
 * the index, and kept until close_device: the vectors' messages never
 * change while the device is open. A vector's handler is requested, with
 * IRQF_NO_AUTOEN, the first time the vector is enabled and then stays
 * installed until close_device, like the wired lines' handlers; enabling
 * and disabling a vector afterwards only moves its irq's disable depth, so
 * vectors come and go without disturbing the others.
 *
 * Two independent reasons keep a vector's irq disabled, each counted at
 * most once in its disable depth:
 *
 *  - no trigger: the vector is disabled while @trigger is NULL. The trigger
 *    only changes with the index lock held and the irq disabled
 *    synchronously (disable_irq() waits for a running handler), so neither
 *    the handler nor a loopback trigger (under the index lock) sees it
 *    change under its feet.
 *  - masked: by the user (MASK) or a mask virqfd; @masked, under the
 *    block's spinlock, keeps mask and unmask idempotent.
 *
 * dev-msi marks the vectors IRQ_DISABLE_UNLAZY, so a disabled vector is
 * masked at once, at the device when the plug-in masks at the source, else
 * at the interrupt controller; an event arriving meanwhile is held by the
 * hardware and delivered once when the vector is enabled again.
 *
 * Order on close (and there is no other way to free the block): stop the
 * event sources (virqfds, disable every vector: quiesce), reset the device
 * so it stops sending (core), free the handlers, free the block, release
 * the eventfds (close). The device never writes to a message that is no
 * longer valid. Freeing the handlers writes nothing to the device (dev-msi
 * does not forward the all-zero message of a deactivated vector), so after
 * close the device is as the reset left it.
 */

#include <linux/dev_msi.h>
#include <linux/eventfd.h>
#include <linux/interrupt.h>
#include <linux/irq.h>
#include <linux/lockdep.h>
#include <linux/msi.h>
#include <linux/of.h>
#include <linux/platform_device.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/vfio.h>

#include "compat.h"
#include "vfio_platform_msi.h"

/**
 * struct vpm_msi_vec - one vector
 * @msi: the block
 * @vector: its number
 * @virq: Linux irq, valid while the block is allocated (index lock)
 * @requested: the handler is installed (index lock)
 * @trigger: eventfd signalled on each interrupt; see the file comment
 * @mask_fd: virqfd masking the vector when signalled (index lock)
 * @unmask_fd: virqfd unmasking the vector when signalled (index lock)
 * @masked: masked by the user (vpm_msi::lock)
 * @name: the handler's name (index lock)
 */
struct vpm_msi_vec {
	struct vpm_msi *msi;
	unsigned int vector;
	int virq;
	bool requested;
	struct eventfd_ctx *trigger;
	struct virqfd *mask_fd;
	struct virqfd *unmask_fd;
	bool masked;
	char *name;
};

/**
 * struct vpm_msi - the MSI index
 * @idx: the VFIO IRQ index; idx.lock is the index lock, and idx.count the
 *	number of vectors, set at open and cleared at close (0: no MSI index)
 * @ops: the plug-in's MSI operations, from open to close (index lock)
 * @nvec_cfg: number of vectors in generic mode (msi_vectors attribute)
 *	(index lock)
 * @hidden: the msi_index attribute is 0: no MSI index, for VMMs that
 *	refuse an index whose count is not 1 (index lock)
 * @opened: the device is open (index lock)
 * @dm: the allocated block, or NULL (index lock)
 * @vecs: per-vector state, idx.count entries, from open to close (index lock)
 * @lock: protects every vector's @masked and the irq disable depth it
 *	stands for. Taken in process context and in virqfd callbacks (atomic,
 *	eventfd wakeup), always with interrupts disabled; never in the hard
 *	irq handler; nothing that sleeps is called under it.
 */
struct vpm_msi {
	struct vpm_irq_index idx;
	struct vfio_platform_msi_msi_ops ops;
	unsigned int nvec_cfg;
	bool hidden;
	bool opened;
	struct dev_msi *dm;
	struct vpm_msi_vec *vecs;
	spinlock_t lock;	/* protects vecs[].masked; irqsave */
};

static struct vpm_msi *to_msi(struct vpm_irq_index *idx)
{
	return container_of(idx, struct vpm_msi, idx);
}

/* Any context. The vector's irq is requested. */
static void vpm_msi_mask(struct vpm_msi_vec *v)
{
	struct vpm_msi *msi = v->msi;
	unsigned long flags;

	spin_lock_irqsave(&msi->lock, flags);
	if (!v->masked) {
		v->masked = true;
		if (v->requested)
			disable_irq_nosync(v->virq);
	}
	spin_unlock_irqrestore(&msi->lock, flags);
}

/* Any context: enable_irq() does not sleep for MSIs. */
static void vpm_msi_unmask(struct vpm_msi_vec *v)
{
	struct vpm_msi *msi = v->msi;
	unsigned long flags;

	spin_lock_irqsave(&msi->lock, flags);
	if (v->masked) {
		v->masked = false;
		if (v->requested)
			enable_irq(v->virq);
	}
	spin_unlock_irqrestore(&msi->lock, flags);
}

static irqreturn_t vpm_msi_handler(int irq, void *arg)
{
	struct vpm_msi_vec *v = arg;
	struct eventfd_ctx *trigger = READ_ONCE(v->trigger);

	if (trigger)
		vpm_eventfd_signal(trigger);
	return IRQ_HANDLED;
}

/* The plug-in's callbacks, as dev-msi calls them (atomic context). */
static void vpm_msi_write_msg(void *data, unsigned int vector,
			      const struct msi_msg *msg)
{
	struct vpm_msi *msi = data;

	msi->ops.write_msg(&msi->idx.vdev->info, vector, msg);
}

static void vpm_msi_plugin_mask(void *data, unsigned int vector)
{
	struct vpm_msi *msi = data;

	msi->ops.mask(&msi->idx.vdev->info, vector);
}

static void vpm_msi_plugin_unmask(void *data, unsigned int vector)
{
	struct vpm_msi *msi = data;

	msi->ops.unmask(&msi->idx.vdev->info, vector);
}

static const struct dev_msi_ops vpm_msi_ops_full = {
	.write_msg	= vpm_msi_write_msg,
	.mask		= vpm_msi_plugin_mask,
	.unmask		= vpm_msi_plugin_unmask,
};

static const struct dev_msi_ops vpm_msi_ops_write = {
	.write_msg	= vpm_msi_write_msg,
};

/* The kernel programs the messages into the device. */
static bool vpm_msi_programmed(struct vpm_msi *msi)
{
	return msi->ops.nvec && msi->ops.write_msg;
}

static bool vpm_msi_masks_at_device(struct vpm_msi *msi)
{
	return vpm_msi_programmed(msi) && msi->ops.mask && msi->ops.unmask;
}

/* Allocate the block on first use. Index lock held. */
static int vpm_msi_alloc_block(struct vpm_msi *msi)
{
	struct vpm_device *vdev = msi->idx.vdev;
	const struct dev_msi_ops *ops = NULL;
	struct dev_msi *dm;
	unsigned int i;

	lockdep_assert_held(&msi->idx.lock);
	if (msi->dm)
		return 0;

	if (vpm_msi_masks_at_device(msi))
		ops = &vpm_msi_ops_full;
	else if (vpm_msi_programmed(msi))
		ops = &vpm_msi_ops_write;

	dm = dev_msi_alloc(&vdev->pdev->dev, msi->idx.count, ops, msi);
	if (IS_ERR(dm))
		return PTR_ERR(dm);
	for (i = 0; i < msi->idx.count; i++)
		msi->vecs[i].virq = dev_msi_virq(dm, i);
	msi->dm = dm;
	return 0;
}

/* Install a vector's handler, disabled, the first time it is enabled. */
static int vpm_msi_request(struct vpm_msi_vec *v)
{
	struct vpm_msi *msi = v->msi;
	unsigned long flags;
	int ret;

	lockdep_assert_held(&msi->idx.lock);
	if (v->requested)
		return 0;

	v->name = kasprintf(GFP_KERNEL_ACCOUNT, "vfio-msi[%u](%s)", v->vector,
			    dev_name(&msi->idx.vdev->pdev->dev));
	if (!v->name)
		return -ENOMEM;
	ret = dev_msi_request_irq(msi->dm, v->vector, vpm_msi_handler,
				  IRQF_NO_AUTOEN, v->name, v);
	if (ret) {
		kfree(v->name);
		v->name = NULL;
		return ret;
	}

	/* One disable for "no trigger" is in the depth already (NO_AUTOEN). */
	spin_lock_irqsave(&msi->lock, flags);
	v->requested = true;
	if (v->masked)
		disable_irq_nosync(v->virq);
	spin_unlock_irqrestore(&msi->lock, flags);
	return 0;
}

/*
 * Point vector @v at @trigger (NULL: disable it). Takes the reference.
 * Index lock held; the vector's handler is installed when @trigger is set.
 */
static void vpm_msi_set_trigger(struct vpm_msi_vec *v,
				struct eventfd_ctx *trigger)
{
	struct eventfd_ctx *old = v->trigger;

	lockdep_assert_held(&v->msi->idx.lock);
	if (old == trigger) {
		if (trigger)
			eventfd_ctx_put(trigger);
		return;
	}
	/* Waits for a running handler: nobody reads @old after this. */
	if (old)
		disable_irq(v->virq);
	WRITE_ONCE(v->trigger, trigger);
	if (trigger)
		enable_irq(v->virq);
	if (old)
		eventfd_ctx_put(old);
}

static int vpm_msi_set_trigger_eventfd(struct vpm_msi *msi, unsigned int start,
				       unsigned int count, const s32 *fds)
{
	struct eventfd_ctx **ctx;
	unsigned int i;
	int ret;

	lockdep_assert_held(&msi->idx.lock);
	/* No vector named: nothing to do, and no block to allocate for it */
	if (!count)
		return 0;
	ctx = kcalloc(count, sizeof(*ctx), GFP_KERNEL_ACCOUNT);
	if (!ctx)
		return -ENOMEM;

	/* Take every eventfd first: a bad fd changes nothing. */
	for (i = 0; i < count; i++) {
		if (fds[i] < 0)
			continue;
		ctx[i] = eventfd_ctx_fdget(fds[i]);
		if (IS_ERR(ctx[i])) {
			ret = PTR_ERR(ctx[i]);
			ctx[i] = NULL;
			goto err_put;
		}
	}

	ret = vpm_msi_alloc_block(msi);
	if (ret)
		goto err_put;
	for (i = 0; i < count; i++) {
		if (!ctx[i])
			continue;
		ret = vpm_msi_request(&msi->vecs[start + i]);
		if (ret)
			goto err_put;
	}

	for (i = 0; i < count; i++) {
		vpm_msi_set_trigger(&msi->vecs[start + i], ctx[i]);
		ctx[i] = NULL;
	}
	kfree(ctx);
	return 0;

err_put:
	for (i = 0; i < count; i++)
		if (ctx[i])
			eventfd_ctx_put(ctx[i]);
	kfree(ctx);
	return ret;
}

static void vpm_msi_disable_all(struct vpm_msi *msi)
{
	unsigned int i;

	lockdep_assert_held(&msi->idx.lock);
	for (i = 0; i < msi->idx.count; i++)
		if (msi->vecs[i].trigger)
			vpm_msi_set_trigger(&msi->vecs[i], NULL);
}

static int vpm_msi_mask_handler(void *opaque, void *unused)
{
	vpm_msi_mask(opaque);
	return 0;
}

static int vpm_msi_unmask_handler(void *opaque, void *unused)
{
	vpm_msi_unmask(opaque);
	return 0;
}

static int vpm_msi_set_virqfd(struct vpm_msi_vec *v, bool mask, s32 fd)
{
	struct virqfd **pvirqfd = mask ? &v->mask_fd : &v->unmask_fd;

	lockdep_assert_held(&v->msi->idx.lock);
	if (fd < 0) {
		vfio_virqfd_disable(pvirqfd);
		return 0;
	}
	return vfio_virqfd_enable(v, mask ? vpm_msi_mask_handler :
					 vpm_msi_unmask_handler,
				  NULL, NULL, pvirqfd, fd);
}

/* Check every fd of a MASK/UNMASK request before anything changes */
static int vpm_msi_check_virqfds(struct vpm_msi *msi, bool mask,
				 unsigned int start, unsigned int count,
				 const s32 *fds)
{
	struct eventfd_ctx *ctx;
	struct vpm_msi_vec *v;
	unsigned int i;

	lockdep_assert_held(&msi->idx.lock);
	for (i = 0; i < count; i++) {
		v = &msi->vecs[start + i];
		if (fds[i] < 0)
			continue;
		if (mask ? v->mask_fd : v->unmask_fd)
			return -EBUSY;
		ctx = eventfd_ctx_fdget(fds[i]);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
		eventfd_ctx_put(ctx);
	}
	return 0;
}

/*
 * MASK/UNMASK with eventfds: check every fd, arm the new virqfds, then
 * remove those asked for removal. Arming can still fail after the check
 * (another thread closed the fd meanwhile, or no memory): the virqfds this
 * request armed are then removed again and nothing of the request stays,
 * but a mask or unmask that an armed eventfd already signalled is not
 * undone.
 */
static int vpm_msi_set_virqfds(struct vpm_msi *msi, bool mask,
			       unsigned int start, unsigned int count,
			       const s32 *fds)
{
	unsigned int i;
	int ret;

	lockdep_assert_held(&msi->idx.lock);
	ret = vpm_msi_check_virqfds(msi, mask, start, count, fds);
	if (ret)
		return ret;
	for (i = 0; i < count; i++) {
		if (fds[i] < 0)
			continue;
		ret = vpm_msi_set_virqfd(&msi->vecs[start + i], mask, fds[i]);
		if (ret)
			goto err_disarm;
	}
	for (i = 0; i < count; i++)
		if (fds[i] < 0)
			vpm_msi_set_virqfd(&msi->vecs[start + i], mask, fds[i]);
	return 0;

err_disarm:
	while (i--)
		if (fds[i] >= 0)
			vpm_msi_set_virqfd(&msi->vecs[start + i], mask, -1);
	return ret;
}

static int vpm_msi_set_mask(struct vpm_msi *msi, bool mask, u32 flags,
			    unsigned int start, unsigned int count, void *data)
{
	unsigned int i;

	lockdep_assert_held(&msi->idx.lock);
	if (flags & VFIO_IRQ_SET_DATA_EVENTFD)
		return vpm_msi_set_virqfds(msi, mask, start, count, data);
	for (i = 0; i < count; i++) {
		struct vpm_msi_vec *v = &msi->vecs[start + i];

		if ((flags & VFIO_IRQ_SET_DATA_BOOL) && !((u8 *)data)[i])
			continue;
		if (mask)
			vpm_msi_mask(v);
		else
			vpm_msi_unmask(v);
	}
	return 0;
}

static int vpm_msi_set_irqs(struct vpm_irq_index *idx, u32 flags,
			    unsigned int start, unsigned int count, void *data)
{
	struct vpm_msi *msi = to_msi(idx);
	u32 action = flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	unsigned int i;

	lockdep_assert_held(&idx->lock);

	switch (action) {
	case VFIO_IRQ_SET_ACTION_MASK:
	case VFIO_IRQ_SET_ACTION_UNMASK:
		return vpm_msi_set_mask(msi, action == VFIO_IRQ_SET_ACTION_MASK,
					flags, start, count, data);
	case VFIO_IRQ_SET_ACTION_TRIGGER:
		break;
	default:
		return -EINVAL;
	}

	if (flags & VFIO_IRQ_SET_DATA_EVENTFD)
		return vpm_msi_set_trigger_eventfd(msi, start, count, data);

	if ((flags & VFIO_IRQ_SET_DATA_NONE) && !count) {
		vpm_msi_disable_all(msi);
		return 0;
	}

	/* Loopback: signal the vectors that have an eventfd. */
	for (i = 0; i < count; i++) {
		struct vpm_msi_vec *v = &msi->vecs[start + i];

		if ((flags & VFIO_IRQ_SET_DATA_BOOL) && !((u8 *)data)[i])
			continue;
		if (v->trigger)
			vpm_eventfd_signal(v->trigger);
	}
	return 0;
}

static int vpm_msi_add_msgs(struct vpm_msi *msi, struct vfio_info_cap *caps)
{
	struct vfio_irq_info_cap_msi_msgs *cap;
	struct vfio_info_cap_header *header;
	struct msi_msg msg;
	unsigned int i;

	lockdep_assert_held(&msi->idx.lock);
	header = vfio_info_cap_add(caps, struct_size(cap, msgs, msi->idx.count),
				   VFIO_IRQ_INFO_CAP_MSI_MSGS,
				   VFIO_IRQ_INFO_CAP_MSI_MSGS_VERSION);
	if (IS_ERR(header))
		return PTR_ERR(header);
	cap = container_of(header, struct vfio_irq_info_cap_msi_msgs, header);
	cap->flags = vpm_msi_programmed(msi) ? VFIO_IRQ_MSI_MSGS_PROGRAMMED : 0;
	cap->generation = 0;
	cap->nr = msi->idx.count;
	cap->pad = 0;
	for (i = 0; i < msi->idx.count; i++) {
		memset(&cap->msgs[i], 0, sizeof(cap->msgs[i]));
		if (!msi->dm || dev_msi_get_msg(msi->dm, i, &msg))
			continue;
		cap->msgs[i].address = ((u64)msg.address_hi << 32) |
				       msg.address_lo;
		cap->msgs[i].data = msg.data;
		cap->msgs[i].flags = VFIO_IRQ_MSI_MSG_VALID;
	}
	return 0;
}

static int vpm_msi_get_info(struct vpm_irq_index *idx,
			    struct vfio_irq_info *info,
			    struct vfio_info_cap *caps)
{
	struct vpm_msi *msi = to_msi(idx);
	int ret;

	info->flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE;
	info->count = idx->count;
	if (!caps)
		return 0;

	ret = vpm_irq_add_type_cap(caps, VFIO_IRQ_TYPE_MSI,
				   VFIO_IRQ_TRIGGER_EDGE,
				   vpm_msi_masks_at_device(msi) ?
					VFIO_IRQ_MASK_DEVICE :
					VFIO_IRQ_MASK_IRQCHIP,
				   VFIO_IRQ_CAP_TYPE_REPLAY |
				   VFIO_IRQ_CAP_TYPE_DYNAMIC);
	if (ret)
		return ret;

	mutex_lock(&idx->lock);
	ret = vpm_msi_add_msgs(msi, caps);
	mutex_unlock(&idx->lock);
	return ret;
}

/*
 * At open, after the reset: learn from the plug-in how the device's MSIs
 * are driven, and how many there are.
 */
static int vpm_msi_open(struct vpm_irq_index *idx)
{
	struct vpm_msi *msi = to_msi(idx);
	struct vpm_device *vdev = idx->vdev;
	unsigned int i, nvec;
	int ret;

	lockdep_assert_held(&idx->lock);
	memset(&msi->ops, 0, sizeof(msi->ops));
	if (vdev->plugin && vdev->plugin->msi_init) {
		mutex_lock(&vdev->reset_lock);
		ret = vdev->plugin->msi_init(&vdev->info, &msi->ops);
		mutex_unlock(&vdev->reset_lock);
		if (ret)
			return ret;
		if (msi->ops.nvec && (!msi->ops.write_msg ||
				      !msi->ops.mask != !msi->ops.unmask)) {
			dev_err(&vdev->pdev->dev,
				"plug-in %s: incomplete MSI operations\n",
				vdev->plugin_compat);
			return -EINVAL;
		}
	}
	nvec = msi->ops.nvec ? msi->ops.nvec : msi->nvec_cfg;
	nvec = msi->hidden ? 0 : min(nvec, DEV_MSI_MAX_VECTORS);

	msi->opened = true;
	if (!nvec)
		return 0;
	msi->vecs = kvcalloc(nvec, sizeof(*msi->vecs), GFP_KERNEL_ACCOUNT);
	if (!msi->vecs) {
		msi->opened = false;
		return -ENOMEM;
	}
	idx->count = nvec;
	for (i = 0; i < idx->count; i++) {
		msi->vecs[i].msi = msi;
		msi->vecs[i].vector = i;
		msi->vecs[i].virq = -ENOENT;
	}
	return 0;
}

/* Stop every source of events. Cannot fail. */
static void vpm_msi_quiesce(struct vpm_irq_index *idx)
{
	struct vpm_msi *msi = to_msi(idx);
	struct virqfd *none = NULL;
	struct vpm_msi_vec *v;
	unsigned int i;

	lockdep_assert_held(&idx->lock);
	if (!msi->vecs)
		return;
	/*
	 * vfio_virqfd_disable() flushes the virqfd workqueue each time: call
	 * it for the virqfds there are, not twice per vector (4096 flushes
	 * on a 2048-vector device). A virqfd whose eventfd was closed cleared
	 * its pointer itself and queued its shutdown; the last call, on no
	 * virqfd, waits for such shutdowns too.
	 */
	for (i = 0; i < idx->count; i++) {
		v = &msi->vecs[i];
		if (READ_ONCE(v->mask_fd))
			vfio_virqfd_disable(&v->mask_fd);
		if (READ_ONCE(v->unmask_fd))
			vfio_virqfd_disable(&v->unmask_fd);
	}
	vfio_virqfd_disable(&none);
	for (i = 0; i < idx->count; i++)
		if (msi->vecs[i].trigger)
			disable_irq(msi->vecs[i].virq);
}

/* After the device was reset: free handlers, block, then eventfds. */
static void vpm_msi_close(struct vpm_irq_index *idx)
{
	struct vpm_msi *msi = to_msi(idx);
	struct vpm_msi_vec *v;
	unsigned int i;

	lockdep_assert_held(&idx->lock);
	msi->opened = false;
	if (!msi->vecs)
		return;
	for (i = 0; i < idx->count; i++) {
		v = &msi->vecs[i];
		if (v->requested)
			free_irq(v->virq, v);
		v->requested = false;
	}
	dev_msi_free(msi->dm);
	msi->dm = NULL;
	for (i = 0; i < idx->count; i++) {
		v = &msi->vecs[i];
		if (v->trigger)
			eventfd_ctx_put(v->trigger);
		kfree(v->name);
	}
	kvfree(msi->vecs);
	msi->vecs = NULL;
	idx->count = 0;
}

/*
 * The device was reset while open (VFIO_DEVICE_RESET): it forgot the
 * messages and masks the plug-in gave it. Give them again. Index lock held.
 */
static void vpm_msi_reset_done(struct vpm_irq_index *idx)
{
	struct vpm_msi *msi = to_msi(idx);
	struct vpm_device *vdev = idx->vdev;
	struct vpm_msi_vec *v;
	struct msi_msg msg;
	unsigned long flags;
	unsigned int i;

	lockdep_assert_held(&idx->lock);
	if (!msi->dm || !vpm_msi_programmed(msi))
		return;
	for (i = 0; i < idx->count; i++) {
		v = &msi->vecs[i];
		if (!v->requested || dev_msi_get_msg(msi->dm, i, &msg))
			continue;
		msi->ops.write_msg(&vdev->info, i, &msg);
		if (!vpm_msi_masks_at_device(msi))
			continue;
		spin_lock_irqsave(&msi->lock, flags);
		if (v->trigger && !v->masked)
			msi->ops.unmask(&vdev->info, i);
		else
			msi->ops.mask(&vdev->info, i);
		spin_unlock_irqrestore(&msi->lock, flags);
	}
}

static void vpm_msi_debug_show(struct vpm_irq_index *idx, struct seq_file *m)
{
	struct vpm_msi *msi = to_msi(idx);
	unsigned int i, handlers = 0, triggers = 0, virqfds = 0, masked = 0;
	struct vpm_msi_vec *v;

	lockdep_assert_held(&idx->lock);
	for (i = 0; msi->vecs && i < idx->count; i++) {
		v = &msi->vecs[i];
		handlers += v->requested;
		triggers += !!v->trigger;
		virqfds += !!v->mask_fd + !!v->unmask_fd;
		masked += READ_ONCE(v->masked);
	}
	seq_printf(m, " msi block %d handlers %u triggers %u virqfds %u masked %u",
		   !!msi->dm, handlers, triggers, virqfds, masked);
}

static void vpm_msi_release(struct vpm_irq_index *idx)
{
	struct vpm_msi *msi = to_msi(idx);

	vpm_irq_index_destroy(idx);
	kfree(msi);
}

static const struct vpm_irq_ops vpm_msi_irq_ops = {
	.get_info	= vpm_msi_get_info,
	.set_irqs	= vpm_msi_set_irqs,
	.open		= vpm_msi_open,
	.quiesce	= vpm_msi_quiesce,
	.close		= vpm_msi_close,
	.reset_done	= vpm_msi_reset_done,
	.debug_show	= vpm_msi_debug_show,
	.release	= vpm_msi_release,
};

/**
 * vpm_msi_create - the MSI index of a device, if it can have one
 * @vdev: the device
 * @index: the index number (the number of wired lines)
 *
 * Return: the index, NULL when the device's topology gives it no MSI
 * parent, or an ERR_PTR.
 */
struct vpm_irq_index *vpm_msi_create(struct vpm_device *vdev,
				     unsigned int index)
{
	struct vpm_msi *msi;

	if (!dev_msi_capable(&vdev->pdev->dev))
		return NULL;
	msi = kzalloc(sizeof(*msi), GFP_KERNEL);
	if (!msi)
		return ERR_PTR(-ENOMEM);
	device_property_read_u32(&vdev->pdev->dev,
				 "vfio-platform-msi,num-vectors", &msi->nvec_cfg);
	msi->nvec_cfg = min(msi->nvec_cfg, DEV_MSI_MAX_VECTORS);
	spin_lock_init(&msi->lock);
	vpm_irq_index_init(&msi->idx, vdev, &vpm_msi_irq_ops, index, 0);
	return &msi->idx;
}

/* The MSI index of the device behind a sysfs attribute, or NULL */
static struct vpm_msi *vpm_msi_of_dev(struct device *dev)
{
	struct vpm_device *vdev = dev_get_drvdata(dev);

	return vdev && vdev->msi_idx ? to_msi(vdev->msi_idx) : NULL;
}

/*
 * msi_vectors: the number of vectors in generic mode (no plug-in MSI
 * operations). Writable while the device is not open.
 */
static ssize_t msi_vectors_show(struct device *dev,
				struct device_attribute *attr, char *buf)
{
	struct vpm_msi *msi = vpm_msi_of_dev(dev);
	unsigned int n;

	if (!msi)
		return -ENODEV;
	mutex_lock(&msi->idx.lock);
	n = msi->nvec_cfg;
	mutex_unlock(&msi->idx.lock);
	return sysfs_emit(buf, "%u\n", n);
}

static ssize_t msi_vectors_store(struct device *dev,
				 struct device_attribute *attr,
				 const char *buf, size_t count)
{
	struct vpm_msi *msi = vpm_msi_of_dev(dev);
	unsigned int n;
	int ret;

	if (!msi)
		return -ENODEV;
	ret = kstrtouint(buf, 0, &n);
	if (ret)
		return ret;
	if (n > DEV_MSI_MAX_VECTORS)
		return -EINVAL;
	mutex_lock(&msi->idx.lock);
	if (msi->opened)
		ret = -EBUSY;
	else
		msi->nvec_cfg = n;
	mutex_unlock(&msi->idx.lock);
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(msi_vectors);

/*
 * msi_index: 1 (the default) shows the MSI index to userspace, 0 hides it
 * (crosvm refuses a device with an index whose count is not 1). Writable
 * while the device is not open.
 */
static ssize_t msi_index_show(struct device *dev,
			      struct device_attribute *attr, char *buf)
{
	struct vpm_msi *msi = vpm_msi_of_dev(dev);
	bool shown;

	if (!msi)
		return -ENODEV;
	mutex_lock(&msi->idx.lock);
	shown = !msi->hidden;
	mutex_unlock(&msi->idx.lock);
	return sysfs_emit(buf, "%d\n", shown);
}

static ssize_t msi_index_store(struct device *dev,
			       struct device_attribute *attr,
			       const char *buf, size_t count)
{
	struct vpm_msi *msi = vpm_msi_of_dev(dev);
	bool shown;
	int ret;

	if (!msi)
		return -ENODEV;
	ret = kstrtobool(buf, &shown);
	if (ret)
		return ret;
	mutex_lock(&msi->idx.lock);
	if (msi->opened)
		ret = -EBUSY;
	else
		msi->hidden = !shown;
	mutex_unlock(&msi->idx.lock);
	return ret ? ret : count;
}
static DEVICE_ATTR_RW(msi_index);

static struct attribute *vpm_msi_attrs[] = {
	&dev_attr_msi_vectors.attr,
	&dev_attr_msi_index.attr,
	NULL
};

static umode_t vpm_msi_attr_visible(struct kobject *kobj,
				    struct attribute *attr, int n)
{
	struct vpm_device *vdev = dev_get_drvdata(kobj_to_dev(kobj));

	return vdev && vdev->msi_idx ? attr->mode : 0;
}

static const struct attribute_group vpm_msi_attr_group = {
	.attrs = vpm_msi_attrs,
	.is_visible = vpm_msi_attr_visible,
};

const struct attribute_group *vpm_dev_groups[] = {
	&vpm_msi_attr_group,
	NULL
};
