// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-msi: VFIO bus driver for platform devices (DT and ACPI).
 *
 * The driver has no match table: a device is handed to it through
 * driver_override, as with vfio-platform:
 *
 *   echo vfio-platform-msi > /sys/bus/platform/devices/DEV/driver_override
 *   echo DEV > /sys/bus/platform/drivers_probe
 *
 * Each bound device is registered as a VFIO group device. Devices that
 * share an IOMMU group (and so cannot be isolated from each other) share
 * a VFIO device set: their open and close are serialised.
 */

#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/vfio.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "vfio_platform_msi.h"

static void vpm_release(struct vfio_device *core_vdev)
{
	struct vpm_device *vdev = to_vpm(core_vdev);

	vpm_reset_release(vdev);
	vpm_irqs_release(vdev);
	vpm_regions_free(vdev);
	mutex_destroy(&vdev->reset_lock);
#ifdef VPM_HAVE_VFIO_FREE_DEVICE
	vfio_free_device(core_vdev);
#endif
}

static const struct vfio_device_ops vpm_vfio_ops = {
	.name		= VPM_DRIVER_NAME,
	.release	= vpm_release,
	.open_device	= vpm_open_device,
	.close_device	= vpm_close_device,
	.ioctl		= vpm_ioctl,
	.device_feature	= vpm_device_feature,
#ifdef VPM_HAVE_VFIO_GET_REGION_INFO_CAPS
	.get_region_info_caps = vpm_get_region_info_caps,
#endif
	.read		= vpm_region_read,
	.write		= vpm_region_write,
	.mmap		= vpm_region_mmap,
#ifdef VPM_HAVE_VFIO_IOMMUFD
	.bind_iommufd	= vfio_iommufd_physical_bind,
	.unbind_iommufd	= vfio_iommufd_physical_unbind,
	.attach_ioas	= vfio_iommufd_physical_attach_ioas,
#ifdef VPM_HAVE_VFIO_IOMMUFD_DETACH
	.detach_ioas	= vfio_iommufd_physical_detach_ioas,
#endif
#endif
};

static int vpm_assign_device_set(struct vpm_device *vdev)
{
	struct iommu_group *group;
	int ret;

	/* Without a group, registration fails below and says why. */
	group = iommu_group_get(&vdev->pdev->dev);
	if (!group)
		return 0;
	/* The group outlives the device's membership in it: a stable key. */
	ret = vfio_assign_device_set(&vdev->vdev, group);
	iommu_group_put(group);
	return ret;
}

static int vpm_probe(struct platform_device *pdev)
{
	struct vpm_device *vdev;
	int ret;

	vdev = vfio_alloc_device(vpm_device, vdev, &pdev->dev, &vpm_vfio_ops);
	if (IS_ERR(vdev))
		return PTR_ERR(vdev);

	/* From here on, vfio_put_device() frees whatever was set up. */
	vdev->pdev = pdev;
	mutex_init(&vdev->reset_lock);

	ret = vpm_regions_init(vdev);
	if (ret)
		goto err_put;
	ret = vpm_irqs_init(vdev);
	if (ret)
		goto err_put;
	ret = vpm_reset_init(vdev);
	if (ret)
		goto err_put;
	ret = vpm_assign_device_set(vdev);
	if (ret)
		goto err_put;

	platform_set_drvdata(pdev, vdev);
	ret = vpm_pm_init(vdev);
	if (ret)
		goto err_put;
	ret = vfio_register_group_dev(&vdev->vdev);
	if (ret) {
		dev_err(&pdev->dev, "cannot register with VFIO: %d\n", ret);
		goto err_pm;
	}

	vpm_debugfs_add(vdev);
	dev_dbg(&pdev->dev, "%u regions, %u IRQ indexes, reset: %s\n",
		vdev->num_regions, vdev->num_irqs,
		vdev->plugin ? vdev->plugin_compat :
		vdev->acpi_reset ? "ACPI _RST" : "none");
	return 0;

err_pm:
	vpm_pm_exit(vdev);
err_put:
	platform_set_drvdata(pdev, NULL);
	vfio_put_device(&vdev->vdev);
	return ret;
}

static void vpm_remove(struct platform_device *pdev)
{
	struct vpm_device *vdev = platform_get_drvdata(pdev);

	vpm_debugfs_remove(vdev);
	vfio_unregister_group_dev(&vdev->vdev);
	vpm_pm_exit(vdev);
	vfio_put_device(&vdev->vdev);
}

static struct platform_driver vpm_driver = {
	.probe = vpm_probe,
#ifdef VPM_HAVE_PLATFORM_REMOVE_VOID
	.remove = vpm_remove,
#else
	.remove_new = vpm_remove,
#endif
	.driver = {
		.name = VPM_DRIVER_NAME,
		.pm = &vpm_pm_ops,
	},
	.driver_managed_dma = true,
};

/*
 * Probing again once a plug-in registered, in a work item: the
 * registration must not wait for it. driver_attach() takes each device's
 * lock, and a plug-in that our probe loads on demand registers from its
 * module_init while that probe holds its device's lock and waits, in
 * request_module(), for the plug-in's modprobe to finish: a synchronous
 * driver_attach() there waits for itself. The work runs in no module's
 * init and holds no lock of ours; while it probes a device, a plug-in
 * loaded by that probe only queues the work again.
 *
 * vpm_driver_registered: set once the platform driver is registered. A
 * plug-in built in and initialised before this driver queues the work
 * before there is a driver to attach (registering it attaches the devices
 * anyway). Written before any plug-in module can load, read by the work.
 */
static bool vpm_driver_registered;

static void vpm_reprobe_work_fn(struct work_struct *work)
{
	int ret;

	if (!READ_ONCE(vpm_driver_registered))
		return;
	ret = driver_attach(&vpm_driver.driver);
	if (ret)
		pr_warn("%s: probing devices again failed: %d\n",
			VPM_DRIVER_NAME, ret);
}

static DECLARE_WORK(vpm_reprobe_work, vpm_reprobe_work_fn);

/*
 * A plug-in arrived: try, soon, the devices that were handed to us but
 * could not bind without it. Any context that may sleep; waits for
 * nothing.
 */
void vpm_driver_reprobe(void)
{
	/* Probing may take long (request_module()): the long work queue */
	queue_work(system_long_wq, &vpm_reprobe_work);
}

static int __init vpm_init(void)
{
	int ret;

	vpm_debugfs_init();
	ret = platform_driver_register(&vpm_driver);
	if (ret) {
		vpm_debugfs_exit();
		return ret;
	}
	WRITE_ONCE(vpm_driver_registered, true);
	return 0;
}
module_init(vpm_init);

static void __exit vpm_exit(void)
{
	/*
	 * Plug-ins use this module's symbols: none is loaded now, and none
	 * can load any more, so nothing queues the work after this. A
	 * probe in the work that asks for a plug-in fails, as the plug-in
	 * cannot link against a module that is going away.
	 */
	cancel_work_sync(&vpm_reprobe_work);
	platform_driver_unregister(&vpm_driver);
	vpm_debugfs_exit();
}
module_exit(vpm_exit);

MODULE_DESCRIPTION("VFIO bus driver for platform devices, with MSI");
MODULE_LICENSE("GPL");
