/* A flag written by one task and polled by another with plain accesses. */
static int ready;
static int payload;

void thread_producer(void)
{
	payload = 7;
	ready = 1;
}

void thread_consumer(void)
{
	if (ready)
		assert(payload == 7);
}
