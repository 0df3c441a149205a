// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-msi: the MSI index.
 *
 * When the device has MSIs and its user asked for them
 * (VFIO_PLATFORM_MSI_FEATURE_MSI), the index after the wired lines is its
 * block of vectors: count = number of vectors, one sub-index per vector,
 * EVENTFD | MASKABLE, no NORESIZE. Until then, and again after close, the
 * index does not exist: the device looks like upstream vfio-platform's.
 *
 * The block is allocated, through dev-msi, when the user asks for the
 * MSIs, and kept until close_device. A vector's handler is requested, with
 * IRQF_NO_AUTOEN, the first time the vector is enabled or its message is
 * read (which activates it: it then has a message), and then stays
 * installed until close_device, like the wired lines' handlers; enabling
 * and disabling a vector afterwards only moves its irq's disable depth, so
 * vectors come and go without disturbing the others. A valid message that
 * the interrupt controller replaces bumps dev-msi's generation and
 * signals the user's notify eventfd, from a work item.
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
 * quiesce), reset the device so it stops sending (core), drop the events
 * the interrupt controller still holds for the disabled vectors
 * (vpm_irq_line_drop_held()), free the handlers, free the block (close).
 * The device never writes to a message that is no longer valid. Freeing
 * the handlers writes nothing to the device (dev-msi does not forward the
 * all-zero message of a deactivated vector), so after close the device is
 * as the reset left it; and no event of this open reaches the next one.
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
#include <linux/uaccess.h>
#include <linux/vfio.h>
#include <linux/workqueue.h>

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
 *	number of vectors, set when the user asks for the MSIs and cleared
 *	at close (0: no MSI index)
 * @ops: the plug-in's MSI operations, from open to close (index lock)
 * @opened: the device is open (index lock)
 * @used: a SET_IRQS or a message read reached the vectors: the block can
 *	no longer be given back before close (index lock)
 * @dm: the allocated block, or NULL (index lock)
 * @vecs: per-vector state, idx.count entries (index lock)
 * @notify_work: signals @notify after a message changed
 * @notify_lock: protects @notify; taken in the work, never in atomic context
 * @notify: the user's eventfd for message changes, or NULL
 */
struct vpm_msi {
	struct vpm_irq_index idx;
	struct vfio_platform_msi_msi_ops ops;
	bool opened;
	bool used;
	struct dev_msi *dm;
	struct vpm_msi_vec *vecs;
	struct work_struct notify_work;
	spinlock_t notify_lock;	/* protects @notify; process context */
	struct eventfd_ctx *notify;
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

/* Under dev-msi's raw spinlock: the eventfd is signalled from a work item */
static void vpm_msi_msg_changed(void *data, unsigned int vector)
{
	struct vpm_msi *msi = data;

	schedule_work(&msi->notify_work);
}

static void vpm_msi_notify_work_fn(struct work_struct *work)
{
	struct vpm_msi *msi = container_of(work, struct vpm_msi, notify_work);

	spin_lock(&msi->notify_lock);
	if (msi->notify)
		vpm_eventfd_signal(msi->notify);
	spin_unlock(&msi->notify_lock);
}

/* Install the user's notify eventfd (NULL: none); puts the old one */
static void vpm_msi_set_notify(struct vpm_msi *msi, struct eventfd_ctx *ctx)
{
	struct eventfd_ctx *old;

	spin_lock(&msi->notify_lock);
	old = msi->notify;
	msi->notify = ctx;
	spin_unlock(&msi->notify_lock);
	if (old)
		eventfd_ctx_put(old);
}

static const struct dev_msi_ops vpm_msi_ops_full = {
	.write_msg	= vpm_msi_write_msg,
	.mask		= vpm_msi_plugin_mask,
	.unmask		= vpm_msi_plugin_unmask,
	.msg_changed	= vpm_msi_msg_changed,
};

static const struct dev_msi_ops vpm_msi_ops_write = {
	.write_msg	= vpm_msi_write_msg,
	.msg_changed	= vpm_msi_msg_changed,
};

static const struct dev_msi_ops vpm_msi_ops_generic = {
	.msg_changed	= vpm_msi_msg_changed,
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

/* The most vectors the user may ask for: the plug-in's, else dev-msi's */
static unsigned int vpm_msi_max(struct vpm_msi *msi)
{
	if (vpm_msi_programmed(msi))
		return min(msi->ops.nvec, DEV_MSI_MAX_VECTORS);
	return DEV_MSI_MAX_VECTORS;
}

/*
 * The user asks for @nvec vectors (0: as many as the plug-in says):
 * allocate the block, and the index appears. Index lock held.
 */
static int vpm_msi_enable(struct vpm_msi *msi, unsigned int nvec)
{
	struct vpm_device *vdev = msi->idx.vdev;
	const struct dev_msi_ops *ops = &vpm_msi_ops_generic;
	struct vpm_msi_vec *vecs;
	struct dev_msi *dm;
	unsigned int i;

	lockdep_assert_held(&msi->idx.lock);
	if (!nvec && vpm_msi_programmed(msi))
		nvec = vpm_msi_max(msi);
	if (!nvec || nvec > vpm_msi_max(msi))
		return -EINVAL;
	if (msi->idx.count)
		return nvec == msi->idx.count ? 0 : -EBUSY;

	vecs = kvcalloc(nvec, sizeof(*vecs), GFP_KERNEL_ACCOUNT);
	if (!vecs)
		return -ENOMEM;
	if (vpm_msi_masks_at_device(msi))
		ops = &vpm_msi_ops_full;
	else if (vpm_msi_programmed(msi))
		ops = &vpm_msi_ops_write;
	dm = dev_msi_alloc(&vdev->pdev->dev, nvec, ops, msi);
	if (IS_ERR(dm)) {
		kvfree(vecs);
		return PTR_ERR(dm);
	}
	for (i = 0; i < nvec; i++) {
		vecs[i].msi = msi;
		vecs[i].vector = i;
		vpm_irq_line_init(&vecs[i].line, &msi->idx.lock,
				  dev_msi_virq(dm, i));
	}
	msi->vecs = vecs;
	msi->dm = dm;
	WRITE_ONCE(msi->idx.count, nvec);
	return 0;
}

/*
 * Give the block back, before any SET_IRQS or message read reached it:
 * nothing was requested, armed or handed to the device. Index lock held.
 */
static int vpm_msi_disable(struct vpm_msi *msi)
{
	lockdep_assert_held(&msi->idx.lock);
	if (!msi->idx.count)
		return 0;
	if (msi->used)
		return -EBUSY;
	dev_msi_free(msi->dm);
	msi->dm = NULL;
	kvfree(msi->vecs);
	msi->vecs = NULL;
	WRITE_ONCE(msi->idx.count, 0);
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
	/* No vector named: nothing to do */
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
	msi->used = true;

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

/*
 * The messages of vectors [@first, @first + @nr) as userspace sees them,
 * into @out, and their generation into *@gen (@nr may be 0: the
 * generation only). Index lock held.
 */
static int vpm_msi_get_user_msgs(struct vpm_msi *msi, unsigned int first,
				 unsigned int nr,
				 struct vfio_platform_msi_msg *out, u32 *gen)
{
	struct msi_msg *msgs = NULL;
	unsigned int i;
	int ret;

	lockdep_assert_held(&msi->idx.lock);
	if (nr) {
		msgs = kvmalloc_array(nr, sizeof(*msgs), GFP_KERNEL_ACCOUNT);
		if (!msgs)
			return -ENOMEM;
	}
	ret = dev_msi_get_msgs(msi->dm, first, nr, msgs, gen);
	for (i = 0; !ret && i < nr; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		if (!msgs[i].address_lo && !msgs[i].address_hi)
			continue;
		out[i].address = ((u64)msgs[i].address_hi << 32) |
				 msgs[i].address_lo;
		out[i].data = msgs[i].data;
		out[i].flags = VFIO_PLATFORM_MSI_MSG_VALID;
	}
	kvfree(msgs);
	return ret;
}

/* The MSI capability: how the vectors are driven, and their messages */
static int vpm_msi_add_cap(struct vpm_msi *msi, struct vfio_info_cap *caps)
{
	struct vfio_platform_msi_irq_info_cap_msi *cap;
	struct vfio_info_cap_header *header;
	unsigned int nr;

	lockdep_assert_held(&msi->idx.lock);
	nr = vpm_msi_programmed(msi) ? 0 : msi->idx.count;
	header = vfio_info_cap_add(caps, struct_size(cap, msgs, nr),
				   VFIO_PLATFORM_MSI_IRQ_INFO_CAP_MSI,
				   VFIO_PLATFORM_MSI_IRQ_INFO_CAP_MSI_VERSION);
	if (IS_ERR(header))
		return PTR_ERR(header);
	cap = container_of(header, struct vfio_platform_msi_irq_info_cap_msi,
			   header);
	cap->flags = VFIO_PLATFORM_MSI_CAP_REPLAY;
	if (vpm_msi_programmed(msi))
		cap->flags |= VFIO_PLATFORM_MSI_CAP_PROGRAMMED;
	if (vpm_msi_masks_at_device(msi))
		cap->flags |= VFIO_PLATFORM_MSI_CAP_MASK_DEVICE;
	if (!dev_msi_msgs_stable(&msi->idx.vdev->pdev->dev))
		cap->flags |= VFIO_PLATFORM_MSI_CAP_MAY_CHANGE;
	cap->nr = nr;
	cap->pad = 0;
	/* Only the generation when there are no messages to give */
	return vpm_msi_get_user_msgs(msi, 0, nr, cap->msgs, &cap->generation);
}

static int vpm_msi_get_info(struct vpm_irq_index *idx,
			    struct vfio_irq_info *info,
			    struct vfio_info_cap *caps)
{
	struct vpm_msi *msi = to_msi(idx);
	int ret = 0;

	lockdep_assert_held(&idx->lock);
	info->flags = VFIO_IRQ_INFO_EVENTFD | VFIO_IRQ_INFO_MASKABLE;
	info->count = idx->count;
	if (caps && idx->count)
		ret = vpm_msi_add_cap(msi, caps);
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
	msi->opened = true;
	msi->used = false;
	return 0;
}

/*
 * Drop an event the interrupt controller holds for a vector with a
 * handler: one that arrived while it was masked or, at close, after its
 * trigger was gone. The ITS forgets an LPI's pending state when the
 * vector is freed (DISCARD), the IMSIC does not: the next open, or the
 * next driver given that vector, would take it for a new one. Index lock
 * held; the vector has no trigger.
 */
static void vpm_msi_drop_held(struct vpm_msi *msi, struct vpm_msi_vec *v)
{
	int ret;

	lockdep_assert_held(&msi->idx.lock);
	if (!v->line.requested)
		return;
	ret = vpm_irq_line_drop_held(&v->line);
	if (ret)
		dev_warn_ratelimited(&msi->idx.vdev->pdev->dev,
				     "MSI vector %u: cannot drop a held event: %d\n",
				     v->vector, ret);
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

/*
 * After the device was reset: drop what the interrupt controller still
 * holds for the vectors, free handlers, then the block.
 */
static void vpm_msi_close(struct vpm_irq_index *idx)
{
	struct vpm_msi *msi = to_msi(idx);
	unsigned int i;

	lockdep_assert_held(&idx->lock);
	msi->opened = false;
	if (msi->vecs) {
		for (i = 0; i < idx->count; i++)
			vpm_msi_drop_held(msi, &msi->vecs[i]);
		for (i = 0; i < idx->count; i++)
			vpm_irq_line_free(&msi->vecs[i].line);
		dev_msi_free(msi->dm);
		msi->dm = NULL;
		for (i = 0; i < idx->count; i++)
			kfree(msi->vecs[i].name);
		kvfree(msi->vecs);
		msi->vecs = NULL;
		WRITE_ONCE(idx->count, 0);
	}
	/* No message changes any more: nothing queues the work again */
	cancel_work_sync(&msi->notify_work);
	vpm_msi_set_notify(msi, NULL);
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
	INIT_WORK(&msi->notify_work, vpm_msi_notify_work_fn);
	spin_lock_init(&msi->notify_lock);
	vpm_irq_index_init(&msi->idx, vdev, &vpm_msi_irq_ops, index, 0);
	return &msi->idx;
}

static int vpm_msi_feature_msi(struct vpm_msi *msi, u32 flags,
			       void __user *arg, size_t argsz)
{
	struct vfio_platform_msi_feature_msi f;
	int ret;

	ret = vfio_check_feature(flags, argsz,
				 VFIO_DEVICE_FEATURE_GET |
				 VFIO_DEVICE_FEATURE_SET, sizeof(f));
	if (ret != 1)
		return ret;
	if (copy_from_user(&f, arg, sizeof(f)))
		return -EFAULT;

	mutex_lock(&msi->idx.lock);
	if (flags & VFIO_DEVICE_FEATURE_SET) {
		if (f.flags & ~VFIO_PLATFORM_MSI_ENABLE)
			ret = -EINVAL;
		else if (f.flags & VFIO_PLATFORM_MSI_ENABLE)
			ret = vpm_msi_enable(msi, f.nvec);
		else
			ret = vpm_msi_disable(msi);
	} else {
		f.flags = msi->idx.count ? VFIO_PLATFORM_MSI_ENABLE : 0;
		f.nvec = msi->idx.count;
		f.max_nvec = vpm_msi_max(msi);
		f.index = msi->idx.index;
		ret = 0;
	}
	mutex_unlock(&msi->idx.lock);
	if (!ret && (flags & VFIO_DEVICE_FEATURE_GET) &&
	    copy_to_user(arg, &f, sizeof(f)))
		ret = -EFAULT;
	return ret;
}

/* Read vectors' messages, giving each one a message first. Index lock. */
static int vpm_msi_read_msgs(struct vpm_msi *msi, unsigned int first,
			     unsigned int nr, struct vfio_platform_msi_msg *out,
			     u32 *gen)
{
	unsigned int i;
	int ret;

	lockdep_assert_held(&msi->idx.lock);
	if (!msi->idx.count || first >= msi->idx.count ||
	    nr > msi->idx.count - first)
		return -EINVAL;
	msi->used = true;
	for (i = 0; i < nr; i++) {
		ret = vpm_msi_request(&msi->vecs[first + i]);
		if (ret)
			return ret;
	}
	return vpm_msi_get_user_msgs(msi, first, nr, out, gen);
}

static int vpm_msi_feature_msgs(struct vpm_msi *msi, u32 flags,
				void __user *arg, size_t argsz)
{
	struct vfio_platform_msi_feature_msi_msgs __user *uarg = arg;
	struct vfio_platform_msi_feature_msi_msgs hdr;
	struct vfio_platform_msi_msg *msgs;
	int ret;

	ret = vfio_check_feature(flags, argsz, VFIO_DEVICE_FEATURE_GET,
				 sizeof(hdr));
	if (ret != 1)
		return ret;
	if (copy_from_user(&hdr, arg, sizeof(hdr)))
		return -EFAULT;
	/* At most a whole block; the reply must fit in argsz */
	if (!hdr.nr || hdr.nr > DEV_MSI_MAX_VECTORS ||
	    (argsz - sizeof(hdr)) / sizeof(*msgs) < hdr.nr)
		return -EINVAL;
	msgs = kvmalloc_array(hdr.nr, sizeof(*msgs), GFP_KERNEL_ACCOUNT);
	if (!msgs)
		return -ENOMEM;

	mutex_lock(&msi->idx.lock);
	ret = vpm_msi_read_msgs(msi, hdr.first, hdr.nr, msgs, &hdr.generation);
	mutex_unlock(&msi->idx.lock);
	if (ret)
		goto out;

	hdr.flags = 0;
	if (copy_to_user(arg, &hdr, sizeof(hdr)) ||
	    copy_to_user(uarg->msgs, msgs, hdr.nr * sizeof(*msgs)))
		ret = -EFAULT;
out:
	kvfree(msgs);
	return ret;
}

static int vpm_msi_feature_notify(struct vpm_msi *msi, u32 flags,
				  void __user *arg, size_t argsz)
{
	struct vfio_platform_msi_feature_msi_notify n;
	struct eventfd_ctx *ctx = NULL;
	int ret;

	ret = vfio_check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET,
				 sizeof(n));
	if (ret != 1)
		return ret;
	if (copy_from_user(&n, arg, sizeof(n)))
		return -EFAULT;
	if (n.pad)
		return -EINVAL;
	/* Any negative fd removes it, as in SET_IRQS */
	if (n.fd >= 0) {
		ctx = eventfd_ctx_fdget(n.fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
	}
	mutex_lock(&msi->idx.lock);
	vpm_msi_set_notify(msi, ctx);
	mutex_unlock(&msi->idx.lock);
	return 0;
}

/**
 * vpm_msi_feature - this driver's MSI features (VFIO_DEVICE_FEATURE)
 * @idx: the device's MSI index
 * @flags: the request's flags, with the feature number
 * @arg: the feature's data
 * @argsz: its size
 *
 * Return: 0 or a negative errno (-ENOTTY: no such feature).
 */
int vpm_msi_feature(struct vpm_irq_index *idx, u32 flags, void __user *arg,
		    size_t argsz)
{
	struct vpm_msi *msi = to_msi(idx);

	switch (flags & VFIO_DEVICE_FEATURE_MASK) {
	case VFIO_PLATFORM_MSI_FEATURE_MSI:
		return vpm_msi_feature_msi(msi, flags, arg, argsz);
	case VFIO_PLATFORM_MSI_FEATURE_MSI_MSGS:
		return vpm_msi_feature_msgs(msi, flags, arg, argsz);
	case VFIO_PLATFORM_MSI_FEATURE_MSI_NOTIFY:
		return vpm_msi_feature_notify(msi, flags, arg, argsz);
	}
	return -ENOTTY;
}
