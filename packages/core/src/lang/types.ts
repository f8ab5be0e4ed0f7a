/**
 * The static C types of the kernel-C subset.
 *
 * Memory in the VM is typeless (a field path maps to a value), so types are
 * used only where C needs them: member access, `sizeof` and typed allocation,
 * integer widths, pointer arithmetic on arrays, and diagnostics.
 */

import { type CType, BOOL, type PrimName, ULONG, VOID } from './ctype.js';
import { primAlign, primFields, primSize, primSpelling, primStructTag, primTypedef } from './kernel-api.js';

export { type CType, type PrimName, VOID, BOOL, INT, UINT, LONG, ULONG, CHAR, UNKNOWN, VOIDP, CHARP } from './ctype.js';

const INTS: Record<string, [number, boolean]> = {
  int: [32, true],
  'signed int': [32, true],
  'unsigned int': [32, false],
  unsigned: [32, false],
  signed: [32, true],
  short: [16, true],
  'unsigned short': [16, false],
  char: [8, true],
  'unsigned char': [8, false],
  'signed char': [8, true],
  long: [64, true],
  'unsigned long': [64, false],
  'long long': [64, true],
  'unsigned long long': [64, false],
  'long int': [64, true],
  'unsigned long int': [64, false],
  u8: [8, false],
  u16: [16, false],
  u32: [32, false],
  u64: [64, false],
  s8: [8, true],
  s16: [16, true],
  s32: [32, true],
  s64: [64, true],
  __u8: [8, false],
  __u16: [16, false],
  __u32: [32, false],
  __u64: [64, false],
  __s32: [32, true],
  __s64: [64, true],
  uint8_t: [8, false],
  uint16_t: [16, false],
  uint32_t: [32, false],
  uint64_t: [64, false],
  int8_t: [8, true],
  int16_t: [16, true],
  int32_t: [32, true],
  int64_t: [64, true],
  size_t: [64, false],
  ssize_t: [64, true],
  ioasid_t: [32, false],
  gfp_t: [32, false],
  pid_t: [32, true],
  uintptr_t: [64, false],
  phys_addr_t: [64, false],
  dma_addr_t: [64, false],
  loff_t: [64, true],
  ktime_t: [64, true],
  atomic_long_t: [64, true],
  fmode_t: [32, false],
  umode_t: [16, false],
  dev_t: [32, false],
  'long unsigned int': [64, false],
};

/** Resolve a primitive/typedef type name; undefined if it is not built in. */
export function builtinTypeName(name: string): CType | undefined {
  if (name === 'void') return VOID;
  if (name === 'bool' || name === '_Bool') return BOOL;
  const i = INTS[name];
  if (i) return { k: 'int', name, bits: i[0], signed: i[1] };
  const p = primTypedef(name);
  if (p) return p;
  if (name === 'jiffies_t') return ULONG;
  return undefined;
}

/** Resolve `struct tag` when the tag is a kernel primitive. */
export function builtinStruct(tag: string): CType | undefined {
  return primStructTag(tag);
}

/** Type predicates: pointer; integral (int, bool, enum); scalar (integral, pointer, function, unknown). */
export function isPtrType(t: CType): t is { k: 'ptr'; to: CType } {
  return t.k === 'ptr';
}
export function isIntegral(t: CType): boolean {
  return t.k === 'int' || t.k === 'bool' || t.k === 'enum';
}
export function isScalar(t: CType): boolean {
  return isIntegral(t) || t.k === 'ptr' || t.k === 'unknown' || t.k === 'fn';
}

/** A readable spelling, e.g. `struct iommufd_device *`. */
export function typeName(t: CType): string {
  switch (t.k) {
    case 'void':
      return 'void';
    case 'bool':
      return 'bool';
    case 'int':
      return t.name;
    case 'ptr':
      return t.to.k === 'fn' ? 'function pointer' : `${typeName(t.to)} *`;
    case 'struct':
      return `struct ${t.name}`;
    case 'array':
      return `${typeName(t.of)}[${t.n}]`;
    case 'fn':
      return `function returning ${typeName(t.ret)}`;
    case 'enum':
      return `enum ${t.name}`;
    case 'prim':
      return primSpelling(t.name);
    case 'unknown':
      return t.name;
  }
}

/** Field layout of a struct: ordered fields with their types. */
export interface StructDef {
  name: string;
  fields: { name: string; type: CType }[];
  union?: boolean;
  /** Where it was defined (file, line). */
  file: string;
  line: number;
}

/** A field of a laid-out struct: its byte offset and type. */
export interface FieldLayout {
  name: string;
  offset: number;
  type: CType;
}

/** Byte layout of a struct (LP64, natural alignment; unions put every member at 0). */
export interface Layout {
  size: number;
  align: number;
  fields: FieldLayout[];
}

const layoutCache = new WeakMap<Map<string, StructDef>, Map<string, Layout>>();

/** Layout of `struct name`, or undefined for an incomplete struct. */
export function layoutOf(name: string, structs: Map<string, StructDef>, depth = 0): Layout | undefined {
  let cache = layoutCache.get(structs);
  if (!cache) {
    cache = new Map();
    layoutCache.set(structs, cache);
  }
  const hit = cache.get(name);
  if (hit) return hit;
  const d = structs.get(name);
  if (!d || depth > 32) return undefined;
  let off = 0;
  let align = 1;
  let size = 0;
  const fields: FieldLayout[] = [];
  for (const f of d.fields) {
    const s = sizeOf(f.type, structs, depth + 1);
    const a = alignOf(f.type, structs, depth + 1);
    align = Math.max(align, a);
    if (d.union) {
      fields.push({ name: f.name, offset: 0, type: f.type });
      size = Math.max(size, s);
    } else {
      off = Math.ceil(off / a) * a;
      fields.push({ name: f.name, offset: off, type: f.type });
      off += s;
      size = off;
    }
  }
  const l: Layout = { size: Math.max(1, Math.ceil(size / align) * align), align, fields };
  cache.set(name, l);
  return l;
}

/** Size in bytes (LP64). */
export function sizeOf(t: CType, structs: Map<string, StructDef>, depth = 0): number {
  if (depth > 32) return 8;
  switch (t.k) {
    case 'void':
      return 1;
    case 'bool':
      return 1;
    case 'int':
      return t.bits / 8;
    case 'ptr':
    case 'fn':
      return 8;
    case 'enum':
      return 4;
    case 'array':
      return t.n * sizeOf(t.of, structs, depth + 1);
    case 'prim':
      return primSize(t.name);
    case 'unknown':
      return 8;
    case 'struct':
      return layoutOf(t.name, structs, depth + 1)?.size ?? 8;
  }
}

/** Alignment in bytes (LP64). */
export function alignOf(t: CType, structs: Map<string, StructDef>, depth = 0): number {
  if (depth > 32) return 8;
  switch (t.k) {
    case 'array':
      return alignOf(t.of, structs, depth + 1);
    case 'struct':
      return layoutOf(t.name, structs, depth + 1)?.align ?? 8;
    case 'prim':
      return primAlign(t.name);
    default:
      return Math.min(8, sizeOf(t, structs, depth + 1));
  }
}

/** Find the member path `a.b.c` (or `a[2].b`) in a type: its offset and type. */
export function memberOffset(
  t: CType,
  path: string,
  structs: Map<string, StructDef>,
): { offset: number; type: CType } | undefined {
  let off = 0;
  let cur = t;
  const re = /([A-Za-z_]\w*)|\[(\d+)\]/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(path))) {
    if (m[1]) {
      const fields =
        cur.k === 'struct' ? layoutOf(cur.name, structs)?.fields : cur.k === 'prim' ? primFields(cur.name) : undefined;
      const f = fields?.find((x) => x.name === m![1]);
      if (!f) return undefined;
      off += f.offset;
      cur = f.type;
    } else {
      if (cur.k !== 'array') return undefined;
      off += Number(m[2]) * sizeOf(cur.of, structs);
      cur = cur.of;
    }
  }
  return { offset: off, type: cur };
}

/**
 * Does a value of type `t` hold a `prim` (a struct xarray, say) that starts
 * at byte `offset`, as itself, a member or an element at any depth (the
 * union's members all)? False where the layout is unknown.
 */
export function primAt(t: CType, offset: number, prim: PrimName, structs: Map<string, StructDef>, depth = 0): boolean {
  if (depth > 8) return false;
  if (t.k === 'prim') return offset === 0 && t.name === prim;
  if (t.k === 'struct') {
    const l = layoutOf(t.name, structs);
    if (!l) return false;
    for (const f of l.fields)
      if (offset >= f.offset && offset < f.offset + Math.max(1, sizeOf(f.type, structs)))
        if (primAt(f.type, offset - f.offset, prim, structs, depth + 1)) return true;
    return false;
  }
  if (t.k === 'array') {
    const es = sizeOf(t.of, structs);
    const i = Math.floor(offset / es);
    return i >= 0 && i < t.n && primAt(t.of, offset - i * es, prim, structs, depth + 1);
  }
  return false;
}

/**
 * The name of the member at `offset` in type `t` (`obj.users`, `vdevs`), for
 * reports; undefined if none starts there. The innermost member by default
 * (what an access touches); with `outer`, an embedded struct that starts at
 * `offset` is named itself (what a pointer to it means: `&ctx.sw_msi_list`).
 */
export function memberAt(
  t: CType,
  offset: number,
  structs: Map<string, StructDef>,
  depth = 0,
  outer = false,
): string | undefined {
  if (depth > 8) return undefined;
  if (t.k === 'struct') {
    const l = layoutOf(t.name, structs);
    if (!l) return undefined;
    for (const f of l.fields) {
      const s = sizeOf(f.type, structs);
      if (offset >= f.offset && offset < f.offset + Math.max(1, s)) {
        if (offset === f.offset && (outer ? f.type.k !== 'array' : !(f.type.k === 'struct' || f.type.k === 'array')))
          return f.name;
        const inner = memberAt(f.type, offset - f.offset, structs, depth + 1, outer);
        return inner === undefined
          ? offset === f.offset
            ? f.name
            : undefined
          : inner.startsWith('[')
            ? f.name + inner
            : `${f.name}.${inner}`;
      }
    }
    return undefined;
  }
  if (t.k === 'array') {
    const es = sizeOf(t.of, structs);
    const i = Math.floor(offset / es);
    if (i < 0 || i >= t.n) return undefined;
    const inner = memberAt(t.of, offset - i * es, structs, depth + 1, outer);
    return `[${i}]` + (inner ? (inner.startsWith('[') ? inner : `.${inner}`) : '');
  }
  return offset === 0 ? '' : undefined;
}
