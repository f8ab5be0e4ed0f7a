/**
 * The classic DPOR benchmarks, written in kernel-C, parameterised.
 * Published trace counts are from the DPOR literature: Nidhugg's tests, GenMC
 * and Abdulla et al., JACM'17 (each benchmark's `source`).
 */

/** lastzero(N): Abdulla et al. JACM'17; a reader scans array[N..0] for a 0, N writers do array[j] = array[j-1] + 1. */
export function lastzero(n: number): string {
  let s = `/* lastzero(${n}) */\nstatic int array[${n + 1}];\n\nvoid thread_reader(void)\n{\n\tint i;\n\n\tfor (i = ${n}; array[i] != 0; i--)\n\t\t;\n}\n`;
  for (let j = 1; j <= n; j++) s += `\nvoid thread_w${j}(void)\n{\n\tarray[${j}] = array[${j - 1}] + 1;\n}\n`;
  return s;
}

/** readers(N): N readers and one writer of one variable (2^N traces). */
export function readers(n: number): string {
  let s = `/* readers(${n}) */\nstatic int x;\n\nvoid thread_writer(void)\n{\n\tx = 1;\n}\n`;
  for (let j = 1; j <= n; j++) s += `\nvoid thread_r${j}(void)\n{\n\tint v = x;\n\n\t(void)v;\n}\n`;
  return s;
}

/** Dining philosophers: N philosophers, forks as mutexes; the last one takes them in the same (deadlocking) order. */
export function philosophers(n: number): string {
  let s = `/* dining philosophers(${n}) */\nstatic struct mutex fork[${n}];\n\nvoid setup(void)\n{\n\tint i;\n\n\tfor (i = 0; i < ${n}; i++)\n\t\tmutex_init(&fork[i]);\n}\n`;
  for (let j = 0; j < n; j++) {
    s += `\nvoid thread_p${j}(void)\n{\n\tmutex_lock(&fork[${j}]);\n\tmutex_lock(&fork[${(j + 1) % n}]);\n\tmutex_unlock(&fork[${(j + 1) % n}]);\n\tmutex_unlock(&fork[${j}]);\n}\n`;
  }
  return s;
}

/** indexer(N): Flanagan and Godefroid POPL'05 / SV-COMP indexer.c: a hash table filled with mutex-protected CAS. */
export function indexer(n: number): string {
  let s = `/* indexer(${n}) */\n#define SIZE 128\n#define MAX 4\nstatic int table[SIZE];\nstatic struct mutex cas_mutex[SIZE];\n\n`;
  s += `static int cas(int h, int val, int new_val)\n{\n\tint ret = 0;\n\n\tmutex_lock(&cas_mutex[h]);\n\tif (table[h] == val) {\n\t\ttable[h] = new_val;\n\t\tret = 1;\n\t}\n\tmutex_unlock(&cas_mutex[h]);\n\treturn ret;\n}\n\n`;
  s += `static void worker(int tid)\n{\n\tint m = 0, w, h;\n\n\twhile (m < MAX) {\n\t\tm++;\n\t\tw = m * 11 + tid;\n\t\th = (w * 7) % SIZE;\n\t\twhile (cas(h, 0, w) == 0)\n\t\t\th = (h + 1) % SIZE;\n\t}\n}\n`;
  s += `\nvoid setup(void)\n{\n\tint i;\n\n\tfor (i = 0; i < SIZE; i++)\n\t\tmutex_init(&cas_mutex[i]);\n}\n`;
  for (let j = 0; j < n; j++) s += `\nvoid thread_t${j}(void)\n{\n\tworker(${j});\n}\n`;
  return s;
}

/**
 * The Windows NT Bluetooth driver model (Qadeer and Wu, KISS, PLDI'04; SCTBench
 * bluetooth_driver_bad.c): PnpAdd takes an I/O reference unless stopping;
 * PnpStop sets stoppingFlag, drops the initial reference and waits for the
 * last one. The check of stoppingFlag and the increment are not atomic, so
 * PnpAdd can run on a stopped device: the assertion fails.
 */
export function bluetooth(): string {
  return `/* bluetooth driver (KISS'04) */
static int stoppingFlag, pendingIo = 1, stoppingEvent, stopped;
static DEFINE_MUTEX(lock);

static int BCSP_IoIncrement(void)
{
	if (READ_ONCE(stoppingFlag))
		return -1;
	mutex_lock(&lock);
	pendingIo = pendingIo + 1;
	mutex_unlock(&lock);
	return 0;
}

static void BCSP_IoDecrement(void)
{
	int p;

	mutex_lock(&lock);
	pendingIo = pendingIo - 1;
	p = pendingIo;
	mutex_unlock(&lock);
	if (p == 0)
		WRITE_ONCE(stoppingEvent, 1);
}

void thread_add(void)
{
	if (BCSP_IoIncrement() == 0) {
		assert(!READ_ONCE(stopped));
		BCSP_IoDecrement();
	}
}

void thread_stop(void)
{
	WRITE_ONCE(stoppingFlag, 1);
	BCSP_IoDecrement();
	while (!READ_ONCE(stoppingEvent))
		cpu_relax();
	WRITE_ONCE(stopped, 1);
}
`;
}

export interface Benchmark {
  name: string;
  src: string;
  /** Published Mazurkiewicz trace count, or null when none is published. */
  published: number | null;
  source: string;
}

/** The benchmark table: name, program, published trace count (or null) and its source. */
export const BENCHMARKS: Benchmark[] = [
  ...[1, 2, 3, 4].map((n) => ({
    name: `lastzero(${n})`,
    src: lastzero(n),
    published: [2, 5, 12, 28][n - 1],
    source: 'Nidhugg smoke tests',
  })),
  ...[2, 3, 4, 5, 6].map((n) => ({
    name: `readers(${n})`,
    src: readers(n),
    published: 2 ** n,
    source: 'Nidhugg (2^N)',
  })),
  ...[3, 4, 5].map((n) => ({ name: `philosophers(${n})`, src: philosophers(n), published: null, source: '' })),
  ...[12, 13].map((n) => ({
    name: `indexer(${n})`,
    src: indexer(n),
    published: n === 12 ? 8 : 64,
    source: "JACM'17 / GenMC",
  })),
  {
    name: 'bluetooth',
    src: bluetooth(),
    published: 10,
    source: 'SCTBench bluetooth_driver_bad (Qadeer and Wu, PLDI 2004; atomic blocks as single events)',
  },
];
