// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-msi: the capability chain of VFIO_DEVICE_GET_IRQ_INFO.
 *
 * struct vfio_irq_info is extended the way struct vfio_region_info was:
 * cap_offset and a pad are appended (struct vfio_platform_msi_irq_info, 24
 * bytes) and VFIO_PLATFORM_MSI_IRQ_INFO_FLAG_CAPS says a chain follows. A
 * caller passing the 16-byte upstream structure gets the upstream answer;
 * a caller passing 24 bytes or more learns the chain's size through argsz
 * and gets the chain when it fits. vpm_irq_info_reply() is the one place that lays out the
 * reply.
 */

#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "vfio_platform_msi.h"

/**
 * vpm_irq_info_reply - copy a GET_IRQ_INFO answer to userspace
 * @arg: the user's structure
 * @info: the answer (argsz as the user passed it)
 * @caps: the chain built for it, or NULL for an upstream-sized request
 */
int vpm_irq_info_reply(void __user *arg, struct vfio_irq_info *info,
		       struct vfio_info_cap *caps)
{
	struct vfio_platform_msi_irq_info ext = {
		.argsz = info->argsz,
		.flags = info->flags,
		.index = info->index,
		.count = info->count,
	};

	if (!caps)
		return copy_to_user(arg, info, sizeof(*info)) ? -EFAULT : 0;

	if (caps->size) {
		ext.flags |= VFIO_PLATFORM_MSI_IRQ_INFO_FLAG_CAPS;
		if (ext.argsz < sizeof(ext) + caps->size) {
			ext.argsz = sizeof(ext) + caps->size;
		} else {
			vfio_info_cap_shift(caps, sizeof(ext));
			if (copy_to_user(arg + sizeof(ext), caps->buf,
					 caps->size))
				return -EFAULT;
			ext.cap_offset = sizeof(ext);
		}
	}
	return copy_to_user(arg, &ext, sizeof(ext)) ? -EFAULT : 0;
}
