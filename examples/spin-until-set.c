/* The twin of spin-forever.c: the other task does set the flag. No finding. */
static int go;

void thread_spinner(void)
{
	while (!READ_ONCE(go))
		cpu_relax();
}

void thread_setter(void)
{
	WRITE_ONCE(go, 1);
}
