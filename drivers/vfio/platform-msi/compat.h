/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vfio-platform-msi: kernel API differences (6.1 ... 6.12 and later).
 *
 * Every difference is detected from the headers of the kernel we build
 * against (probes in vfio-platform-msi.compat, turned into VPM_HAVE_*
 * macros by scripts/kcompat-gen), never from the version number. In a
 * kernel tree, where the generated header does not exist (the out-of-tree
 * Kbuild defines VPM_COMPAT_AUTOCONF when it does), the newest API is
 * assumed.
 */
#ifndef VFIO_PLATFORM_MSI_COMPAT_H
#define VFIO_PLATFORM_MSI_COMPAT_H

#include <linux/eventfd.h>
#include <linux/mm.h>

#ifdef VPM_COMPAT_AUTOCONF
#include <vpm_compat_autoconf.h>
#else
#define VPM_HAVE_VFIO_IOMMUFD 1
#define VPM_HAVE_VFIO_IOMMUFD_DETACH 1
#define VPM_HAVE_EVENTFD_SIGNAL_NOCOUNT 1
#define VPM_HAVE_VM_FLAGS_SET 1
#define VPM_HAVE_PLATFORM_REMOVE_VOID 1
#define VPM_HAVE_VFIO_DEVICE_INODE 1
#endif

/* eventfd_signal() lost its count argument in 6.8. */
static inline void vpm_eventfd_signal(struct eventfd_ctx *ctx)
{
#ifdef VPM_HAVE_EVENTFD_SIGNAL_NOCOUNT
	eventfd_signal(ctx);
#else
	eventfd_signal(ctx, 1);
#endif
}

/* vma->vm_flags became read-only (vm_flags_set/clear) in 6.3. */
static inline void vpm_vm_flags_set(struct vm_area_struct *vma,
				    vm_flags_t flags)
{
#ifdef VPM_HAVE_VM_FLAGS_SET
	vm_flags_set(vma, flags);
#else
	vma->vm_flags |= flags;
#endif
}

static inline void vpm_vm_flags_clear(struct vm_area_struct *vma,
				      vm_flags_t flags)
{
#ifdef VPM_HAVE_VM_FLAGS_SET
	vm_flags_clear(vma, flags);
#else
	vma->vm_flags &= ~flags;
#endif
}

#endif /* VFIO_PLATFORM_MSI_COMPAT_H */
