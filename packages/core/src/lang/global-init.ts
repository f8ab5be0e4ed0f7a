/**
 * Constant initialisers of globals (phase 4 of compile()): scalars, strings,
 * addresses of globals and functions, and braced lists with designators,
 * laid out by byte offset into `GlobalIR.init`.
 */
import { type Syn, field, named } from './syntax.js';
import { type CType, UNKNOWN, layoutOf, sizeOf, typeName } from './types.js';
import type { ConstValue, GlobalIR } from './ir.js';
import type { Declarer } from './declare.js';

/** Fill `g.init` from a constant initialiser (scalars, strings, addresses, braced lists with designators). */
export function initGlobal(g: GlobalIR, init: Syn, decl: Declarer, report: (n: Syn, m: string) => void): void {
  const structs = decl.sym.structs;
  const fieldsOf = (t: CType) => (t.k === 'struct' ? layoutOf(t.name, structs)?.fields : undefined);
  const walk = (t: CType, off: number, n: Syn, top: boolean) => {
    if (n.type === 'initializer_list') {
      let idx = 0;
      let maxIdx = -1;
      let elemType: CType = t.k === 'array' ? t.of : UNKNOWN;
      const esize = t.k === 'array' ? sizeOf(t.of, structs) : 0;
      for (const item of named(n)) {
        if (item.type === 'comment') continue;
        if (item.type === 'initializer_pair') {
          let tt = t;
          let o = off;
          for (const d of item.children.filter((_, i) => item.fields[i] === 'designator')) {
            if (d.type === 'field_designator') {
              const fname = named(d)[0]!.text;
              const f = fieldsOf(tt)?.find((x) => x.name === fname);
              if (!f) {
                report(
                  d,
                  tt.k === 'struct'
                    ? `'struct ${tt.name}' has no member named '${fname}'`
                    : `designator '.${fname}' for ${typeName(tt)}`,
                );
                return;
              }
              tt = f.type;
              o += f.offset;
            } else if (d.type === 'subscript_designator') {
              const k = decl.constInt(named(d)[0]!);
              if (k === undefined) {
                report(d, 'array designator is not an integer constant');
                return;
              }
              if (tt.k !== 'array') {
                report(d, `array designator for ${typeName(tt)}`);
                return;
              }
              o += k * sizeOf(tt.of, structs);
              if (tt === t) {
                idx = k + 1;
                maxIdx = Math.max(maxIdx, k);
              }
              tt = tt.of;
            }
          }
          walk(tt, o, field(item, 'value')!, false);
        } else if (t.k === 'array') {
          maxIdx = Math.max(maxIdx, idx);
          walk(elemType, off + idx * esize, item, false);
          idx++;
        } else if (t.k === 'struct') {
          const f = fieldsOf(t)?.[idx++];
          if (!f) {
            report(item, 'too many initializers');
            continue;
          }
          walk(f.type, off + f.offset, item, false);
        } else {
          report(item, `braced initializer for ${typeName(t)}`);
        }
      }
      if (top && t.k === 'array' && g.type.k === 'array' && g.type.n === 0) {
        g.type = { k: 'array', of: g.type.of, n: maxIdx + 1 };
        elemType = g.type.of;
      }
      return;
    }
    const v: ConstValue | undefined = decl.constValue(n);
    if (v === undefined) {
      report(n, 'initializer element is not a constant');
      return;
    }
    g.init.push([off, v]);
  };
  walk(g.type, 0, init, true);
}
