/*
 * Teardown model of drivers/iommu/iommufd/main.c, Linux 6.17: the object
 * life cycle (alloc, finalize, abort), lookup by ID, removal with
 * REMOVE_WAIT and REMOVE_OBJ_TOMBSTONE, IOMMU_DESTROY, and the release of
 * the iommufd file.
 *
 * The model's own code. Each function names the upstream function it
 * stands for and performs the same shared-memory accesses, locks, refcount
 * operations and waits in the same order, so the interleavings explored are
 * the kernel's; what it leaves out is said where it does.
 */

/*
 * The selftest build's fault point (CONFIG_IOMMUFD_TEST: should_fail() on
 * fail_iommufd): the fault site "iommufd_should_fail", for scenarios that
 * arm it. Models iommufd_should_fail() (Linux 6.17, selftest.c).
 */
bool iommufd_should_fail(void)
{
	return should_fail("iommufd_should_fail");
}

/*
 * Allocate an object of `size` bytes and reserve an ID for it. The slot is
 * XA_ZERO_ENTRY until iommufd_object_finalize(): a lookup or IOMMU_DESTROY
 * of the ID meanwhile finds nothing, so the creator may still fail and
 * free the object without anyone having seen it.
 * Returns the object or ERR_PTR(-ENOMEM / the xa_alloc() error).
 * Models _iommufd_object_alloc() (Linux 6.17).
 */
struct iommufd_object *_iommufd_object_alloc(struct iommufd_ctx *ictx,
					     size_t size,
					     enum iommufd_object_type type)
{
	struct iommufd_object *obj = kzalloc(size, GFP_KERNEL_ACCOUNT);
	int err;

	if (!obj)
		return ERR_PTR(-ENOMEM);
	obj->type = type;
	/* both counts start with the xarray's reference */
	refcount_set(&obj->wait_cnt, 1);
	refcount_set(&obj->users, 1);
	err = xa_alloc(&ictx->objects, &obj->id, XA_ZERO_ENTRY, xa_limit_31b,
		       GFP_KERNEL_ACCOUNT);
	if (err) {
		kfree(obj);
		return ERR_PTR(err);
	}
	return obj;
}

/* Replace the entry at `id` under xa_lock; returns what was there. */
static void *iommufd_object_replace_slot(struct iommufd_ctx *ictx, u32 id, void *entry)
{
	XA_STATE(xas, &ictx->objects, id);
	void *was;

	xa_lock(&ictx->objects);
	was = xas_store(&xas, entry);
	xa_unlock(&ictx->objects);
	return was;
}

/*
 * Publish a fully built object at its reserved ID: from here on userspace
 * can look it up and destroy it, so nothing after this may fail.
 * Models iommufd_object_finalize() (Linux 6.17).
 */
void iommufd_object_finalize(struct iommufd_ctx *ictx,
			     struct iommufd_object *obj)
{
	/* the reservation made by _iommufd_object_alloc() must still be there */
	WARN_ON(iommufd_object_replace_slot(ictx, obj->id, obj) != XA_ZERO_ENTRY);
}

/*
 * Give back the reserved ID of an object never finalized, and free it.
 * Models iommufd_object_abort() (Linux 6.17).
 */
void iommufd_object_abort(struct iommufd_ctx *ictx, struct iommufd_object *obj)
{
	WARN_ON(iommufd_object_replace_slot(ictx, obj->id, NULL) != XA_ZERO_ENTRY);
	kfree(obj);
}

/*
 * Undo an object that was built (it may hold references) but not
 * finalized: the type's abort op if it has one, else its destroy op, then
 * iommufd_object_abort().
 * Models iommufd_object_abort_and_destroy() (Linux 6.17).
 */
void iommufd_object_abort_and_destroy(struct iommufd_ctx *ictx,
				      struct iommufd_object *obj)
{
	const struct iommufd_object_ops *ops = &iommufd_object_ops[obj->type];

	if (!ops->abort)
		ops->destroy(obj);
	else
		ops->abort(obj);
	iommufd_object_abort(ictx, obj);
}

/*
 * Look up `id` and take a lookup reference (users and wait_cnt) on it.
 * ERR_PTR(-ENOENT) when the slot is empty, reserved or a tombstone
 * (xa_load() reports XA_ZERO_ENTRY as empty), holds another type, or holds
 * an object whose wait_cnt a destroyer has drained.
 * Models iommufd_get_object() (Linux 6.17).
 */
struct iommufd_object *iommufd_get_object(struct iommufd_ctx *ictx, u32 id,
					  enum iommufd_object_type type)
{
	struct iommufd_object *obj;
	bool got;

	if (iommufd_should_fail())
		return ERR_PTR(-ENOENT);

	xa_lock(&ictx->objects);
	obj = xa_load(&ictx->objects, id);
	got = obj && (type == IOMMUFD_OBJ_ANY || obj->type == type) &&
	      iommufd_lock_obj(obj);
	xa_unlock(&ictx->objects);
	return got ? obj : ERR_PTR(-ENOENT);
}

/*
 * Drop the xarray's wait_cnt bias and, when lookups still hold wait_cnt,
 * run the type's pre_destroy (which revokes the holders it can) and sleep
 * on destroy_wait, at most 60 s, until wait_cnt is 0. On timeout the bias
 * is restored and -EBUSY returned.
 * Models iommufd_object_dec_wait() (Linux 6.17).
 */
static int iommufd_object_dec_wait(struct iommufd_ctx *ictx,
				   struct iommufd_object *to_destroy)
{
	void (*pre_destroy)(struct iommufd_object *obj);

	if (refcount_dec_and_test(&to_destroy->wait_cnt))
		return 0;

	pre_destroy = iommufd_object_ops[to_destroy->type].pre_destroy;
	if (pre_destroy)
		pre_destroy(to_destroy);

	/* TASK_UNINTERRUPTIBLE, as wait_event_timeout() sleeps */
	if (!wait_event_timeout(ictx->destroy_wait,
				refcount_read(&to_destroy->wait_cnt) == 0,
				msecs_to_jiffies(60000))) {
		pr_crit("Time out waiting for iommufd object to become free\n");
		refcount_inc(&to_destroy->wait_cnt);
		return -EBUSY;
	}
	return 0;
}

/*
 * Destroy the object at `id`.
 *
 * to_destroy == NULL (IOMMU_DESTROY): the object must be idle: users must
 * be exactly the xarray's 1, else -EBUSY at once; an empty, reserved or
 * tombstoned slot gives -ENOENT. After unpublishing it, wait for racing
 * lookups to put their wait_cnt.
 *
 * to_destroy != NULL (kernel destroy): the caller holds a users reference
 * on it, which is dropped here. With REMOVE_WAIT, wait_cnt is drained
 * first (pre_destroy, then sleep), so lookups make the destroy wait instead
 * of fail. REMOVE_OBJ_TOMBSTONE leaves XA_ZERO_ENTRY in the slot instead of
 * freeing the ID.
 *
 * Returns 0 or -errno; on failure nothing was destroyed.
 * Models iommufd_object_remove() (Linux 6.17).
 */
int iommufd_object_remove(struct iommufd_ctx *ictx,
			  struct iommufd_object *to_destroy, u32 id,
			  unsigned int flags)
{
	XA_STATE(xas, &ictx->objects, id);
	void (*destroy)(struct iommufd_object *obj);
	struct iommufd_object *obj;
	bool drained = false;
	int err = 0;

	if (flags & REMOVE_WAIT) {
		err = iommufd_object_dec_wait(ictx, to_destroy);
		if (err) {
			/* kernel bug; leave the object, and the caller's reference, to close */
			refcount_dec(&to_destroy->users);
			return err;
		}
		drained = true;
	}

	xa_lock(&ictx->objects);
	obj = xas_load(&xas);
	if (to_destroy) {
		/* the caller's users reference, dropped under the lock */
		refcount_dec(&obj->users);
		if (WARN_ON(obj != to_destroy))
			err = -ENOENT;
	} else if (!obj || xa_is_zero(obj)) {
		err = -ENOENT;
	}
	/* now only the xarray's own reference may be left */
	if (!err && !refcount_dec_if_one(&obj->users))
		err = -EBUSY;
	if (err) {
		if (drained)
			refcount_set(&obj->wait_cnt, 1);
		xa_unlock(&ictx->objects);
		return err;
	}

	xas_store(&xas, flags & REMOVE_OBJ_TOMBSTONE ? XA_ZERO_ENTRY : NULL);
	/* the VFIO compat IOAS pointer must not outlive its object */
	if (container_of(obj, struct iommufd_ioas, obj) == ictx->vfio_ioas)
		ictx->vfio_ioas = NULL;
	xa_unlock(&ictx->objects);

	/*
	 * Unpublished, users at 0: a wait_cnt still held is a lookup's that
	 * is about to be put. Only IOMMU_DESTROY gets here undrained.
	 */
	if (!drained && WARN_ON(iommufd_object_dec_wait(ictx, obj)))
		return -EBUSY;

	destroy = iommufd_object_ops[obj->type].destroy;
	destroy(obj);
	kfree(obj);
	return 0;
}

/* IOMMU_DESTROY: remove by ID, no waiting on users. Models iommufd_destroy() (Linux 6.17). */
int iommufd_destroy(struct iommufd_ucmd *ucmd)
{
	struct iommu_destroy *cmd = ucmd->cmd;

	return iommufd_object_remove(ucmd->ictx, NULL, cmd->id, 0);
}

/*
 * Copy the command back to userspace; -EFAULT when the copy faults (the
 * fault site "copy_to_user"). The model keeps the command in kernel
 * memory, where the ioctl wrappers read it. Models iommufd_ucmd_respond()
 * (Linux 6.17, iommufd_private.h).
 */
int iommufd_ucmd_respond(struct iommufd_ucmd *ucmd, size_t cmd_len)
{
	if (copy_to_user(ucmd->ubuffer, ucmd->cmd, cmd_len))
		return -EFAULT;
	return 0;
}

/*
 * open("/dev/iommu"): a new context. Models iommufd_fops_open() (Linux
 * 6.17) without the rlimit accounting, the ioas rwsem and the maple tree
 * of mmap offsets.
 */
int iommufd_fops_open(struct inode *inode, struct file *filp)
{
	struct iommufd_ctx *ictx = kzalloc(sizeof(*ictx), GFP_KERNEL_ACCOUNT);

	if (!ictx)
		return -ENOMEM;
	xa_init_flags(&ictx->objects, XA_FLAGS_ALLOC1 | XA_FLAGS_ACCOUNT);
	xa_init(&ictx->groups);
	ictx->file = filp;
	init_waitqueue_head(&ictx->destroy_wait);
	mutex_init(&ictx->sw_msi_lock);
	INIT_LIST_HEAD(&ictx->sw_msi_list);
	filp->private_data = ictx;
	return 0;
}

/*
 * The last reference to the iommufd file is gone. Objects hold users
 * references on the objects they depend on, so destroy the leaves (users
 * == 1) pass after pass, each pass freeing the next layer, with no
 * pre_destroy and no waiting. Tombstones keep xa_empty() false and
 * xa_for_each() skips them, so the loop ends when a pass sees no object
 * (`empty`); a pass that sees objects and destroys none means a refcount
 * bug (WARN). xa_destroy() then drops the tombstones.
 * Models iommufd_fops_release() (Linux 6.17); the exercise close-order
 * gives it to the learner.
 */
int iommufd_fops_release(struct inode *inode, struct file *filp)
{
	struct iommufd_ctx *ictx = filp->private_data;
	struct iommufd_sw_msi_map *next;
	struct iommufd_sw_msi_map *cur;
	struct iommufd_object *obj;

	while (!xa_empty(&ictx->objects)) {
		unsigned int destroyed = 0;
		unsigned long index;
		bool empty = true;

		xa_for_each(&ictx->objects, index, obj) {
			empty = false;
			if (!refcount_dec_if_one(&obj->users))
				continue;

			destroyed++;
			xa_erase(&ictx->objects, index);
			iommufd_object_ops[obj->type].destroy(obj);
			kfree(obj);
		}

		if (empty)
			break;

		/* Bug related to users refcount */
		if (WARN_ON(!destroyed))
			break;
	}

	/* the tombstones left by iommufd_object_tombstone_user() */
	xa_destroy(&ictx->objects);

	WARN_ON(!xa_empty(&ictx->groups));

	mutex_destroy(&ictx->sw_msi_lock);
	list_for_each_entry_safe(cur, next, &ictx->sw_msi_list, sw_msi_item)
		kfree(cur);

	kfree(ictx);
	return 0;
}

/* A context reference is a reference on its file. Model iommufd_ctx_get()/iommufd_ctx_put() (Linux 6.17). */
void iommufd_ctx_get(struct iommufd_ctx *ictx)
{
	get_file(ictx->file);
}

void iommufd_ctx_put(struct iommufd_ctx *ictx)
{
	fput(ictx->file);
}

/*
 * The context behind an open descriptor, with a reference on its file (the
 * fget()'s, which counts as iommufd_ctx_get()); ERR_PTR(-EBADF) if it is not
 * open, ERR_PTR(-EBADFD) if it is not an iommufd. Models
 * iommufd_ctx_from_fd() (Linux 6.17); the descriptor is named by its file.
 */
struct iommufd_ctx *iommufd_ctx_from_fd(struct file *fd)
{
	struct file *file;

	file = fget(fd);
	if (!file)
		return ERR_PTR(-EBADF);
	if (file->release != iommufd_fops_release) {
		fput(file);
		return ERR_PTR(-EBADFD);
	}
	return file->private_data;
}

/* Per-type operations, for the types the model has (upstream: iommufd_object_ops[] in main.c). */
const struct iommufd_object_ops iommufd_object_ops[] = {
	[IOMMUFD_OBJ_DEVICE] = {
		.pre_destroy = iommufd_device_pre_destroy,
		.destroy = iommufd_device_destroy,
	},
	[IOMMUFD_OBJ_VIOMMU] = {
		.destroy = iommufd_viommu_destroy,
	},
	[IOMMUFD_OBJ_VDEVICE] = {
		.destroy = iommufd_vdevice_destroy,
		.abort = iommufd_vdevice_abort,
	},
	[IOMMUFD_OBJ_IOAS] = {
		.destroy = iommufd_ioas_destroy,
	},
	[IOMMUFD_OBJ_HWPT_PAGING] = {
		.destroy = iommufd_hwpt_paging_destroy,
	},
	[IOMMUFD_OBJ_SELFTEST] = {
		.destroy = iommufd_selftest_destroy,
	},
};
