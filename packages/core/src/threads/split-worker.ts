/**
 * A worker thread of {@link SplitThreads} (./split-pool.ts): keeps the
 * machine of the exploration it was last told of and explores the units it
 * is handed (sched/split.ts runUnit), one at a time, posting each result on
 * its port and bumping the shared signal so that a controller blocked in
 * `Atomics.wait` wakes up.
 *
 * Messages: `{ type: 'explore', gen, program, spec, limits }` (a new
 * exploration: its program and scenario, structured-cloned) and
 * `{ type: 'unit', gen, req }`. A unit of an older exploration is skipped.
 * The controller stops the running unit by writing its id into the
 * worker's cancel cell (to cancel it, or because it needs it now); the unit
 * then stops between two executions and answers with what it has.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { MessagePort } from 'node:worker_threads';
import type { Program } from '../lang/ir.js';
import type { Limits, Machine, ScenarioSpec } from '../vm/machine.js';
import { newMachine } from '../sched/runner.js';
import { type UnitRequest, type UnitResult, runUnit } from '../sched/split.js';

/** What the pool gives each worker at its start. */
export interface SplitWorkerData {
  port: MessagePort;
  /** [0]: results posted (all workers); the controller waits on it. */
  signal: Int32Array;
  /** [0]: the id of a unit this worker is to drop (0: none); [1]: bumped before each execution (a heartbeat). */
  cancel: Int32Array;
}

/** A message to a worker. */
export type SplitWorkerMessage =
  | { type: 'explore'; gen: number; program: Program; spec: ScenarioSpec; limits: Limits }
  | { type: 'unit'; gen: number; req: UnitRequest };

/** A worker's answer: a unit's result, or why it has none. */
export interface SplitWorkerAnswer {
  gen: number;
  id: number;
  result?: UnitResult;
  error?: string;
}

if (parentPort) {
  const { port, signal, cancel } = workerData as SplitWorkerData;
  let gen = -1;
  let machine: Machine | null = null;
  const answer = (a: SplitWorkerAnswer) => {
    port.postMessage(a);
    Atomics.add(signal, 0, 1);
    Atomics.notify(signal, 0);
  };
  parentPort.on('message', (msg: SplitWorkerMessage) => {
    if (msg.type === 'explore') {
      gen = msg.gen;
      machine = null;
      try {
        machine = newMachine(msg.program, msg.spec, msg.limits);
      } catch {
        machine = null;
      }
      return;
    }
    if (msg.gen !== gen) return;
    const id = msg.req.id;
    if (!machine) {
      answer({ gen, id, error: 'no machine for the exploration' });
      return;
    }
    try {
      const stop = () => {
        Atomics.add(cancel, 1, 1);
        return Atomics.load(cancel, 0) === id;
      };
      answer({ gen, id, result: runUnit(machine, msg.req, stop) });
    } catch (e) {
      answer({ gen, id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  });
}
