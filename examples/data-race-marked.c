/*
 * The twin of data-race.c with marked accesses: WRITE_ONCE/READ_ONCE on the
 * flag, and release/acquire ordering so the payload read happens after the
 * write. No data race.
 */
static int ready;
static int payload;

void thread_producer(void)
{
	payload = 7;
	smp_store_release(&ready, 1);
}

void thread_consumer(void)
{
	if (smp_load_acquire(&ready))
		assert(payload == 7);
}
