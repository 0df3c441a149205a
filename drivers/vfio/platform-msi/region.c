// SPDX-License-Identifier: GPL-2.0
/*
 * vfio-platform-msi: MMIO regions.
 *
 * Region n is the device's n-th memory resource, at file offset n << 40 of
 * the device fd. Every region can be read and written through the fd at
 * any offset and length inside it: the access is split into naturally
 * aligned 1, 2 and 4 byte device accesses, so a register of up to 32 bits
 * is always accessed with a single access of its width when userspace
 * uses that width at its address. As in upstream vfio-platform, nothing
 * wider: many platform peripherals answer a 64-bit access with an
 * external abort, which on arm64 is an SError taken in the host kernel,
 * and VMMs relay any guest access to a region they do not mmap through
 * here. Only a plug-in that knows the device takes them may allow 8-byte
 * accesses at 8-byte aligned offsets of a region (region_access, io64).
 * Data is passed in the device's (little-endian) byte order, as vfio-pci
 * does.
 *
 * Regions whose start and size are page aligned can also be mmapped,
 * except the page ranges the plug-in keeps for the kernel (region_access,
 * nommap), which VFIO_DEVICE_GET_REGION_INFO reports as a sparse mmap
 * capability.
 * Mappings are filled in at fault time, a page at a time, because they are
 * revoked while the device is in low power (pm.c): the entry zaps them
 * (unmap_mapping_range() on the address space of the device's inode) and
 * the fault handler answers SIGBUS until the low-power state ends. Where
 * the VFIO core gives the device no inode of its own (6.1: its fds share
 * the anonymous inode of every anon_inode file, whose mappings we must not
 * zap), mappings cannot be revoked and low power is refused while one
 * exists (vpm_regions_revocable()). A mapping pins the device file, so the
 * region outlives every user mapping of it.
 *
 * Each region is ioremapped once at open_device and unmapped at
 * close_device; read/write only run while the device is open. Each device
 * access they make holds power_lock for reading and fails with EIO while
 * the device is suspended; copies from and to userspace are made outside
 * the lock.
 */

#include <linux/io.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/mm.h>
#include <linux/nospec.h>
#include <linux/overflow.h>
#include <linux/platform_device.h>
#include <linux/rwsem.h>
#include <linux/sched.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include "compat.h"
#include "vfio_platform_msi.h"

#if defined(readq) && defined(writeq)
#define VPM_HAVE_IO64 1
#endif

int vpm_regions_init(struct vpm_device *vdev)
{
	struct platform_device *pdev = vdev->pdev;
	struct vfio_platform_msi_region *reg;
	struct resource *res;
	unsigned int i, n = 0;
	u32 flags;

	while (platform_get_resource(pdev, IORESOURCE_MEM, n))
		n++;

	vdev->regions = kcalloc(n, sizeof(*vdev->regions),
				GFP_KERNEL_ACCOUNT);
	vdev->region_flags = kcalloc(n, sizeof(*vdev->region_flags),
				     GFP_KERNEL_ACCOUNT);
	vdev->region_access = kcalloc(n, sizeof(*vdev->region_access),
				      GFP_KERNEL_ACCOUNT);
	if (!vdev->regions || !vdev->region_flags || !vdev->region_access)
		return -ENOMEM;

	for (i = 0; i < n; i++) {
		res = platform_get_resource(pdev, IORESOURCE_MEM, i);
		reg = &vdev->regions[i];
		reg->phys = res->start;
		reg->size = resource_size(res);

		flags = VFIO_REGION_INFO_FLAG_READ;
		if (!(res->flags & IORESOURCE_READONLY))
			flags |= VFIO_REGION_INFO_FLAG_WRITE;
		if (PAGE_ALIGNED(reg->phys) && PAGE_ALIGNED(reg->size))
			flags |= VFIO_REGION_INFO_FLAG_MMAP;
		vdev->region_flags[i] = flags;
	}
	vdev->num_regions = n;
	return 0;
}

void vpm_regions_free(struct vpm_device *vdev)
{
	kfree(vdev->regions);
	kfree(vdev->region_flags);
	kfree(vdev->region_access);
	vdev->regions = NULL;
	vdev->region_flags = NULL;
	vdev->region_access = NULL;
	vdev->num_regions = 0;
}

static int vpm_range_cmp(const void *a, const void *b)
{
	const struct vfio_platform_msi_range *x = a, *y = b;

	if (x->offset != y->offset)
		return x->offset < y->offset ? -1 : 1;
	return 0;
}

/*
 * Check the ranges the plug-in keeps out of mmap in region @index, widen
 * them to pages, sort and merge them.
 */
static int vpm_region_fix_nommap(struct vpm_device *vdev, unsigned int index)
{
	struct vfio_platform_msi_region_access *access =
		&vdev->region_access[index];
	struct vfio_platform_msi_range *r = access->nommap;
	resource_size_t size = vdev->regions[index].size, end;
	unsigned int i, n = 0;

	if (access->nr_nommap > ARRAY_SIZE(access->nommap))
		return -EINVAL;
	if (!(vdev->region_flags[index] & VFIO_REGION_INFO_FLAG_MMAP)) {
		access->nr_nommap = 0;
		return 0;
	}
	for (i = 0; i < access->nr_nommap; i++) {
		if (!r[i].size || r[i].offset >= size ||
		    r[i].size > size - r[i].offset)
			return -EINVAL;
		/* The region's size is page aligned: so is the new end. */
		end = PAGE_ALIGN(r[i].offset + r[i].size);
		r[i].offset = PAGE_ALIGN_DOWN(r[i].offset);
		r[i].size = end - r[i].offset;
	}
	sort(r, access->nr_nommap, sizeof(*r), vpm_range_cmp, NULL);
	for (i = 0; i < access->nr_nommap; i++) {
		if (n && r[i].offset <= r[n - 1].offset + r[n - 1].size) {
			end = max(r[n - 1].offset + r[n - 1].size,
				  r[i].offset + r[i].size);
			r[n - 1].size = end - r[n - 1].offset;
		} else {
			r[n++] = r[i];
		}
	}
	access->nr_nommap = n;
	return 0;
}

/* Ask the plug-in, if it cares, how userspace may access each region. */
static int vpm_regions_query(struct vpm_device *vdev)
{
	struct vfio_platform_msi_region_access *access;
	struct vfio_platform_msi_plugin *plugin = vdev->plugin;
	unsigned int i;
	int ret = 0;

	memset(vdev->region_access, 0,
	       vdev->num_regions * sizeof(*vdev->region_access));
	if (!plugin || !plugin->region_access)
		return 0;

	mutex_lock(&vdev->reset_lock);
	for (i = 0; i < vdev->num_regions; i++) {
		access = &vdev->region_access[i];
		ret = plugin->region_access(&vdev->info, i, access);
		if (!ret)
			ret = vpm_region_fix_nommap(vdev, i);
		if (ret) {
			dev_err(&vdev->pdev->dev,
				"plug-in refused region %u: %d\n", i, ret);
			break;
		}
	}
	mutex_unlock(&vdev->reset_lock);
	return ret;
}

/* At open_device: map every region, then learn how it may be accessed. */
int vpm_regions_map(struct vpm_device *vdev)
{
	struct vfio_platform_msi_region *reg;
	unsigned int i;
	int ret;

	for (i = 0; i < vdev->num_regions; i++) {
		reg = &vdev->regions[i];
		reg->base = ioremap(reg->phys, reg->size);
		if (!reg->base) {
			dev_err(&vdev->pdev->dev, "cannot map region %u\n", i);
			ret = -ENOMEM;
			goto err_unmap;
		}
	}

	ret = vpm_regions_query(vdev);
	if (ret)
		goto err_unmap;
	return 0;

err_unmap:
	vpm_regions_unmap(vdev);
	return ret;
}

void vpm_regions_unmap(struct vpm_device *vdev)
{
	unsigned int i;

	for (i = 0; i < vdev->num_regions; i++) {
		if (vdev->regions[i].base)
			iounmap(vdev->regions[i].base);
		vdev->regions[i].base = NULL;
	}
}

void vpm_region_info(struct vpm_device *vdev, unsigned int index,
		     struct vfio_region_info *info)
{
	info->offset = VPM_INDEX_TO_OFFSET(index);
	info->size = vdev->regions[index].size;
	info->flags = vdev->region_flags[index];
}

/*
 * The sparse mmap capability of region @index, if the plug-in keeps part of
 * it out of mmap: the areas between the kept ranges (maybe none).
 */
int vpm_region_add_caps(struct vpm_device *vdev, unsigned int index,
			struct vfio_info_cap *caps)
{
	const struct vfio_platform_msi_region_access *access =
		&vdev->region_access[index];
	const struct vfio_platform_msi_range *r = access->nommap;
	struct vfio_region_info_cap_sparse_mmap *sparse;
	u64 start = 0, end;
	unsigned int i, n = 0;
	int ret;

	if (!access->nr_nommap)
		return 0;

	sparse = kzalloc(struct_size(sparse, areas, access->nr_nommap + 1),
			 GFP_KERNEL_ACCOUNT);
	if (!sparse)
		return -ENOMEM;
	sparse->header.id = VFIO_REGION_INFO_CAP_SPARSE_MMAP;
	sparse->header.version = 1;
	for (i = 0; i <= access->nr_nommap; i++) {
		end = i < access->nr_nommap ? r[i].offset :
					      vdev->regions[index].size;
		if (end > start) {
			sparse->areas[n].offset = start;
			sparse->areas[n].size = end - start;
			n++;
		}
		if (i < access->nr_nommap)
			start = r[i].offset + r[i].size;
	}
	sparse->nr_areas = n;
	ret = vfio_info_add_capability(caps, &sparse->header,
				       struct_size(sparse, areas, n));
	kfree(sparse);
	return ret;
}

/*
 * Width of the next access at @addr with @left bytes to go; 8 only where
 * the plug-in allowed it (@io64).
 */
static unsigned int vpm_io_width(void __iomem *addr, size_t left, bool io64)
{
	unsigned long a = (unsigned long)addr;

#ifdef VPM_HAVE_IO64
	if (io64 && left >= 8 && IS_ALIGNED(a, 8))
		return 8;
#endif
	if (left >= 4 && IS_ALIGNED(a, 4))
		return 4;
	if (left >= 2 && IS_ALIGNED(a, 2))
		return 2;
	return 1;
}

/* One device read of @width bytes into @val, in device byte order. */
static void vpm_io_read(void __iomem *addr, unsigned int width, void *val)
{
	switch (width) {
#ifdef VPM_HAVE_IO64
	case 8:
		*(__le64 *)val = cpu_to_le64(readq(addr));
		break;
#endif
	case 4:
		*(__le32 *)val = cpu_to_le32(readl(addr));
		break;
	case 2:
		*(__le16 *)val = cpu_to_le16(readw(addr));
		break;
	default:
		*(u8 *)val = readb(addr);
		break;
	}
}

static void vpm_io_write(void __iomem *addr, unsigned int width,
			 const void *val)
{
	switch (width) {
#ifdef VPM_HAVE_IO64
	case 8:
		writeq(le64_to_cpu(*(const __le64 *)val), addr);
		break;
#endif
	case 4:
		writel(le32_to_cpu(*(const __le32 *)val), addr);
		break;
	case 2:
		writew(le16_to_cpu(*(const __le16 *)val), addr);
		break;
	default:
		writeb(*(const u8 *)val, addr);
		break;
	}
}

/*
 * Find the region at *@ppos and clamp @count to it. Returns the region's
 * index, or a negative errno when *@ppos is outside every region or the
 * region lacks @need.
 */
static int vpm_region_find(struct vpm_device *vdev, loff_t pos, u32 need,
			   size_t *count, u64 *off)
{
	u64 index = VPM_OFFSET_TO_INDEX(pos);
	struct vfio_platform_msi_region *reg;

	if (pos < 0 || index >= vdev->num_regions)
		return -EINVAL;
	index = array_index_nospec(index, vdev->num_regions);
	if ((vdev->region_flags[index] & need) != need)
		return -EINVAL;

	reg = &vdev->regions[index];
	*off = pos & VPM_OFFSET_MASK;
	if (*off >= reg->size)
		return -EINVAL;
	*count = min_t(u64, *count, reg->size - *off);
	return index;
}

/*
 * Take power_lock for reading if the device is powered: true with the lock
 * held, false (EIO) while it is suspended. Neither read() nor write()
 * wakes the device, as in vfio-pci.
 */
static bool vpm_region_power_get(struct vpm_device *vdev)
{
	down_read(&vdev->power_lock);
	if (!vdev->powered_off)
		return true;
	up_read(&vdev->power_lock);
	return false;
}

ssize_t vpm_region_read(struct vfio_device *core_vdev, char __user *buf,
			size_t count, loff_t *ppos)
{
	struct vpm_device *vdev = to_vpm(core_vdev);
	void __iomem *addr;
	unsigned int width;
	size_t done = 0;
	bool io64;
	u64 val, off;
	int index;

	index = vpm_region_find(vdev, *ppos, VFIO_REGION_INFO_FLAG_READ,
				&count, &off);
	if (index < 0)
		return index;

	io64 = vdev->region_access[index].io64;
	addr = vdev->regions[index].base + off;
	while (done < count) {
		width = vpm_io_width(addr, count - done, io64);
		if (!vpm_region_power_get(vdev))
			return done ? done : -EIO;
		vpm_io_read(addr, width, &val);
		up_read(&vdev->power_lock);
		if (copy_to_user(buf + done, &val, width))
			return done ? done : -EFAULT;
		done += width;
		addr += width;
		if (IS_ALIGNED((unsigned long)addr, PAGE_SIZE))
			cond_resched();
	}
	*ppos += done;
	return done;
}

ssize_t vpm_region_write(struct vfio_device *core_vdev, const char __user *buf,
			 size_t count, loff_t *ppos)
{
	struct vpm_device *vdev = to_vpm(core_vdev);
	void __iomem *addr;
	unsigned int width;
	size_t done = 0;
	bool io64;
	u64 val, off;
	int index;

	index = vpm_region_find(vdev, *ppos, VFIO_REGION_INFO_FLAG_WRITE,
				&count, &off);
	if (index < 0)
		return index;

	io64 = vdev->region_access[index].io64;
	addr = vdev->regions[index].base + off;
	while (done < count) {
		width = vpm_io_width(addr, count - done, io64);
		if (copy_from_user(&val, buf + done, width))
			return done ? done : -EFAULT;
		if (!vpm_region_power_get(vdev))
			return done ? done : -EIO;
		vpm_io_write(addr, width, &val);
		up_read(&vdev->power_lock);
		done += width;
		addr += width;
		if (IS_ALIGNED((unsigned long)addr, PAGE_SIZE))
			cond_resched();
	}
	*ppos += done;
	return done;
}

/* Does [@off, @off + @len) of region @index touch a range kept out of mmap? */
static bool vpm_region_nommap(struct vpm_device *vdev, unsigned int index,
			      u64 off, u64 len)
{
	const struct vfio_platform_msi_region_access *access =
		&vdev->region_access[index];
	unsigned int i;

	for (i = 0; i < access->nr_nommap; i++)
		if (off < access->nommap[i].offset + access->nommap[i].size &&
		    access->nommap[i].offset < off + len)
			return true;
	return false;
}

/*
 * A page of a region mapping, on first access or after a zap. mmap_lock
 * held (for reading at least) by the caller. SIGBUS from the low-power
 * entry to its end, as in vfio-pci: an access to a mapping does not wake
 * the device.
 */
static vm_fault_t vpm_region_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct vpm_device *vdev = vma->vm_private_data;
	u64 index = vma->vm_pgoff >> (VPM_OFFSET_SHIFT - PAGE_SHIFT);
	unsigned long pgoff;
	vm_fault_t ret;

	/* Checked at mmap, and a split or mremap keeps pgoff in step. */
	if (index >= vdev->num_regions)
		return VM_FAULT_SIGBUS;
	index = array_index_nospec(index, vdev->num_regions);
	pgoff = (vma->vm_pgoff &
		 ((1ULL << (VPM_OFFSET_SHIFT - PAGE_SHIFT)) - 1)) +
		((vmf->address - vma->vm_start) >> PAGE_SHIFT);

	down_read(&vdev->power_lock);
	if (vdev->pm_engaged || vdev->powered_off)
		ret = VM_FAULT_SIGBUS;
	else
		ret = vmf_insert_pfn(vma, vmf->address,
				     (vdev->regions[index].phys >> PAGE_SHIFT) +
				     pgoff);
	up_read(&vdev->power_lock);
	return ret;
}

/* A copy of a mapping (fork, split, mremap): one more to count. */
static void vpm_region_vm_open(struct vm_area_struct *vma)
{
	struct vpm_device *vdev = vma->vm_private_data;

	atomic_inc(&vdev->nr_vmas);
}

static void vpm_region_vm_close(struct vm_area_struct *vma)
{
	struct vpm_device *vdev = vma->vm_private_data;

	atomic_dec(&vdev->nr_vmas);
}

static const struct vm_operations_struct vpm_region_vm_ops = {
	.open	= vpm_region_vm_open,
	.close	= vpm_region_vm_close,
	.fault	= vpm_region_fault,
};

int vpm_region_mmap(struct vfio_device *core_vdev, struct vm_area_struct *vma)
{
	struct vpm_device *vdev = to_vpm(core_vdev);
	u64 index = vma->vm_pgoff >> (VPM_OFFSET_SHIFT - PAGE_SHIFT);
	struct vfio_platform_msi_region *reg;
	u64 pgoff, req_off, req_len;
	u32 flags;

	if (vma->vm_end <= vma->vm_start)
		return -EINVAL;
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (index >= vdev->num_regions)
		return -EINVAL;
	index = array_index_nospec(index, vdev->num_regions);

	reg = &vdev->regions[index];
	flags = vdev->region_flags[index];
	if (!(flags & VFIO_REGION_INFO_FLAG_MMAP))
		return -EINVAL;
	if ((vma->vm_flags & VM_READ) && !(flags & VFIO_REGION_INFO_FLAG_READ))
		return -EINVAL;
	if ((vma->vm_flags & VM_WRITE) && !(flags & VFIO_REGION_INFO_FLAG_WRITE))
		return -EINVAL;

	pgoff = vma->vm_pgoff &
		((1ULL << (VPM_OFFSET_SHIFT - PAGE_SHIFT)) - 1);
	req_off = pgoff << PAGE_SHIFT;
	req_len = vma->vm_end - vma->vm_start;
	if (req_off >= reg->size || req_len > reg->size - req_off)
		return -EINVAL;
	if (vpm_region_nommap(vdev, index, req_off, req_len))
		return -EINVAL;

	/* A read-only region must not become writable through mprotect(). */
	if (!(flags & VFIO_REGION_INFO_FLAG_WRITE))
		vpm_vm_flags_clear(vma, VM_MAYWRITE);
	vpm_vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	vma->vm_private_data = vdev;
	vma->vm_ops = &vpm_region_vm_ops;
	/* Filled in at fault time (vpm_region_fault()). */
	atomic_inc(&vdev->nr_vmas);
	return 0;
}

/*
 * Revoke every user mapping of the device's regions: the next access
 * faults. power_lock held for writing, so that no fault fills a page in
 * again before the state that makes it fail is set. Without an inode of
 * the device's own there is nothing to do: vpm_regions_revocable() let
 * nobody get here with a mapping.
 */
void vpm_regions_zap(struct vpm_device *vdev)
{
	lockdep_assert_held_write(&vdev->power_lock);
#ifdef VPM_HAVE_VFIO_DEVICE_INODE
	unmap_mapping_range(vdev->vdev.inode->i_mapping, 0, 0, true);
#endif
}

/* Can vpm_regions_zap() revoke every user mapping? (power_lock held) */
bool vpm_regions_revocable(struct vpm_device *vdev)
{
	lockdep_assert_held(&vdev->power_lock);
#ifdef VPM_HAVE_VFIO_DEVICE_INODE
	return true;
#else
	/*
	 * A mapping made after this check is harmless: it faults no page
	 * in before the low-power state ends (vpm_region_fault()).
	 */
	return !atomic_read(&vdev->nr_vmas);
#endif
}
