// SPDX-License-Identifier: GPL-2.0
/*
 * vpmsi_testhost: test-only reference host driver for the test device.
 *
 * Before the VFIO driver can deliver MSIs, something must allocate the test
 * device's platform MSIs and receive them, so that selftests can check the
 * device model against the real interrupt controller (GICv3 ITS). This
 * driver does that with the plain kernel APIs a real driver uses and exposes
 * the results through /dev/vpmsi_testhost (include/vpmsi_testhost.h).
 *
 * It has no ID table: it binds only through driver_override, so it never
 * takes the device away from the VFIO driver. One bound device at a time.
 *
 * Lifetime: struct vpmsi_th is reference counted; the bound device holds
 * one reference and the open file another, so an unbind while the file is
 * open leaves a "dead" object whose file operations fail with -ENODEV and
 * whose user mappings are zapped (later faults get SIGBUS).
 */

#include <linux/atomic.h>
#include <linux/fs.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/irq.h>
#include <linux/kref.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/msi.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>

/*
 * API probes from scripts/kcompat-gen: the out-of-tree build defines
 * VPM_COMPAT_AUTOCONF. In a kernel tree, assume the newest API.
 */
#ifdef VPM_COMPAT_AUTOCONF
#include <vpm_compat_autoconf.h>
#else
#define VPM_HAVE_PLATFORM_DEVICE_MSI 1
#define VPM_HAVE_VM_FLAGS_SET 1
#define VPM_HAVE_PLATFORM_REMOVE_VOID 1
#endif

#include "vpmsi_testdev.h"
#include "vpmsi_testhost.h"

#define DRV_NAME "vpmsi_testhost"

struct vpmsi_th;

struct vpmsi_th_vec {
	unsigned int virq;
	bool masked;		/* disabled at the irqchip; vpmsi_th.lock */
	atomic64_t count;	/* deliveries */
	u64 last_ns;		/* written before count is incremented */
	struct msi_msg msg;	/* vpmsi_th.msg_lock */
};

struct vpmsi_th_wired {
	struct vpmsi_th *th;
	int irq;
	bool masked;		/* level line auto-masked; vpmsi_th.line_lock */
	atomic64_t count;
	u64 last_ns;		/* written before count is incremented */
};

struct vpmsi_th {
	struct kref ref;
	struct device *dev;
	void __iomem *regs;
	phys_addr_t win_phys;
	resource_size_t win_size;
	struct miscdevice misc;

	/*
	 * lock serialises the file operations, the MSI setup and teardown and
	 * unbind. It protects dead, open, mapping, nvec, vec and every
	 * vec[].masked. It is a sleeping lock taken under mmap_lock (mmap,
	 * page faults), so nothing may touch user memory while holding it.
	 */
	struct mutex lock;
	bool dead;
	bool open;
	struct address_space *mapping;
	unsigned int nvec;
	struct vpmsi_th_vec *vec;

	/*
	 * msg_lock protects msg_vec/msg_nvec (the table the write_msg
	 * callback may use) and every vec[].msg. write_msg runs in atomic
	 * context under the irq descriptor lock, hence a raw spinlock.
	 */
	raw_spinlock_t msg_lock;
	struct vpmsi_th_vec *msg_vec;
	unsigned int msg_nvec;

	/* line_lock protects lines[].masked against the line handlers. */
	spinlock_t line_lock;
	struct vpmsi_th_wired lines[VPMSI_TH_NUM_LINES];
};

/* vpmsi_th_global_lock protects vpmsi_th_bound: at most one bound device. */
static DEFINE_MUTEX(vpmsi_th_global_lock);
static struct vpmsi_th *vpmsi_th_bound;

static void vpmsi_th_release_ref(struct kref *ref)
{
	struct vpmsi_th *th = container_of(ref, struct vpmsi_th, ref);

	mutex_destroy(&th->lock);
	kfree(th);
}

static void vpmsi_th_put(struct vpmsi_th *th)
{
	kref_put(&th->ref, vpmsi_th_release_ref);
}

static u32 vpmsi_th_rd(struct vpmsi_th *th, u32 off)
{
	return readl(th->regs + off);
}

static void vpmsi_th_wr(struct vpmsi_th *th, u32 off, u32 val)
{
	writel(val, th->regs + off);
}

static void vpmsi_th_entry_mask(struct vpmsi_th *th, unsigned int v, bool mask)
{
	u32 off = VPMSI_TABLE_ENTRY(v) + VPMSI_ENTRY_CTRL;
	u32 ctrl = vpmsi_th_rd(th, off);

	if (mask)
		ctrl |= VPMSI_ENTRY_CTRL_MASKED;
	else
		ctrl &= ~VPMSI_ENTRY_CTRL_MASKED;
	vpmsi_th_wr(th, off, ctrl);
}

/* A delivery: timestamp first, so a reader that sees the count sees it. */
static void vpmsi_th_record(atomic64_t *count, u64 *last_ns)
{
	WRITE_ONCE(*last_ns, ktime_get_ns());
	smp_wmb();	/* pairs with smp_rmb() in vpmsi_th_snapshot() */
	atomic64_inc(count);
}

static u64 vpmsi_th_snapshot(atomic64_t *count, u64 *last_ns, u64 *ns)
{
	u64 c = atomic64_read(count);

	smp_rmb();	/* pairs with smp_wmb() in vpmsi_th_record() */
	*ns = READ_ONCE(*last_ns);
	return c;
}

static irqreturn_t vpmsi_th_msi_handler(int irq, void *arg)
{
	struct vpmsi_th_vec *v = arg;

	vpmsi_th_record(&v->count, &v->last_ns);
	return IRQ_HANDLED;
}

/* Level line: count, then mask until VPMSI_TH_LINE_UNMASK (VFIO automask). */
static irqreturn_t vpmsi_th_level_handler(int irq, void *arg)
{
	struct vpmsi_th_wired *l = arg;

	vpmsi_th_record(&l->count, &l->last_ns);
	spin_lock(&l->th->line_lock);
	if (!l->masked) {
		disable_irq_nosync(irq);
		l->masked = true;
	}
	spin_unlock(&l->th->line_lock);
	return IRQ_HANDLED;
}

static irqreturn_t vpmsi_th_edge_handler(int irq, void *arg)
{
	struct vpmsi_th_wired *l = arg;

	vpmsi_th_record(&l->count, &l->last_ns);
	return IRQ_HANDLED;
}

/*
 * Called by the MSI core whenever a vector's message is composed (at
 * activation, i.e. request_irq(), on affinity changes) or cleared (at
 * deactivation): store it in the device's table entry, as a real driver
 * programs its hardware. Atomic context.
 */
static void vpmsi_th_write_msg(struct msi_desc *desc, struct msi_msg *msg)
{
	struct vpmsi_th *th = dev_get_drvdata(msi_desc_to_dev(desc));
	unsigned int i = desc->msi_index;
	unsigned long flags;
	u32 base;

	raw_spin_lock_irqsave(&th->msg_lock, flags);
	if (i < th->msg_nvec) {
		th->msg_vec[i].msg = *msg;
		base = VPMSI_TABLE_ENTRY(i);
		vpmsi_th_wr(th, base + VPMSI_ENTRY_ADDR_LO, msg->address_lo);
		vpmsi_th_wr(th, base + VPMSI_ENTRY_ADDR_HI, msg->address_hi);
		vpmsi_th_wr(th, base + VPMSI_ENTRY_DATA, msg->data);
	}
	raw_spin_unlock_irqrestore(&th->msg_lock, flags);
}

#ifdef VPM_HAVE_PLATFORM_DEVICE_MSI
static int vpmsi_th_alloc_vectors(struct device *dev, unsigned int nvec)
{
	return platform_device_msi_init_and_alloc_irqs(dev, nvec,
						       vpmsi_th_write_msg);
}

static void vpmsi_th_free_vectors(struct device *dev)
{
	platform_device_msi_free_irqs_all(dev);
}
#else
static int vpmsi_th_alloc_vectors(struct device *dev, unsigned int nvec)
{
	return platform_msi_domain_alloc_irqs(dev, nvec, vpmsi_th_write_msg);
}

static void vpmsi_th_free_vectors(struct device *dev)
{
	platform_msi_domain_free_irqs(dev);
}
#endif

static void vpmsi_th_publish(struct vpmsi_th *th, struct vpmsi_th_vec *vec,
			     unsigned int nvec)
{
	unsigned long flags;

	raw_spin_lock_irqsave(&th->msg_lock, flags);
	th->msg_vec = vec;
	th->msg_nvec = nvec;
	raw_spin_unlock_irqrestore(&th->msg_lock, flags);
}

static int vpmsi_th_setup_locked(struct vpmsi_th *th, unsigned int nvec)
{
	struct vpmsi_th_vec *vec;
	unsigned int i;
	int ret;

	lockdep_assert_held(&th->lock);

	if (th->nvec)
		return -EBUSY;
	if (!nvec || nvec > VPMSI_TH_MAX_VECTORS)
		return -EINVAL;

	vec = kvcalloc(nvec, sizeof(*vec), GFP_KERNEL);
	if (!vec)
		return -ENOMEM;
	vpmsi_th_publish(th, vec, nvec);

	ret = vpmsi_th_alloc_vectors(th->dev, nvec);
	if (ret) {
		dev_err(th->dev, "cannot allocate %u MSIs: %d\n", nvec, ret);
		goto err_unpublish;
	}

	for (i = 0; i < nvec; i++) {
		vec[i].virq = msi_get_virq(th->dev, i);
		if (!vec[i].virq) {
			ret = -ENXIO;
			goto err_free_irqs;
		}
		/* MASK masks the LPI at once: exact "held" semantics. */
		irq_set_status_flags(vec[i].virq, IRQ_DISABLE_UNLAZY);
		ret = request_irq(vec[i].virq, vpmsi_th_msi_handler, 0,
				  dev_name(th->dev), &vec[i]);
		if (ret)
			goto err_free_irqs;
	}

	th->vec = vec;
	th->nvec = nvec;

	for (i = 0; i < nvec; i++)
		vpmsi_th_entry_mask(th, i, false);
	vpmsi_th_wr(th, VPMSI_REG_CTRL,
		    vpmsi_th_rd(th, VPMSI_REG_CTRL) | VPMSI_CTRL_MSI_EN);
	return 0;

err_free_irqs:
	while (i--)
		free_irq(vec[i].virq, &vec[i]);
	vpmsi_th_free_vectors(th->dev);
err_unpublish:
	vpmsi_th_publish(th, NULL, 0);
	kvfree(vec);
	return ret;
}

/* Quiesce the device, free the irqs, then the vectors. */
static void vpmsi_th_teardown_locked(struct vpmsi_th *th)
{
	unsigned int i;

	lockdep_assert_held(&th->lock);

	if (!th->nvec)
		return;

	vpmsi_th_wr(th, VPMSI_REG_CTRL,
		    vpmsi_th_rd(th, VPMSI_REG_CTRL) & ~VPMSI_CTRL_MSI_EN);
	for (i = 0; i < th->nvec; i++)
		vpmsi_th_entry_mask(th, i, true);

	for (i = 0; i < th->nvec; i++)
		free_irq(th->vec[i].virq, &th->vec[i]);
	vpmsi_th_free_vectors(th->dev);

	vpmsi_th_publish(th, NULL, 0);
	kvfree(th->vec);
	th->vec = NULL;
	th->nvec = 0;
}

/* Take th->lock unless the device is gone; 0 with the lock held. */
static int vpmsi_th_lock_live(struct vpmsi_th *th)
{
	mutex_lock(&th->lock);
	if (th->dead) {
		mutex_unlock(&th->lock);
		return -ENODEV;
	}
	return 0;
}

static long vpmsi_th_ioc_get_info(struct vpmsi_th *th, void __user *arg)
{
	struct vpmsi_th_info info = {
		.window_phys = th->win_phys,
		.window_size = th->win_size,
		.num_lines = VPMSI_TH_NUM_LINES,
		.max_vectors = VPMSI_TH_MAX_VECTORS,
	};
	int ret;

	ret = vpmsi_th_lock_live(th);
	if (ret)
		return ret;
	info.nvec = th->nvec;
	mutex_unlock(&th->lock);

	return copy_to_user(arg, &info, sizeof(info)) ? -EFAULT : 0;
}

static long vpmsi_th_ioc_setup(struct vpmsi_th *th, void __user *arg)
{
	struct vpmsi_th_setup s;
	int ret;

	if (copy_from_user(&s, arg, sizeof(s)))
		return -EFAULT;
	if (s.flags)
		return -EINVAL;

	ret = vpmsi_th_lock_live(th);
	if (ret)
		return ret;
	ret = vpmsi_th_setup_locked(th, s.nvec);
	mutex_unlock(&th->lock);
	return ret;
}

static long vpmsi_th_ioc_teardown(struct vpmsi_th *th)
{
	int ret;

	ret = vpmsi_th_lock_live(th);
	if (ret)
		return ret;
	if (th->nvec)
		vpmsi_th_teardown_locked(th);
	else
		ret = -EINVAL;
	mutex_unlock(&th->lock);
	return ret;
}

static long vpmsi_th_ioc_get_counts(struct vpmsi_th *th, void __user *arg)
{
	struct vpmsi_th_counts c;
	struct vpmsi_th_vec *v;
	unsigned int i;
	u64 *buf, ns;
	int ret;

	if (copy_from_user(&c, arg, sizeof(c)))
		return -EFAULT;
	if (!c.n || c.n > VPMSI_TH_MAX_VECTORS)
		return -EINVAL;

	buf = kvmalloc_array(c.n, sizeof(*buf), GFP_KERNEL);
	if (!buf)
		return -ENOMEM;

	ret = vpmsi_th_lock_live(th);
	if (ret)
		goto out_free;
	if (c.first >= th->nvec || c.n > th->nvec - c.first) {
		ret = -EINVAL;
	} else {
		for (i = 0; i < c.n; i++) {
			v = &th->vec[c.first + i];
			buf[i] = vpmsi_th_snapshot(&v->count, &v->last_ns, &ns);
		}
	}
	mutex_unlock(&th->lock);

	/* Outside th->lock: copy_to_user() may fault and take mmap_lock. */
	if (!ret && copy_to_user(u64_to_user_ptr(c.counts_ptr), buf,
				 array_size(c.n, sizeof(*buf))))
		ret = -EFAULT;
out_free:
	kvfree(buf);
	return ret;
}

static long vpmsi_th_ioc_get_msg(struct vpmsi_th *th, void __user *arg)
{
	struct vpmsi_th_msg m;
	struct vpmsi_th_vec *v;
	unsigned long flags;
	int ret;

	if (copy_from_user(&m, arg, sizeof(m)))
		return -EFAULT;

	ret = vpmsi_th_lock_live(th);
	if (ret)
		return ret;
	if (m.vector >= th->nvec) {
		mutex_unlock(&th->lock);
		return -EINVAL;
	}
	v = &th->vec[m.vector];
	m.virq = v->virq;
	m.masked = v->masked;
	m.count = vpmsi_th_snapshot(&v->count, &v->last_ns, &m.last_ns);
	raw_spin_lock_irqsave(&th->msg_lock, flags);
	m.address = (u64)v->msg.address_hi << 32 | v->msg.address_lo;
	m.data = v->msg.data;
	raw_spin_unlock_irqrestore(&th->msg_lock, flags);
	mutex_unlock(&th->lock);

	return copy_to_user(arg, &m, sizeof(m)) ? -EFAULT : 0;
}

static long vpmsi_th_ioc_mask(struct vpmsi_th *th, void __user *arg, bool mask)
{
	struct vpmsi_th_index x;
	struct vpmsi_th_vec *v;
	int ret;

	if (copy_from_user(&x, arg, sizeof(x)))
		return -EFAULT;
	if (x.flags)
		return -EINVAL;

	ret = vpmsi_th_lock_live(th);
	if (ret)
		return ret;
	if (x.index >= th->nvec) {
		ret = -EINVAL;
		goto out_unlock;
	}
	v = &th->vec[x.index];
	if (mask && !v->masked)
		disable_irq(v->virq);	/* unlazy: masked at the ITS now */
	else if (!mask && v->masked)
		enable_irq(v->virq);
	v->masked = mask;
out_unlock:
	mutex_unlock(&th->lock);
	return ret;
}

static long vpmsi_th_ioc_get_line(struct vpmsi_th *th, void __user *arg)
{
	struct vpmsi_th_wired *w;
	struct vpmsi_th_line l;
	unsigned long flags;

	if (copy_from_user(&l, arg, sizeof(l)))
		return -EFAULT;
	if (l.line >= VPMSI_TH_NUM_LINES)
		return -EINVAL;

	w = &th->lines[l.line];
	l.irq = w->irq;
	l.count = vpmsi_th_snapshot(&w->count, &w->last_ns, &l.last_ns);
	spin_lock_irqsave(&th->line_lock, flags);
	l.masked = w->masked;
	spin_unlock_irqrestore(&th->line_lock, flags);
	l.reserved = 0;

	return copy_to_user(arg, &l, sizeof(l)) ? -EFAULT : 0;
}

static long vpmsi_th_ioc_line_unmask(struct vpmsi_th *th, void __user *arg)
{
	struct vpmsi_th_wired *w;
	struct vpmsi_th_index x;
	unsigned long flags;
	int ret;

	if (copy_from_user(&x, arg, sizeof(x)))
		return -EFAULT;
	if (x.flags || x.index != VPMSI_LINE_LEVEL)
		return -EINVAL;

	/* th->lock keeps unbind from freeing the irq under us. */
	ret = vpmsi_th_lock_live(th);
	if (ret)
		return ret;
	w = &th->lines[x.index];
	spin_lock_irqsave(&th->line_lock, flags);
	if (w->masked) {
		w->masked = false;
		enable_irq(w->irq);
	}
	spin_unlock_irqrestore(&th->line_lock, flags);
	mutex_unlock(&th->lock);
	return 0;
}

static long vpmsi_th_ioctl(struct file *file, unsigned int cmd,
			   unsigned long arg)
{
	struct vpmsi_th *th = file->private_data;
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VPMSI_TH_GET_INFO:
		return vpmsi_th_ioc_get_info(th, uarg);
	case VPMSI_TH_SETUP:
		return vpmsi_th_ioc_setup(th, uarg);
	case VPMSI_TH_TEARDOWN:
		return vpmsi_th_ioc_teardown(th);
	case VPMSI_TH_GET_COUNTS:
		return vpmsi_th_ioc_get_counts(th, uarg);
	case VPMSI_TH_GET_MSG:
		return vpmsi_th_ioc_get_msg(th, uarg);
	case VPMSI_TH_MASK:
		return vpmsi_th_ioc_mask(th, uarg, true);
	case VPMSI_TH_UNMASK:
		return vpmsi_th_ioc_mask(th, uarg, false);
	case VPMSI_TH_GET_LINE:
		return vpmsi_th_ioc_get_line(th, uarg);
	case VPMSI_TH_LINE_UNMASK:
		return vpmsi_th_ioc_line_unmask(th, uarg);
	default:
		return -ENOTTY;
	}
}

/*
 * The window is mapped page by page at fault time rather than with
 * io_remap_pfn_range() in mmap(): unbind zaps the mappings after setting
 * dead under th->lock, and a fault re-checks dead under the same lock, so
 * no mapping can outlive the binding (a mapping set up in mmap() could be
 * linked into the file's address space only after the zap).
 */
static vm_fault_t vpmsi_th_vm_fault(struct vm_fault *vmf)
{
	struct vm_area_struct *vma = vmf->vma;
	struct vpmsi_th *th = vma->vm_private_data;
	unsigned long pgoff = (vmf->address - vma->vm_start) >> PAGE_SHIFT;
	vm_fault_t ret;

	mutex_lock(&th->lock);
	if (th->dead)
		ret = VM_FAULT_SIGBUS;
	else
		ret = vmf_insert_pfn(vma, vmf->address,
				     PHYS_PFN(th->win_phys) + pgoff);
	mutex_unlock(&th->lock);
	return ret;
}

static const struct vm_operations_struct vpmsi_th_vm_ops = {
	.fault = vpmsi_th_vm_fault,
};

static int vpmsi_th_mmap(struct file *file, struct vm_area_struct *vma)
{
	struct vpmsi_th *th = file->private_data;
	unsigned long size = vma->vm_end - vma->vm_start;
	int ret;

	if (vma->vm_pgoff || size > th->win_size)
		return -EINVAL;
	if (!(vma->vm_flags & VM_SHARED))
		return -EINVAL;
	if (!PAGE_ALIGNED(th->win_phys))
		return -ENODEV;

	ret = vpmsi_th_lock_live(th);
	if (ret)
		return ret;
#ifdef VPM_HAVE_VM_FLAGS_SET
	vm_flags_set(vma, VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP);
#else
	vma->vm_flags |= VM_IO | VM_PFNMAP | VM_DONTEXPAND | VM_DONTDUMP;
#endif
	vma->vm_page_prot = pgprot_noncached(vma->vm_page_prot);
	vma->vm_private_data = th;
	vma->vm_ops = &vpmsi_th_vm_ops;
	mutex_unlock(&th->lock);
	return 0;
}

static int vpmsi_th_open(struct inode *inode, struct file *file)
{
	/* misc_open() set private_data and holds misc_mtx: th is alive. */
	struct vpmsi_th *th = container_of(file->private_data,
					   struct vpmsi_th, misc);
	int ret;

	ret = vpmsi_th_lock_live(th);
	if (ret)
		return ret;
	if (th->open) {
		ret = -EBUSY;
		goto out_unlock;
	}
	th->open = true;
	th->mapping = file->f_mapping;
	kref_get(&th->ref);
	file->private_data = th;
out_unlock:
	mutex_unlock(&th->lock);
	if (ret)
		return ret;
	return nonseekable_open(inode, file);
}

static int vpmsi_th_release(struct inode *inode, struct file *file)
{
	struct vpmsi_th *th = file->private_data;

	mutex_lock(&th->lock);
	vpmsi_th_teardown_locked(th);
	th->open = false;
	th->mapping = NULL;
	mutex_unlock(&th->lock);
	vpmsi_th_put(th);
	return 0;
}

static const struct file_operations vpmsi_th_fops = {
	.owner = THIS_MODULE,
	.open = vpmsi_th_open,
	.release = vpmsi_th_release,
	.unlocked_ioctl = vpmsi_th_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
	.mmap = vpmsi_th_mmap,
};

static const irq_handler_t vpmsi_th_line_handlers[VPMSI_TH_NUM_LINES] = {
	[VPMSI_LINE_LEVEL] = vpmsi_th_level_handler,
	[VPMSI_LINE_EDGE] = vpmsi_th_edge_handler,
};

static int vpmsi_th_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct resource *res;
	struct vpmsi_th *th;
	unsigned int i;
	int ret;

	mutex_lock(&vpmsi_th_global_lock);
	if (vpmsi_th_bound) {
		ret = -EBUSY;
		goto err_unlock;
	}

	res = platform_get_resource(pdev, IORESOURCE_MEM, 0);
	if (!res) {
		ret = -ENODEV;
		goto err_unlock;
	}

	th = kzalloc(sizeof(*th), GFP_KERNEL);
	if (!th) {
		ret = -ENOMEM;
		goto err_unlock;
	}
	kref_init(&th->ref);
	mutex_init(&th->lock);
	raw_spin_lock_init(&th->msg_lock);
	spin_lock_init(&th->line_lock);
	th->dev = dev;
	th->win_phys = res->start;
	th->win_size = resource_size(res);

	/*
	 * No request_mem_region(): the device model (the "hardware" on the
	 * emulated board) maps the same window, like firmware would.
	 */
	th->regs = devm_ioremap(dev, res->start, resource_size(res));
	if (!th->regs) {
		ret = -ENOMEM;
		goto err_put;
	}
	platform_set_drvdata(pdev, th);

	for (i = 0; i < VPMSI_TH_NUM_LINES; i++) {
		struct vpmsi_th_wired *w = &th->lines[i];

		w->th = th;
		ret = platform_get_irq(pdev, i);
		if (ret < 0)
			goto err_free_lines;
		w->irq = ret;
		ret = request_irq(w->irq, vpmsi_th_line_handlers[i], 0,
				  dev_name(dev), w);
		if (ret)
			goto err_free_lines;
	}

	th->misc.minor = MISC_DYNAMIC_MINOR;
	th->misc.name = VPMSI_TH_DEVNAME;
	th->misc.fops = &vpmsi_th_fops;
	th->misc.parent = dev;
	th->misc.mode = 0600;
	ret = misc_register(&th->misc);
	if (ret)
		goto err_free_lines;

	vpmsi_th_bound = th;
	mutex_unlock(&vpmsi_th_global_lock);
	dev_info(dev, "window %pR, lines %d/%d, /dev/%s\n", res,
		 th->lines[0].irq, th->lines[1].irq, VPMSI_TH_DEVNAME);
	return 0;

err_free_lines:
	while (i--)
		free_irq(th->lines[i].irq, &th->lines[i]);
err_put:
	vpmsi_th_put(th);
err_unlock:
	mutex_unlock(&vpmsi_th_global_lock);
	return ret;
}

static void vpmsi_th_remove(struct platform_device *pdev)
{
	struct vpmsi_th *th = platform_get_drvdata(pdev);
	unsigned int i;

	/* No new opens once this returns; open files keep a reference. */
	misc_deregister(&th->misc);

	mutex_lock(&th->lock);
	th->dead = true;
	vpmsi_th_teardown_locked(th);
	if (th->mapping)
		unmap_mapping_range(th->mapping, 0, 0, 1);
	for (i = 0; i < VPMSI_TH_NUM_LINES; i++)
		free_irq(th->lines[i].irq, &th->lines[i]);
	mutex_unlock(&th->lock);

	mutex_lock(&vpmsi_th_global_lock);
	vpmsi_th_bound = NULL;
	mutex_unlock(&vpmsi_th_global_lock);
	vpmsi_th_put(th);
}

#ifndef VPM_HAVE_PLATFORM_REMOVE_VOID
static int vpmsi_th_remove_int(struct platform_device *pdev)
{
	vpmsi_th_remove(pdev);
	return 0;
}
#endif

/* No ID table: bound only through driver_override. */
static struct platform_driver vpmsi_th_driver = {
	.driver = {
		.name = DRV_NAME,
	},
	.probe = vpmsi_th_probe,
#ifdef VPM_HAVE_PLATFORM_REMOVE_VOID
	.remove = vpmsi_th_remove,
#else
	.remove = vpmsi_th_remove_int,
#endif
};
module_platform_driver(vpmsi_th_driver);

MODULE_DESCRIPTION("vfio-platform-msi test-only reference host driver for the test device");
MODULE_LICENSE("GPL");
