/**
 * The page's side of the grading worker: one module worker behind comlink,
 * replaced by a fresh one whenever a grading is cancelled or outlives its
 * watchdog (a terminated worker cannot be reused, and a stuck call never
 * settles, so both race a timer and end in terminate()).
 */
import * as Comlink from 'comlink';
import type { GradeProgress, GradeReport } from '@teardown/grader';
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

export class GraderClient {
  private worker: Worker | null = null;
  private api: Comlink.Remote<GraderApi> | null = null;
  private stop: ((e: Stopped) => void) | null = null;

  constructor(private readonly exerciseId: string) {}

  private remote(): Comlink.Remote<GraderApi> {
    if (!this.api) {
      this.worker = new Worker(new URL('../workers/grader.worker.ts', import.meta.url), {
        type: 'module',
        name: 'teardown-grader',
      });
      this.api = Comlink.wrap<GraderApi>(this.worker);
    }
    return this.api;
  }

  /** Drop the current worker (its work is lost); the next call starts a new one. */
  private reset(): void {
    this.worker?.terminate();
    this.worker = null;
    this.api = null;
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

  grade(
    code: string,
    mode: 'quick' | 'full',
    watchdogMs: number,
    onProgress: (p: GradeProgress) => void,
    extra: GradeExtra = {},
  ): Promise<GradeReport> {
    return this.guarded(watchdogMs, (api) => api.grade(this.exerciseId, code, mode, Comlink.proxy(onProgress), extra));
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
