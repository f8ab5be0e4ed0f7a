/*
 * Teardown model of the bits of the VFS that the iommufd and VFIO lifetimes
 * depend on: a struct file with its reference count, fget/fput, and the
 * task_work that runs the release of a file whose last reference a task
 * dropped, when that task returns to user space (fs/file_table.c fput()).
 */
struct inode;

struct file {
	atomic_t f_count;
	void *private_data;
	/* f_op->release: what __fput() calls */
	int (*release)(struct inode *inode, struct file *filp);
};

void get_file(struct file *file);
void fput(struct file *file);
void task_work_run(void);
struct file *alloc_file(int (*release)(struct inode *inode, struct file *filp));
