/**
 * Worker threads for splitting one DPOR exploration (sched/split.ts): a
 * {@link UnitRunner} over Node's worker_threads, for `teardown check --jobs`
 * and `teardown bench --jobs`.
 *
 * The controller explores synchronously, so it cannot wait for messages on
 * the event loop: each worker answers on a MessagePort of its own, read with
 * `receiveMessageOnPort`, and bumps a shared counter that the controller
 * blocks on with `Atomics.wait` when it must have a unit's result. The
 * program and scenario go to every worker once per exploration (structured
 * clone: a Program is plain data, and exploring never changes it).
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, type MessagePort, Worker, receiveMessageOnPort } from 'node:worker_threads';
import type { Program } from '../lang/ir.js';
import type { Limits, ScenarioSpec } from '../vm/machine.js';
import type { UnitRequest, UnitResult, UnitRunner } from '../sched/split.js';
import type { SplitWorkerAnswer, SplitWorkerData, SplitWorkerMessage } from './split-worker.js';

/** The worker's module: beside this one, or the built one when this module runs from its TypeScript source (tests). */
function workerUrl(): URL {
  const here = import.meta.url;
  return here.endsWith('.ts')
    ? new URL('../../dist/threads/split-worker.js', here)
    : new URL('./split-worker.js', here);
}

/** The worker module is on disk (not in a single-file bundle, which then explores alone). */
export function splitWorkersAvailable(): boolean {
  try {
    return existsSync(fileURLToPath(workerUrl()));
  } catch {
    return false;
  }
}

interface Slot {
  worker: Worker;
  port: MessagePort;
  /** [0] the unit to stop, [1] the worker's heartbeat (./split-worker.ts). */
  cancel: Int32Array;
  /** The unit it runs (0: idle; -1: given up on, never idle again), and the exploration it is of. */
  busy: number;
  busyGen: number;
}

/**
 * How long a unit waited for may go without its worker starting another
 * execution before the worker is given up on (a thread that died answers
 * nothing, and the controller would wait forever): far longer than any
 * execution within the VM's limits.
 */
const STALLED_MS = 60_000;

/** `n` worker threads that explore units; one exploration at a time ({@link runner}). close() them when done. */
export class SplitThreads {
  private readonly slots: Slot[] = [];
  private readonly signal = new Int32Array(new SharedArrayBuffer(4));
  private gen = 0;

  constructor(readonly n: number) {
    for (let i = 0; i < n; i++) {
      const { port1, port2 } = new MessageChannel();
      const cancel = new Int32Array(new SharedArrayBuffer(8));
      const data: SplitWorkerData = { port: port2, signal: this.signal, cancel };
      const worker = new Worker(workerUrl(), { workerData: data, transferList: [port2] });
      worker.unref();
      port1.unref();
      this.slots.push({ worker, port: port1, cancel, busy: 0, busyGen: 0 });
    }
  }

  /** A runner for one exploration of `spec` of `program` (the workers drop any earlier one's units). */
  runner(program: Program, spec: ScenarioSpec, limits: Limits): UnitRunner {
    const gen = ++this.gen;
    for (const s of this.slots) {
      // a unit of an earlier exploration still running is stopped; its slot is idle when it answers
      if (s.busy > 0) Atomics.store(s.cancel, 0, s.busy);
      s.worker.postMessage({ type: 'explore', gen, program, spec, limits } satisfies SplitWorkerMessage);
    }
    const slots = this.slots;
    const signal = this.signal;
    const cancelled = new Set<number>();
    /** Answers of this exploration received so far and not handed out. */
    const ready: UnitResult[] = [];
    const drain = () => {
      for (const s of slots) {
        for (let m = receiveMessageOnPort(s.port); m; m = receiveMessageOnPort(s.port)) {
          const a = m.message as SplitWorkerAnswer;
          if (s.busy === a.id && s.busyGen === a.gen) s.busy = 0;
          if (a.gen !== gen) continue;
          if (cancelled.delete(a.id)) continue;
          // a unit that failed is one that did not finish: the controller explores it itself
          ready.push(a.result ?? failed(a.id));
        }
      }
    };
    const take = () => ready.splice(0, ready.length);
    return {
      idle: () => {
        drain();
        return slots.filter((s) => s.busy === 0).length;
      },
      start: (req: UnitRequest) => {
        const s = slots.find((x) => x.busy === 0);
        if (!s) throw new Error('teardown: no idle split worker');
        s.busy = req.id;
        s.busyGen = gen;
        Atomics.store(s.cancel, 0, 0);
        s.worker.postMessage({ type: 'unit', gen, req } satisfies SplitWorkerMessage);
      },
      poll: () => {
        drain();
        return take();
      },
      wait: (id: number) => {
        // the controller needs it now: the worker stops at its next execution and hands over its path, which the
        // controller goes on from, handing out what hangs from it (sched/split.ts, units adopted part-way)
        const s = slots.find((x) => x.busy === id && x.busyGen === gen);
        if (s) Atomics.store(s.cancel, 0, id);
        let beat = s ? Atomics.load(s.cancel, 1) : 0;
        let since = Date.now();
        for (;;) {
          const seen = Atomics.load(signal, 0);
          drain();
          if (ready.some((r) => r.id === id)) return take();
          if (!s || s.busy !== id || s.busyGen !== gen) return [...take(), failed(id)];
          const b = Atomics.load(s.cancel, 1);
          if (b !== beat) {
            beat = b;
            since = Date.now();
          } else if (Date.now() - since > STALLED_MS) {
            s.busy = -1;
            return [...take(), failed(id)];
          }
          Atomics.wait(signal, 0, seen, 1000);
        }
      },
      cancel: (id: number) => {
        const s = slots.find((x) => x.busy === id && x.busyGen === gen);
        if (!s) return;
        cancelled.add(id);
        Atomics.store(s.cancel, 0, id);
      },
      close: () => {
        for (const s of slots) if (s.busy > 0 && s.busyGen === gen) Atomics.store(s.cancel, 0, s.busy);
      },
    };
  }

  /** Stop the worker threads. */
  async close(): Promise<void> {
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
    for (const s of this.slots) s.port.close();
  }
}

/** The result of a unit that has none (its worker failed): not complete, so never adopted. */
function failed(id: number): UnitResult {
  return {
    id,
    complete: false,
    executions: 0,
    blocked: 0,
    steps: 0,
    states: 0,
    work: 0,
    traces: [],
    findings: [],
    reversals: [],
    newKeys: [],
    newPairs: [],
    lockdepAdded: [],
    lockdepReported: [],
    lastSchedule: [],
  };
}
