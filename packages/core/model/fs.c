/*
 * Teardown model of fs/file_table.c: fput() drops a reference; the task that
 * drops the last one queues __fput() as task_work, which runs when the task
 * returns to user space (the model's system-call entry points call
 * task_work_run() before returning). So a file's release never runs inside
 * the locks held at the point of the fput(), as in the kernel.
 */
#define NR_TASKS 8

/* Per task, the file whose __fput() is pending (task_work_add(current, ...)). */
static struct file *pending_fput[NR_TASKS];

/* Upstream: alloc_empty_file() plus the f_op assignment of the open path. */
struct file *alloc_file(int (*release)(struct inode *inode, struct file *filp))
{
	struct file *file = kzalloc(sizeof(*file), GFP_KERNEL);

	if (!file)
		return ERR_PTR(-ENOMEM);
	atomic_set(&file->f_count, 1);
	file->release = release;
	return file;
}

/* Upstream: get_file() */
void get_file(struct file *file)
{
	atomic_inc(&file->f_count);
}

/* Upstream: fput() with its task_work_add(current, ____fput) */
void fput(struct file *file)
{
	if (atomic_dec_and_test(&file->f_count)) {
		WARN_ON(pending_fput[__current_task()]);
		pending_fput[__current_task()] = file;
	}
}

/*
 * Upstream: task_work_run() running ____fput() -> __fput(): f_op->release,
 * then the file is freed. A release can drop the last reference of another
 * file (closing a VFIO cdev puts the iommufd): that runs too, before the
 * task returns to user space.
 */
void task_work_run(void)
{
	struct file *file;

	while ((file = pending_fput[__current_task()])) {
		pending_fput[__current_task()] = NULL;
		file->release(NULL, file);
		kfree(file);
	}
}
