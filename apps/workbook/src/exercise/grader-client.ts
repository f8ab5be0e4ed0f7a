/**
 * The page's side of the grading worker: one module worker behind comlink,
 * replaced by a fresh one whenever a grading is cancelled or outlives its
 * watchdog (a terminated worker cannot be reused, and a stuck call never
 * settles, so both race a timer and end in terminate()).
 *
 * A grading of several scenarios may be split among several module workers
 * (graderWorkers: min(hardwareConcurrency - 1, scenarios, 4), or forced with
 * `?workers=N` or localStorage `teardown:grader-workers`): each takes the
 * next scenario as it finishes one (the grader's gradePart, compiled once
 * per worker), and the first worker merges the parts in report order
 * (mergeParts), so the report is the one a single worker gives. Cancel and
 * the watchdog terminate every worker. With one core, one worker.
 */
import * as Comlink from 'comlink';
import type { GradePart, GradeProgress, GradeReport } from '@teardown/grader';
import type {
  ExerciseInfo,
  GradeExtra,
  GraderApi,
  PlayMove,
  PlayState,
  PlayTarget,
  TraceView,
} from '../workers/grader.worker';
import type { ChallengeManifest } from '@teardown/grader';
import type { Diagnostic } from '@teardown/core';

export type { ExerciseInfo, GradeExtra, TraceView, PlayMove, PlayState, PlayTarget };

/** What opening a play session returns (the worker's playOpen). */
export interface PlayOpened {
  state: PlayState;
  sources: Record<string, string>;
  learnerFiles: string[];
  challenge?: ChallengeManifest;
}

/** Why a call ended without a result. */
export class Stopped extends Error {
  constructor(
    readonly reason: 'cancelled' | 'watchdog',
    message: string,
  ) {
    super(message);
  }
}

/** The localStorage key that forces the number of grading workers (1 to MAX_GRADER_WORKERS). */
export const WORKERS_KEY = 'teardown:grader-workers';
/** Most module workers one grading uses. */
export const MAX_GRADER_WORKERS = 4;

/**
 * How many module workers grade `scenarios` scenarios: `?workers=N` or
 * localStorage WORKERS_KEY when set (capped at the scenarios and
 * MAX_GRADER_WORKERS), else min(hardwareConcurrency - 1, scenarios, 4):
 * one core is left to the page; with one or two cores, one worker.
 */
export function graderWorkers(scenarios: number): number {
  const forced = Number(new URLSearchParams(location.search).get('workers') ?? readForced());
  const want = forced >= 1 ? Math.floor(forced) : (navigator.hardwareConcurrency || 1) - 1;
  return Math.max(1, Math.min(want, scenarios, MAX_GRADER_WORKERS));
}

function readForced(): string | null {
  try {
    return localStorage.getItem(WORKERS_KEY);
  } catch {
    return null; // storage disabled
  }
}

interface Remote {
  worker: Worker;
  api: Comlink.Remote<GraderApi>;
  /** init() has run in it (the parser and the exercise are loaded). */
  ready?: Promise<unknown>;
}

function spawn(index: number): Remote {
  const worker = new Worker(new URL('../workers/grader.worker.ts', import.meta.url), {
    type: 'module',
    name: index === 0 ? 'teardown-grader' : `teardown-grader-${index + 1}`,
  });
  return { worker, api: Comlink.wrap<GraderApi>(worker) };
}

export class GraderClient {
  /** The workers: the first serves every call; the others only take parts of a split grading. */
  private workers: Remote[] = [];
  private stop: ((e: Stopped) => void) | null = null;
  /** How many workers the last grading used (the page shows it as data-workers). */
  lastWorkers = 1;

  constructor(private readonly exerciseId: string) {}

  private remote(): Comlink.Remote<GraderApi> {
    if (!this.workers.length) this.workers.push(spawn(0));
    return this.workers[0]!.api;
  }

  /** The first `n` workers, started as needed; the others than the first are initialised (`ready`) once. */
  private pool(n: number): Remote[] {
    this.remote();
    while (this.workers.length < n) this.workers.push(spawn(this.workers.length));
    const ws = this.workers.slice(0, n);
    for (const w of ws.slice(1)) w.ready ??= w.api.init(this.exerciseId);
    return ws;
  }

  /** Drop every worker (their work is lost); the next call starts a new one. */
  private reset(): void {
    for (const w of this.workers) w.worker.terminate();
    this.workers = [];
  }

  /** Run `call` on the worker; cancel() or the watchdog (ms) ends it with Stopped. */
  private async guarded<T>(watchdogMs: number, call: (api: Comlink.Remote<GraderApi>) => Promise<T>): Promise<T> {
    const api = this.remote();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stopped = new Promise<never>((_, reject) => {
      this.stop = reject;
      timer = setTimeout(
        () => reject(new Stopped('watchdog', `stopped by the watchdog after ${(watchdogMs / 1000).toFixed(1)} s`)),
        watchdogMs,
      );
    });
    try {
      return await Promise.race([call(api), stopped]);
    } catch (e) {
      if (e instanceof Stopped) this.reset();
      throw e;
    } finally {
      clearTimeout(timer);
      this.stop = null;
    }
  }

  /** Load the parser and the exercise in the worker. */
  init(): Promise<ExerciseInfo> {
    return this.guarded(60_000, (api) => api.init(this.exerciseId));
  }

  /** Grade `code` in one worker, or split among several (graderWorkers) when there are several scenarios. */
  grade(
    code: string,
    mode: 'quick' | 'full',
    watchdogMs: number,
    onProgress: (p: GradeProgress) => void,
    extra: GradeExtra = {},
  ): Promise<GradeReport> {
    return this.guarded(watchdogMs, async (api) => {
      const ids = await api.scenarios(this.exerciseId, mode, extra);
      const n = graderWorkers(ids.length);
      this.lastWorkers = n;
      if (n <= 1) return api.grade(this.exerciseId, code, mode, Comlink.proxy(onProgress), extra);
      return this.split(this.pool(n), code, mode, ids, onProgress, extra);
    });
  }

  /**
   * A grading split among `workers`: each worker takes the next scenario when
   * it is done with one; the first worker merges the parts. A scenario
   * without a verdict (its budget ended first) stops the handing out, as a
   * single worker stops there.
   */
  private async split(
    workers: Remote[],
    code: string,
    mode: 'quick' | 'full',
    ids: string[],
    onProgress: (p: GradeProgress) => void,
    extra: GradeExtra,
  ): Promise<GradeReport> {
    const t0 = performance.now();
    const progress = Comlink.proxy(onProgress);
    const parts: GradePart[] = [];
    let next = 0;
    let stopped = false;
    const work = async ({ api, ready }: Remote) => {
      try {
        await ready; // a new worker loads the parser and the exercise first; the others start at once
        while (!stopped && next < ids.length) {
          const part = await api.part(this.exerciseId, code, mode, [ids[next++]!], progress, extra);
          parts.push(part);
          if (part.diagnostics || part.results.some((r) => r.status === 'error')) stopped = true;
        }
      } catch (e) {
        stopped = true; // the others take no new scenario
        throw e;
      }
    };
    await Promise.all(workers.map(work));
    return workers[0]!.api.merge(this.exerciseId, code, mode, parts, performance.now() - t0, extra);
  }

  /** Replay `token` of one scenario (on a model variant when `model` is given). */
  trace(
    code: string,
    scenario: string,
    token: string,
    model?: string,
  ): Promise<TraceView | { diagnostics: Diagnostic[] }> {
    return this.guarded(
      30_000,
      (api) =>
        api.trace(this.exerciseId, code, scenario, token, model) as Promise<TraceView | { diagnostics: Diagnostic[] }>,
    );
  }

  /** Open a play session in the worker (compiles the program: may take a few seconds). */
  playOpen(target: PlayTarget, token?: string): Promise<PlayOpened> {
    return this.guarded(60_000, (api) => api.playOpen(this.exerciseId, target, token) as Promise<PlayOpened>);
  }

  /** One move of the open play session (re-runs the played prefix in the worker). */
  playMove(move: PlayMove): Promise<PlayState> {
    return this.guarded(30_000, (api) => api.playMove(move) as Promise<PlayState>);
  }

  /** Stop the call in flight, if any. */
  cancel(): void {
    this.stop?.(new Stopped('cancelled', 'cancelled'));
  }

  get busy(): boolean {
    return this.stop !== null;
  }
}
