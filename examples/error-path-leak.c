/* The error path forgets to free the object it allocated. */
struct item {
	int id;
};

static struct item *table[1];
static DEFINE_MUTEX(lock);

static int insert(int id)
{
	struct item *it = kzalloc(sizeof(*it), GFP_KERNEL);

	if (!it)
		return -ENOMEM;
	it->id = id;
	mutex_lock(&lock);
	if (table[0]) {
		mutex_unlock(&lock);
		return -EEXIST;		/* BUG: leaks it */
	}
	table[0] = it;
	mutex_unlock(&lock);
	return 0;
}

void thread_a(void)
{
	insert(1);
}

void thread_b(void)
{
	insert(2);
}

void check(void)
{
	kfree(table[0]);
}
