// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-msi: open/close of the device and its ioctls.
 *
 * IRQ indexes are a table of objects with an ops vtable (struct
 * vpm_irq_ops): the wired lines come first, one index each; every other
 * kind of index is one more entry. This file only dispatches: it
 * validates what userspace passes in, bounds the index, and calls the
 * index's ops with the index lock held where the ops need it.
 */

#include <linux/bitops.h>
#include <linux/mutex.h>
#include <linux/nospec.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "vfio_platform_msi.h"

/* Build the IRQ index table at probe. Undone by vpm_irqs_release(). */
int vpm_irqs_init(struct vpm_device *vdev)
{
	struct vpm_irq_index *idx;
	int nr_wired, i;

	nr_wired = vpm_wired_count(vdev);
	if (nr_wired < 0)
		return nr_wired;

	/* The wired lines, then the MSI block if the device can have one. */
	vdev->irqs = kcalloc(nr_wired + 1, sizeof(*vdev->irqs),
			     GFP_KERNEL_ACCOUNT);
	if (!vdev->irqs)
		return -ENOMEM;

	for (i = 0; i < nr_wired; i++) {
		idx = vpm_wired_create(vdev, vdev->num_irqs, i);
		if (IS_ERR(idx))
			return PTR_ERR(idx);
		vdev->irqs[vdev->num_irqs++] = idx;
	}

	idx = vpm_msi_create(vdev, vdev->num_irqs);
	if (IS_ERR(idx))
		return PTR_ERR(idx);
	if (idx) {
		vdev->irqs[vdev->num_irqs++] = idx;
		vdev->msi_idx = idx;
	}
	return 0;
}

/*
 * The indexes userspace sees while the device is open: the MSI index only
 * once the user asked for the MSIs (its count is then not 0). Read without
 * the index lock: the count is checked again under it.
 */
static unsigned int vpm_visible_irqs(struct vpm_device *vdev)
{
	if (vdev->msi_idx && !READ_ONCE(vdev->msi_idx->count))
		return vdev->num_irqs - 1;
	return vdev->num_irqs;
}

void vpm_irqs_release(struct vpm_device *vdev)
{
	unsigned int i;

	for (i = 0; i < vdev->num_irqs; i++)
		vdev->irqs[i]->ops->release(vdev->irqs[i]);
	kfree(vdev->irqs);
	vdev->irqs = NULL;
	vdev->num_irqs = 0;
}

/* Stop the event sources of indexes [0, n), last first. */
static void vpm_irqs_quiesce(struct vpm_device *vdev, unsigned int n)
{
	struct vpm_irq_index *idx;

	while (n-- > 0) {
		idx = vdev->irqs[n];
		mutex_lock(&idx->lock);
		idx->ops->quiesce(idx);
		mutex_unlock(&idx->lock);
	}
}

/* Free what open allocated for indexes [0, n), last first. */
static void vpm_irqs_close(struct vpm_device *vdev, unsigned int n)
{
	struct vpm_irq_index *idx;

	while (n-- > 0) {
		idx = vdev->irqs[n];
		mutex_lock(&idx->lock);
		idx->ops->close(idx);
		mutex_unlock(&idx->lock);
	}
}

int vpm_open_device(struct vfio_device *core_vdev)
{
	struct vpm_device *vdev = to_vpm(core_vdev);
	struct vpm_irq_index *idx;
	unsigned int i;
	int ret;

	ret = vpm_regions_map(vdev);
	if (ret)
		return ret;

	ret = vpm_reset(vdev);
	if (ret) {
		dev_err(&vdev->pdev->dev, "reset on open failed: %d\n", ret);
		goto err_unmap;
	}

	for (i = 0; i < vdev->num_irqs; i++) {
		idx = vdev->irqs[i];
		mutex_lock(&idx->lock);
		ret = idx->ops->open(idx);
		mutex_unlock(&idx->lock);
		if (ret)
			goto err_irqs;
	}
	return 0;

err_irqs:
	vpm_irqs_quiesce(vdev, i);
	vpm_irqs_close(vdev, i);
err_unmap:
	vpm_regions_unmap(vdev);
	return ret;
}

/*
 * Last close of the device: stop every event source, reset the device
 * while it is still mapped and its handlers still installed (disabled),
 * then free the handlers and unmap.
 */
void vpm_close_device(struct vfio_device *core_vdev)
{
	struct vpm_device *vdev = to_vpm(core_vdev);
	int ret;

	/* Out of low power, powered: the reset needs the device. */
	vpm_pm_close(vdev);
	vpm_irqs_quiesce(vdev, vdev->num_irqs);
	ret = vpm_reset(vdev);
	if (ret)
		dev_warn(&vdev->pdev->dev, "reset on close failed: %d\n", ret);
	vpm_irqs_close(vdev, vdev->num_irqs);
	vpm_regions_unmap(vdev);
}

static int vpm_ioctl_get_info(struct vpm_device *vdev,
			      struct vfio_device_info __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_device_info, num_irqs);
	struct vfio_device_info info;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;

	info.flags = VFIO_DEVICE_FLAGS_PLATFORM;
	if (vpm_has_reset(vdev))
		info.flags |= VFIO_DEVICE_FLAGS_RESET;
	info.num_regions = vdev->num_regions;
	info.num_irqs = vpm_visible_irqs(vdev);

	return copy_to_user(arg, &info, minsz) ? -EFAULT : 0;
}

/*
 * Region @info->index's description and capabilities (sparse mmap). From
 * 7.3 on, the VFIO core answers VFIO_DEVICE_GET_REGION_INFO itself and
 * calls this through vfio_device_ops.get_region_info_caps; before, the
 * driver's ioctl below does.
 */
int vpm_get_region_info_caps(struct vfio_device *core_vdev,
			     struct vfio_region_info *info,
			     struct vfio_info_cap *caps)
{
	struct vpm_device *vdev = to_vpm(core_vdev);
	unsigned int index;

	if (info->index >= vdev->num_regions)
		return -EINVAL;

	index = array_index_nospec(info->index, vdev->num_regions);
	vpm_region_info(vdev, index, info);
	return vpm_region_add_caps(vdev, index, caps);
}

#ifndef VPM_HAVE_VFIO_GET_REGION_INFO_CAPS
/*
 * The region's capability chain (sparse mmap) follows the structure when
 * argsz leaves room for it; otherwise argsz says how much is needed, as
 * in vfio-pci.
 */
static int vpm_ioctl_get_region_info(struct vpm_device *vdev,
				     struct vfio_region_info __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_region_info, offset);
	struct vfio_info_cap caps = { .buf = NULL, .size = 0 };
	struct vfio_region_info info;
	int ret;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;

	info.cap_offset = 0;
	ret = vpm_get_region_info_caps(&vdev->vdev, &info, &caps);
	if (ret)
		return ret;

	if (caps.size) {
		info.flags |= VFIO_REGION_INFO_FLAG_CAPS;
		if (info.argsz < sizeof(info) + caps.size) {
			info.argsz = sizeof(info) + caps.size;
		} else {
			vfio_info_cap_shift(&caps, sizeof(info));
			if (copy_to_user(arg + 1, caps.buf, caps.size))
				ret = -EFAULT;
			info.cap_offset = sizeof(info);
		}
		kfree(caps.buf);
	}
	if (!ret && copy_to_user(arg, &info, minsz))
		ret = -EFAULT;
	return ret;
}
#endif

/*
 * With the upstream 16-byte structure, the upstream answer; with argsz of
 * 24 or more (struct vfio_platform_msi_irq_info), the capability chain too.
 */
static int vpm_ioctl_get_irq_info(struct vpm_device *vdev,
				  struct vfio_irq_info __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_info, count);
	struct vfio_info_cap caps = { .buf = NULL, .size = 0 };
	unsigned int nr = vpm_visible_irqs(vdev);
	struct vpm_irq_index *idx;
	struct vfio_irq_info info;
	bool ext;
	int ret;

	if (copy_from_user(&info, arg, minsz))
		return -EFAULT;
	if (info.argsz < minsz)
		return -EINVAL;
	if (info.index >= nr)
		return -EINVAL;

	ext = info.argsz >= sizeof(struct vfio_platform_msi_irq_info);
	idx = vdev->irqs[array_index_nospec(info.index, nr)];
	info.flags = 0;
	info.count = 0;
	mutex_lock(&idx->lock);
	ret = idx->ops->get_info(idx, &info, ext ? &caps : NULL);
	mutex_unlock(&idx->lock);
	if (!ret)
		ret = vpm_irq_info_reply(arg, &info, ext ? &caps : NULL);
	kfree(caps.buf);
	return ret;
}

static int vpm_ioctl_set_irqs(struct vpm_device *vdev,
			      struct vfio_irq_set __user *arg)
{
	unsigned long minsz = offsetofend(struct vfio_irq_set, count);
	struct vpm_irq_index *idx;
	struct vfio_irq_set hdr;
	size_t data_size = 0;
	unsigned int nr;
	void *data = NULL;
	u32 action;
	int ret;

	if (copy_from_user(&hdr, arg, minsz))
		return -EFAULT;
	if (hdr.argsz < minsz)
		return -EINVAL;
	nr = vpm_visible_irqs(vdev);
	if (hdr.index >= nr)
		return -EINVAL;
	idx = vdev->irqs[array_index_nospec(hdr.index, nr)];

	/*
	 * The MSI index's count changes while open: check against it, and
	 * act, under the index lock.
	 */
	mutex_lock(&idx->lock);
	/* Checks flags, start and count against this index's count. */
	ret = vfio_set_irqs_validate_and_prepare(&hdr, idx->count, nr,
						 &data_size);
	if (ret)
		goto out_unlock;

	/*
	 * The helper accepts no or several action bits: like upstream
	 * vfio-platform and vfio-pci, that is no known operation.
	 */
	action = hdr.flags & VFIO_IRQ_SET_ACTION_TYPE_MASK;
	if (hweight32(action) != 1) {
		ret = -ENOTTY;
		goto out_unlock;
	}

	if (data_size) {
		data = memdup_user(arg->data, data_size);
		if (IS_ERR(data)) {
			ret = PTR_ERR(data);
			goto out_unlock;
		}
	}

	ret = idx->ops->set_irqs(idx, hdr.flags, hdr.start, hdr.count, data);
	kfree(data);
out_unlock:
	mutex_unlock(&idx->lock);
	return ret;
}

/* Reset while open, then let the indexes restore what the device lost. */
static int vpm_ioctl_reset(struct vpm_device *vdev)
{
	struct vpm_irq_index *idx;
	unsigned int i;
	int ret;

	if (!vpm_has_reset(vdev))
		return -EINVAL;
	ret = vpm_reset(vdev);
	if (ret)
		return ret;
	for (i = 0; i < vdev->num_irqs; i++) {
		idx = vdev->irqs[i];
		if (!idx->ops->reset_done)
			continue;
		mutex_lock(&idx->lock);
		idx->ops->reset_done(idx);
		mutex_unlock(&idx->lock);
	}
	return 0;
}

long vpm_ioctl(struct vfio_device *core_vdev, unsigned int cmd,
	       unsigned long arg)
{
	struct vpm_device *vdev = to_vpm(core_vdev);
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VFIO_DEVICE_GET_INFO:
		return vpm_ioctl_get_info(vdev, uarg);
#ifndef VPM_HAVE_VFIO_GET_REGION_INFO_CAPS
	case VFIO_DEVICE_GET_REGION_INFO:
		return vpm_ioctl_get_region_info(vdev, uarg);
#endif
	case VFIO_DEVICE_GET_IRQ_INFO:
		return vpm_ioctl_get_irq_info(vdev, uarg);
	case VFIO_DEVICE_SET_IRQS:
		return vpm_ioctl_set_irqs(vdev, uarg);
	case VFIO_DEVICE_RESET:
		return vpm_ioctl_reset(vdev);
	}
	return -ENOTTY;
}

/*
 * VFIO_DEVICE_FEATURE (Documentation/uapi.rst): the VFIO core checked the
 * header (argsz, flags); each feature checks its own data with
 * vfio_check_feature(). A plain dispatcher. The core holds a runtime PM usage count around it: the
 * device is powered.
 */
int vpm_device_feature(struct vfio_device *core_vdev, u32 flags,
		       void __user *arg, size_t argsz)
{
	struct vpm_device *vdev = to_vpm(core_vdev);

	switch (flags & VFIO_DEVICE_FEATURE_MASK) {
	case VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY:
		return vpm_pm_feature_entry(vdev, flags, arg, argsz);
	case VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY_WITH_WAKEUP:
		return vpm_pm_feature_entry_wakeup(vdev, flags, arg, argsz);
	case VFIO_DEVICE_FEATURE_LOW_POWER_EXIT:
		return vpm_pm_feature_exit(vdev, flags, arg, argsz);
	case VFIO_PLATFORM_MSI_FEATURE_MSI:
	case VFIO_PLATFORM_MSI_FEATURE_MSI_MSGS:
	case VFIO_PLATFORM_MSI_FEATURE_MSI_NOTIFY:
		if (!vdev->msi_idx)
			return -ENOTTY;
		return vpm_msi_feature(vdev->msi_idx, flags, arg, argsz);
	}
	return -ENOTTY;
}
