/**
 * Play the scheduler: the learner picks which thread runs its next visible
 * step, as in The Deadlock Empire (Hladký and Ruppeltová, 2016), until a
 * finding appears. A played interleaving is a schedule like any other
 * (sched/schedule.ts): its token replays with `teardown replay` / `teardown
 * grade --only <scenario> --schedule <token>`.
 *
 * No second interpreter loop: every move re-runs the played prefix from the
 * state after setup through the explorer's own `runExecution` (the path
 * `replay()` in sched/runner.ts takes), under {@link PlayStrategy}, which
 * follows the prefix and then stops. Execution is deterministic, so undo is
 * "run one step less", and a finding reached by hand is the very object the
 * replay of its token files (test/play/session.test.ts checks byte identity).
 * A fresh machine per run (fresh lockdep graph and KCSAN pairs), as replay has.
 *
 * Cost: a move re-runs the whole prefix, O(steps) VM work; scenarios are a few
 * hundred visible steps, a few milliseconds each.
 */
import type { Program } from '../lang/ir.js';
import type { Finding, ObjectSnapshot } from '../detect/finding.js';
import { DEFAULT_LIMITS, type Limits, type Machine, type ScenarioSpec } from '../vm/machine.js';
import { Explorer, type StepRecord } from '../sched/explorer.js';
import { newMachine } from '../sched/runner.js';
import { encodeSchedule, faultsToken } from '../sched/schedule.js';
import type { Coverage, ExecutionEnd, SchedContext, Strategy } from '../sched/strategy.js';
import type { Event } from '../sched/events.js';
import { kernelObjects } from '../report/objects.js';
import { type PlayThread, playThreads } from './threads.js';

/** Most steps one "run to my code" may take (a thread looping in model code stops there). */
export const MAX_RUN_TO_CODE = 2000;

/** Continue past the fixed prefix with one thread while `go` says so (at most `max` steps). */
interface Extension {
  tid: number;
  max: number;
  go: (m: Machine, taken: number) => boolean;
}

/**
 * The strategy of a played execution: `schedule`, step by step, then
 * optionally one thread while an {@link Extension} allows, then stop (`next`
 * returns -1: the explorer abandons the execution with the machine in the
 * state after the last step). When no thread can run, the explorer ends the
 * execution itself (hung-task check, `check`, kmemleak) as in any exploration.
 */
export class PlayStrategy implements Strategy {
  readonly name = 'play';
  private ran = false;
  /** Step at which the schedule named a thread that could not run, or -1. */
  divergedAt = -1;
  /** Steps taken by the extension. */
  extended = 0;

  constructor(
    private readonly schedule: readonly number[],
    private readonly m: Machine,
    private readonly ext?: Extension,
  ) {}

  newExecution(): boolean {
    if (this.ran) return false;
    this.ran = true;
    return true;
  }

  next(enabled: readonly number[], ctx: SchedContext): number {
    if (ctx.step < this.schedule.length) {
      const want = this.schedule[ctx.step]!;
      if (enabled.includes(want)) return want;
      this.divergedAt = ctx.step;
      return -1;
    }
    const e = this.ext;
    if (!e || this.extended >= e.max || !enabled.includes(e.tid) || !e.go(this.m, this.extended)) return -1;
    this.extended++;
    return e.tid;
  }

  endExecution(_e: readonly Event[], _info: ExecutionEnd): void {}

  coverage(): Coverage {
    return { kind: 'replay', text: `one played execution (${this.schedule.length} steps)` };
  }
}

/** Everything the play page shows after a move. */
export interface PlayView {
  /** The played schedule (thread per visible step) and its token (fault plan first, if any). */
  schedule: number[];
  token: string;
  threads: PlayThread[];
  /**
   * Threads a step may be taken on now: the enabled ones, or, when none is,
   * the timed sleeper whose timer fires first (as the explorer does). Empty
   * when the execution is over.
   */
  choices: number[];
  /** A step now would fire a timeout (no thread can run; `choices` is the sleeper). */
  timeoutOnly: boolean;
  /** The execution ended: a fatal finding, every thread finished, or every one stuck. */
  over: boolean;
  /** Findings so far, in the order filed, each with its schedule and token (as the explorer attaches them). */
  findings: Finding[];
  /** Setup's findings (setup runs alone before the threads). */
  setupFindings: Finding[];
  /** Kernel objects now, freed ones included (report/objects.ts). */
  objects: ObjectSnapshot[];
  /** The recorded steps (label, location, enabled set, preemption), one per schedule entry. */
  steps: StepRecord[];
  preemptions: number;
  switches: number;
  jiffies: number;
  /** Kernel log lines (`pr_warn`, WARN splats) so far. */
  log: { step: number; task: string; level: string; text: string }[];
}

/** How a play session is set up. */
export interface PlayOptions {
  limits?: Limits;
  /** Files whose lines "run to my code" stops at; default: the program's files with role `learner`. */
  learnerFiles?: readonly string[];
}

/**
 * One played execution of a scenario: the current schedule, moves (step,
 * run to my code, undo, restart) and the view after each. Throws from the
 * constructor when a scenario function is not defined (newMachine).
 */
export class PlaySession {
  private played: number[] = [];
  /** Schedule lengths before each move, for undo (a "run to my code" undoes as one move). */
  private history: number[] = [];
  private readonly limits: Limits;
  private readonly learner: (file: string) => boolean;
  private cached: PlayView | null = null;

  constructor(
    readonly program: Program,
    readonly spec: ScenarioSpec,
    opts: PlayOptions = {},
  ) {
    this.limits = opts.limits ?? DEFAULT_LIMITS;
    const files = new Set(opts.learnerFiles ?? program.files.filter((f) => f.role === 'learner').map((f) => f.name));
    this.learner = (f) => files.has(f);
  }

  /** The played schedule so far. */
  get schedule(): readonly number[] {
    return this.played;
  }

  /** The view of the current position. */
  view(): PlayView {
    this.cached ??= this.run(this.played).view;
    return this.cached;
  }

  /**
   * Run thread `tid`'s next visible step. Throws when `tid` is not among the
   * view's `choices` (blocked, finished, or the execution is over).
   */
  step(tid: number): PlayView {
    this.check(tid);
    return this.commit(this.run([...this.played, tid]));
  }

  /** The current view; throws when `tid` may not take a step now. */
  private check(tid: number): PlayView {
    const v = this.view();
    if (!v.choices.includes(tid)) {
      const t = v.threads[tid];
      const why = v.over ? ': the execution is over' : t?.why ? `: it ${t.why}` : '';
      throw new Error(`teardown: thread ${t?.name ?? tid} cannot run now${why}`);
    }
    return v;
  }

  /**
   * Run thread `tid` through model-internal steps until its next step is in
   * the learner's code, it cannot run, it finishes, a finding appears, or
   * {@link MAX_RUN_TO_CODE} steps were taken; at least one step. Throws as
   * {@link step} does.
   */
  runToMyCode(tid: number): PlayView {
    const v = this.check(tid);
    const before = v.findings.length;
    return this.commit(
      this.run([...this.played, tid], {
        tid,
        max: MAX_RUN_TO_CODE,
        go: (m) => !this.learner(m.pendingFrame(tid).file) && m.findings.length === before,
      }),
    );
  }

  /** Take back the last move (a step, or a whole "run to my code"). No-op at the start. */
  undo(): PlayView {
    const n = this.history.pop();
    if (n === undefined) return this.view();
    this.played = this.played.slice(0, n);
    this.cached = null;
    return this.view();
  }

  /** Back to the state after setup. */
  restart(): PlayView {
    this.played = [];
    this.history = [];
    this.cached = null;
    return this.view();
  }

  /**
   * Jump to the end of `schedule` (a played token's, or the checker's minimal
   * one), each step a move of its own. Throws at the first step whose thread
   * cannot run there, naming it; the session is then unchanged.
   */
  load(schedule: readonly number[]): PlayView {
    const r = this.run(schedule);
    if (r.divergedAt >= 0) {
      throw new Error(
        `teardown: step ${r.divergedAt + 1} of the schedule names thread ${this.spec.threads[schedule[r.divergedAt]!]?.name ?? schedule[r.divergedAt]}, which cannot run there`,
      );
    }
    if (r.view.schedule.length < schedule.length) {
      throw new Error(
        `teardown: the execution ends after ${r.view.schedule.length} of the schedule's ${schedule.length} steps`,
      );
    }
    this.history = schedule.map((_, i) => i);
    this.played = r.view.schedule.slice();
    this.cached = r.view;
    return r.view;
  }

  private commit(r: { view: PlayView }): PlayView {
    this.history.push(this.played.length);
    this.played = r.view.schedule.slice();
    this.cached = r.view;
    return r.view;
  }

  /** One execution: `schedule` (then the extension), on a fresh machine, through the explorer. */
  private run(schedule: readonly number[], ext?: Extension): { view: PlayView; divergedAt: number } {
    const m = newMachine(this.program, this.spec, this.limits);
    const strategy = new PlayStrategy(schedule, m, ext);
    const noSteps = { findings: [], steps: [], schedule: [], preemptions: 0, switches: 0, abandoned: false };
    const rec = m.setupFailed ? noSteps : new Explorer(m).runExecution(strategy, true);
    const over = !rec.abandoned;
    const enabled: number[] = [];
    if (!over) for (let t = 0; t < m.nworkers; t++) if (m.enabled(t)) enabled.push(t);
    const fire = !over && enabled.length === 0 ? m.fireableTimeout() : -1;
    const names = [...this.spec.threads.map((t) => t.name), 'setup'];
    const view: PlayView = {
      schedule: rec.schedule.slice(),
      token: faultsToken(this.spec.faults?.plan) + encodeSchedule(rec.schedule),
      threads: playThreads(m, fire, this.learner),
      choices: over ? [] : fire >= 0 ? [fire] : enabled,
      timeoutOnly: fire >= 0,
      over: over || (enabled.length === 0 && fire < 0),
      findings: rec.findings,
      setupFindings: m.setupFindings,
      objects: kernelObjects(m, [], { freed: true }),
      steps: rec.steps,
      preemptions: rec.preemptions,
      switches: rec.switches,
      jiffies: m.jiffies,
      log: m.state.log.map((l) => ({ step: l.step, task: names[l.tid] ?? '?', level: l.level, text: l.text })),
    };
    return { view, divergedAt: strategy.divergedAt };
  }
}
