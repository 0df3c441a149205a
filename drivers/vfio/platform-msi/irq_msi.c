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
 * Each vector is a struct vpm_irq_line (irq_line.c): disabled while it has
 * no trigger, and while masked by the user (MASK) or a mask virqfd. A
 * vector can be masked before its handler is installed; the mask is then
 * counted in the disable depth when it is.
 *
 * dev-msi marks the vectors IRQ_DISABLE_UNLAZY, so a disabled vector is
 * masked at once, at the device when the plug-in masks at the source, else
 * at the interrupt controller; an event arriving meanwhile is held by the
 * hardware and delivered once when the vector is enabled again.
 *
 * Order on close (and there is no other way to free the block): stop the
 * event sources (virqfds, disable every vector and release its eventfd:
 * quiesce), reset the device so it stops sending (core), free the
 * handlers, free the block (close). The device never writes to a message
 * that is no longer valid. Freeing the handlers writes nothing to the
 * device (dev-msi does not forward the all-zero message of a deactivated
 * vector), so after close the device is as the reset left it.
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
 * @line: the vector's line; line.igate is the index lock, line.virq valid
 *	while the block is allocated (index lock)
 * @name: the handler's name (index lock)
 */
struct vpm_msi_vec {
	struct vpm_msi *msi;
	unsigned int vector;
	struct vpm_irq_line line;
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
 */
struct vpm_msi {
	struct vpm_irq_index idx;
	struct vfio_platform_msi_msi_ops ops;
	unsigned int nvec_cfg;
	bool hidden;
	bool opened;
	struct dev_msi *dm;
	struct vpm_msi_vec *vecs;
};

static struct vpm_msi *to_msi(struct vpm_irq_index *idx)
{
	return container_of(idx, struct vpm_msi, idx);
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
		msi->vecs[i].line.virq = dev_msi_virq(dm, i);
	msi->dm = dm;
	return 0;
}

/* Install a vector's handler, disabled, the first time it is enabled. */
static int vpm_msi_request(struct vpm_msi_vec *v)
{
	struct vpm_msi *msi = v->msi;
	int ret;

	lockdep_assert_held(&msi->idx.lock);
	if (v->line.requested)
		return 0;

	v->name = kasprintf(GFP_KERNEL_ACCOUNT, "vfio-msi[%u](%s)", v->vector,
			    dev_name(&msi->idx.vdev->pdev->dev));
	if (!v->name)
		return -ENOMEM;
	ret = dev_msi_request_irq(msi->dm, v->vector, vpm_irq_line_handler,
				  IRQF_NO_AUTOEN, v->name, &v->line);
	if (ret) {
		kfree(v->name);
		v->name = NULL;
		return ret;
	}

	vpm_irq_line_requested(&v->line);
	return 0;
}

/*
 * Give the device a vector's message, and its mask state at the device,
 * again: it may have forgotten them in a reset the kernel did not see
 * (userspace can reset a device through its registers). vfio-pci does the
 * same on every enable. Index lock held; the vector's handler is installed.
 */
static void vpm_msi_reprogram(struct vpm_msi *msi, struct vpm_msi_vec *v)
{
	const struct vfio_platform_msi_dev_info *info = &msi->idx.vdev->info;
	unsigned long flags;

	lockdep_assert_held(&msi->idx.lock);
	if (!vpm_msi_programmed(msi) || dev_msi_rewrite_msg(msi->dm, v->vector))
		return;
	if (!vpm_msi_masks_at_device(msi))
		return;
	spin_lock_irqsave(&v->line.lock, flags);
	if (v->line.trigger && !v->line.masked)
		msi->ops.unmask(info, v->vector);
	else
		msi->ops.mask(info, v->vector);
	spin_unlock_irqrestore(&v->line.lock, flags);
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
		if (ctx[i])
			vpm_msi_reprogram(msi, &msi->vecs[start + i]);
		vpm_irq_line_set_trigger(&msi->vecs[start + i].line, ctx[i]);
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
		vpm_irq_line_set_trigger(&msi->vecs[i].line, NULL);
}

/* Check every fd of a MASK/UNMASK request before anything changes */
static int vpm_msi_check_virqfds(struct vpm_msi *msi, bool mask,
				 unsigned int start, unsigned int count,
				 const s32 *fds)
{
	struct eventfd_ctx *ctx;
	unsigned int i;

	lockdep_assert_held(&msi->idx.lock);
	for (i = 0; i < count; i++) {
		if (fds[i] < 0)
			continue;
		if (vpm_irq_line_has_virqfd(&msi->vecs[start + i].line, mask))
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
		ret = vpm_irq_line_set_virqfd(&msi->vecs[start + i].line, mask,
					      fds[i]);
		if (ret)
			goto err_disarm;
	}
	for (i = 0; i < count; i++)
		if (fds[i] < 0)
			vpm_irq_line_set_virqfd(&msi->vecs[start + i].line, mask,
						fds[i]);
	return 0;

err_disarm:
	while (i--)
		if (fds[i] >= 0)
			vpm_irq_line_set_virqfd(&msi->vecs[start + i].line,
						mask, -1);
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
		struct vpm_irq_line *line = &msi->vecs[start + i].line;

		if ((flags & VFIO_IRQ_SET_DATA_BOOL) && !((u8 *)data)[i])
			continue;
		if (mask)
			vpm_irq_line_mask(line);
		else
			vpm_irq_line_unmask(line);
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
		if ((flags & VFIO_IRQ_SET_DATA_BOOL) && !((u8 *)data)[i])
			continue;
		vpm_irq_line_signal(&msi->vecs[start + i].line);
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
		vpm_irq_line_init(&msi->vecs[i].line, &idx->lock, -ENOENT);
	}
	return 0;
}

/* Stop every source of events. Cannot fail. */
static void vpm_msi_quiesce(struct vpm_irq_index *idx)
{
	struct vpm_msi *msi = to_msi(idx);
	bool flush = false;
	unsigned int i;

	lockdep_assert_held(&idx->lock);
	if (!msi->vecs)
		return;
	/*
	 * Each virqfd removed flushes the virqfd workqueue: those of virqfds
	 * that shut themselves down are waited for by one flush for all the
	 * vectors, not two per vector (4096 on a 2048-vector device).
	 */
	for (i = 0; i < idx->count; i++)
		if (vpm_irq_line_stop_virqfds(&msi->vecs[i].line))
			flush = true;
	if (flush)
		vpm_irq_line_flush_virqfds();
	vpm_msi_disable_all(msi);
}

/* After the device was reset: free handlers, then the block. */
static void vpm_msi_close(struct vpm_irq_index *idx)
{
	struct vpm_msi *msi = to_msi(idx);
	unsigned int i;

	lockdep_assert_held(&idx->lock);
	msi->opened = false;
	if (!msi->vecs)
		return;
	for (i = 0; i < idx->count; i++)
		vpm_irq_line_free(&msi->vecs[i].line);
	dev_msi_free(msi->dm);
	msi->dm = NULL;
	for (i = 0; i < idx->count; i++)
		kfree(msi->vecs[i].name);
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
	unsigned int i;

	lockdep_assert_held(&idx->lock);
	if (!msi->dm || !vpm_msi_programmed(msi))
		return;
	for (i = 0; i < idx->count; i++)
		if (msi->vecs[i].line.requested)
			vpm_msi_reprogram(msi, &msi->vecs[i]);
}

static void vpm_msi_debug_show(struct vpm_irq_index *idx, struct seq_file *m)
{
	struct vpm_msi *msi = to_msi(idx);
	unsigned int i, handlers = 0, triggers = 0, virqfds = 0, masked = 0;
	struct vpm_irq_line *line;

	lockdep_assert_held(&idx->lock);
	for (i = 0; msi->vecs && i < idx->count; i++) {
		line = &msi->vecs[i].line;
		handlers += line->requested;
		triggers += !!line->trigger;
		virqfds += !!line->mask_fd + !!line->unmask_fd;
		masked += READ_ONCE(line->masked);
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
