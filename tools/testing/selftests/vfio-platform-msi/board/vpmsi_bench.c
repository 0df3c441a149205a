// SPDX-License-Identifier: GPL-2.0
/*
 * vpmsi_bench: test-only peer and floor of `make bench` (scripts/bench).
 *
 * The bench measures how long an MSI takes from the test device's doorbell
 * write to a userspace read() of an eventfd, through vfio-platform-msi, and
 * needs the same figure for a kernel driver on the same device in the same
 * boot (the peer) and for no device at all (the floor):
 *
 * - the peer binds the test device through driver_override only (no ID
 *   table), allocates its platform MSIs at probe as a kernel driver does on
 *   this kernel (platform_device_msi_init_and_alloc_irqs() with per-device
 *   MSI domains, platform_msi_domain_alloc_irqs() before them: probed from
 *   the headers), programs the vector table from the write_msg callback,
 *   unmasks the entries, sets CTRL.MSI_EN, and signals a vector's eventfd
 *   from its hard interrupt handler;
 * - the floor is a kernel thread bound to a CPU that stamps
 *   CLOCK_MONOTONIC and signals an eventfd when asked.
 *
 * Userspace drives both through /dev/vpmsi_bench (include/vpmsi_bench.h).
 */

#include <linux/atomic.h>
#include <linux/cpumask.h>
#include <linux/delay.h>
#include <linux/eventfd.h>
#include <linux/fs.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/iopoll.h>
#include <linux/kthread.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/msi.h>
#include <linux/mutex.h>
#include <linux/platform_device.h>
#include <linux/slab.h>
#include <linux/timekeeping.h>
#include <linux/uaccess.h>
#include <linux/wait.h>

/*
 * API probes from scripts/kcompat-gen (vpmsi_bench.compat): the
 * out-of-tree build defines VPM_COMPAT_AUTOCONF. In a kernel tree, assume
 * the newest API.
 */
#ifdef VPM_COMPAT_AUTOCONF
#include <vpm_compat_autoconf.h>
#else
#define VPM_HAVE_PLATFORM_DEVICE_MSI 1
#define VPM_HAVE_EVENTFD_SIGNAL_NOCOUNT 1
#define VPM_HAVE_PLATFORM_REMOVE_VOID 1
#endif

#include "vpmsi_testdev.h"
#include "vpmsi_bench.h"

static unsigned int nvec = 64;
module_param(nvec, uint, 0444);
MODULE_PARM_DESC(nvec, "MSI vectors allocated at bind (1-2048, default 64)");

#define VPMSI_BENCH_MB_TIMEOUT_US	USEC_PER_SEC
#define VPMSI_BENCH_FLOOR_MAX_DELAY_US	100000

struct vpmsi_bench_vector {
	unsigned int virq;
	/* Changed only with the vector disabled (disable_irq() syncs). */
	struct eventfd_ctx *trigger;
	atomic64_t count;
};

struct vpmsi_bench_dev {
	struct device *dev;
	void __iomem *regs;
	unsigned int nvec;
	struct vpmsi_bench_vector *vec;
};

struct vpmsi_bench_floor_thread {
	struct task_struct *task;
	/* Set before the thread starts, put after it stopped. */
	struct eventfd_ctx *trigger;
	wait_queue_head_t wq;
	atomic_t req;		/* signals asked for and not yet made */
	unsigned int delay_us;
	u64 last_ns;		/* written before total is incremented */
	atomic64_t total;
};

/*
 * vb_lock serialises the ioctls, probe and remove. It protects vb_dev (the
 * bound device, NULL if none), the vectors' triggers (swapped with the
 * vector disabled) and the floor thread's task and trigger.
 */
static DEFINE_MUTEX(vb_lock);
static struct vpmsi_bench_dev *vb_dev;
static struct vpmsi_bench_floor_thread vb_floor;

static inline void vpmsi_bench_signal(struct eventfd_ctx *ctx)
{
#ifdef VPM_HAVE_EVENTFD_SIGNAL_NOCOUNT
	eventfd_signal(ctx);
#else
	eventfd_signal(ctx, 1);
#endif
}

/* The whole of the peer's path: count, signal. */
static irqreturn_t vpmsi_bench_handler(int irq, void *arg)
{
	struct vpmsi_bench_vector *v = arg;
	struct eventfd_ctx *ctx = READ_ONCE(v->trigger);

	atomic64_inc(&v->count);
	if (ctx)
		vpmsi_bench_signal(ctx);
	return IRQ_HANDLED;
}

/*
 * The MSI core composes a vector's message at activation (request_irq())
 * and on affinity changes, and clears it at deactivation: write it into
 * the table entry, masked while it is rewritten. Atomic context, under
 * the vector's descriptor lock, which serialises the writes of one entry.
 */
static void vpmsi_bench_write_msg(struct msi_desc *desc, struct msi_msg *msg)
{
	struct vpmsi_bench_dev *bd = dev_get_drvdata(msi_desc_to_dev(desc));
	unsigned int i = desc->msi_index;
	void __iomem *e;
	u32 ctrl;

	if (!bd || i >= bd->nvec)
		return;
	e = bd->regs + VPMSI_TABLE_ENTRY(i);
	ctrl = readl(e + VPMSI_ENTRY_CTRL);
	writel(ctrl | VPMSI_ENTRY_CTRL_MASKED, e + VPMSI_ENTRY_CTRL);
	writel(msg->address_lo, e + VPMSI_ENTRY_ADDR_LO);
	writel(msg->address_hi, e + VPMSI_ENTRY_ADDR_HI);
	writel(msg->data, e + VPMSI_ENTRY_DATA);
	writel(ctrl, e + VPMSI_ENTRY_CTRL);
}

#ifdef VPM_HAVE_PLATFORM_DEVICE_MSI
static int vpmsi_bench_alloc_vectors(struct device *dev, unsigned int n)
{
	return platform_device_msi_init_and_alloc_irqs(dev, n,
						       vpmsi_bench_write_msg);
}

static void vpmsi_bench_free_vectors(struct device *dev)
{
	platform_device_msi_free_irqs_all(dev);
}
#else
static int vpmsi_bench_alloc_vectors(struct device *dev, unsigned int n)
{
	return platform_msi_domain_alloc_irqs(dev, n, vpmsi_bench_write_msg);
}

static void vpmsi_bench_free_vectors(struct device *dev)
{
	platform_msi_domain_free_irqs(dev);
}
#endif

static void vpmsi_bench_quiesce(struct vpmsi_bench_dev *bd)
{
	unsigned int i;
	u32 off;

	writel(readl(bd->regs + VPMSI_REG_CTRL) & ~VPMSI_CTRL_MSI_EN,
	       bd->regs + VPMSI_REG_CTRL);
	for (i = 0; i < bd->nvec; i++) {
		off = VPMSI_TABLE_ENTRY(i) + VPMSI_ENTRY_CTRL;
		writel(readl(bd->regs + off) | VPMSI_ENTRY_CTRL_MASKED,
		       bd->regs + off);
	}
}

static int vpmsi_bench_reset(struct vpmsi_bench_dev *bd)
{
	u32 val;
	int ret;

	if (readl(bd->regs + VPMSI_REG_ID) != VPMSI_ID)
		return -ENODEV;
	writel(VPMSI_RESET_GO, bd->regs + VPMSI_REG_RESET);
	ret = readl_poll_timeout(bd->regs + VPMSI_REG_RESET, val, !val, 20,
				 VPMSI_BENCH_MB_TIMEOUT_US);
	if (ret)
		return ret;
	return readl_poll_timeout(bd->regs + VPMSI_REG_STATUS, val,
				  val & VPMSI_STATUS_READY, 20,
				  VPMSI_BENCH_MB_TIMEOUT_US);
}

static int vpmsi_bench_probe(struct platform_device *pdev)
{
	struct device *dev = &pdev->dev;
	struct vpmsi_bench_dev *bd;
	struct resource *res;
	unsigned int i;
	int ret;

	if (!nvec || nvec > VPMSI_NUM_VECTORS)
		return -EINVAL;
	res = platform_get_resource(pdev, IORESOURCE_MEM, 0);
	if (!res || resource_size(res) < VPMSI_WINDOW_SIZE)
		return -ENODEV;

	bd = devm_kzalloc(dev, sizeof(*bd), GFP_KERNEL);
	if (!bd)
		return -ENOMEM;
	bd->dev = dev;
	bd->nvec = nvec;
	bd->vec = devm_kcalloc(dev, nvec, sizeof(*bd->vec), GFP_KERNEL);
	if (!bd->vec)
		return -ENOMEM;
	/* No request_mem_region(): the device model maps the window too. */
	bd->regs = devm_ioremap(dev, res->start, resource_size(res));
	if (!bd->regs)
		return -ENOMEM;

	mutex_lock(&vb_lock);
	if (vb_dev) {
		ret = -EBUSY;
		goto err_unlock;
	}
	ret = vpmsi_bench_reset(bd);
	if (ret) {
		dev_err(dev, "device does not reset: %d\n", ret);
		goto err_unlock;
	}
	platform_set_drvdata(pdev, bd);

	ret = vpmsi_bench_alloc_vectors(dev, nvec);
	if (ret) {
		dev_err(dev, "cannot allocate %u MSIs: %d\n", nvec, ret);
		goto err_drvdata;
	}
	for (i = 0; i < nvec; i++) {
		bd->vec[i].virq = msi_get_virq(dev, i);
		if (!bd->vec[i].virq) {
			ret = -ENXIO;
			goto err_free_irqs;
		}
		ret = request_irq(bd->vec[i].virq, vpmsi_bench_handler, 0,
				  VPMSI_BENCH_DRVNAME, &bd->vec[i]);
		if (ret)
			goto err_free_irqs;
	}

	for (i = 0; i < nvec; i++)
		writel(0, bd->regs + VPMSI_TABLE_ENTRY(i) + VPMSI_ENTRY_CTRL);
	writel(VPMSI_CTRL_MSI_EN, bd->regs + VPMSI_REG_CTRL);

	vb_dev = bd;
	mutex_unlock(&vb_lock);
	dev_info(dev, "%u MSIs, first irq %u\n", nvec, bd->vec[0].virq);
	return 0;

err_free_irqs:
	while (i--)
		free_irq(bd->vec[i].virq, &bd->vec[i]);
	vpmsi_bench_free_vectors(dev);
err_drvdata:
	platform_set_drvdata(pdev, NULL);
err_unlock:
	mutex_unlock(&vb_lock);
	return ret;
}

static void vpmsi_bench_remove(struct platform_device *pdev)
{
	struct vpmsi_bench_dev *bd = platform_get_drvdata(pdev);
	unsigned int i;

	mutex_lock(&vb_lock);
	vb_dev = NULL;
	vpmsi_bench_quiesce(bd);
	for (i = 0; i < bd->nvec; i++)
		free_irq(bd->vec[i].virq, &bd->vec[i]);
	vpmsi_bench_free_vectors(&pdev->dev);
	for (i = 0; i < bd->nvec; i++) {
		if (bd->vec[i].trigger)
			eventfd_ctx_put(bd->vec[i].trigger);
		bd->vec[i].trigger = NULL;
	}
	mutex_unlock(&vb_lock);
}

#ifndef VPM_HAVE_PLATFORM_REMOVE_VOID
static int vpmsi_bench_remove_int(struct platform_device *pdev)
{
	vpmsi_bench_remove(pdev);
	return 0;
}
#endif

/* No ID table: bound only through driver_override. */
static struct platform_driver vpmsi_bench_driver = {
	.driver = {
		.name = VPMSI_BENCH_DRVNAME,
	},
	.probe = vpmsi_bench_probe,
#ifdef VPM_HAVE_PLATFORM_REMOVE_VOID
	.remove = vpmsi_bench_remove,
#else
	.remove = vpmsi_bench_remove_int,
#endif
};

/* The floor: wait for a request, sleep as the model polls, stamp, signal. */
static int vpmsi_bench_floor_fn(void *data)
{
	struct vpmsi_bench_floor_thread *f = data;
	unsigned int us;
	int n;

	while (!kthread_should_stop()) {
		wait_event_interruptible(f->wq, atomic_read(&f->req) ||
					 kthread_should_stop());
		if (kthread_should_stop())
			break;
		us = READ_ONCE(f->delay_us);
		if (us)
			usleep_range(us, us + us / 4);
		for (n = atomic_xchg(&f->req, 0); n > 0; n--) {
			WRITE_ONCE(f->last_ns, ktime_get_ns());
			smp_wmb();	/* pairs with smp_rmb() in ..._last() */
			atomic64_inc(&f->total);
			vpmsi_bench_signal(f->trigger);
		}
	}
	return 0;
}

static void vpmsi_bench_floor_stop_locked(void)
{
	lockdep_assert_held(&vb_lock);

	if (!vb_floor.task)
		return;
	kthread_stop(vb_floor.task);
	put_task_struct(vb_floor.task);
	vb_floor.task = NULL;
	eventfd_ctx_put(vb_floor.trigger);
	vb_floor.trigger = NULL;
	atomic_set(&vb_floor.req, 0);
}

static long vpmsi_bench_floor_set(void __user *arg)
{
	struct vpmsi_bench_floor fs;
	struct task_struct *task;
	struct eventfd_ctx *ctx;
	long ret = 0;

	if (copy_from_user(&fs, arg, sizeof(fs)))
		return -EFAULT;

	mutex_lock(&vb_lock);
	vpmsi_bench_floor_stop_locked();
	if (fs.fd < 0)
		goto out_unlock;
	if (fs.cpu >= nr_cpu_ids || !cpu_online(fs.cpu)) {
		ret = -EINVAL;
		goto out_unlock;
	}
	ctx = eventfd_ctx_fdget(fs.fd);
	if (IS_ERR(ctx)) {
		ret = PTR_ERR(ctx);
		goto out_unlock;
	}
	vb_floor.trigger = ctx;
	task = kthread_create(vpmsi_bench_floor_fn, &vb_floor, "vpmsi-floor");
	if (IS_ERR(task)) {
		ret = PTR_ERR(task);
		goto err_put_ctx;
	}
	get_task_struct(task);
	kthread_bind(task, fs.cpu);
	vb_floor.task = task;
	wake_up_process(task);
	goto out_unlock;

err_put_ctx:
	vb_floor.trigger = NULL;
	eventfd_ctx_put(ctx);
out_unlock:
	mutex_unlock(&vb_lock);
	return ret;
}

static long vpmsi_bench_floor_fire(void __user *arg)
{
	struct vpmsi_bench_floor_fire ff;
	long ret = 0;

	if (copy_from_user(&ff, arg, sizeof(ff)))
		return -EFAULT;
	if (!ff.count || ff.count > VPMSI_FIRE_COUNT_MAX ||
	    ff.delay_us > VPMSI_BENCH_FLOOR_MAX_DELAY_US)
		return -EINVAL;

	mutex_lock(&vb_lock);
	if (!vb_floor.task) {
		ret = -ENODEV;
	} else if (atomic_read(&vb_floor.req)) {
		ret = -EBUSY;
	} else {
		WRITE_ONCE(vb_floor.delay_us, ff.delay_us);
		atomic_set(&vb_floor.req, ff.count);
		wake_up(&vb_floor.wq);
	}
	mutex_unlock(&vb_lock);
	return ret;
}

/* Take vb_lock with a device bound: 0 and *bd, or -ENODEV unlocked. */
static int vpmsi_bench_lock_dev(struct vpmsi_bench_dev **bd)
{
	mutex_lock(&vb_lock);
	if (!vb_dev) {
		mutex_unlock(&vb_lock);
		return -ENODEV;
	}
	*bd = vb_dev;
	return 0;
}

static long vpmsi_bench_info(void __user *arg)
{
	struct vpmsi_bench_info info = {};

	mutex_lock(&vb_lock);
	if (vb_dev) {
		info.bound = 1;
		info.nvec = vb_dev->nvec;
	}
	mutex_unlock(&vb_lock);
	return copy_to_user(arg, &info, sizeof(info)) ? -EFAULT : 0;
}

static long vpmsi_bench_set_trigger(void __user *arg)
{
	struct vpmsi_bench_trigger t;
	struct eventfd_ctx *ctx = NULL, *old;
	struct vpmsi_bench_vector *v;
	struct vpmsi_bench_dev *bd;
	int ret;

	if (copy_from_user(&t, arg, sizeof(t)))
		return -EFAULT;
	if (t.fd >= 0) {
		ctx = eventfd_ctx_fdget(t.fd);
		if (IS_ERR(ctx))
			return PTR_ERR(ctx);
	}

	ret = vpmsi_bench_lock_dev(&bd);
	if (ret)
		goto out_put;
	if (t.vector >= bd->nvec) {
		mutex_unlock(&vb_lock);
		ret = -EINVAL;
		goto out_put;
	}
	v = &bd->vec[t.vector];
	disable_irq(v->virq);	/* no handler runs with the old trigger now */
	old = v->trigger;
	WRITE_ONCE(v->trigger, ctx);
	enable_irq(v->virq);
	mutex_unlock(&vb_lock);
	ctx = old;
out_put:
	if (!IS_ERR_OR_NULL(ctx))
		eventfd_ctx_put(ctx);
	return ret;
}

static long vpmsi_bench_vec(void __user *arg)
{
	struct vpmsi_bench_dev *bd;
	struct vpmsi_bench_vec vq;
	int ret;

	if (copy_from_user(&vq, arg, sizeof(vq)))
		return -EFAULT;
	ret = vpmsi_bench_lock_dev(&bd);
	if (ret)
		return ret;
	if (vq.vector >= bd->nvec) {
		ret = -EINVAL;
	} else {
		vq.virq = bd->vec[vq.vector].virq;
		vq.count = atomic64_read(&bd->vec[vq.vector].count);
	}
	mutex_unlock(&vb_lock);
	if (ret)
		return ret;
	return copy_to_user(arg, &vq, sizeof(vq)) ? -EFAULT : 0;
}

static long vpmsi_bench_fire(void __user *arg)
{
	struct vpmsi_bench_fire fr;
	struct vpmsi_bench_dev *bd;
	u32 val;
	int ret;

	if (copy_from_user(&fr, arg, sizeof(fr)))
		return -EFAULT;
	if (fr.vector >= VPMSI_NUM_VECTORS || !fr.count ||
	    fr.count > VPMSI_FIRE_COUNT_MAX)
		return -EINVAL;
	ret = vpmsi_bench_lock_dev(&bd);
	if (ret)
		return ret;
	ret = readl_poll_timeout(bd->regs + VPMSI_REG_FIRE, val, !val, 10,
				 VPMSI_BENCH_MB_TIMEOUT_US);
	if (!ret)
		writel(VPMSI_FIRE_GO | VPMSI_FIRE_COUNT(fr.count) | fr.vector,
		       bd->regs + VPMSI_REG_FIRE);
	mutex_unlock(&vb_lock);
	return ret;
}

static long vpmsi_bench_last(void __user *arg)
{
	struct vpmsi_bench_last l = {};

	mutex_lock(&vb_lock);
	if (vb_dev) {
		l.dev_ns = readq(vb_dev->regs + VPMSI_REG_LAST_MSI_NS);
		l.dev_vector = readl(vb_dev->regs + VPMSI_REG_LAST_VECTOR);
		l.dev_total = readl(vb_dev->regs + VPMSI_REG_MSI_TOTAL);
	}
	l.floor_total = atomic64_read(&vb_floor.total);
	smp_rmb();	/* pairs with smp_wmb() in vpmsi_bench_floor_fn() */
	l.floor_ns = READ_ONCE(vb_floor.last_ns);
	mutex_unlock(&vb_lock);
	return copy_to_user(arg, &l, sizeof(l)) ? -EFAULT : 0;
}

static long vpmsi_bench_ioctl(struct file *file, unsigned int cmd,
			      unsigned long arg)
{
	void __user *uarg = (void __user *)arg;

	switch (cmd) {
	case VPMSI_BENCH_INFO:
		return vpmsi_bench_info(uarg);
	case VPMSI_BENCH_SET_TRIGGER:
		return vpmsi_bench_set_trigger(uarg);
	case VPMSI_BENCH_VEC:
		return vpmsi_bench_vec(uarg);
	case VPMSI_BENCH_FIRE:
		return vpmsi_bench_fire(uarg);
	case VPMSI_BENCH_LAST:
		return vpmsi_bench_last(uarg);
	case VPMSI_BENCH_FLOOR_SET:
		return vpmsi_bench_floor_set(uarg);
	case VPMSI_BENCH_FLOOR_FIRE:
		return vpmsi_bench_floor_fire(uarg);
	default:
		return -ENOTTY;
	}
}

static const struct file_operations vpmsi_bench_fops = {
	.owner = THIS_MODULE,
	.unlocked_ioctl = vpmsi_bench_ioctl,
	.compat_ioctl = compat_ptr_ioctl,
};

static struct miscdevice vpmsi_bench_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = VPMSI_BENCH_DEVNAME,
	.fops = &vpmsi_bench_fops,
	.mode = 0600,
};

static int __init vpmsi_bench_init(void)
{
	int ret;

	init_waitqueue_head(&vb_floor.wq);
	ret = misc_register(&vpmsi_bench_misc);
	if (ret)
		return ret;
	ret = platform_driver_register(&vpmsi_bench_driver);
	if (ret)
		misc_deregister(&vpmsi_bench_misc);
	return ret;
}

static void __exit vpmsi_bench_exit(void)
{
	platform_driver_unregister(&vpmsi_bench_driver);
	misc_deregister(&vpmsi_bench_misc);
	mutex_lock(&vb_lock);
	vpmsi_bench_floor_stop_locked();
	mutex_unlock(&vb_lock);
}

module_init(vpmsi_bench_init);
module_exit(vpmsi_bench_exit);

MODULE_DESCRIPTION("vfio-platform-msi test-only bench peer (kernel driver MSI path) and floor");
MODULE_LICENSE("GPL");
