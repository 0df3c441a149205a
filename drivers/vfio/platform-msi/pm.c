// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-msi: runtime power management (VFIO_DEVICE_FEATURE_LOW_POWER_*).
 *
 * The semantics are vfio-pci's, on the platform device's runtime PM:
 *
 *  - The driver holds one runtime PM usage count on the device from probe
 *    to remove, so a bound device is powered whether it is open or not.
 *    LOW_POWER_ENTRY (or _WITH_WAKEUP) drops it; the VFIO core holds its
 *    own count around every ioctl of a driver with dev_pm_ops, and once
 *    the entry ioctl returns nothing holds the device up: it suspends
 *    (asynchronously), and the plug-in's power_off runs.
 *  - From the entry on, user mappings of the regions are revoked and a
 *    fault on them gets SIGBUS until the low-power state ends; mapping
 *    them does not end it. While the device is suspended, read() and
 *    write() fail with EIO; they do not wake it either.
 *  - Any ioctl on the device fd resumes it for its duration (the VFIO
 *    core does). After a plain entry it suspends again when the ioctl
 *    returns; after an entry with wake-up the resume ends the low-power
 *    state: the wake-up eventfd is signalled and the device stays up.
 *  - An interrupt on one of the device's wired lines while it is in low
 *    power asks for a resume (pm_request_resume(), from the hard irq
 *    handler): after an entry with wake-up that is the wake-up, as a PME
 *    is for vfio-pci. The interrupt is delivered as usual on its own
 *    eventfd. MSIs are no wake-up source: a device in low power cannot
 *    write one, and the MSI handlers do not look at the power state.
 *  - LOW_POWER_EXIT ends the low-power state (the core's resume around
 *    it already powered the device). Exit without entry is not an error.
 *  - Closing the device ends the low-power state without signalling the
 *    wake-up eventfd, powers the device up and resets it as every close
 *    does; the usage count is back to the driver's one.
 *  - Without CONFIG_PM there is no runtime PM: the device could never
 *    power down nor wake up, and the features are not offered (ENOTTY,
 *    also to PROBE), so that userspace knows.
 *
 * Locking: vdev->power_lock (see struct vpm_device). The runtime PM
 * callbacks take it for writing; the feature handlers and close take it
 * for writing but never call a synchronous runtime PM function while
 * holding it (the callbacks would wait for it), only the _noidle and
 * _noresume usage count helpers.
 */

#include <linux/eventfd.h>
#include <linux/lockdep.h>
#include <linux/platform_device.h>
#include <linux/pm_runtime.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "compat.h"
#include "vfio_platform_msi.h"

static bool vpm_pm_has_power_ops(struct vpm_device *vdev)
{
	return vdev->plugin && vdev->plugin->power_off &&
	       vdev->plugin->power_on;
}

/*
 * At probe, before the device can be opened: the driver's usage count, and
 * runtime PM enabled with the device active (it is powered when bound).
 * Undone by vpm_pm_exit().
 */
int vpm_pm_init(struct vpm_device *vdev)
{
	struct device *dev = &vdev->pdev->dev;
	int ret;

	init_rwsem(&vdev->power_lock);
	atomic_set(&vdev->nr_vmas, 0);
	pm_runtime_get_noresume(dev);
	ret = pm_runtime_set_active(dev);
	if (ret) {
		pm_runtime_put_noidle(dev);
		return ret;
	}
	pm_runtime_enable(dev);
	return 0;
}

/* At remove, once the device is closed for good. */
void vpm_pm_exit(struct vpm_device *vdev)
{
	struct device *dev = &vdev->pdev->dev;

	pm_runtime_disable(dev);
	pm_runtime_set_suspended(dev);
	pm_runtime_put_noidle(dev);
}

/*
 * End the low-power state, if engaged: take the driver's usage count back
 * and forget the wake-up eventfd. The device is not necessarily powered
 * yet: the caller resumes it, or already did.
 */
static void __vpm_pm_exit(struct vpm_device *vdev)
{
	lockdep_assert_held_write(&vdev->power_lock);

	if (!vdev->pm_engaged)
		return;
	WRITE_ONCE(vdev->pm_engaged, false);
	pm_runtime_get_noresume(&vdev->pdev->dev);
	if (vdev->pm_wake) {
		eventfd_ctx_put(vdev->pm_wake);
		vdev->pm_wake = NULL;
	}
}

/* Enter low power; takes over @wake (may be NULL) on success. */
static int vpm_pm_enter(struct vpm_device *vdev, struct eventfd_ctx *wake)
{
	int ret = 0;

	down_write(&vdev->power_lock);
	if (vdev->pm_engaged) {
		ret = -EINVAL;		/* as vfio-pci: exit first */
		goto out;
	}
	if (!vpm_regions_revocable(vdev)) {
		ret = -EBUSY;
		goto out;
	}
	vpm_regions_zap(vdev);
	vdev->pm_wake = wake;
	WRITE_ONCE(vdev->pm_engaged, true);
	/*
	 * Only the count: the VFIO core's put after this ioctl lets the
	 * device suspend.
	 */
	pm_runtime_put_noidle(&vdev->pdev->dev);
out:
	up_write(&vdev->power_lock);
	return ret;
}

int vpm_pm_feature_entry(struct vpm_device *vdev, u32 flags,
			 void __user *arg, size_t argsz)
{
	int ret;

	if (!IS_ENABLED(CONFIG_PM))
		return -ENOTTY;
	ret = vfio_check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET, 0);
	if (ret != 1)
		return ret;
	return vpm_pm_enter(vdev, NULL);
}

int vpm_pm_feature_entry_wakeup(struct vpm_device *vdev, u32 flags,
				void __user *arg, size_t argsz)
{
	struct vfio_device_low_power_entry_with_wakeup entry;
	struct eventfd_ctx *wake;
	int ret;

	if (!IS_ENABLED(CONFIG_PM))
		return -ENOTTY;
	ret = vfio_check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET,
				 sizeof(entry));
	if (ret != 1)
		return ret;
	if (copy_from_user(&entry, arg, sizeof(entry)))
		return -EFAULT;
	/* @reserved is not checked, as in vfio-pci. */
	if (entry.wakeup_eventfd < 0)
		return -EINVAL;
	wake = eventfd_ctx_fdget(entry.wakeup_eventfd);
	if (IS_ERR(wake))
		return PTR_ERR(wake);

	ret = vpm_pm_enter(vdev, wake);
	if (ret)
		eventfd_ctx_put(wake);
	return ret;
}

int vpm_pm_feature_exit(struct vpm_device *vdev, u32 flags,
			void __user *arg, size_t argsz)
{
	int ret;

	if (!IS_ENABLED(CONFIG_PM))
		return -ENOTTY;
	ret = vfio_check_feature(flags, argsz, VFIO_DEVICE_FEATURE_SET, 0);
	if (ret != 1)
		return ret;
	/*
	 * The VFIO core resumed the device around this ioctl; after an
	 * entry with wake-up that resume already ended the low-power state
	 * and signalled the eventfd.
	 */
	down_write(&vdev->power_lock);
	__vpm_pm_exit(vdev);
	up_write(&vdev->power_lock);
	return 0;
}

/*
 * At close_device, before anything else: end the low-power state without
 * a wake-up, and power the device for the reset that follows.
 */
void vpm_pm_close(struct vpm_device *vdev)
{
	struct device *dev = &vdev->pdev->dev;
	int ret;

	down_write(&vdev->power_lock);
	__vpm_pm_exit(vdev);
	up_write(&vdev->power_lock);
	ret = pm_runtime_resume(dev);
	if (ret < 0)
		dev_warn(dev, "cannot power up for close: %d\n", ret);
}

/*
 * An interrupt on a wired line: hard irq context. While the device is in
 * low power, ask for a resume; the runtime PM core runs it from its work
 * queue, or after the suspend in progress.
 */
void vpm_pm_irq_event(struct vpm_device *vdev)
{
	if (READ_ONCE(vdev->pm_engaged))
		pm_request_resume(&vdev->pdev->dev);
}

static int vpm_runtime_suspend(struct device *dev)
{
	struct vpm_device *vdev = dev_get_drvdata(dev);
	int ret = 0;

	down_write(&vdev->power_lock);
	/*
	 * Only the low-power features drop the driver's usage count, but a
	 * close or an exit may have taken it back since this suspend began.
	 */
	if (!vdev->pm_engaged) {
		ret = -EBUSY;
		goto out;
	}
	if (vpm_pm_has_power_ops(vdev)) {
		mutex_lock(&vdev->reset_lock);
		ret = vdev->plugin->power_off(&vdev->info, !!vdev->pm_wake);
		mutex_unlock(&vdev->reset_lock);
		if (ret) {
			dev_warn(dev, "plug-in cannot power off: %d\n", ret);
			/* The device stays active, without a runtime error. */
			ret = -EAGAIN;
			goto out;
		}
	}
	vdev->powered_off = true;
out:
	up_write(&vdev->power_lock);
	return ret;
}

static int vpm_runtime_resume(struct device *dev)
{
	struct vpm_device *vdev = dev_get_drvdata(dev);
	int ret = 0;

	down_write(&vdev->power_lock);
	if (vdev->powered_off && vpm_pm_has_power_ops(vdev)) {
		mutex_lock(&vdev->reset_lock);
		ret = vdev->plugin->power_on(&vdev->info);
		mutex_unlock(&vdev->reset_lock);
		if (ret) {
			dev_err(dev, "plug-in cannot power on: %d\n", ret);
			goto out;
		}
	}
	vdev->powered_off = false;
	/* A resume after an entry with wake-up is the wake-up. */
	if (vdev->pm_wake) {
		vpm_eventfd_signal(vdev->pm_wake);
		__vpm_pm_exit(vdev);
	}
out:
	up_write(&vdev->power_lock);
	return ret;
}

const struct dev_pm_ops vpm_pm_ops = {
	RUNTIME_PM_OPS(vpm_runtime_suspend, vpm_runtime_resume, NULL)
};
