/* A task spins on a flag that the other task never sets. */
static int go;
static int other;

void thread_spinner(void)
{
	while (!READ_ONCE(go))
		cpu_relax();
}

void thread_busy(void)
{
	WRITE_ONCE(other, 1);
}
