/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vfio-platform-msi: additions to the VFIO uAPI for platform devices with
 * message-signalled interrupts.
 *
 * Everything a VFIO user already knows from <linux/vfio.h> is unchanged:
 * regions, wired interrupts (indexes 0..W-1, one interrupt each) and every
 * ioctl. This header adds two things, both discoverable and both invisible
 * to users that do not ask for them:
 *
 *  - The MSI index. When the device has MSIs, IRQ index W (the number of
 *    wired interrupts) is the MSI block: count = number of vectors, one
 *    sub-index per vector, flags EVENTFD | MASKABLE.
 *
 *  - A capability chain in VFIO_DEVICE_GET_IRQ_INFO, on every index, that
 *    says what the index is. struct vfio_irq_info is extended the way
 *    struct vfio_region_info was: cap_offset and a pad are appended, and
 *    VFIO_IRQ_INFO_FLAG_CAPS says the chain is present. A caller passing the
 *    16-byte struct of <linux/vfio.h> sees exactly the upstream behaviour.
 *    A caller passing argsz >= 24 gets argsz back set to the size needed for
 *    the whole chain; the chain is copied only when it fits.
 *
 * Documentation/uapi.rst is the reference for all of this.
 */
#ifndef _UAPI_LINUX_VFIO_PLATFORM_MSI_H
#define _UAPI_LINUX_VFIO_PLATFORM_MSI_H

#include <linux/types.h>
#include <linux/vfio.h>

/* Version of the additions described here; bumped on any extension. */
#define VFIO_PLATFORM_MSI_API_VERSION	1

/*
 * struct vfio_irq_info_ext - VFIO_DEVICE_GET_IRQ_INFO with capabilities
 *
 * The first 16 bytes are struct vfio_irq_info. Set argsz to at least
 * sizeof(struct vfio_irq_info_ext) to receive capabilities.
 */
struct vfio_irq_info_ext {
	__u32	argsz;
	__u32	flags;
	__u32	index;
	__u32	count;
	__u32	cap_offset;	/* offset of the first capability, or 0 */
	__u32	pad;		/* reserved, zero */
};

#define VFIO_IRQ_INFO_FLAG_CAPS		(1 << 4)	/* cap_offset is valid */

/*
 * Capability IDs of the IRQ-info chain. Each capability starts with a
 * struct vfio_info_cap_header (id, version, next), is 8-byte aligned, and
 * may grow at its end in a later version.
 */
#define VFIO_IRQ_INFO_CAP_TYPE		1
#define VFIO_IRQ_INFO_CAP_MSI_MSGS	2

/*
 * struct vfio_irq_info_cap_type - what an index is (every index has one)
 *
 * @type:	VFIO_IRQ_TYPE_WIRED or VFIO_IRQ_TYPE_MSI
 * @trigger:	VFIO_IRQ_TRIGGER_EDGE or VFIO_IRQ_TRIGGER_LEVEL
 * @mask:	where VFIO_IRQ_SET_ACTION_MASK masks: VFIO_IRQ_MASK_*
 * @flags:	VFIO_IRQ_CAP_TYPE_*
 */
struct vfio_irq_info_cap_type {
	struct vfio_info_cap_header header;
	__u32	type;
	__u32	trigger;
	__u32	mask;
	__u32	flags;
};

#define VFIO_IRQ_INFO_CAP_TYPE_VERSION	1

#define VFIO_IRQ_TYPE_WIRED		1	/* a wired line of the device */
#define VFIO_IRQ_TYPE_MSI		2	/* message-signalled vectors */

#define VFIO_IRQ_TRIGGER_EDGE		1
#define VFIO_IRQ_TRIGGER_LEVEL		2

#define VFIO_IRQ_MASK_NONE		0	/* cannot be masked */
#define VFIO_IRQ_MASK_IRQCHIP		1	/* at the interrupt controller */
#define VFIO_IRQ_MASK_DEVICE		2	/* at the source, in the device */

/* An event that arrives while masked is held and delivered on unmask. */
#define VFIO_IRQ_CAP_TYPE_REPLAY	(1 << 0)
/*
 * Sub-indexes can be enabled and disabled one by one while others are live,
 * without disturbing them (no NORESIZE).
 */
#define VFIO_IRQ_CAP_TYPE_DYNAMIC	(1 << 1)
/* Level interrupts are masked by the kernel when they fire. */
#define VFIO_IRQ_CAP_TYPE_AUTOMASKED	(1 << 2)

/*
 * struct vfio_irq_info_cap_msi_msgs - the vectors' MSI messages
 *
 * Present on the MSI index only. Entry i describes vector i; @nr is the
 * number of entries (the index's count). A generic userspace driver
 * programs the device with these messages itself; with a device-specific
 * plug-in in the kernel, the kernel has already done so and the messages
 * are informational.
 *
 * Messages are valid (VFIO_IRQ_MSI_MSG_VALID) once the MSI block has been
 * allocated, which happens on the first VFIO_DEVICE_SET_IRQS on the MSI
 * index, and stay valid until the device is closed. Unless
 * VFIO_IRQ_MSI_MSGS_MAY_CHANGE is set, a valid message never changes while
 * the device is open (the GICv3 ITS). When it is set (an interrupt
 * controller whose messages follow the vector's affinity), @generation is
 * incremented on every change and users re-read the messages.
 */
struct vfio_irq_msi_msg {
	__u64	address;
	__u32	data;
	__u32	flags;
};

#define VFIO_IRQ_MSI_MSG_VALID		(1 << 0)

struct vfio_irq_info_cap_msi_msgs {
	struct vfio_info_cap_header header;
	__u32	flags;
	__u32	generation;
	__u32	nr;
	__u32	pad;
	struct vfio_irq_msi_msg msgs[];
};

#define VFIO_IRQ_INFO_CAP_MSI_MSGS_VERSION	1

#define VFIO_IRQ_MSI_MSGS_MAY_CHANGE	(1 << 0)
#define VFIO_IRQ_MSI_MSGS_PROGRAMMED	(1 << 1)	/* by the kernel */

#endif /* _UAPI_LINUX_VFIO_PLATFORM_MSI_H */
