/* A missing semicolon: teardown check exits 2 and names the line and column. */
static int x;

void thread_a(void)
{
	x = 1
	x = 2;
}
