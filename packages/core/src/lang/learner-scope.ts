/**
 * The learner's file-scope names in their own scope: nothing a learner's
 * file declares at file scope (globals, functions, macros, typedefs) may
 * shadow or change a name the model exports (its prelude and harness files,
 * the kernel header linux/kernel.h, the kernel's built-ins, special forms and
 * constants). A clash is a diagnostic in the learner's file, at the learner's
 * line, that names the model's name; and the learner's macros apply to the
 * learner's files only, so they cannot rewrite the model's code.
 */
import type { Macro } from './declare.js';
import { CONSTANTS } from './constants.js';
import { type KernelApi, isSpecialForm } from './kernel-api.js';
import type { SourceFile } from './ir.js';

/** The key a learner's macro is stored under in a {@link MacroTable}. */
const learnerKey = (name: string) => `learner::${name}`;

/**
 * The `#define`s by name. A learner's macro is private to the learner's
 * files: looked up from a model file, only the model's macros are seen.
 */
export class MacroTable extends Map<string, Macro> {
  /** `inLearner`: whether the file being compiled is a learner's. */
  constructor(private readonly inLearner: () => boolean) {
    super();
  }
  /** Define a macro of a learner's file. */
  setLearner(name: string, m: Macro): void {
    super.set(learnerKey(name), m);
  }
  /** The learner's own macro `name`, if a learner's file defines one. */
  getLearner(name: string): Macro | undefined {
    return super.get(learnerKey(name));
  }
  /** The model's macro `name` (never a learner's). */
  getShared(name: string): Macro | undefined {
    return super.get(name);
  }
  override get(name: string): Macro | undefined {
    return (this.inLearner() ? super.get(learnerKey(name)) : undefined) ?? super.get(name);
  }
  override has(name: string): boolean {
    return this.get(name) !== undefined;
  }
}

/** What the model has declared, as far as a learner's name can clash with it. */
export interface ModelNames {
  files: SourceFile[];
  kernel: KernelApi;
  macros: MacroTable;
  /** Shared (non-unit) function index: name -> index into `fns`. */
  fnFile: (name: string) => number | undefined;
  /** Shared global index: name -> the global's file. */
  globalFile: (name: string) => number | undefined;
  /** Enumerators and typedefs the model declared before the first learner file. */
  enumConsts: ReadonlySet<string>;
  typedefs: ReadonlySet<string>;
}

/** Names kernel-C gives a meaning without any declaration. */
const IMPLICIT = new Set(['jiffies', 'XA_ZERO_ENTRY']);

/**
 * If `name`, declared at file scope in a learner's file as a `what`
 * (`variable`, `function`, `macro`, `typedef`), clashes with a name the model
 * exports: the diagnostic (in the learner's file); otherwise undefined.
 * A learner's function may define a function the model only declares (that
 * is what an exercise asks for), so `what: 'function'` skips model functions.
 */
export function learnerClash(m: ModelNames, name: string, what: string): string | undefined {
  const isModel = (file: number | undefined) => file !== undefined && m.files[file]?.role !== 'learner';
  const fix = `rename your ${what}`;
  let theirs: string | undefined;
  if (m.kernel.callableBuiltinSig(name)) theirs = 'is a kernel function the model provides';
  else if (isSpecialForm(name)) theirs = 'is a kernel macro the model provides';
  else if (Object.hasOwn(CONSTANTS, name) || IMPLICIT.has(name)) theirs = 'is a kernel constant the model provides';
  else if (m.macros.getShared(name))
    theirs = `is a macro the model defines (${m.files[m.macros.getShared(name)!.file]?.name})`;
  else if (m.enumConsts.has(name)) theirs = 'is an enumerator the model declares';
  else if (what !== 'typedef' && m.typedefs.has(name)) theirs = 'is a type the model declares';
  else if (what !== 'function' && isModel(m.fnFile(name))) {
    theirs = `is a function the model declares (${m.files[m.fnFile(name)!]!.name})`;
  } else if (isModel(m.globalFile(name))) {
    theirs = `is a variable the model defines (${m.files[m.globalFile(name)!]!.name})`;
  }
  if (!theirs) return undefined;
  const extra = what === 'variable' && theirs.includes('variable') ? ", or declare it 'extern' to use the model's" : '';
  return `'${name}' ${theirs}; ${fix}${extra}`;
}
