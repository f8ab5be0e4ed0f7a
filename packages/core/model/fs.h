/*
 * Teardown model of the bits of the VFS that the iommufd and VFIO lifetimes
 * depend on: a struct file with its reference count, get_file/fput, the
 * task_work that runs the release of a file whose last reference a task
 * dropped, when that task returns to user space (fs/file_table.c fput()),
 * and the process's file descriptor table with fget/fdget/fdput
 * (fs/file.c, include/linux/file.h).
 */
struct inode;

/*
 * include/linux/file_ref.h (Linux 6.17): the built-ins file_ref_init(),
 * file_ref_inc(), file_ref_put() and file_ref_read() keep the number of
 * references in it.
 */
typedef atomic_t file_ref_t;

struct file {
	file_ref_t f_ref;
	void *private_data;
	/* f_op->release: what __fput() calls */
	int (*release)(struct inode *inode, struct file *filp);
};

/*
 * What fdget() returns. Linux 6.17 packs the file pointer and FDPUT_FPUT into
 * one word (fd_file(), fd_empty()); the model keeps them in two fields.
 */
#define FDPUT_FPUT 1
struct fd {
	struct file *file;
	unsigned int flags;
};

void get_file(struct file *file);
void fput(struct file *file);
void task_work_run(void);
struct file *alloc_file(int (*release)(struct inode *inode, struct file *filp));
int fd_install(struct file *file);
struct file *file_close_fd(struct file *file);
struct file *fget(struct file *file);
void fdget(struct fd *f, struct file *file);
void fdput(struct fd *f);
