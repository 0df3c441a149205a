// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-msi: device-specific plug-ins and device reset.
 *
 * Plug-ins (include/linux/vfio_platform_msi.h) register themselves by
 * compatible string. At probe, the device's compatible strings are tried
 * in order, most specific first (an ACPI device without a "compatible"
 * property is looked up by its _HID); for each, a registered plug-in is
 * used, or the module aliased "vfio-platform-msi-plugin:<compat>" is
 * loaded and the registry searched again. The chosen plug-in's module is
 * pinned until the device is released.
 *
 * Reset: the plug-in's reset, else the ACPI companion's _RST method. A
 * device without either is refused unless reset_required=0.
 *
 * Both are told to userspace by two read-only attributes of the bound
 * device (Documentation/admin-guide.rst, "Device attributes"): plugin and
 * reset_method.
 */

#include <linux/acpi.h>
#include <linux/kmod.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/property.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/sysfs.h>

#include "vfio_platform_msi.h"

static bool reset_required = true;
module_param(reset_required, bool, 0444);
MODULE_PARM_DESC(reset_required,
		 "Refuse devices that have no reset (plug-in or ACPI _RST) (default: true)");

/* Registered plug-ins. */
static LIST_HEAD(vpm_plugins);
/*
 * vpm_plugins_gen counts registrations. vpm_waiters is set by a device
 * handed to us that could not bind for want of a plug-in, or that deferred
 * while this module initialised, and cleared by the re-probe that tries
 * them again. A plug-in's arrival re-probes only when some device waits:
 * that probe runs in a work item, beside whatever the user does next, and
 * a user who loads a plug-in and then binds a device (driver_override,
 * drivers_probe) would race it: drivers_probe returns at once for a device
 * that another context is probing, before VFIO has registered it, and
 * VFIO_GROUP_GET_DEVICE_FD then fails with -ENODEV.
 */
static u64 vpm_plugins_gen;
static bool vpm_waiters;
/* Protects vpm_plugins, vpm_plugins_gen and vpm_waiters. Process context. */
static DEFINE_MUTEX(vpm_plugins_lock);

static struct vfio_platform_msi_plugin *vpm_plugin_find(const char *compat)
{
	struct vfio_platform_msi_plugin *p;

	lockdep_assert_held(&vpm_plugins_lock);

	list_for_each_entry(p, &vpm_plugins, list)
		if (!strcmp(p->compat, compat))
			return p;
	return NULL;
}

/**
 * vfio_platform_msi_register_plugin - make a plug-in available
 * @plugin: the plug-in; @compat and @reset must be set, @owner should be
 *	THIS_MODULE. Must stay valid until unregistered.
 *
 * Devices bound after this call use the plug-in; devices handed to
 * vfio-platform-msi (driver_override) that could not bind for want of a
 * reset are probed again, from a work item: this call waits for no
 * device, as it may run in the module_init of a plug-in that a probe
 * holding its device's lock loads with request_module(). Returns 0,
 * -EINVAL for an incomplete plug-in or -EBUSY when one is registered for
 * @compat.
 */
int vfio_platform_msi_register_plugin(struct vfio_platform_msi_plugin *plugin)
{
	bool waiters = false;
	int ret = 0;

	if (!plugin->compat || !plugin->reset)
		return -EINVAL;

	mutex_lock(&vpm_plugins_lock);
	if (vpm_plugin_find(plugin->compat)) {
		ret = -EBUSY;
	} else {
		list_add_tail(&plugin->list, &vpm_plugins);
		vpm_plugins_gen++;
		waiters = vpm_waiters;
	}
	mutex_unlock(&vpm_plugins_lock);
	if (waiters)
		vpm_driver_reprobe();
	return ret;
}
EXPORT_SYMBOL_GPL(vfio_platform_msi_register_plugin);

/**
 * vfio_platform_msi_unregister_plugin - withdraw a plug-in
 * @plugin: a registered plug-in
 *
 * A device using the plug-in pins its module, so a modular plug-in is
 * only unregistered once no device uses it.
 */
void vfio_platform_msi_unregister_plugin(struct vfio_platform_msi_plugin *plugin)
{
	mutex_lock(&vpm_plugins_lock);
	list_del(&plugin->list);
	mutex_unlock(&vpm_plugins_lock);
}
EXPORT_SYMBOL_GPL(vfio_platform_msi_unregister_plugin);

/**
 * vpm_wait_for_plugin - a device waits for a plug-in to bind
 * @gen: vpm_plugins_generation() before the device looked for one
 *
 * The next plug-in to register probes the device again. One that
 * registered since @gen may have found no waiter: probe again now.
 */
void vpm_wait_for_plugin(u64 gen)
{
	bool arrived;

	mutex_lock(&vpm_plugins_lock);
	vpm_waiters = true;
	arrived = gen != vpm_plugins_gen;
	mutex_unlock(&vpm_plugins_lock);
	if (arrived)
		vpm_driver_reprobe();
}

u64 vpm_plugins_generation(void)
{
	u64 gen;

	mutex_lock(&vpm_plugins_lock);
	gen = vpm_plugins_gen;
	mutex_unlock(&vpm_plugins_lock);
	return gen;
}

/* For the re-probe: whether a device waits, which it then no longer does */
bool vpm_take_waiters(void)
{
	bool waiters;

	mutex_lock(&vpm_plugins_lock);
	waiters = vpm_waiters;
	vpm_waiters = false;
	mutex_unlock(&vpm_plugins_lock);
	return waiters;
}

/* Find a plug-in for @compat and pin its module. */
static struct vfio_platform_msi_plugin *vpm_plugin_get(const char *compat)
{
	struct vfio_platform_msi_plugin *p;

	mutex_lock(&vpm_plugins_lock);
	p = vpm_plugin_find(compat);
	if (p && !try_module_get(p->owner))
		p = NULL;
	mutex_unlock(&vpm_plugins_lock);
	return p;
}

static struct vfio_platform_msi_plugin *vpm_plugin_load(const char *compat)
{
	struct vfio_platform_msi_plugin *p;

	p = vpm_plugin_get(compat);
	if (p)
		return p;
	/*
	 * Failure just means there is no such module. Called from probe,
	 * with the device locked: the plug-in's module_init registers it
	 * while we wait here, and must not wait for this device (see
	 * vpm_driver_reprobe()).
	 */
	request_module("vfio-platform-msi-plugin:%s", compat);
	return vpm_plugin_get(compat);
}

static int vpm_plugin_use(struct vpm_device *vdev,
			  struct vfio_platform_msi_plugin *p, const char *compat)
{
	vdev->plugin_compat = kstrdup(compat, GFP_KERNEL);
	if (!vdev->plugin_compat) {
		module_put(p->owner);
		return -ENOMEM;
	}
	vdev->plugin = p;
	return 0;
}

#ifdef CONFIG_ACPI
static const char *vpm_acpi_hid(struct device *dev)
{
	struct acpi_device *adev = ACPI_COMPANION(dev);

	return adev ? acpi_device_hid(adev) : NULL;
}

static bool vpm_acpi_has_reset(struct device *dev)
{
	acpi_handle handle = ACPI_HANDLE(dev);

	return handle && acpi_has_method(handle, "_RST");
}

static int vpm_acpi_reset(struct device *dev)
{
	acpi_status status;

	status = acpi_evaluate_object(ACPI_HANDLE(dev), "_RST", NULL, NULL);
	if (ACPI_FAILURE(status)) {
		dev_warn(dev, "_RST failed: %s\n",
			 acpi_format_exception(status));
		return -EIO;
	}
	return 0;
}
#else
static const char *vpm_acpi_hid(struct device *dev)
{
	return NULL;
}

static bool vpm_acpi_has_reset(struct device *dev)
{
	return false;
}

static int vpm_acpi_reset(struct device *dev)
{
	return -ENODEV;
}
#endif

/* Look for a plug-in for each of the device's compatible strings. */
static int vpm_plugin_lookup(struct vpm_device *vdev)
{
	struct device *dev = &vdev->pdev->dev;
	struct vfio_platform_msi_plugin *p;
	const char **compats;
	const char *hid;
	int n, i, ret = 0;

	n = device_property_string_array_count(dev, "compatible");
	if (n <= 0) {
		hid = vpm_acpi_hid(dev);
		if (!hid)
			return 0;
		p = vpm_plugin_load(hid);
		return p ? vpm_plugin_use(vdev, p, hid) : 0;
	}

	compats = kcalloc(n, sizeof(*compats), GFP_KERNEL);
	if (!compats)
		return -ENOMEM;
	n = device_property_read_string_array(dev, "compatible", compats, n);
	for (i = 0; i < n; i++) {
		p = vpm_plugin_load(compats[i]);
		if (p) {
			ret = vpm_plugin_use(vdev, p, compats[i]);
			break;
		}
	}
	kfree(compats);
	return ret;
}

/* At probe, after the regions are known. Undone by vpm_reset_release(). */
int vpm_reset_init(struct vpm_device *vdev)
{
	struct device *dev = &vdev->pdev->dev;
	u64 gen = vpm_plugins_generation();
	int ret;

	vdev->info.dev = dev;
	vdev->info.num_regions = vdev->num_regions;
	vdev->info.regions = vdev->regions;

	ret = vpm_plugin_lookup(vdev);
	if (ret)
		return ret;

	if (vdev->plugin) {
		vdev->info.compat = vdev->plugin_compat;
		dev_dbg(dev, "using plug-in for %s\n", vdev->plugin_compat);
		return 0;
	}

	vdev->acpi_reset = vpm_acpi_has_reset(dev);
	if (vdev->acpi_reset)
		return 0;

	if (reset_required) {
		vpm_wait_for_plugin(gen);
		dev_err(dev, "no reset for this device (no plug-in for its compatible, no ACPI _RST); load its plug-in, or set vfio_platform_msi.reset_required=0 to use it without reset\n");
		return -ENODEV;
	}
	dev_warn(dev, "no reset for this device: it will not be reset on open, close or VFIO_DEVICE_RESET\n");
	return 0;
}

void vpm_reset_release(struct vpm_device *vdev)
{
	if (vdev->plugin)
		module_put(vdev->plugin->owner);
	vdev->plugin = NULL;
	kfree(vdev->plugin_compat);
	vdev->plugin_compat = NULL;
}

/*
 * Reset the device, if it can be: at open and close (regions mapped) and
 * on VFIO_DEVICE_RESET. Process context; serialised per device.
 */
int vpm_reset(struct vpm_device *vdev)
{
	int ret = 0;

	mutex_lock(&vdev->reset_lock);
	if (vdev->plugin)
		ret = vdev->plugin->reset(&vdev->info);
	else if (vdev->acpi_reset)
		ret = vpm_acpi_reset(&vdev->pdev->dev);
	mutex_unlock(&vdev->reset_lock);
	return ret;
}

/*
 * The bound device's attributes: which plug-in it uses and how it is
 * reset. Created after probe succeeded and removed before remove, so the
 * drvdata is set and what they show is fixed meanwhile.
 */
static ssize_t plugin_show(struct device *dev, struct device_attribute *attr,
			   char *buf)
{
	struct vpm_device *vdev = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%s\n",
			  vdev->plugin ? vdev->plugin_compat : "");
}
static DEVICE_ATTR_RO(plugin);

static ssize_t reset_method_show(struct device *dev,
				 struct device_attribute *attr, char *buf)
{
	struct vpm_device *vdev = dev_get_drvdata(dev);

	return sysfs_emit(buf, "%s\n", vdev->plugin ? "plugin" :
			  vdev->acpi_reset ? "acpi" : "none");
}
static DEVICE_ATTR_RO(reset_method);

static struct attribute *vpm_dev_attrs[] = {
	&dev_attr_plugin.attr,
	&dev_attr_reset_method.attr,
	NULL,
};

static const struct attribute_group vpm_dev_group = {
	.attrs = vpm_dev_attrs,
};

const struct attribute_group *vpm_dev_groups[] = {
	&vpm_dev_group,
	NULL,
};
