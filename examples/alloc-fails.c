/*
 * A publisher builds an object in two allocations and publishes it; a
 * reader uses it. The second allocation's failure path frees the first
 * and returns, but the object was already published: only an injected
 * allocation failure (fault site kmalloc) reaches that path, and then the
 * reader may use freed memory.
 */
struct buf {
	int len;
};

struct obj {
	struct buf *buf;
};

static struct obj *published;
static const char *fault_sites[] = { "kmalloc" };

static int publish(void)
{
	struct obj *o = kzalloc(sizeof(*o), GFP_KERNEL);

	if (!o)
		return -ENOMEM;
	WRITE_ONCE(published, o);	/* too early: the object is not finished */
	WRITE_ONCE(o->buf, kzalloc(sizeof(struct buf), GFP_KERNEL));
	if (!READ_ONCE(o->buf)) {
		WRITE_ONCE(published, NULL);
		kfree(o);		/* the reader may already hold it */
		return -ENOMEM;
	}
	return 0;
}

void thread_publisher(void)
{
	publish();
}

void thread_reader(void)
{
	struct obj *o = READ_ONCE(published);

	if (o)
		READ_ONCE(o->buf);
}

/* The process exits: what was published is freed. */
void check(void)
{
	struct obj *o = published;

	if (o) {
		kfree(o->buf);
		kfree(o);
	}
}
