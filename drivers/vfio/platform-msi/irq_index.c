// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-msi: the IRQ index base.
 *
 * Every kind of IRQ index (irq_wired.c, irq_msi.c) embeds a struct
 * vpm_irq_index and sets it up here. core.c dispatches to the kinds
 * through their struct vpm_irq_ops; the kinds never call core.c.
 */

#include <linux/mutex.h>

#include "vfio_platform_msi.h"

void vpm_irq_index_init(struct vpm_irq_index *idx, struct vpm_device *vdev,
			const struct vpm_irq_ops *ops, unsigned int index,
			unsigned int count)
{
	idx->ops = ops;
	idx->vdev = vdev;
	idx->index = index;
	idx->count = count;
	mutex_init(&idx->lock);
}

void vpm_irq_index_destroy(struct vpm_irq_index *idx)
{
	mutex_destroy(&idx->lock);
}
