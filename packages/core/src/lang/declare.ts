/**
 * Declarations: turning tree-sitter type specifiers and declarators into
 * {@link CType}s, and evaluating constant expressions (enumerators, array
 * sizes, initialisers).
 */
import { type Syn, field, named } from './syntax.js';
import { type CType, type StructDef, BOOL, INT, UNKNOWN, VOID, builtinTypeName, sizeOf, typeName } from './types.js';
import { primStructTag } from './kernel-api.js';
import { CONSTANTS } from './constants.js';
import { MAX_NESTING } from './limits.js';
import type { ConstValue } from './ir.js';

/** The program-wide symbol tables shared by declaration and lowering. */
export interface Symbols {
  structs: Map<string, StructDef>;
  typedefs: Map<string, CType>;
  enumConsts: Map<string, number>;
  /** Object-like macros whose body parsed as an expression. */
  macros: Map<string, Macro>;
  fnIndex: Map<string, number>;
  globalIndex: Map<string, number>;
}

/** A `#define`: object-like (params null) or function-like. */
export interface Macro {
  name: string;
  params: string[] | null;
  /** The body parsed as an expression (or null when it is a statement). */
  expr: Syn | null;
  /** The body parsed as a statement. */
  stmt: Syn | null;
  file: number;
  text: string;
}

/** Report a diagnostic at node `n`. */
export type Report = (n: Syn, message: string) => void;

/** A declared name with its type; `fnParams` is set for function declarators. */
export interface Declared {
  name: string;
  type: CType;
  node: Syn;
  params?: { name: string; type: CType; node: Syn }[];
  variadic?: boolean;
}

/** Types from declarations, and constant expressions, over the program's symbol tables. */
export class Declarer {
  constructor(
    readonly sym: Symbols,
    readonly report: Report,
    readonly fileIndex: () => number,
    readonly fileLine: (n: Syn) => number,
  ) {}

  /** The base type of a declaration (its specifiers), defining structs and enums on the way. */
  baseType(decl: Syn): CType {
    const t = field(decl, 'type');
    if (!t) {
      this.report(decl, 'declaration without a type');
      return INT;
    }
    return this.specifier(t);
  }

  specifier(t: Syn): CType {
    switch (t.type) {
      case 'primitive_type': {
        const b = builtinTypeName(t.text);
        if (b) return b;
        this.report(t, `unknown type '${t.text}'`);
        return INT;
      }
      case 'sized_type_specifier': {
        const words = t.children.map((c) => c.text || (c.type === 'primitive_type' ? c.text : '')).filter(Boolean);
        let name = words.join(' ');
        if (words.length === 1 && (words[0] === 'unsigned' || words[0] === 'signed')) name = `${words[0]} int`;
        if (name === 'long unsigned') name = 'unsigned long';
        const b = builtinTypeName(name) ?? builtinTypeName(name.replace(/ int$/, ''));
        if (b) return b;
        this.report(t, `unsupported integer type '${name}'`);
        return INT;
      }
      case 'type_identifier': {
        const td = this.sym.typedefs.get(t.text);
        if (td) return td;
        const b = builtinTypeName(t.text);
        if (b) return b;
        this.report(t, `unknown type name '${t.text}'; declare it with a typedef or use 'struct ${t.text}'`);
        return UNKNOWN;
      }
      case 'struct_specifier':
      case 'union_specifier': {
        const nameNode = field(t, 'name');
        const body = field(t, 'body');
        const name = nameNode ? nameNode.text : `__anon_${t.start.line}_${t.start.column}`;
        const prim = primStructTag(name);
        if (!body) return prim ?? { k: 'struct', name };
        if (prim) {
          this.report(t, `'struct ${name}' is a kernel primitive the model provides; do not redefine it`);
          return prim;
        }
        const fields: StructDef['fields'] = [];
        for (const fd of named(body)) {
          if (fd.type !== 'field_declaration') {
            if (fd.type !== 'comment')
              this.report(fd, `unsupported item in struct body: ${fd.type.replace(/_/g, ' ')}`);
            continue;
          }
          const base = this.baseType(fd);
          const decls = fd.children.filter((_, i) => fd.fields[i] === 'declarator');
          if (decls.length === 0) {
            // anonymous struct/union member: flatten its fields
            if (base.k === 'struct') {
              const inner = this.sym.structs.get(base.name);
              if (inner) fields.push(...inner.fields);
            }
            continue;
          }
          for (const d of decls) {
            const dd = this.declarator(base, d);
            if (dd) {
              if (fields.some((f) => f.name === dd.name)) this.report(d, `duplicate member '${dd.name}'`);
              fields.push({ name: dd.name, type: dd.type });
            }
          }
        }
        const prev = this.sym.structs.get(name);
        if (prev && prev.fields.length > 0 && JSON.stringify(prev.fields) !== JSON.stringify(fields)) {
          this.report(t, `redefinition of 'struct ${name}' (first defined at line ${prev.line})`);
        }
        this.sym.structs.set(name, {
          name,
          fields,
          union: t.type === 'union_specifier',
          file: String(this.fileIndex()),
          line: this.fileLine(t),
        });
        return { k: 'struct', name };
      }
      case 'enum_specifier': {
        const nameNode = field(t, 'name');
        const body = field(t, 'body');
        if (body) {
          let next = 0;
          for (const e of named(body)) {
            if (e.type !== 'enumerator') continue;
            const n = field(e, 'name')!;
            const v = field(e, 'value');
            let val = next;
            if (v) {
              const c = this.constInt(v);
              if (c === undefined) this.report(v, `enumerator value for '${n.text}' is not an integer constant`);
              else val = c;
            }
            if (this.sym.enumConsts.has(n.text) && this.sym.enumConsts.get(n.text) !== val) {
              this.report(n, `redeclaration of enumerator '${n.text}'`);
            }
            this.sym.enumConsts.set(n.text, val);
            next = val + 1;
          }
        }
        return { k: 'enum', name: nameNode?.text ?? 'anon' };
      }
      case 'macro_type_specifier':
        this.report(t, `unsupported type macro '${t.children[0]?.text ?? ''}'`);
        return UNKNOWN;
      default:
        this.report(t, `unsupported type syntax (${t.type.replace(/_/g, ' ')})`);
        return UNKNOWN;
    }
  }

  /** Apply a declarator to a base type: `*p`, `a[4]`, `(*fn)(int)`, `x = 1`. */
  declarator(base: CType, d: Syn): Declared | undefined {
    switch (d.type) {
      case 'identifier':
      case 'field_identifier':
      case 'type_identifier':
        return { name: d.text, type: base, node: d };
      case 'pointer_declarator':
      case 'abstract_pointer_declarator': {
        const inner = field(d, 'declarator');
        const t: CType = { k: 'ptr', to: base };
        if (!inner) return { name: '', type: t, node: d };
        return this.declarator(t, inner);
      }
      case 'array_declarator':
      case 'abstract_array_declarator': {
        const sz = field(d, 'size');
        let n = 0;
        if (sz) {
          const c = this.constInt(sz);
          if (c === undefined || c < 0) this.report(sz, 'array size must be a non-negative integer constant');
          else n = c;
        }
        const t: CType = { k: 'array', of: base, n };
        const inner = field(d, 'declarator');
        if (!inner) return { name: '', type: t, node: d };
        return this.declarator(t, inner);
      }
      case 'function_declarator':
      case 'abstract_function_declarator': {
        const plist = field(d, 'parameters');
        const params: { name: string; type: CType; node: Syn }[] = [];
        let variadic = false;
        if (plist) {
          for (const p of named(plist)) {
            if (p.type === 'variadic_parameter') {
              variadic = true;
              continue;
            }
            if (p.type !== 'parameter_declaration') {
              if (p.type === 'comment') continue;
              this.report(p, `unsupported parameter syntax (${p.type})`);
              continue;
            }
            const pb = this.baseType(p);
            const pd = field(p, 'declarator');
            if (!pd) {
              if (pb.k === 'void') continue;
              params.push({ name: '', type: pb, node: p });
              continue;
            }
            const dd = this.declarator(pb, pd);
            if (dd)
              params.push({
                name: dd.name,
                type: dd.type.k === 'array' ? { k: 'ptr', to: dd.type.of } : dd.type,
                node: p,
              });
          }
          // a single trailing `...` is parsed as a plain "..." token in some grammar versions
          if (plist.children.some((c) => c.type === '...')) variadic = true;
        }
        const t: CType = { k: 'fn', ret: base, params: params.map((p) => p.type), variadic };
        const inner = field(d, 'declarator');
        if (!inner) return { name: '', type: t, node: d, params, variadic };
        const r = this.declarator(t, inner);
        if (r && inner.type !== 'parenthesized_declarator' && inner.type !== 'pointer_declarator') {
          r.params = params;
          r.variadic = variadic;
        } else if (r && r.type.k === 'fn') {
          r.params = params;
          r.variadic = variadic;
        }
        return r;
      }
      case 'parenthesized_declarator':
      case 'abstract_parenthesized_declarator': {
        const inner = named(d)[0];
        if (!inner) return { name: '', type: base, node: d };
        return this.declarator(base, inner);
      }
      case 'init_declarator': {
        const inner = field(d, 'declarator')!;
        return this.declarator(base, inner);
      }
      case 'attributed_declarator': {
        const inner = named(d)[0];
        return inner ? this.declarator(base, inner) : undefined;
      }
      default:
        this.report(d, `unsupported declarator syntax (${d.type.replace(/_/g, ' ')})`);
        return undefined;
    }
  }

  /** Type named by a `type_descriptor` (casts, sizeof). */
  typeDescriptor(td: Syn): CType {
    const base = this.specifier(field(td, 'type')!);
    const d = field(td, 'declarator');
    if (!d) return base;
    return this.declarator(base, d)?.type ?? base;
  }

  /** Evaluate an integer constant expression, or undefined. */
  constInt(n: Syn): number | undefined {
    const v = this.constValue(n);
    return typeof v === 'number' ? v : undefined;
  }

  /** How many constValue() calls are open: macros can nest (and recurse) deeper than the tree. */
  private constDepth = 0;

  /**
   * Evaluate a constant expression (numbers, strings, function and global
   * addresses); undefined when it is not one, or nests (through macros)
   * deeper than {@link MAX_NESTING} levels.
   */
  constValue(n: Syn): ConstValue | undefined {
    if (this.constDepth >= MAX_NESTING) return undefined;
    this.constDepth++;
    try {
      return this.constValueOf(n);
    } finally {
      this.constDepth--;
    }
  }

  private constValueOf(n: Syn): ConstValue | undefined {
    switch (n.type) {
      case 'number_literal':
        return parseNumber(n.text);
      case 'char_literal':
        return parseChar(n.text);
      case 'true':
        return 1;
      case 'false':
        return 0;
      case 'null':
        return 0;
      case 'string_literal':
        return { t: 'str', s: parseString(n) };
      case 'concatenated_string':
        return {
          t: 'str',
          s: named(n)
            .map((c) => (c.type === 'string_literal' ? parseString(c) : ''))
            .join(''),
        };
      case 'parenthesized_expression': {
        const inner = named(n)[0];
        return inner ? this.constValue(inner) : undefined;
      }
      case 'identifier': {
        const name = n.text;
        if (this.sym.enumConsts.has(name)) return this.sym.enumConsts.get(name)!;
        const m = this.sym.macros.get(name);
        if (m && m.params === null && m.expr) return this.constValue(m.expr);
        if (this.sym.fnIndex.has(name)) return { t: 'fn', fn: this.sym.fnIndex.get(name)! };
        if (name === 'XA_ZERO_ENTRY') return { t: 'zero' };
        if (name in CONSTANTS) return CONSTANTS[name]!;
        return undefined;
      }
      case 'unary_expression': {
        const a = this.constInt(field(n, 'argument')!);
        if (a === undefined) return undefined;
        const op = n.children[0]!.text || n.children.find((c) => !c.named)?.type;
        switch (op) {
          case '-':
            return -a;
          case '+':
            return a;
          case '~':
            return ~a;
          case '!':
            return a ? 0 : 1;
        }
        return undefined;
      }
      case 'binary_expression': {
        const a = this.constInt(field(n, 'left')!);
        const b = this.constInt(field(n, 'right')!);
        if (a === undefined || b === undefined) return undefined;
        const op = n.children.find((_, i) => n.fields[i] === 'operator')?.type;
        return constBin(op ?? '', a, b);
      }
      case 'call_expression': {
        const fnode = field(n, 'function');
        const args = named(field(n, 'arguments')!);
        if (fnode?.type === 'identifier' && (fnode.text === 'BIT' || fnode.text === 'BIT_ULL') && args.length === 1) {
          const a = this.constInt(args[0]!);
          return a === undefined ? undefined : 2 ** a;
        }
        if (fnode?.type === 'identifier' && fnode.text === 'GENMASK' && args.length === 2) {
          const h = this.constInt(args[0]!);
          const l = this.constInt(args[1]!);
          if (h === undefined || l === undefined) return undefined;
          return 2 ** (h + 1) - 2 ** l;
        }
        return undefined;
      }
      case 'cast_expression': {
        const t = this.typeDescriptor(field(n, 'type')!);
        const v = this.constValue(field(n, 'value')!);
        if (typeof v === 'number' && t.k === 'int') return convInt(v, t.bits, t.signed);
        if (typeof v === 'number' && t.k === 'bool') return v ? 1 : 0;
        return v;
      }
      case 'sizeof_expression': {
        const ty = field(n, 'type');
        if (ty) return sizeOf(this.typeDescriptor(ty), this.sym.structs);
        return undefined;
      }
      case 'pointer_expression': {
        const op = n.children[0]?.type;
        const arg = field(n, 'argument')!;
        if (op === '&' && arg.type === 'identifier' && this.sym.globalIndex.has(arg.text)) {
          return { t: 'gaddr', g: this.sym.globalIndex.get(arg.text)!, off: 0 };
        }
        if (op === '&' && arg.type === 'identifier' && this.sym.fnIndex.has(arg.text)) {
          return { t: 'fn', fn: this.sym.fnIndex.get(arg.text)! };
        }
        return undefined;
      }
      default:
        return undefined;
    }
  }

  /** Explain a type for a diagnostic. */
  show(t: CType): string {
    return typeName(t);
  }
}

/** Fold the binary operator `op` on integer constants; undefined for division by zero or an unknown operator. */
export function constBin(op: string, a: number, b: number): number | undefined {
  switch (op) {
    case '+':
      return a + b;
    case '-':
      return a - b;
    case '*':
      return a * b;
    case '/':
      return b === 0 ? undefined : Math.trunc(a / b);
    case '%':
      return b === 0 ? undefined : a % b;
    case '<<':
      return a * 2 ** b;
    case '>>':
      return Math.floor(a / 2 ** b);
    case '&':
      return bitop(a, b, (x, y) => x & y);
    case '|':
      return bitop(a, b, (x, y) => x | y);
    case '^':
      return bitop(a, b, (x, y) => x ^ y);
    case '==':
      return a === b ? 1 : 0;
    case '!=':
      return a !== b ? 1 : 0;
    case '<':
      return a < b ? 1 : 0;
    case '>':
      return a > b ? 1 : 0;
    case '<=':
      return a <= b ? 1 : 0;
    case '>=':
      return a >= b ? 1 : 0;
    case '&&':
      return a && b ? 1 : 0;
    case '||':
      return a || b ? 1 : 0;
  }
  return undefined;
}

/** Bitwise operation on integers up to 2^53, done in two 26/27-bit halves. */
export function bitop(a: number, b: number, f: (x: number, y: number) => number): number {
  if (a >= -0x80000000 && a <= 0x7fffffff && b >= -0x80000000 && b <= 0x7fffffff) return f(a, b);
  const big = (x: number) => BigInt.asUintN(64, BigInt(Math.trunc(x)));
  const fa = big(a);
  const fb = big(b);
  const hiA = Number(fa >> 32n),
    loA = Number(fa & 0xffffffffn),
    hiB = Number(fb >> 32n),
    loB = Number(fb & 0xffffffffn);
  const hi = f(hiA, hiB) >>> 0;
  const lo = f(loA, loB) >>> 0;
  const r = BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
  return Number(r);
}

/** Convert to a C integer type of `bits` bits. 64-bit values stay JS numbers (53-bit exact). */
export function convInt(v: number, bits: number, signed: boolean): number {
  if (bits >= 64) return Math.trunc(v);
  if (bits === 32) return signed ? v | 0 : v >>> 0;
  const m = 2 ** bits;
  let r = ((Math.trunc(v) % m) + m) % m;
  if (signed && r >= m / 2) r -= m;
  return r;
}

/** The value of a C integer literal (hex, binary, octal or decimal; suffixes ignored); NaN if malformed. */
export function parseNumber(text: string): number {
  const t = text.replace(/[uUlL]+$/, '');
  if (/^0[xX]/.test(t)) return parseInt(t.slice(2), 16);
  if (/^0[bB]/.test(t)) return parseInt(t.slice(2), 2);
  if (/^0[0-7]+$/.test(t)) return parseInt(t.slice(1), 8);
  return Number(t);
}

/** The value of a C character literal such as `'a'` or `'\n'`. */
export function parseChar(text: string): number {
  const body = text.slice(1, -1);
  const s = unescapeC(body);
  return s.length ? s.charCodeAt(0) : 0;
}

/** The value of a C string literal node, escapes decoded. */
export function parseString(n: Syn): string {
  // string_literal children: '"', string_content / escape_sequence ..., '"'; the raw text is kept on the node
  const raw = n.text || n.children.map((c) => c.text).join('');
  const m = /^[LuU8]*"([\s\S]*)"$/.exec(raw);
  return unescapeC(m ? m[1]! : raw);
}

function unescapeC(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]+|[0-7]{1,3}|.)/g, (_, e: string) => {
    switch (e[0]) {
      case 'n':
        return '\n';
      case 't':
        return '\t';
      case 'r':
        return '\r';
      case '0':
      case '1':
      case '2':
      case '3':
      case '4':
      case '5':
      case '6':
      case '7':
        return String.fromCharCode(parseInt(e, 8));
      case 'x':
        return String.fromCharCode(parseInt(e.slice(1), 16));
      default:
        return e;
    }
  });
}

export { BOOL, VOID };
