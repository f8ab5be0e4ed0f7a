/**
 * The front end's entry point: kernel-C sources to a linked {@link Program},
 * or diagnostics `{file, line, column, message}` that name the construct and
 * what to write instead. No input makes it throw.
 */
import { type Syn, field, named } from './syntax.js';
import type { LoopMacro } from './prepass.js';
import { parseCached, parseMacro, treeProblems } from './parse-files.js';
import { loneCrToLf } from './prepass.js';
import { MacroTable, type ModelNames, learnerClash } from './learner-scope.js';
import { builtinTypeName } from './types.js';
import { initGlobal } from './global-init.js';
import { type CType, sizeOf } from './types.js';
import { type FunctionIR, type GlobalIR, type Program, type SourceFile, unitKey } from './ir.js';
import type { Diagnostic } from './diagnostics.js';
import { type Declared, Declarer, type Symbols } from './declare.js';
import { FnLowerer, type ProgramContext } from './lower.js';
import { type DefineMacro, type KernelDecls, KernelApi, isInternalBuiltin, isSpecialForm } from './kernel-api.js';
import { KERNEL_HEADER, KERNEL_HEADER_NAME } from './kernel-header.js';

/** Options of {@link compile}. */
export interface CompileOptions {
  /** What the kernel primitives declare (../kernel/registry.ts KERNEL_DECLS; see ../compile.ts). */
  kernel: KernelDecls;
  /** Compile the model's linux/kernel.h in front of the files (default true). */
  kernelHeader?: boolean;
  /** Stop after this many diagnostics (default 40). */
  maxDiagnostics?: number;
  /**
   * Check that every called function has a body (default true). Off compiles
   * a translation unit that calls functions defined elsewhere; such a
   * program cannot be run.
   */
  link?: boolean;
  /**
   * Model functions a learner's file may define in place of the model's: a
   * patch over the model (a known-bad version that replays history as
   * posted replaces the model functions the patch changed). The model's
   * definitions of these names are dropped; every other name stays the
   * model's (docs/grading.md, "Model patches").
   */
  replaces?: ReadonlySet<string>;
}

/** A linked program when there were no errors, and every diagnostic (errors and warnings). */
export interface CompileResult {
  program?: Program;
  diagnostics: Diagnostic[];
}

/** A declared function (its definition, once seen) and where it was first declared. */
interface FnDecl {
  name: string;
  /** Index key: the name, or unitKey(unit, name) for a unit-private function. */
  key: string;
  ret: CType;
  params: { name: string; type: CType; node: Syn }[];
  variadic: boolean;
  def?: { node: Syn; file: number };
  declFile: number;
  declLine: number;
}

/** A global being compiled: its IR plus the initialiser still to evaluate (phase 4). */
type GlobalDecl = GlobalIR & { initNode?: Syn; initFile?: number };

/** One parsed file: its tree, the loop macros the pre-pass rewrote, and its original text. */
interface Tree {
  root: Syn;
  loops: Map<number, LoopMacro>;
  text: string;
}

/**
 * What every phase shares: the files (kernel header first), the diagnostics
 * so far, the file being worked on (`curFile`; name lookup and reports are
 * relative to it) and the program-wide symbol tables.
 */
interface CompileState {
  files: SourceFile[];
  diagnostics: Diagnostic[];
  curFile: number;
  /** Report at node `n` of file `fileIdx`, once per position and message, up to the diagnostics limit. */
  report: (fileIdx: number, n: Syn, message: string, severity?: 'error' | 'warning') => void;
  sym: Symbols;
  fnIdx: ScopedIndex;
  globalIdx: ScopedIndex;
  decl: Declarer;
  /** The kernel's built-ins and DEFINE_* macros. */
  kernel: KernelApi;
  macros: MacroTable;
  /** The `#define`s of the learner's files, checked against the model's names after phase 3. */
  learnerMacros: { name: string; node: Syn; file: number }[];
  /** Model functions a learner's definition replaces (CompileOptions.replaces). */
  replaces: ReadonlySet<string>;
}

/**
 * Compile sources (each with its role) into one linked program: the list of
 * phases, each of which reports into the shared diagnostics.
 */
export async function compile(sources: SourceFile[], opts: CompileOptions): Promise<CompileResult> {
  // lone CR line endings become LF (same length: every offset and column stays)
  const norm = sources.map((f) =>
    typeof f.text === 'string' && /\r(?!\n)/.test(f.text) ? { ...f, text: loneCrToLf(f.text) } : f,
  );
  const files: SourceFile[] =
    opts.kernelHeader === false ? norm : [{ name: KERNEL_HEADER_NAME, text: KERNEL_HEADER, role: 'prelude' }, ...norm];
  const st = newState(files, opts.maxDiagnostics ?? 40, new KernelApi(opts.kernel), opts.replaces);
  const trees = await parseFiles(st);
  if (!trees) return { diagnostics: st.diagnostics };
  await collectMacros(st, trees);
  const { fns, globals } = declareAll(st, trees);
  initGlobals(st, globals);
  const { functions, loops, callSites } = lowerBodies(st, trees, fns, globals);
  if (opts.link !== false) link(st, fns, globals, callSites);
  if (st.diagnostics.some((d) => d.severity === 'error')) return { diagnostics: st.diagnostics };
  const program: Program = {
    files,
    functions,
    fnIndex: new Map(st.fnIdx),
    globals: globals.map(({ initNode: _a, initFile: _b, ...g }) => g),
    globalIndex: new Map(st.globalIdx),
    structs: st.sym.structs,
    loops,
  };
  return { program, diagnostics: st.diagnostics };
}

/** The state before phase 1: no diagnostics, empty symbol tables scoped by the current file's unit. */
function newState(files: SourceFile[], max: number, kernel: KernelApi, replaces?: ReadonlySet<string>): CompileState {
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  const report = (fileIdx: number, n: Syn, message: string, severity: 'error' | 'warning' = 'error') => {
    const key = `${fileIdx}:${n.start.line}:${n.start.column}:${message}`;
    if (seen.has(key) || diagnostics.length >= max) return;
    seen.add(key);
    diagnostics.push({ file: files[fileIdx]!.name, line: n.start.line, column: n.start.column, message, severity });
  };
  const unitOf = () => files[st.curFile]?.unit;
  const fnIdx = new ScopedIndex(unitOf);
  const globalIdx = new ScopedIndex(unitOf);
  const macros = new MacroTable(() => files[st.curFile]?.role === 'learner');
  const sym: Symbols = {
    structs: new Map(),
    typedefs: new Map(),
    enumConsts: new Map(),
    macros,
    fnIndex: fnIdx,
    globalIndex: globalIdx,
  };
  const decl = new Declarer(
    sym,
    (n, m) => report(st.curFile, n, m),
    () => st.curFile,
    (n) => n.start.line,
  );
  const learnerMacros: CompileState['learnerMacros'] = [];
  const st: CompileState = {
    files,
    diagnostics,
    curFile: 0,
    report,
    sym,
    fnIdx,
    globalIdx,
    decl,
    kernel,
    macros,
    learnerMacros,
    replaces: replaces ?? new Set(),
  };
  return st;
}

/**
 * Phase 1: parse every file, after the position-keeping pre-pass (the same
 * text parses once per process). Returns the trees in file order, or
 * undefined after reporting a file that is not text or has syntax errors.
 */
async function parseFiles(st: CompileState): Promise<Tree[] | undefined> {
  const trees: Tree[] = [];
  for (let i = 0; i < st.files.length; i++) {
    const f = st.files[i]!;
    if (typeof f.text !== 'string') {
      st.diagnostics.push({ file: f.name, line: 1, column: 1, message: 'source is not text', severity: 'error' });
      return undefined;
    }
    const parsed = await parseCached(f.text, f.role !== 'learner');
    // found once per parsed text (a harness included by every scenario is walked once), reported per file
    const problems = treeProblems(parsed);
    for (const [n, m] of problems.syntax) st.report(i, n, m);
    for (const [n, m] of problems.limits) st.report(i, n, m);
    trees.push({ root: parsed.root, loops: parsed.loops, text: f.text });
  }
  return st.diagnostics.length ? undefined : trees;
}

/**
 * Phase 2: every top-level `#define` of every file into `sym.macros` (a later
 * definition wins); a learner's macros apply to the learner's files only.
 */
async function collectMacros(st: CompileState, trees: Tree[]): Promise<void> {
  for (let i = 0; i < st.files.length; i++) {
    const learner = st.files[i]!.role === 'learner';
    for (const n of named(trees[i]!.root)) {
      if (n.type !== 'preproc_def' && n.type !== 'preproc_function_def') continue;
      const m = await parseMacro(n, i, trees[i]!.text, (nn, msg) => st.report(i, nn, msg));
      if (!m) continue;
      if (!learner) st.macros.set(m.name, m);
      else {
        st.macros.setLearner(m.name, m);
        st.learnerMacros.push({ name: m.name, node: field(n, 'name') ?? n, file: i });
      }
    }
  }
}

/**
 * Phase 3: the top-level declarations of every file, in file order: types
 * into the symbol tables, functions (with or without a body) and globals
 * (with their initialisers unevaluated). Reports redefinitions, conflicts,
 * redeclared kernel functions and macros, and unsupported constructs.
 */
function declareAll(st: CompileState, trees: Tree[]): { fns: FnDecl[]; globals: GlobalDecl[] } {
  const pass = new DeclarationPass(st);
  for (let i = 0; i < st.files.length; i++) {
    st.curFile = i;
    if (st.files[i]!.role === 'learner') pass.model ??= pass.modelNames();
    for (const n of named(trees[i]!.root)) pass.topLevel(n, i);
  }
  for (const m of pass.model ? st.learnerMacros : []) {
    const clash = learnerClash(pass.model!, m.name, 'macro');
    if (clash) st.report(m.file, m.node, clash);
  }
  return { fns: pass.fns, globals: pass.globals };
}

/** Phase 3, one top-level item at a time; `fns` and `globals` are indexed by `st.fnIdx` and `st.globalIdx`. */
class DeclarationPass {
  readonly fns: FnDecl[] = [];
  readonly globals: GlobalDecl[] = [];
  /** The model's names, once the first learner file is reached (the model's files come first). */
  model?: ModelNames;

  constructor(private readonly st: CompileState) {}

  /** What the model has declared so far, for {@link learnerClash}. */
  modelNames(): ModelNames {
    const { st } = this;
    const shared = (idx: ScopedIndex) => (name: string) => idx.getShared(name);
    return {
      files: st.files,
      kernel: st.kernel,
      macros: st.macros,
      fnFile: (name) => {
        const i = shared(st.fnIdx)(name);
        return i === undefined ? undefined : this.fns[i]!.declFile;
      },
      globalFile: (name) => {
        const i = shared(st.globalIdx)(name);
        return i === undefined ? undefined : this.globals[i]!.file;
      },
      enumConsts: new Set(st.sym.enumConsts.keys()),
      typedefs: new Set(st.sym.typedefs.keys()),
    };
  }

  /** A learner's file-scope name that clashes with the model's: reported in the learner's file; true if it did. */
  private clashes(name: string, what: string, n: Syn): boolean {
    const { st } = this;
    if (st.files[st.curFile]!.role !== 'learner' || !this.model) return false;
    const clash = learnerClash(this.model, name, what);
    if (clash) st.report(st.curFile, n, clash);
    return clash !== undefined;
  }

  /** `typedef T name;`: a learner's typedef must not change a type the model names. */
  private typedef(name: string, type: CType, n: Syn): void {
    const { st } = this;
    if (st.files[st.curFile]!.role === 'learner') {
      if (builtinTypeName(name)) {
        st.report(st.curFile, n, `'${name}' is a kernel type the model provides; rename your typedef`);
        return;
      }
      const theirs = this.model?.typedefs.has(name) ? st.sym.typedefs.get(name) : undefined;
      if (theirs && JSON.stringify(theirs) !== JSON.stringify(type)) {
        st.report(st.curFile, n, `'${name}' is a type the model declares differently; rename your typedef`);
        return;
      }
      if (this.clashes(name, 'typedef', n)) return;
    }
    st.sym.typedefs.set(name, type);
  }

  /** Declare the top-level item `n` of file `i`. */
  topLevel(n: Syn, i: number): void {
    const { st } = this;
    switch (n.type) {
      case 'function_definition': {
        const d = st.decl.declarator(st.decl.baseType(n), field(n, 'declarator')!);
        if (d?.type.k !== 'fn') {
          st.report(i, n, 'function definition without a function declarator');
          break;
        }
        this.declareFn(d, n, n);
        break;
      }
      case 'declaration':
        this.declaration(n, i);
        break;
      case 'type_definition': {
        const base = st.decl.baseType(n);
        for (const dn of n.children.filter((_, k) => n.fields[k] === 'declarator')) {
          const d = st.decl.declarator(base, dn);
          if (d?.name) this.typedef(d.name, d.type, dn);
        }
        break;
      }
      case 'struct_specifier':
      case 'union_specifier':
      case 'enum_specifier':
        st.decl.specifier(n);
        break;
      case 'preproc_def':
      case 'preproc_function_def':
      case 'preproc_include':
      case 'comment':
      case 'preproc_call':
        break;
      case 'preproc_ifdef':
      case 'preproc_if':
        st.report(i, n, 'conditional compilation (#if/#ifdef) is not supported; remove the directive');
        break;
      case 'expression_statement':
        if (named(n).length) st.report(i, n, 'statements are only allowed inside functions');
        break;
      default:
        st.report(i, n, `unsupported top-level construct (${n.type.replace(/_/g, ' ')})`);
    }
  }

  /** A top-level declaration: a DEFINE_* primitive, or functions and globals. */
  private declaration(n: Syn, i: number): void {
    const { st } = this;
    const tnode = field(n, 'type');
    const storage = n.children
      .filter((c) => c.type === 'storage_class_specifier')
      .map((c) => c.text || c.children.map((k) => k.type).join(' '));
    const isConst = n.children.some(
      (c) => c.type === 'type_qualifier' && (c.text === 'const' || c.children.some((k) => k.type === 'const')),
    );
    const defined = tnode?.type === 'type_identifier' ? st.kernel.defineMacro(tnode.text) : undefined;
    if (tnode && defined) {
      this.definePrimitive(n, i, tnode.text, defined);
      return;
    }
    const base = st.decl.baseType(n);
    for (const dn of n.children.filter((_, k) => n.fields[k] === 'declarator')) {
      const d = st.decl.declarator(base, dn);
      if (!d?.name) continue;
      if (d.type.k === 'fn') {
        this.declareFn(d, dn, undefined);
        continue;
      }
      const init = dn.type === 'init_declarator' ? field(dn, 'value') : undefined;
      this.declareGlobal(d.name, d.type, dn, init, isConst, [], storage.includes('extern'));
    }
  }

  /** `DEFINE_MUTEX(name);` and the like: a global primitive, with the flags its state starts with. */
  private definePrimitive(n: Syn, i: number, macro: string, defined: DefineMacro): void {
    const dn = field(n, 'declarator');
    const inner = dn?.type === 'parenthesized_declarator' ? named(dn)[0] : undefined;
    if (inner?.type !== 'identifier') {
      this.st.report(i, n, `${macro}(name) expects one name`);
      return;
    }
    this.declareGlobal(
      inner.text,
      defined.type,
      n,
      undefined,
      false,
      [{ off: 0, name: inner.text, flags: defined.flags }],
      false,
    );
  }

  /**
   * Declare or define a function. In a unit, a definition is private; a
   * bodiless declaration names the shared function if there is one.
   */
  private declareFn(d: Declared, n: Syn, def0: Syn | undefined): void {
    const { st } = this;
    if (d.type.k !== 'fn') return;
    const cur = st.curFile;
    // a model function the exercise gives to the learner: its body here is only a declaration
    const def =
      def0 && st.files[cur]!.role === 'prelude' && st.files[cur]!.learnerWrites?.includes(d.name) ? undefined : def0;
    const unit = st.files[cur]!.unit;
    const key = unit !== undefined && (def || !st.fnIdx.getShared(d.name)) ? unitKey(unit, d.name) : d.name;
    const idx = st.fnIdx.getExact(key);
    const params = d.params ?? d.type.params.map((t) => ({ name: '', type: t, node: n }));
    if (idx !== undefined) {
      this.redeclareFn(this.fns[idx]!, d, n, def, params);
      return;
    }
    const verb = def ? 'define' : 'declare';
    if (st.kernel.builtinSig(d.name) && !isInternalBuiltin(d.name)) {
      st.report(cur, n, `'${d.name}' is a kernel function the model provides; do not ${verb} it`);
      return;
    }
    if (isSpecialForm(d.name)) {
      st.report(cur, n, `'${d.name}' is a kernel macro the model provides; do not ${verb} it`);
      return;
    }
    if (this.clashes(d.name, 'function', n)) return;
    st.fnIdx.set(key, this.fns.length);
    this.fns.push({
      name: d.name,
      key,
      ret: d.type.ret,
      params,
      variadic: d.type.variadic,
      def: def ? { node: def, file: cur } : undefined,
      declFile: cur,
      declLine: n.start.line,
    });
  }

  /** A function declared before: take its definition, or check the parameter count of another declaration. */
  private redeclareFn(f: FnDecl, d: Declared, n: Syn, def: Syn | undefined, params: FnDecl['params']): void {
    const { st } = this;
    const files = st.files;
    if (d.type.k !== 'fn') return;
    if (def) {
      const replacing = files[st.curFile]!.role === 'learner' && st.replaces.has(d.name);
      if (f.def && replacing && files[f.def.file]!.role !== 'learner') {
        // a patch over the model: the learner's definition replaces the model's
        f.def = { node: def, file: st.curFile };
        f.params = params;
        f.ret = d.type.ret;
        f.variadic = d.type.variadic;
        return;
      }
      if (f.def && files[f.def.file]!.role !== 'learner' && files[st.curFile]!.role === 'learner') {
        const theirs = `'${d.name}' is a function the model defines (${files[f.def.file]!.name})`;
        st.report(st.curFile, n, `${theirs}; rename your function`);
        return;
      }
      if (f.def) {
        const first = `${files[f.def.file]!.name} line ${f.def.node.start.line}`;
        st.report(st.curFile, n, `redefinition of '${d.name}' (first defined in ${first})`);
        return;
      }
      f.def = { node: def, file: st.curFile };
      f.params = params;
      f.ret = d.type.ret;
      f.variadic = d.type.variadic;
    } else if (f.params.length !== params.length && !f.variadic) {
      const there = `${files[f.declFile]!.name} line ${f.declLine}`;
      const here = `${params.length} parameters here, ${f.params.length} in ${there}`;
      st.report(st.curFile, n, `conflicting declaration of '${d.name}': ${here}`);
    }
  }

  /** Declare or define a global; an `extern` declaration in a unit names the shared global if there is one. */
  private declareGlobal(
    name: string,
    type: CType,
    n: Syn,
    init: Syn | undefined,
    isConst: boolean,
    prims: GlobalIR['prims'],
    isExtern: boolean,
  ): void {
    const { st } = this;
    const cur = st.curFile;
    const unit = st.files[cur]!.unit;
    const shared = isExtern && st.globalIdx.getShared(name) !== undefined;
    if (!shared && this.clashes(name, 'variable', n)) return;
    const key = unit !== undefined && !shared ? unitKey(unit, name) : name;
    const idx = st.globalIdx.getExact(key);
    if (idx !== undefined) {
      const g = this.globals[idx]!;
      if (init && g.initNode) {
        st.report(cur, n, `redefinition of '${name}'`);
        return;
      }
      if (init) {
        g.initNode = init;
        g.initFile = cur;
      }
      if (g.type.k === 'array' && g.type.n === 0 && type.k === 'array') g.type = type;
      return;
    }
    if (st.fnIdx.getExact(unit !== undefined ? unitKey(unit, name) : name) !== undefined) {
      st.report(cur, n, `'${name}' redeclared as a variable`);
      return;
    }
    st.globalIdx.set(key, this.globals.length);
    this.globals.push({
      name,
      type,
      file: cur,
      line: n.start.line,
      isConst,
      init: [],
      prims,
      bytes: 0,
      initNode: init,
      initFile: init ? cur : undefined,
    });
  }
}

/**
 * Phase 4: evaluate the global initialisers (every function and global is
 * known now) into `init`, then size every global (`bytes`).
 */
function initGlobals(st: CompileState, globals: GlobalDecl[]): void {
  for (const g of globals) {
    if (!g.initNode) continue;
    st.curFile = g.initFile!;
    initGlobal(g, g.initNode, st.decl, (n, m) => st.report(st.curFile, n, m));
  }
  for (const g of globals) g.bytes = sizeOf(g.type, st.sym.structs);
}

/** Where each called function (by index) is first called: what phase 6 checks. */
type CallSites = Map<number, { file: number; node: Syn }>;

/**
 * Phase 5: lower every function body to IR (a function without a body keeps
 * an empty one). Function-scope statics become globals appended to
 * `globals`. Returns the functions in declaration order, the number of loop
 * ids used, and the first call site of every function called.
 */
function lowerBodies(
  st: CompileState,
  trees: Tree[],
  fns: FnDecl[],
  globals: GlobalDecl[],
): { functions: FunctionIR[]; loops: number; callSites: CallSites } {
  const sig = (f: FnDecl) => ({ ret: f.ret, params: f.params.map((p) => p.type), variadic: f.variadic });
  const sigs = fns.map(sig);
  // through the scoped index: a name means the function the current file's unit sees
  const fnSig = (name: string) => {
    const i = st.fnIdx.get(name);
    return i === undefined ? undefined : sigs[i];
  };
  const callSites: CallSites = new Map();
  let loopSeq = 0;
  const functions: FunctionIR[] = fns.map((f) => ({
    name: f.name,
    file: f.declFile,
    line: f.declLine,
    params: f.params.map((p) => ({ name: p.name, type: p.type })),
    ret: f.ret,
    nregs: 0,
    regNames: [],
    stackLocals: [],
    stackSize: 0,
    code: [],
  }));
  const staticLocals = new Map<string, number>();
  const report = (n: Syn, m: string) => st.report(st.curFile, n, m);
  for (let fi = 0; fi < fns.length; fi++) {
    const f = fns[fi]!;
    if (!f.def) continue;
    st.curFile = f.def.file;
    const ctx: ProgramContext = {
      sym: st.sym,
      decl: st.decl,
      fileIndex: st.curFile,
      fileText: trees[st.curFile]!.text,
      loops: trees[st.curFile]!.loops,
      fnSig,
      globals,
      report,
      kernel: st.kernel,
      noteCall: (name, n) => {
        const idx = st.sym.fnIndex.get(name);
        if (idx !== undefined && !callSites.has(idx)) callSites.set(idx, { file: st.curFile, node: n });
      },
      newLoop: () => loopSeq++,
      staticLocal: (fn, name, type, init) => staticLocal(st, globals, staticLocals, `${fn}.${name}`, type, init),
    };
    const low = new FnLowerer(ctx, f.name, f.key);
    try {
      functions[fi] = low.lowerFunction(f.def.node, f.params, f.ret);
      functions[fi]!.file = st.curFile;
    } catch (e) {
      st.report(st.curFile, f.def.node, `internal error while lowering '${f.name}': ${(e as Error).message}`);
    }
  }
  return { functions, loops: loopSeq, callSites };
}

/**
 * The global standing for the function-scope static `key` (`fn.name`),
 * declared (and its initialiser evaluated) on first use; returns its index.
 */
function staticLocal(
  st: CompileState,
  globals: GlobalDecl[],
  staticLocals: Map<string, number>,
  key: string,
  type: CType,
  init: Syn | undefined,
): number {
  if (staticLocals.has(key)) return staticLocals.get(key)!;
  const idx = globals.length;
  st.sym.globalIndex.set(`${key}`, idx);
  const g: GlobalIR = {
    name: key,
    type,
    file: st.curFile,
    line: init?.start.line ?? 0,
    isConst: false,
    init: [],
    prims: [],
    bytes: sizeOf(type, st.sym.structs),
  };
  globals.push(g);
  if (init) initGlobal(g, init, st.decl, (n, m) => st.report(st.curFile, n, m));
  staticLocals.set(key, idx);
  return idx;
}

/**
 * Phase 6: link. Every function called (reported at its first call site) or
 * used as a value in a global's initialiser must have a body somewhere.
 */
function link(st: CompileState, fns: FnDecl[], globals: GlobalDecl[], callSites: CallSites): void {
  linkCalls(st, fns, callSites);
  linkFunctionValues(st, fns, globals);
}

/** Every called function must have a body somewhere; reported at its first call site. */
function linkCalls(st: CompileState, fns: FnDecl[], callSites: CallSites): void {
  for (const [idx, site] of callSites) {
    const f = fns[idx]!;
    if (f.def) continue;
    st.report(site.file, site.node, `undefined reference to '${f.name}': it is declared but no file defines it`);
  }
}

/**
 * A function used as a value in a global's
 * initialiser (an ops table) must be defined too; reported once per function
 * at the global's line.
 */
function linkFunctionValues(st: CompileState, fns: FnDecl[], globals: GlobalDecl[]): void {
  for (const g of globals) {
    for (const [, v] of g.init) {
      if (typeof v !== 'object' || v.t !== 'fn' || fns[v.fn]!.def) continue;
      const name = fns[v.fn]!.name;
      if (st.diagnostics.some((d) => d.message.includes(`'${name}'`))) continue;
      st.diagnostics.push({
        file: st.files[g.file]!.name,
        line: g.line,
        column: 1,
        severity: 'error',
        message: `undefined reference to '${name}' (used in the initialiser of '${g.name}')`,
      });
    }
  }
}

/**
 * Name lookup with translation units: from a file of unit U, a name
 * resolves to U's private definition when there is one, else to the shared
 * one. `set` takes the exact key (see {@link unitKey}).
 */
class ScopedIndex extends Map<string, number> {
  constructor(private readonly unitOf: () => string | undefined) {
    super();
  }
  override get(name: string): number | undefined {
    const unit = this.unitOf();
    if (unit !== undefined) {
      const own = super.get(unitKey(unit, name));
      if (own !== undefined) return own;
    }
    return super.get(name);
  }
  override has(name: string): boolean {
    return this.get(name) !== undefined;
  }
  getExact(key: string): number | undefined {
    return super.get(key);
  }
  getShared(name: string): number | undefined {
    return super.get(name);
  }
}
