/* SPDX-License-Identifier: GPL-2.0 */
/*
 * In-kernel plug-in interface of the vfio-platform-msi driver.
 *
 * A plug-in supplies what the VFIO bus driver cannot know about a device
 * model: how to reset it (and, later, how to program and mask its MSIs).
 * Plug-ins are matched by compatible string. When a device is bound to
 * vfio-platform-msi, the driver looks for a registered plug-in for each of
 * the device's compatible strings in order (for an ACPI device without
 * one: its _HID), loading "vfio-platform-msi-plugin:<compat>" with
 * request_module() if none is registered yet. The plug-in's module is
 * pinned while a device uses it.
 *
 * Every callback runs in process context, may sleep, and is serialised
 * against the other callbacks for the same device, except the MSI
 * operations a plug-in hands out through @msi_init, which run in atomic
 * context. The device's MMIO regions are mapped while any callback runs.
 */
#ifndef _LINUX_VFIO_PLATFORM_MSI_H
#define _LINUX_VFIO_PLATFORM_MSI_H

#include <linux/device/driver.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/types.h>

struct device;
struct msi_msg;

/**
 * struct vfio_platform_msi_region - one MMIO region of the device
 * @base: kernel mapping of the region (ioremap), valid during callbacks
 * @phys: physical start address
 * @size: size in bytes
 *
 * Region n is the device's n-th memory resource (in DT: its n-th "reg"
 * entry), which is also VFIO region n.
 */
struct vfio_platform_msi_region {
	void __iomem *base;
	phys_addr_t phys;
	resource_size_t size;
};

/* Most ranges a plug-in can keep out of mmap in one region. */
#define VFIO_PLATFORM_MSI_MAX_NOMMAP	4

/**
 * struct vfio_platform_msi_range - a byte range of a region
 * @offset: start, from the start of the region
 * @size: length in bytes, not 0
 */
struct vfio_platform_msi_range {
	resource_size_t offset;
	resource_size_t size;
};

/**
 * struct vfio_platform_msi_region_access - how userspace may access a region
 * @io64: read() and write() on the device fd move 8 naturally aligned
 *	bytes with one 64-bit access (readq/writeq) instead of two 32-bit
 *	ones. Off by default, as in upstream vfio-platform: many devices
 *	answer a 64-bit access with an external abort (on arm64, an SError
 *	taken in the host kernel). Set it only for a region in which every
 *	8-byte aligned doubleword takes a 64-bit access. Ignored where the
 *	architecture has no 64-bit MMIO accessors.
 * @nr_nommap: number of entries used in @nommap
 * @nommap: ranges of the region userspace must not mmap because the kernel
 *	owns them (e.g. an MSI table that the plug-in's MSI operations
 *	program). Each is widened to whole pages; the rest of the region
 *	stays mmappable and is reported in VFIO_REGION_INFO_CAP_SPARSE_MMAP.
 *	Ranges may come in any order and overlap. Ignored for a region that
 *	cannot be mmapped at all; read() and write() still reach the whole
 *	region.
 */
struct vfio_platform_msi_region_access {
	bool io64;
	unsigned int nr_nommap;
	struct vfio_platform_msi_range nommap[VFIO_PLATFORM_MSI_MAX_NOMMAP];
};

/**
 * struct vfio_platform_msi_dev_info - a device, as a plug-in sees it
 * @dev: the platform device
 * @compat: the compatible string (or ACPI _HID) the plug-in matched
 * @num_regions: number of entries in @regions
 * @regions: the device's MMIO regions
 */
struct vfio_platform_msi_dev_info {
	struct device *dev;
	const char *compat;
	unsigned int num_regions;
	const struct vfio_platform_msi_region *regions;
};

/**
 * struct vfio_platform_msi_msi_ops - how the kernel drives a device's MSIs
 * @nvec: number of vectors; 0 leaves the device's MSIs to userspace
 *	(generic mode: the user says how many when it asks for them)
 * @write_msg: store vector @vector's message in the device, and make the
 *	device able to send it. Required when @nvec is set. Atomic context.
 *	Called with a valid message only (never an all-zero one): each time
 *	userspace enables the vector (it may have reset the device behind
 *	the kernel's back), when the interrupt controller moves it, and
 *	after VFIO_DEVICE_RESET. Never called after the reset on close: the
 *	close path resets the device before freeing the vectors, and freeing
 *	a vector does not write to the device, which therefore stays as
 *	@reset left it (no MSI enabled, nothing armed).
 * @mask: mask vector @vector in the device: it holds an event that
 *	arrives meanwhile and sends it on unmask. Optional, with @unmask;
 *	without them vectors are masked at the interrupt controller.
 *	Atomic context.
 * @unmask: unmask vector @vector in the device. Atomic context.
 */
struct vfio_platform_msi_msi_ops {
	unsigned int nvec;
	void (*write_msg)(const struct vfio_platform_msi_dev_info *info,
			  unsigned int vector, const struct msi_msg *msg);
	void (*mask)(const struct vfio_platform_msi_dev_info *info,
		     unsigned int vector);
	void (*unmask)(const struct vfio_platform_msi_dev_info *info,
		       unsigned int vector);
};

/**
 * struct vfio_platform_msi_plugin - device-specific operations
 * @compat: compatible string (or ACPI _HID) this plug-in handles
 * @owner: module implementing the plug-in (THIS_MODULE)
 * @reset: bring the device to its power-on state: no DMA, no interrupts
 *	pending or enabled. Called when the device is opened, closed and on
 *	VFIO_DEVICE_RESET. Returns 0 or a negative errno.
 * @msi_init: optional; called when the device is opened, after the reset:
 *	fill @ops (zeroed by the caller) to let the kernel program and mask
 *	the device's MSIs. Returns 0 or a negative errno.
 * @region_access: optional; called when the device is opened, before the
 *	reset, once for each region @index: fill @access (zeroed by the
 *	caller) to say how userspace may access the region until the device
 *	is closed. Returns 0 or a negative errno (the open fails).
 * @power_off: optional, with @power_on; called when the device runtime
 *	suspends, which only happens while it is open and userspace asked
 *	for low power (VFIO_DEVICE_FEATURE_LOW_POWER_ENTRY*): put the device
 *	in its low-power state. With @wake (userspace asked to be woken up),
 *	leave it able to raise its wired interrupt(s) as a wake-up event;
 *	without, it should raise none. No user access to the device runs
 *	meanwhile, and none reaches it until @power_on returned. Returns 0,
 *	or a negative errno: the device then stays powered (and active),
 *	userspace sees no error. Without the two callbacks the device still
 *	runtime suspends: its PM domain (genpd, ACPI _PS3) does what it can,
 *	and user access is blocked the same way.
 * @power_on: bring the device back to full power from @power_off, with
 *	the state it had before (registers, interrupt configuration).
 *	Returns 0 or a negative errno (the resume fails, the VFIO core then
 *	answers the device's ioctls with EIO).
 * @list: private to vfio-platform-msi
 */
struct vfio_platform_msi_plugin {
	const char *compat;
	struct module *owner;
	int (*reset)(const struct vfio_platform_msi_dev_info *info);
	int (*msi_init)(const struct vfio_platform_msi_dev_info *info,
			struct vfio_platform_msi_msi_ops *ops);
	int (*region_access)(const struct vfio_platform_msi_dev_info *info,
			     unsigned int index,
			     struct vfio_platform_msi_region_access *access);
	int (*power_off)(const struct vfio_platform_msi_dev_info *info,
			 bool wake);
	int (*power_on)(const struct vfio_platform_msi_dev_info *info);

	struct list_head list;
};

int vfio_platform_msi_register_plugin(struct vfio_platform_msi_plugin *plugin);
void vfio_platform_msi_unregister_plugin(struct vfio_platform_msi_plugin *plugin);

/* Lets request_module() find the plug-in for @compat. */
#define MODULE_ALIAS_VFIO_PLATFORM_MSI_PLUGIN(compat) \
	MODULE_ALIAS("vfio-platform-msi-plugin:" compat)

/* A module that does nothing but register one plug-in. */
#define module_vfio_platform_msi_plugin(__plugin) \
	module_driver(__plugin, vfio_platform_msi_register_plugin, \
		      vfio_platform_msi_unregister_plugin)

#endif /* _LINUX_VFIO_PLATFORM_MSI_H */
