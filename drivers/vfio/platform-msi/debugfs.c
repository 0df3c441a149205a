// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-msi: debug counters.
 *
 * /sys/kernel/debug/vfio-platform-msi/<device>/state says, for each IRQ
 * index, what the driver holds right now: handlers installed, eventfds and
 * virqfds, the MSI block and its vectors. Tests use it to check that
 * closing the device (or a VMM quitting) leaves nothing behind. Not an
 * ABI.
 *
 * /sys/kernel/debug/vfio-platform-msi/drain_on_cpu (Y/N, N by default):
 * drop the events the interrupt controller holds for a disabled line by
 * taking them on the line's CPU even where the controller could clear
 * them (irq_line.c), so that this path runs on the ITS too; and drained:
 * how many events were taken that way since the module was loaded.
 */

#include <linux/debugfs.h>
#include <linux/platform_device.h>
#include <linux/seq_file.h>

#include "vfio_platform_msi.h"

static struct dentry *vpm_debugfs_root;

static int vpm_state_show(struct seq_file *m, void *unused)
{
	struct vpm_device *vdev = m->private;
	struct vpm_irq_index *idx;
	unsigned int i;

	for (i = 0; i < vdev->num_irqs; i++) {
		idx = vdev->irqs[i];
		mutex_lock(&idx->lock);
		seq_printf(m, "index %u: count %u", i, idx->count);
		if (idx->ops->debug_show)
			idx->ops->debug_show(idx, m);
		seq_putc(m, '\n');
		mutex_unlock(&idx->lock);
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vpm_state);

void vpm_debugfs_add(struct vpm_device *vdev)
{
	if (!vpm_debugfs_root)
		return;
	vdev->debugfs = debugfs_create_dir(dev_name(&vdev->pdev->dev),
					   vpm_debugfs_root);
	debugfs_create_file("state", 0444, vdev->debugfs, vdev,
			    &vpm_state_fops);
}

void vpm_debugfs_remove(struct vpm_device *vdev)
{
	debugfs_remove_recursive(vdev->debugfs);
	vdev->debugfs = NULL;
}

void vpm_debugfs_init(void)
{
	vpm_debugfs_root = debugfs_create_dir(VPM_DRIVER_NAME, NULL);
	debugfs_create_bool("drain_on_cpu", 0644, vpm_debugfs_root,
			    &vpm_drain_on_cpu);
	debugfs_create_atomic_t("drained", 0444, vpm_debugfs_root,
				&vpm_drained);
}

void vpm_debugfs_exit(void)
{
	debugfs_remove_recursive(vpm_debugfs_root);
	vpm_debugfs_root = NULL;
}
