/*
 * Probe fails at each of its steps while another device is removed: the
 * allocation of the state, the config space in init (init fails: @release
 * must not run, init gives its ports back itself), the device set in
 * register, and device_add(). After a failed probe nothing may be left
 * (no leak, no port missing, no double free); after a successful one the
 * device is removed normally.
 */
#include "harness.h"

static const char *fault_sites[] = { "kmalloc", "device_add" };

static int probe_rc = 1;

void setup(void)
{
	load_modules();
	probe(&mdev0);
}

void thread_probe(void)
{
	probe_rc = mtty_probe(&mdev1);
	EXPECT_RET("mtty_probe(may fail)", probe_rc, 0, -ENOMEM);
}

void thread_remove(void)
{
	mtty_remove(&mdev0);
}

void check(void)
{
	if (!probe_rc)
		mtty_remove(&mdev1);
	check_all_released();
}
