/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfio-platform-msi: private definitions shared by the driver's files.
 *
 * Object lifetimes:
 *  - struct vpm_device and everything it points to are allocated at probe
 *    and freed by the vfio_device release callback, once the last reference
 *    to the vfio_device is gone (after remove).
 *  - Region mappings and IRQ handlers live from open_device to
 *    close_device (the first open and last close of the device's fds).
 *
 * Between open_device and close_device the VFIO core guarantees the
 * device is open; read, write, mmap and ioctl only run in that window, and
 * an mmap pins the device file, so close_device cannot run while a user
 * mapping of a region exists.
 */
#ifndef VFIO_PLATFORM_MSI_PRIV_H
#define VFIO_PLATFORM_MSI_PRIV_H

#include <linux/atomic.h>
#include <linux/irqreturn.h>
#include <linux/mutex.h>
#include <linux/pm.h>
#include <linux/rwsem.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/vfio.h>
#include <linux/vfio_platform_msi.h>
#include <uapi/linux/vfio_platform_msi.h>

/*
 * Names. VPM_DRIVER_NAME is the project's own (debugfs directory, plug-in
 * aliases); the platform driver and the VFIO device ops carry
 * vpm_driver_name: VPM_UPSTREAM_NAME or VPM_DRIVER_NAME, as the module
 * parameter driver_name chose at load (main.c).
 */
#define VPM_DRIVER_NAME		"vfio-platform-msi"
#define VPM_UPSTREAM_NAME	"vfio-platform"

extern char vpm_driver_name[];

/* Region n of the device fd is at file offset n << 40, like vfio-platform. */
#define VPM_OFFSET_SHIFT	40
#define VPM_OFFSET_MASK		((1ULL << VPM_OFFSET_SHIFT) - 1)
#define VPM_OFFSET_TO_INDEX(off)	((u64)(off) >> VPM_OFFSET_SHIFT)
#define VPM_INDEX_TO_OFFSET(index)	((u64)(index) << VPM_OFFSET_SHIFT)

struct attribute_group;
struct eventfd_ctx;
struct seq_file;
struct vpm_device;
struct vpm_irq_index;
struct vfio_info_cap;

/*
 * The IRQ index base (irq_index.c): what every kind of index embeds, and
 * the operations core.c calls on it.
 */

/**
 * struct vpm_irq_ops - one kind of IRQ index (wired line, MSI block)
 * @get_info: fill @info->flags and @info->count; may add capabilities to
 *	@caps (NULL for an upstream-sized request). Index lock held.
 * @set_irqs: VFIO_DEVICE_SET_IRQS on the index, after core validated the
 *	header against the index's count and copied the data in. Exactly one
 *	action bit and one data type bit are set in @flags. Called with the
 *	index lock held.
 * @open: at open_device, with the regions mapped. May fail.
 * @quiesce: at close_device: stop every source of events (virqfds,
 *	handlers) before the device is reset. Cannot fail.
 * @close: at close_device, after the reset: free what @open allocated.
 * @reset_done: optional; after VFIO_DEVICE_RESET while open: give the
 *	device back what the reset made it forget. Index lock held.
 * @debug_show: optional; print the index's state for debugfs. Index lock
 *	held.
 * @release: free the index object itself (vfio_device release).
 */
struct vpm_irq_ops {
	int (*get_info)(struct vpm_irq_index *idx, struct vfio_irq_info *info,
			struct vfio_info_cap *caps);
	int (*set_irqs)(struct vpm_irq_index *idx, u32 flags,
			unsigned int start, unsigned int count, void *data);
	int (*open)(struct vpm_irq_index *idx);
	void (*quiesce)(struct vpm_irq_index *idx);
	void (*close)(struct vpm_irq_index *idx);
	void (*reset_done)(struct vpm_irq_index *idx);
	void (*debug_show)(struct vpm_irq_index *idx, struct seq_file *m);
	void (*release)(struct vpm_irq_index *idx);
};

/**
 * struct vpm_irq_index - one VFIO IRQ index; embedded in the object of
 *	its kind (see irq_wired.c)
 * @ops: the index's operations
 * @vdev: the device
 * @index: this index's number
 * @count: number of sub-indexes (VFIO "count"), fixed at probe
 * @lock: the index's "igate". Serialises SET_IRQS on the index and its
 *	open/quiesce/close, and protects whatever those change (eventfd
 *	contexts, virqfds). A mutex: held in process context only, never in
 *	interrupt handlers or virqfd callbacks.
 */
struct vpm_irq_index {
	const struct vpm_irq_ops *ops;
	struct vpm_device *vdev;
	unsigned int index;
	unsigned int count;
	struct mutex lock;	/* the index's igate, see above */
};

/**
 * struct vpm_irq_line - an interrupt line behind an eventfd (irq_line.c):
 *	a wired line or an MSI vector, embedded in the object of its kind
 *
 * Two independent reasons keep the line disabled, each counted at most
 * once in the irq's disable depth: no trigger (while @trigger is NULL),
 * and masked (@masked, by the user, a mask virqfd or the kind itself).
 *
 * @igate: the lock of the index the line belongs to. Serialises the
 *	handler's installation and removal and every change of @trigger and
 *	of the virqfds.
 * @virq: Linux irq number; set by the kind before the handler is installed
 * @requested: the handler (vpm_irq_line_handler(), or one of the kind that
 *	calls vpm_irq_line_signal()) is installed, with the line as dev_id.
 *	Written with @igate and @lock held; read under either.
 * @trigger: eventfd signalled on each event. Written with @igate held and
 *	the irq disabled synchronously (disable_irq() waits for a running
 *	handler); read by the handler and, under @igate, by loopback triggers.
 * @mask_fd: virqfd masking the line when signalled (@igate)
 * @unmask_fd: virqfd unmasking the line when signalled (@igate)
 * @mask_fd_attached: a mask virqfd was attached since it was last removed,
 *	even if virqfd has cleared @mask_fd since (@igate)
 * @unmask_fd_attached: the same for @unmask_fd (@igate)
 * @lock: protects @masked, @draining and the disable depth they stand
 *	for. Taken in hard irq handlers, in virqfd callbacks (atomic, eventfd
 *	wakeup) and in process context: always with interrupts disabled,
 *	never held across anything that sleeps.
 * @masked: the line is masked; counted in the irq's disable depth while
 *	@requested and not @draining
 * @draining: the line is enabled for a moment on its CPU to take an event
 *	the interrupt controller holds (vpm_irq_line_drop_held()): a mask or
 *	unmask meanwhile changes @masked only, and the disable depth is
 *	brought in line with it when the moment ends (@lock)
 */
struct vpm_irq_line {
	struct mutex *igate;	/* the owning index's lock, see above */
	int virq;
	bool requested;
	struct eventfd_ctx *trigger;
	struct virqfd *mask_fd;
	struct virqfd *unmask_fd;
	bool mask_fd_attached;
	bool unmask_fd_attached;

	spinlock_t lock;	/* protects @masked; any context, irqsave */
	bool masked;
	bool draining;
};

/**
 * struct vpm_device - a platform device bound to vfio-platform-msi
 * @vdev: the VFIO device (must stay first: vfio_alloc_device())
 * @pdev: the platform device
 * @num_regions: number of MMIO regions (memory resources), fixed at probe
 * @regions: region table; phys and size fixed at probe, base set by
 *	open_device and cleared by close_device
 * @region_flags: VFIO_REGION_INFO_FLAG_* of each region, fixed at probe
 * @region_access: what the plug-in allows in each region (all zero without
 *	a region_access callback), set by open_device before anything can
 *	read it: read, write, mmap and ioctls only run while the device is
 *	open
 * @num_irqs: number of IRQ indexes, fixed at probe
 * @irqs: the IRQ index table, fixed at probe
 * @msi_idx: the MSI index in @irqs, or NULL, fixed at probe
 * @info: what the plug-in sees of the device (points into @regions)
 * @plugin: the device's plug-in, or NULL; its module is pinned from probe
 *	to release
 * @plugin_compat: the compatible string @plugin matched, owned
 * @acpi_reset: the ACPI companion has a _RST method (used without plug-in)
 * @debugfs: the device's debugfs directory, or NULL
 * @reset_lock: serialises resets and every other plug-in callback of this
 *	device (open, close, the VFIO_DEVICE_RESET ioctl and the power
 *	callbacks). A mutex: process context only. Taken inside
 *	@power_lock, never the other way round.
 * @power_lock: the device's power state (pm.c): protects @pm_engaged,
 *	@pm_wake and @powered_off. Held for writing by the low-power
 *	features, the runtime PM callbacks and close, which change them and
 *	revoke the user mappings; held for reading around each device access
 *	of read() and write() and by the mmap fault handler, which must see
 *	the device powered and not in low power. Lock order: mmap_lock (the
 *	fault handler's caller) -> @power_lock -> @reset_lock. Never held
 *	across copy_to_user() or copy_from_user(): a fault on a mapping of
 *	the device would take it again.
 * @pm_engaged: userspace put the device in low power (LOW_POWER_ENTRY*),
 *	and the driver dropped its runtime PM usage count; mmap faults get
 *	SIGBUS. Written under @power_lock (write); also read without it by
 *	the wired lines' hard irq handler (READ_ONCE), to ask for a resume.
 * @pm_wake: the wake-up eventfd of LOW_POWER_ENTRY_WITH_WAKEUP, or NULL
 *	(@power_lock)
 * @powered_off: the device is runtime suspended: read() and write() fail
 *	with EIO (@power_lock)
 * @nr_vmas: user mappings of the device's regions (vm_operations open and
 *	close); where the VFIO core gives the device no address space of its
 *	own, low power is refused while one exists (region.c)
 */
struct vpm_device {
	struct vfio_device vdev;
	struct platform_device *pdev;

	unsigned int num_regions;
	struct vfio_platform_msi_region *regions;
	u32 *region_flags;
	struct vfio_platform_msi_region_access *region_access;

	unsigned int num_irqs;
	struct vpm_irq_index **irqs;
	struct vpm_irq_index *msi_idx;

	struct vfio_platform_msi_dev_info info;
	struct vfio_platform_msi_plugin *plugin;
	const char *plugin_compat;
	bool acpi_reset;
	struct dentry *debugfs;
	struct mutex reset_lock;	/* serialises plug-in callbacks */

	struct rw_semaphore power_lock;	/* power state, see above */
	bool pm_engaged;
	struct eventfd_ctx *pm_wake;
	bool powered_off;
	atomic_t nr_vmas;
};

static inline struct vpm_device *to_vpm(struct vfio_device *vdev)
{
	return container_of(vdev, struct vpm_device, vdev);
}

static inline bool vpm_has_reset(struct vpm_device *vdev)
{
	return vdev->plugin || vdev->acpi_reset;
}

/* core.c */
int vpm_open_device(struct vfio_device *core_vdev);
void vpm_close_device(struct vfio_device *core_vdev);
long vpm_ioctl(struct vfio_device *core_vdev, unsigned int cmd,
	       unsigned long arg);
int vpm_device_feature(struct vfio_device *core_vdev, u32 flags,
		       void __user *arg, size_t argsz);
int vpm_get_region_info_caps(struct vfio_device *core_vdev,
			     struct vfio_region_info *info,
			     struct vfio_info_cap *caps);
int vpm_irqs_init(struct vpm_device *vdev);
void vpm_irqs_release(struct vpm_device *vdev);

/* irq_index.c */
void vpm_irq_index_init(struct vpm_irq_index *idx, struct vpm_device *vdev,
			const struct vpm_irq_ops *ops, unsigned int index,
			unsigned int count);
void vpm_irq_index_destroy(struct vpm_irq_index *idx);

/* irq_line.c */
void vpm_irq_line_init(struct vpm_irq_line *line, struct mutex *igate,
		       int virq);
void vpm_irq_line_requested(struct vpm_irq_line *line);
void vpm_irq_line_free(struct vpm_irq_line *line);
int vpm_irq_line_drop_held(struct vpm_irq_line *line);
extern bool vpm_drain_on_cpu;
extern atomic_t vpm_drained;
irqreturn_t vpm_irq_line_handler(int irq, void *line);
void vpm_irq_line_signal(struct vpm_irq_line *line);
bool vpm_irq_line_mask(struct vpm_irq_line *line);
void vpm_irq_line_unmask(struct vpm_irq_line *line);
void vpm_irq_line_set_trigger(struct vpm_irq_line *line,
			      struct eventfd_ctx *trigger);
bool vpm_irq_line_has_virqfd(struct vpm_irq_line *line, bool mask);
int vpm_irq_line_set_virqfd(struct vpm_irq_line *line, bool mask, s32 fd);
bool vpm_irq_line_stop_virqfds(struct vpm_irq_line *line);
void vpm_irq_line_flush_virqfds(void);

/* region.c */
int vpm_regions_init(struct vpm_device *vdev);
void vpm_regions_free(struct vpm_device *vdev);
int vpm_regions_map(struct vpm_device *vdev);
void vpm_regions_unmap(struct vpm_device *vdev);
void vpm_region_info(struct vpm_device *vdev, unsigned int index,
		     struct vfio_region_info *info);
int vpm_region_add_caps(struct vpm_device *vdev, unsigned int index,
			struct vfio_info_cap *caps);
ssize_t vpm_region_read(struct vfio_device *core_vdev, char __user *buf,
			size_t count, loff_t *ppos);
ssize_t vpm_region_write(struct vfio_device *core_vdev, const char __user *buf,
			 size_t count, loff_t *ppos);
int vpm_region_mmap(struct vfio_device *core_vdev, struct vm_area_struct *vma);
void vpm_regions_zap(struct vpm_device *vdev);
bool vpm_regions_revocable(struct vpm_device *vdev);

/* pm.c */
int vpm_pm_init(struct vpm_device *vdev);
void vpm_pm_exit(struct vpm_device *vdev);
void vpm_pm_close(struct vpm_device *vdev);
void vpm_pm_irq_event(struct vpm_device *vdev);
int vpm_pm_feature_entry(struct vpm_device *vdev, u32 flags,
			 void __user *arg, size_t argsz);
int vpm_pm_feature_entry_wakeup(struct vpm_device *vdev, u32 flags,
				void __user *arg, size_t argsz);
int vpm_pm_feature_exit(struct vpm_device *vdev, u32 flags,
			void __user *arg, size_t argsz);
extern const struct dev_pm_ops vpm_pm_ops;

/* irq_wired.c */
int vpm_wired_count(struct vpm_device *vdev);
struct vpm_irq_index *vpm_wired_create(struct vpm_device *vdev,
				       unsigned int index, unsigned int line);

/* irq_msi.c */
struct vpm_irq_index *vpm_msi_create(struct vpm_device *vdev,
				     unsigned int index);
int vpm_msi_feature(struct vpm_irq_index *idx, u32 flags, void __user *arg,
		    size_t argsz);

/* irq_caps.c */
int vpm_irq_info_reply(void __user *arg, struct vfio_irq_info *info,
		       struct vfio_info_cap *caps);

/* main.c */
void vpm_driver_reprobe(void);

/* debugfs.c */
void vpm_debugfs_add(struct vpm_device *vdev);
void vpm_debugfs_remove(struct vpm_device *vdev);
void vpm_debugfs_init(void);
void vpm_debugfs_exit(void);

/* plugins.c */
int vpm_reset_init(struct vpm_device *vdev);
void vpm_reset_release(struct vpm_device *vdev);
int vpm_reset(struct vpm_device *vdev);
u64 vpm_plugins_generation(void);
void vpm_wait_for_plugin(u64 gen);
bool vpm_take_waiters(void);
extern const struct attribute_group *vpm_dev_groups[];

#endif /* VFIO_PLATFORM_MSI_PRIV_H */
