/*
 * Teardown model of fs/file_table.c and fs/file.c (Linux 6.17).
 *
 * fput() drops a reference; the task that drops the last one queues __fput()
 * as task_work, which runs when the task returns to user space (the model's
 * system-call entry points call task_work_run() before returning). So a
 * file's release never runs inside the locks held at the point of the
 * fput(), as in the kernel. Below, the process's file descriptor table.
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
	file_ref_init(&file->f_ref, 1);
	file->release = release;
	return file;
}

/* Upstream: get_file() (include/linux/fs.h, Linux 6.17) */
void get_file(struct file *file)
{
	file_ref_inc(&file->f_ref);
}

/* Upstream: fput() with its task_work_add(current, ____fput) (fs/file_table.c, Linux 6.17) */
void fput(struct file *file)
{
	if (file_ref_put(&file->f_ref)) {
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

/*
 * The file descriptor table of the scenario's process (include/linux/fdtable.h).
 * A scenario names a descriptor by its struct file pointer: a slot holding
 * that pointer is the descriptor. Freed memory is never reused in the model,
 * so a pointer to a closed (even freed) file never names another file, and
 * looking it up compares pointers without touching the file.
 *
 * Upstream, installs and closes serialise on file_lock, and lookups take no
 * lock: under rcu_read_lock() __fget_files() reads the slot, takes a
 * reference with file_ref_get() (which fails on a count already at 0), and
 * re-checks that the slot still holds the file. That may read a struct file
 * that was just freed, which is fine upstream (the file cache is
 * SLAB_TYPESAFE_BY_RCU) and a use-after-free in the model. So the model
 * gives each slot an rwlock_t of its own, standing for RCU: a lookup
 * re-checks the slot and takes its reference with the slot read-locked, and
 * a close clears the slot write-locked, so a lookup either gets its
 * reference while the table's still keeps the file alive or finds the
 * descriptor closed, as upstream. Read-locked, two lookups do not exclude
 * each other, as two RCU readers do not; being per slot, the lock orders a
 * lookup only with a close of the same descriptor, as RCU does, not with
 * every open and close.
 */
#define NR_OPEN_DEFAULT 16

struct files_struct {
	spinlock_t file_lock;
	struct file *fd_array[NR_OPEN_DEFAULT];
	/* the model's stand-in for RCU, see above */
	rwlock_t fd_rcu[NR_OPEN_DEFAULT];
};

static struct files_struct init_files;

/*
 * files->count: the tasks sharing the table. A scenario's setup and check
 * run on the process's main task alone; its thread bodies are threads of the
 * same process (clone() with CLONE_FILES) that the main task creates after
 * setup and waits for before check, so while they run the table is shared.
 */
static int files_count(struct files_struct *files)
{
	return __nr_tasks();
}

/* The descriptor of `file`, or -1 (upstream: files_lookup_fd_raw() by number). */
static int files_lookup_fd(struct files_struct *files, struct file *file)
{
	int fd;

	/* rcu_dereference_raw() upstream: a marked read */
	for (fd = 0; fd < NR_OPEN_DEFAULT; fd++)
		if (READ_ONCE(files->fd_array[fd]) == file)
			return fd;
	return -1;
}

/*
 * Install a newly opened file in the lowest free slot, which takes over the
 * open's reference; the descriptor, or -EMFILE. Upstream:
 * get_unused_fd_flags() then fd_install() (fs/file.c, Linux 6.17), as one
 * file_lock section.
 */
int fd_install(struct file *file)
{
	struct files_struct *files = &init_files;
	int fd;

	spin_lock(&files->file_lock);
	fd = files_lookup_fd(files, NULL);
	if (fd >= 0)
		WRITE_ONCE(files->fd_array[fd], file);	/* rcu_assign_pointer() upstream */
	spin_unlock(&files->file_lock);
	return fd >= 0 ? fd : -EMFILE;
}

/*
 * Take `file` out of the table under file_lock; the caller then drops the
 * table's reference. NULL if it is not open. Upstream: file_close_fd()
 * (fs/file.c, Linux 6.17).
 */
struct file *file_close_fd(struct file *file)
{
	struct files_struct *files = &init_files;
	int fd;

	spin_lock(&files->file_lock);
	fd = files_lookup_fd(files, file);
	if (fd >= 0) {
		write_lock(&files->fd_rcu[fd]);
		WRITE_ONCE(files->fd_array[fd], NULL);
		write_unlock(&files->fd_rcu[fd]);
	}
	spin_unlock(&files->file_lock);
	return fd >= 0 ? file : NULL;
}

/*
 * The open file `file` with a reference of the caller's own, or NULL if it
 * is not open. Upstream: fget() -> __fget_files() (fs/file.c, Linux 6.17),
 * with the per-slot lock read-locked for RCU (see the table above).
 */
struct file *fget(struct file *file)
{
	struct files_struct *files = &init_files;
	struct file *found = NULL;
	int fd;

	fd = files_lookup_fd(files, file);
	if (fd < 0)
		return NULL;
	read_lock(&files->fd_rcu[fd]);
	if (READ_ONCE(files->fd_array[fd]) == file) {
		get_file(file);
		found = file;
	}
	read_unlock(&files->fd_rcu[fd]);
	return found;
}

/*
 * The file of a system call's descriptor. Upstream: fdget() ->
 * __fget_light() (fs/file.c, Linux 6.17). When no other task shares the
 * table (files->count == 1), nobody can close the descriptor before the
 * system call returns, so the file is borrowed without a reference. When the
 * table is shared, another thread may close it at any moment, so a
 * reference is taken as fget() takes it, and fdput() drops it. f->file is
 * NULL when the descriptor is not open (the system call returns -EBADF).
 */
void fdget(struct fd *f, struct file *file)
{
	struct files_struct *files = &init_files;

	f->file = NULL;
	f->flags = 0;
	if (files_count(files) == 1) {
		if (files_lookup_fd(files, file) >= 0)
			f->file = file;
		return;
	}
	f->file = fget(file);
	if (f->file)
		f->flags = FDPUT_FPUT;
}

/* Upstream: fdput() (include/linux/file.h, Linux 6.17). */
void fdput(struct fd *f)
{
	if (f->flags & FDPUT_FPUT)
		fput(f->file);
}
