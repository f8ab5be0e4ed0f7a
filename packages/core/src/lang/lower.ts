/**
 * Lowering: kernel-C syntax trees to the register IR of ./ir.ts.
 *
 * One {@link FnLowerer} per function body: this file lowers the function and
 * its statements (scopes, loops, switch, goto with guard unwinding, local
 * declarations); ./lower-expr.ts lowers expressions over the plumbing of
 * ./lower-core.ts. Kernel macros that need their arguments unevaluated
 * (READ_ONCE, wait_event, container_of, guard, loop macros, ...) are
 * expanded by the forms in ./forms/, which see the lowerer as a
 * {@link LowerCtx}.
 */
import { type Syn, field, fieldAll, forEachNode, lastToken, named } from './syntax.js';
import { type CType, VOID, layoutOf } from './types.js';
import { type FunctionIR, Op } from './ir.js';
import type { ProgramContext } from './lower-core.js';
import { ExprLowerer } from './lower-expr.js';
import type { Cleanup, Label, LoopCtx, LowerCtx, LV } from './forms/context.js';
import { guardStatement } from './forms/guard.js';
import { xaStateStatement } from './forms/xa-state.js';
import { loopMacro } from './forms/loops.js';

/** A case label that the switch would reach by jumping past a guard() taken in its scope. */
const GUARD_SKIPPED = "'case' label jumps into the scope of a guard(); the lock would be released without being taken";
/** What the function lowerer needs from the program-level pass (defined in ./lower-core.ts). */
export type { ProgramContext };

/** A `goto`: the jump to patch, the scope chain it leaves from, and its label. */
interface GotoRec {
  at: number;
  chain: { id: number; n: number }[];
  label: string;
  node: Syn;
}

/** Lowers one function definition to a {@link FunctionIR}. */
export class FnLowerer extends ExprLowerer implements LowerCtx {
  private labels = new Map<string, { pc: number; chain: { id: number; n: number }[]; node: Syn }>();
  private gotos: GotoRec[] = [];
  /** Locals and parameters whose address is taken: they live in the addressable-locals block. */
  private addressable = new Set<string>();
  private retType: CType = VOID;
  /** The case labels of the enclosing switches, innermost last, with the scope depth of each switch. */
  private switches: { labels: Map<Syn, Label>; depth: number }[] = [];

  /** `fnKey`: the function's index key (its name, or its unit-qualified name). */
  constructor(
    P: ProgramContext,
    fnName: string,
    private readonly fnKey: string = fnName,
  ) {
    super(P, fnName);
  }

  /** Lower a whole function definition. */
  lowerFunction(def: Syn, params: { name: string; type: CType; node: Syn }[], ret: CType): FunctionIR {
    this.retType = ret;
    const body = field(def, 'body')!;
    this.scanAddressable(body);
    this.at(def);
    this.pushScope();
    // parameters occupy the first registers
    for (const p of params) {
      const r = this.newReg(p.name || null);
      if (!p.name) continue;
      if (this.addressable.has(p.name)) {
        const off = this.stackSlot(p.name, p.type);
        this.top().vars.set(p.name, { k: 'stack', off, type: p.type });
        const sp = this.newReg(null);
        this.emit({ op: Op.SAddr, dst: sp });
        this.emit({ op: Op.Store, base: sp, off, size: this.size(p.type), src: r, marked: false, what: p.name });
      } else {
        this.top().vars.set(p.name, { k: 'reg', reg: r, type: p.type });
      }
    }
    this.statement(body, true);
    // falling off the end returns 0 (void functions ignore the value)
    this.at(lastToken(body));
    this.emitCleanups(0);
    this.popScopeNoEmit();
    const z = this.constReg(0);
    this.emit({ op: Op.Ret, src: z });
    this.resolveGotos();
    return {
      name: this.fnName,
      file: this.P.fileIndex,
      line: def.start.line,
      params: params.map((p) => ({ name: p.name, type: p.type })),
      ret,
      nregs: this.nregs,
      regNames: this.regNames,
      stackLocals: this.stackLocals,
      stackSize: this.stackSize,
      code: this.code,
    };
  }

  /** Names whose address is taken (`&x`, `&x.f`, `&x[i]`) must live in addressable stack memory. */
  private scanAddressable(n: Syn): void {
    if (n.type === 'pointer_expression' && n.children[0]?.type === '&') {
      let a = field(n, 'argument');
      const dot = (x: Syn) => x.type === 'field_expression' && x.children.some((c) => c.type === '.');
      while (a && (a.type === 'parenthesized_expression' || dot(a) || a.type === 'subscript_expression')) {
        a = a.type === 'parenthesized_expression' ? named(a)[0] : field(a, 'argument');
      }
      if (a?.type === 'identifier') this.addressable.add(a.text);
    }
    for (const c of n.children) this.scanAddressable(c);
  }

  /** Lower `body` as the body of `loop`. */
  loopBody(body: Syn, loop: LoopCtx): void {
    this.loops.push(loop);
    this.statement(body);
    this.loops.pop();
  }

  /** Lower a statement; `fnBody`: it is the function's own block, whose scope (the parameters') is already open. */
  statement(n: Syn, fnBody = false): void {
    switch (n.type) {
      case 'compound_statement': {
        if (!fnBody) this.pushScope();
        for (const c of n.children) if (c.named) this.statement(c);
        if (!fnBody) {
          this.at(lastToken(n));
          this.popScope();
        }
        return;
      }
      case 'comment':
        return;
      case 'declaration':
        this.localDeclaration(n);
        return;
      case 'expression_statement': {
        const e = named(n)[0];
        if (!e) return;
        this.at(e);
        this.emit({ op: Op.Nop });
        if (guardStatement(this, e)) return;
        if (xaStateStatement(this, e)) return;
        this.expr(e);
        return;
      }
      case 'if_statement':
        this.ifStatement(n);
        return;
      case 'while_statement':
        this.whileStatement(n);
        return;
      case 'do_statement':
        this.doStatement(n);
        return;
      case 'for_statement':
        this.forStatement(n);
        return;
      case 'switch_statement':
        this.switchStatement(n);
        return;
      case 'break_statement':
        this.breakStatement(n);
        return;
      case 'continue_statement':
        this.continueStatement(n);
        return;
      case 'return_statement':
        this.returnStatement(n);
        return;
      case 'goto_statement':
        this.gotoStatement(n);
        return;
      case 'labeled_statement':
        this.labeledStatement(n);
        return;
      case 'case_statement':
        this.nestedCase(n);
        return;
      case 'type_definition':
      case 'struct_specifier':
      case 'enum_specifier':
        this.P.decl.specifier(n.type === 'type_definition' ? field(n, 'type')! : n);
        return;
      case 'preproc_call':
      case 'preproc_def':
        return;
      default:
        this.err(n, `unsupported statement (${n.type.replace(/_/g, ' ')})`);
    }
  }

  /** `if (c) a else b`. */
  private ifStatement(n: Syn): void {
    this.at(n);
    const c = this.cond(field(n, 'condition')!);
    const elseL = this.newLabel();
    const endL = this.newLabel();
    this.jz(c, elseL);
    this.statement(field(n, 'consequence')!);
    const alt = field(n, 'alternative');
    if (alt) {
      this.jmp(endL);
      this.place(elseL);
      const a = alt.type === 'else_clause' ? named(alt)[0]! : alt;
      this.statement(a);
    } else {
      this.place(elseL);
    }
    this.place(endL);
  }

  /** `while (c) body`, with a back edge per iteration. */
  private whileStatement(n: Syn): void {
    this.at(n);
    const loopId = this.P.newLoop();
    const head = this.newLabel();
    const end = this.newLabel();
    this.place(head);
    const c = this.cond(field(n, 'condition')!);
    this.jz(c, end);
    const cont = this.newLabel();
    this.loopBody(field(n, 'body')!, { brk: end, cont, depth: this.scopes.length, loopId });
    this.place(cont);
    this.at(n);
    this.emit({ op: Op.BackEdge, loop: loopId });
    this.jmp(head);
    this.place(end);
  }

  /** `do body while (c);`, with a back edge per iteration. */
  private doStatement(n: Syn): void {
    this.at(n);
    const loopId = this.P.newLoop();
    const head = this.newLabel();
    const end = this.newLabel();
    const cont = this.newLabel();
    this.place(head);
    this.loopBody(field(n, 'body')!, { brk: end, cont, depth: this.scopes.length, loopId });
    this.place(cont);
    const condNode = field(n, 'condition')!;
    this.at(condNode);
    const c = this.cond(condNode);
    const out = this.newLabel();
    this.jz(c, out);
    this.emit({ op: Op.BackEdge, loop: loopId });
    this.jmp(head);
    this.place(out);
    this.place(end);
  }

  /** `for (init; c; update) body` in its own scope, or a loop macro the pre-pass rewrote into one. */
  private forStatement(n: Syn): void {
    const mac = this.P.loops.get(n.startIndex);
    if (mac) {
      loopMacro(this, n, mac);
      return;
    }
    this.at(n);
    this.pushScope();
    const init = field(n, 'initializer');
    if (init) {
      if (init.type === 'declaration') this.localDeclaration(init);
      else this.expr(init);
    }
    const loopId = this.P.newLoop();
    const head = this.newLabel();
    const end = this.newLabel();
    const cont = this.newLabel();
    this.place(head);
    const cn = field(n, 'condition');
    if (cn) {
      const c = this.cond(cn);
      this.jz(c, end);
    }
    this.loopBody(field(n, 'body')!, { brk: end, cont, depth: this.scopes.length, loopId });
    this.place(cont);
    const upd = field(n, 'update');
    if (upd) {
      this.at(upd);
      this.expr(upd);
    }
    this.emit({ op: Op.BackEdge, loop: loopId });
    this.jmp(head);
    this.place(end);
    this.popScope();
  }

  /** `switch`: a compare-and-jump per case label, then the body with the labels placed in it. */
  private switchStatement(n: Syn): void {
    this.at(n);
    const v = this.value(field(n, 'condition')!);
    const body = field(n, 'body')!;
    const end = this.newLabel();
    const cases = casesOf(body);
    const labels = cases.map(() => this.newLabel());
    let dflt: Label | null = null;
    cases.forEach((cs, i) => {
      const val = field(cs, 'value');
      if (!val) {
        dflt = labels[i]!;
        return;
      }
      const k = this.P.decl.constInt(val);
      if (k === undefined) this.err(val, 'case label is not an integer constant');
      const kr = this.constReg(k ?? 0);
      const t = this.newReg(null);
      this.emit({ op: Op.Bin, dst: t, bop: '==', a: v.reg, b: kr });
      this.jnz(t, labels[i]!);
    });
    this.jmp(dflt ?? end);
    this.pushScope();
    // `break` leaves the switch's own scope too: its guards are released (depth: the scope's index)
    this.loops.push({ brk: end, cont: null, depth: this.scopes.length - 1, loopId: -1 });
    this.switches.push({ labels: new Map(cases.map((c, i) => [c, labels[i]!])), depth: this.scopes.length });
    for (const c of named(body)) {
      if (c.type !== 'case_statement') {
        this.statement(c);
        continue;
      }
      if (this.top().cleanups.length > 0) this.err(c, GUARD_SKIPPED);
      this.place(labels[cases.indexOf(c)]!);
      for (const s of c.children.filter((x, i) => x.named && c.fields[i] !== 'value')) this.statement(s);
    }
    this.switches.pop();
    this.loops.pop();
    this.popScope();
    this.place(end);
  }

  /**
   * A `case` or `default` label inside a nested block (or loop) of a switch,
   * as C allows: the switch jumps to it. Jumping past a guard() taken in a
   * block it enters is a diagnostic (the lock would be released untaken).
   */
  private nestedCase(n: Syn): void {
    const sw = this.switches[this.switches.length - 1];
    const label = sw?.labels.get(n);
    if (!sw || !label) {
      this.err(n, "'case' label not within a switch statement");
      return;
    }
    if (this.scopes.slice(sw.depth - 1).some((s) => s.cleanups.length > 0)) this.err(n, GUARD_SKIPPED);
    this.place(label);
    for (const s of n.children.filter((x, i) => x.named && n.fields[i] !== 'value')) this.statement(s);
  }

  /** `break`: release the guards of the scopes it leaves, then jump past the loop or switch. */
  private breakStatement(n: Syn): void {
    this.at(n);
    const l = this.loops[this.loops.length - 1];
    if (!l) {
      this.err(n, "'break' outside a loop or switch");
      return;
    }
    this.emitCleanups(l.depth);
    this.jmp(l.brk);
  }

  /** `continue`: release the guards of the scopes it leaves, then jump to the loop's update. */
  private continueStatement(n: Syn): void {
    this.at(n);
    let i = this.loops.length - 1;
    while (i >= 0 && this.loops[i]!.cont === null) i--;
    const l = this.loops[i];
    if (!l) {
      this.err(n, "'continue' outside a loop");
      return;
    }
    this.emitCleanups(l.depth);
    this.jmp(l.cont!);
  }

  /** `return [e];`: convert to the return type, release every guard, return. */
  private returnStatement(n: Syn): void {
    this.at(n);
    const e = named(n)[0];
    let r: number;
    if (e) {
      const v = this.value(e);
      r = this.convertTo(v, this.retType, e);
    } else {
      if (this.retType.k !== 'void') this.err(n, `non-void function '${this.fnName}' should return a value`);
      r = this.constReg(0);
    }
    this.emitCleanups(0);
    this.emit({ op: Op.Ret, src: r });
  }

  /** `goto label;`: a jump patched (or routed through a guard-releasing trampoline) by resolveGotos. */
  private gotoStatement(n: Syn): void {
    this.at(n);
    const lab = field(n, 'label')!.text;
    const at = this.emit({ op: Op.Jmp, target: -1 });
    this.gotos.push({ at, chain: this.chain(), label: lab, node: n });
  }

  /** `label: stmt`, remembering the scope chain at the label for goto checks. */
  private labeledStatement(n: Syn): void {
    const lab = field(n, 'label')!.text;
    if (this.labels.has(lab)) this.err(n, `duplicate label '${lab}'`);
    this.labels.set(lab, { pc: this.code.length, chain: this.chain(), node: n });
    for (const c of n.children) if (c.named && c.type !== 'statement_identifier') this.statement(c);
  }

  protected resolveGotos(): void {
    for (const g of this.gotos) {
      const lab = this.labels.get(g.label);
      if (!lab) {
        this.err(g.node, `label '${g.label}' used but not defined`);
        continue;
      }
      // common prefix of the two scope chains
      let k = 0;
      while (k < g.chain.length && k < lab.chain.length && g.chain[k]!.id === lab.chain[k]!.id) k++;
      // jumping into a scope past a guard, or forward over a guard in the same scope
      const into = lab.chain.slice(k).some((s) => s.n > 0);
      const over = k > 0 && k <= g.chain.length && k <= lab.chain.length && lab.chain[k - 1]!.n > g.chain[k - 1]!.n;
      if (into || over) {
        const why = 'the lock would be released without being taken';
        this.err(g.node, `goto '${g.label}' jumps into the scope of a guard(); ${why}`);
      }
      const exits: { id: number; n: number }[] = g.chain.slice(k);
      const sameScopeRelease = k > 0 && lab.chain[k - 1]!.n < g.chain[k - 1]!.n;
      if (exits.every((s) => s.n === 0) && !sameScopeRelease) {
        (this.code[g.at] as { target: number }).target = lab.pc;
        continue;
      }
      // trampoline: the guards released by leaving their scopes, then the jump
      const tramp = this.code.length;
      (this.code[g.at] as { target: number }).target = tramp;
      this.cur = { file: this.P.fileIndex, line: g.node.start.line, column: g.node.start.column };
      const toRelease: Cleanup[] = [];
      const scopesById = this.allCleanups;
      for (let i = exits.length - 1; i >= 0; i--) {
        const cl = scopesById.get(exits[i]!.id) ?? [];
        for (let j = exits[i]!.n - 1; j >= 0; j--) toRelease.push(cl[j]!);
      }
      if (sameScopeRelease) {
        const cl = scopesById.get(g.chain[k - 1]!.id) ?? [];
        for (let j = g.chain[k - 1]!.n - 1; j >= lab.chain[k - 1]!.n; j--) toRelease.push(cl[j]!);
      }
      for (const c of toRelease) this.emitUnlock(c);
      this.emit({ op: Op.Jmp, target: lab.pc });
    }
  }

  protected localDeclaration(n: Syn): void {
    this.at(n);
    const isStatic =
      n.children.some((c) => c.type === 'storage_class_specifier' && c.text === 'static') ||
      n.children.some((c) => c.type === 'storage_class_specifier' && c.children.some((k) => k.type === 'static'));
    const base = this.P.decl.baseType(n);
    const decls = n.children.filter((_, i) => n.fields[i] === 'declarator');
    for (const d of decls) {
      const dd = this.P.decl.declarator(base, d);
      if (!dd?.name) continue;
      const init = d.type === 'init_declarator' ? field(d, 'value') : undefined;
      if (dd.type.k === 'fn') {
        this.err(d, 'local function declarations are not supported; declare functions at file scope');
        continue;
      }
      if (isStatic) {
        const g = this.P.staticLocal(this.fnKey, dd.name, dd.type, init);
        this.top().vars.set(dd.name, { k: 'static', g, type: dd.type });
        continue;
      }
      this.at(d);
      const k = dd.type.k;
      const needsStack = this.addressable.has(dd.name) || k === 'struct' || k === 'array' || k === 'prim';
      if (needsStack) {
        const off = this.stackSlot(dd.name, dd.type);
        const sp = this.newReg(null);
        this.emit({ op: Op.SAddr, dst: sp });
        // the slot reads as zero until written (C leaves it uninitialised; the model gives a defined zero)
        this.top().vars.set(dd.name, { k: 'stack', off, type: dd.type });
        if (init) this.initMemory({ k: 'mem', base: sp, off, type: dd.type, text: dd.name, marked: false }, init);
        continue;
      }
      const r = this.newReg(dd.name);
      // the name is in scope in its own initializer (sizeof(*p) in `T *p = kzalloc(sizeof(*p), ...)`)
      this.top().vars.set(dd.name, { k: 'reg', reg: r, type: dd.type });
      if (init) {
        if (init.type === 'initializer_list') {
          this.err(init, 'an initializer list needs a struct or array variable');
          continue;
        }
        const v = this.value(init);
        const c = this.convertTo(v, dd.type, init);
        this.emit({ op: Op.Mov, dst: r, src: c });
      } else {
        this.emit({ op: Op.Const, dst: r, value: 0 });
      }
    }
  }

  /** Initialise memory (a struct or array local) from an initializer or an expression. */
  protected initMemory(lv: Extract<LV, { k: 'mem' }>, init: Syn): void {
    if (init.type !== 'initializer_list') {
      if (lv.type.k === 'struct' || lv.type.k === 'array') {
        this.err(init, 'struct and array assignment is not supported; assign the fields one by one');
        return;
      }
      const v = this.value(init);
      const src = this.convertTo(v, lv.type, init);
      const size = this.size(lv.type);
      this.emit({ op: Op.Store, base: lv.base, off: lv.off, size, src, marked: false, what: lv.text });
      return;
    }
    let idx = 0;
    for (const item of named(init)) {
      if (item.type === 'comment') continue;
      let target: Extract<LV, { k: 'mem' }> | undefined;
      let valueNode = item;
      if (item.type === 'initializer_pair') {
        const des = fieldAll(item, 'designator');
        valueNode = field(item, 'value')!;
        let t: CType = lv.type;
        let off = lv.off;
        for (const d of des) {
          if (d.type === 'field_designator') {
            const m = this.member(t, named(d)[0]!.text, d);
            off += m.offset;
            t = m.type;
          } else if (d.type === 'subscript_designator') {
            const k = this.P.decl.constInt(named(d)[0]!) ?? 0;
            if (t.k !== 'array') {
              this.err(d, 'array designator for a non-array');
              return;
            }
            off += k * this.size(t.of);
            t = t.of;
            idx = k + 1;
          }
        }
        target = { ...lv, off, type: t };
      } else if (lv.type.k === 'array') {
        target = { ...lv, off: lv.off + idx * this.size(lv.type.of), type: lv.type.of };
        idx++;
      } else if (lv.type.k === 'struct') {
        const f = layoutOf(lv.type.name, this.P.sym.structs)?.fields[idx];
        if (!f) {
          this.err(item, 'too many initializers');
          return;
        }
        target = { ...lv, off: lv.off + f.offset, type: f.type };
        idx++;
      } else {
        this.err(item, 'braced initializer for a scalar');
        return;
      }
      this.initMemory(target, valueNode);
    }
  }
}

/**
 * The case labels of a switch body in source order: those at its top level
 * and those in nested blocks and loops, not those of a nested switch.
 */
function casesOf(body: Syn): Syn[] {
  const out: Syn[] = [];
  forEachNode(body, (c) => {
    if (c === body) return true;
    if (c.type === 'switch_statement' || c.type.endsWith('_expression')) return false;
    if (c.type === 'case_statement') out.push(c);
    return true;
  });
  return out;
}
