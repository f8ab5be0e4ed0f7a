/**
 * @teardown/core: the kernel-C front end, the VM, the kernel object model,
 * the detectors and the race scheduler.
 */
export * from './lang/ir.js';
export * from './lang/types.js';
export * from './lang/syntax.js';
export * from './lang/diagnostics.js';
export { compile, type CompileOpts as CompileOptions } from './compile.js';
export type { CompileResult } from './lang/compile.js';
export { threadTaskName } from './lang/threads.js';
export { initParser, parserInitialised, type WasmLocations } from './lang/parser.js';
export { prepass } from './lang/prepass.js';
export { formatRet, ERRNO, ERRNO_NAME } from './lang/constants.js';
export * from './state/values.js';
export * from './state/state.js';
export {
  Machine,
  SharedDetectors,
  DEFAULT_LIMITS,
  type Limits,
  type ScenarioSpec,
  type ThreadSpec,
} from './vm/machine.js';
export * from './detect/finding.js';
export * from './sched/index.js';
export { traceTable, renderFinding } from './report/text.js';
export {
  checkProgram,
  explore,
  programScenario,
  attachTrace,
  budgetMeters,
  budgetTooSmall,
  unexplored,
  DEFAULT_CHECK_BUDGET,
  EXPLORATION_SHARE,
  MINIMISE_SHARE,
  REPORT_VERSION,
  type CheckOptions,
  type CheckReport,
  type ReportFinding,
} from './check.js';
export { minimise } from './report/minimise.js';
export {
  newMachine,
  newMachine as freshMachine,
  exploreScenario,
  replay,
  replaySchedules,
  type ScenarioOptions,
  type ReplayResult,
} from './sched/runner.js';
export {
  modelFiles,
  MODEL_SOURCES,
  MODEL_BASE,
  MODEL_BASES,
  modelBase,
  MODEL_PATCHES,
  ModelVariantError,
  parseModelVariant,
  type ModelBase,
  type ModelPatch,
  type ModelVariant,
} from './model/index.js';
export { kernelObjects, traceObjects, type ObjectTrace } from './report/objects.js';
export type { InjectedFault, Injection } from './state/fault.js';
export * from './play/index.js';
