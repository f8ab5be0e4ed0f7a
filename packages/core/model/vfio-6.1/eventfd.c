/*
 * Teardown model of fs/eventfd.c, Linux 6.1, reduced to what a driver's
 * request to userspace needs: eventfd_signal() adds to the count and wakes
 * the reader; a read sleeps until the count is positive and takes it all.
 * The model's own code: a count and a wait queue instead of the ctx's
 * spinlock-protected u64.
 */

/* An eventfd as eventfd() creates it (count 0). Upstream: do_eventfd() (6.1), reduced. */
void eventfd_ctx_init(struct eventfd_ctx *ctx)
{
	init_waitqueue_head(&ctx->wqh);
	atomic_set(&ctx->count, 0);
}

/* Add n to the count and wake the reader. Upstream: eventfd_signal() (6.1), which wakes with EPOLLIN. */
void eventfd_signal(struct eventfd_ctx *ctx, int n)
{
	atomic_add(n, &ctx->count);
	wake_up(&ctx->wqh);
}

/* read(eventfd): sleep until the count is positive, return it and reset it to 0. Upstream: eventfd_read() (6.1). */
int eventfd_read(struct eventfd_ctx *ctx)
{
	wait_event_interruptible(ctx->wqh, atomic_read(&ctx->count) > 0);
	return atomic_xchg(&ctx->count, 0);
}
