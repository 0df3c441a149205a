/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * vfio-platform-msi: additions to the VFIO uAPI for platform devices with
 * message-signalled interrupts (MSIs), version 2.
 *
 * A VFIO user that does not ask sees exactly upstream vfio-platform's
 * device: its regions and its wired interrupts, indexes 0..W-1, each with
 * count 1. A user that wants the device's MSIs asks for them on its open
 * device with VFIO_DEVICE_FEATURE (VFIO_PLATFORM_MSI_FEATURE_MSI): from
 * then until the device is closed, IRQ index W is the block of vectors,
 * one sub-index per vector, EVENTFD | MASKABLE, and its
 * VFIO_DEVICE_GET_IRQ_INFO reply can carry one capability that says what
 * the user needs to drive them.
 *
 * Everything here is in the vfio_platform_msi / VFIO_PLATFORM_MSI_
 * namespace: nothing reuses or redefines a name of <linux/vfio.h>.
 * Documentation/uapi.rst is the reference.
 */
#ifndef _UAPI_LINUX_VFIO_PLATFORM_MSI_H
#define _UAPI_LINUX_VFIO_PLATFORM_MSI_H

#include <linux/types.h>
#include <linux/vfio.h>

/*
 * VFIO_DEVICE_FEATURE numbers of this driver. Upstream numbers its
 * features from 0 up; these sit at the top of the 16-bit space, away from
 * them. VFIO_DEVICE_FEATURE_PROBE tells whether a device has them.
 */
#define VFIO_PLATFORM_MSI_FEATURE_MSI		0xff00
#define VFIO_PLATFORM_MSI_FEATURE_MSI_MSGS	0xff01
#define VFIO_PLATFORM_MSI_FEATURE_MSI_NOTIFY	0xff02

/*
 * VFIO_PLATFORM_MSI_FEATURE_MSI (GET, SET): the device's MSIs, an opt-in
 * of the open device.
 *
 * SET with VFIO_PLATFORM_MSI_ENABLE and @nvec vectors (0: all the device
 * has; needed when the kernel does not know how many the device has)
 * allocates the block and adds the MSI index, number @index. SET again
 * with the same count does nothing; another count fails with EBUSY. SET
 * without ENABLE removes the index again, as long as no vector was ever
 * enabled or prepared (EBUSY otherwise). Closing the device ends it.
 *
 * GET: @flags has ENABLE when the index exists, @nvec its count (else 0),
 * @max_nvec the most vectors SET accepts, @index the index number the MSIs
 * have (whether or not they are enabled).
 */
struct vfio_platform_msi_feature_msi {
	__u32	flags;
	__u32	nvec;
	__u32	max_nvec;	/* GET only */
	__u32	index;		/* GET only */
};

#define VFIO_PLATFORM_MSI_ENABLE	(1 << 0)

/*
 * A vector's message: the address and data the device writes to signal
 * it. VFIO_PLATFORM_MSI_MSG_VALID is clear for a vector that has none yet
 * (neither enabled nor read through VFIO_PLATFORM_MSI_FEATURE_MSI_MSGS).
 */
struct vfio_platform_msi_msg {
	__u64	address;
	__u32	data;
	__u32	flags;
};

#define VFIO_PLATFORM_MSI_MSG_VALID	(1 << 0)

/*
 * VFIO_PLATFORM_MSI_FEATURE_MSI_MSGS (GET): the messages of vectors
 * [@first, @first + @nr), which the user fills in; the reply fills @msgs
 * (argsz covers @nr entries) and @generation, the count of message changes
 * the messages belong to. Reading gives each vector its message: the
 * vector is prepared (its interrupt is set up, disabled) if it was not, so
 * the message is valid and stays so, unless it changes, until close.
 */
struct vfio_platform_msi_feature_msi_msgs {
	__u32	first;
	__u32	nr;
	__u32	generation;
	__u32	flags;		/* none yet: 0 */
	struct vfio_platform_msi_msg msgs[];
};

/*
 * VFIO_PLATFORM_MSI_FEATURE_MSI_NOTIFY (SET): @fd, an eventfd signalled
 * each time a valid message changes (the generation grows), or -1 to stop.
 * Only messages flagged MAY_CHANGE ever change.
 */
struct vfio_platform_msi_feature_msi_notify {
	__s32	fd;
	__u32	pad;		/* zero */
};

/*
 * VFIO_DEVICE_GET_IRQ_INFO with a capability chain. The first 16 bytes are
 * struct vfio_irq_info; a caller passing argsz >= 24 may get a chain:
 * VFIO_PLATFORM_MSI_IRQ_INFO_FLAG_CAPS is then set in @flags, argsz comes
 * back as the size the whole reply needs, and the chain is copied, at
 * @cap_offset, only when it fits. A caller passing the 16-byte structure
 * gets upstream's answer. The flag sits at the top of the word, away from
 * the flags upstream numbers from bit 0 up.
 */
struct vfio_platform_msi_irq_info {
	__u32	argsz;
	__u32	flags;
	__u32	index;
	__u32	count;
	__u32	cap_offset;	/* offset of the first capability, or 0 */
	__u32	pad;		/* zero */
};

#define VFIO_PLATFORM_MSI_IRQ_INFO_FLAG_CAPS	(1U << 31)

/*
 * VFIO_PLATFORM_MSI_IRQ_INFO_CAP_MSI: on the MSI index only. Starts with a
 * struct vfio_info_cap_header (id, version, next); a later version may
 * only add at its end.
 *
 * @flags:
 *  PROGRAMMED	the kernel programs the messages (and masks) into the
 *		device: the user leaves the device's MSI setup alone, and no
 *		messages follow (@nr is 0). Clear: the user programs the
 *		device with the messages (generic mode).
 *  MASK_DEVICE	VFIO_IRQ_SET_ACTION_MASK masks in the device, which holds
 *		the event (its own pending state); clear: at the interrupt
 *		controller, the device keeps writing.
 *  REPLAY	an MSI arriving while its vector is masked or disabled is
 *		delivered once on unmask or enable; clear: it is lost and the
 *		user must look at the device after unmasking.
 *  MAY_CHANGE	a valid message can change while the device is open (an
 *		interrupt controller whose messages follow the target CPU):
 *		a user that programs the device watches the generation
 *		(VFIO_PLATFORM_MSI_FEATURE_MSI_NOTIFY) and programs it again.
 * @generation: the count of message changes; @msgs belong to it.
 * @nr: entries in @msgs: the index's count, or 0 when PROGRAMMED.
 */
#define VFIO_PLATFORM_MSI_IRQ_INFO_CAP_MSI		1
#define VFIO_PLATFORM_MSI_IRQ_INFO_CAP_MSI_VERSION	1

struct vfio_platform_msi_irq_info_cap_msi {
	struct vfio_info_cap_header header;
	__u32	flags;
	__u32	generation;
	__u32	nr;
	__u32	pad;		/* zero */
	struct vfio_platform_msi_msg msgs[];
};

#define VFIO_PLATFORM_MSI_CAP_PROGRAMMED	(1 << 0)
#define VFIO_PLATFORM_MSI_CAP_MASK_DEVICE	(1 << 1)
#define VFIO_PLATFORM_MSI_CAP_REPLAY		(1 << 2)
#define VFIO_PLATFORM_MSI_CAP_MAY_CHANGE	(1 << 3)

#endif /* _UAPI_LINUX_VFIO_PLATFORM_MSI_H */
