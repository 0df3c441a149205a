// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-msi: VFIO bus driver for platform devices (DT and ACPI).
 *
 * The driver has no match table: a device is handed to it through
 * driver_override, as with upstream vfio-platform:
 *
 *   echo vfio-platform > /sys/bus/platform/devices/DEV/driver_override
 *   echo DEV > /sys/bus/platform/drivers_probe
 *
 * Its name is the module parameter driver_name: on a kernel without
 * upstream vfio-platform, it is "vfio-platform" (and "modprobe
 * vfio-platform" loads this module), so that the users that name the
 * driver (Android's virtualization service, DPDK's platform bus) find it;
 * next to upstream's, "vfio-platform-msi".
 *
 * Each bound device is registered as a VFIO group device. Devices that
 * share an IOMMU group (and so cannot be isolated from each other) share
 * a VFIO device set: their open and close are serialised.
 */

#include <linux/iommu.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/string.h>
#include <linux/sysfs.h>
#include <linux/vfio.h>
#include <linux/workqueue.h>

#include "compat.h"
#include "vfio_platform_msi.h"

/*
 * driver_name: the name of the platform driver (and of the VFIO device
 * ops), chosen at load and read-only afterwards: "auto" (the default),
 * "vfio-platform" or "vfio-platform-msi". "auto" is "vfio-platform" unless
 * the kernel the module is built for has upstream vfio-platform
 * (CONFIG_VFIO_PLATFORM, y or m): then "vfio-platform-msi", and upstream's
 * module keeps its name. Reading the parameter gives the name in effect.
 */
enum vpm_name_choice {
	VPM_NAME_AUTO,
	VPM_NAME_UPSTREAM,
	VPM_NAME_OWN,
};

static enum vpm_name_choice vpm_name_choice = VPM_NAME_AUTO;

static const char *vpm_name_of(enum vpm_name_choice choice)
{
	switch (choice) {
	case VPM_NAME_UPSTREAM:
		return VPM_UPSTREAM_NAME;
	case VPM_NAME_OWN:
		return VPM_DRIVER_NAME;
	case VPM_NAME_AUTO:
	default:
		return IS_ENABLED(CONFIG_VFIO_PLATFORM) ? VPM_DRIVER_NAME :
							  VPM_UPSTREAM_NAME;
	}
}

/*
 * The name in effect: filled at init, before the driver is registered,
 * constant afterwards. An array, so that the const VFIO device ops and the
 * platform driver can point at it from the start.
 */
char vpm_driver_name[sizeof(VPM_DRIVER_NAME)] __ro_after_init;

static int vpm_name_set(const char *val, const struct kernel_param *kp)
{
	enum vpm_name_choice *choice = kp->arg;

	if (sysfs_streq(val, "auto"))
		*choice = VPM_NAME_AUTO;
	else if (sysfs_streq(val, VPM_UPSTREAM_NAME))
		*choice = VPM_NAME_UPSTREAM;
	else if (sysfs_streq(val, VPM_DRIVER_NAME))
		*choice = VPM_NAME_OWN;
	else
		return -EINVAL;
	return 0;
}

static int vpm_name_get(char *buf, const struct kernel_param *kp)
{
	const enum vpm_name_choice *choice = kp->arg;

	return sysfs_emit(buf, "%s\n", vpm_name_of(*choice));
}

static const struct kernel_param_ops vpm_name_ops = {
	.set = vpm_name_set,
	.get = vpm_name_get,
};

module_param_cb(driver_name, &vpm_name_ops, &vpm_name_choice, 0444);
MODULE_PARM_DESC(driver_name,
		 "Name of the driver: auto (default), " VPM_UPSTREAM_NAME " or "
		 VPM_DRIVER_NAME "; auto is " VPM_UPSTREAM_NAME
		 " unless the kernel has upstream vfio-platform");

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
	.name		= vpm_driver_name,
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

/*
 * vpm_initialising: true while vpm_init() registers the platform driver.
 * A device handed to us before this module loaded (driver_override
 * written by driverctl at boot, by a udev rule) is probed from within that
 * registration, in our module_init. A plug-in loaded on demand there links
 * against this module, which only goes live once its init returns:
 * modprobe waits for it (30 s per unresolved symbol) while our init waits
 * for modprobe, and the plug-in then fails to load. Those probes defer;
 * vpm_init() probes again, from the work, once registered. Written only by
 * vpm_init(), read by probes.
 */
static bool vpm_initialising;

static int vpm_probe(struct platform_device *pdev)
{
	struct vpm_device *vdev;
	int ret;

	if (READ_ONCE(vpm_initialising)) {
		dev_dbg(&pdev->dev, "probing again once %s is loaded\n",
			KBUILD_MODNAME);
		vpm_wait_for_plugin(vpm_plugins_generation());
		return -EPROBE_DEFER;
	}

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
		.name = vpm_driver_name,
		.pm = &vpm_pm_ops,
		.dev_groups = vpm_dev_groups,
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

	if (!READ_ONCE(vpm_driver_registered) || !vpm_take_waiters())
		return;
	ret = driver_attach(&vpm_driver.driver);
	if (ret)
		pr_warn("%s: probing devices again failed: %d\n",
			vpm_driver_name, ret);
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

	strscpy(vpm_driver_name, vpm_name_of(vpm_name_choice),
		sizeof(vpm_driver_name));

	vpm_debugfs_init();
	WRITE_ONCE(vpm_initialising, true);
	ret = platform_driver_register(&vpm_driver);
	WRITE_ONCE(vpm_initialising, false);
	if (ret) {
		/* -EBUSY: upstream vfio-platform is loaded, or built in */
		if (ret == -EBUSY)
			pr_err("%s: a platform driver named %s is already registered (upstream vfio-platform?): unload or blacklist it, or load %s with driver_name=%s\n",
			       KBUILD_MODNAME, vpm_driver_name, KBUILD_MODNAME,
			       VPM_DRIVER_NAME);
		else
			pr_err("%s: cannot register the platform driver %s: %d\n",
			       KBUILD_MODNAME, vpm_driver_name, ret);
		vpm_debugfs_exit();
		return ret;
	}
	WRITE_ONCE(vpm_driver_registered, true);
	/* The devices that deferred above, with plug-ins loadable now */
	vpm_driver_reprobe();
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
/*
 * "modprobe vfio-platform" loads this module where the kernel has no
 * module of that name; where it has one, that one keeps it.
 */
#if !IS_ENABLED(CONFIG_VFIO_PLATFORM)
MODULE_ALIAS(VPM_UPSTREAM_NAME);
#endif
MODULE_LICENSE("GPL");
