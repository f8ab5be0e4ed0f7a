/**
 * The text of a built-in call as the learner wrote it (`mutex_lock(&igroup->lock)`,
 * `xa_load(&ictx->objects, id)`): what its accesses name in KCSAN's reports
 * and what its findings quote. Built once per instruction and kept (a
 * WeakMap keyed by the instruction), since a built-in's exec asks for it at
 * every step it runs: the string used to be built each time.
 */

/** What a call's text is made of: its name and its arguments' source text (lang/ir.ts BuiltinExtra.argText). */
export interface CallInstr {
  readonly name: string;
  readonly extra?: { readonly argText?: readonly string[] };
}

const allArgs = new WeakMap<CallInstr, string>();
const firstArg = new WeakMap<CallInstr, { name: string; text: string }>();

/** `name(arg, arg, ...)` with every argument (`xa_store(&x->objs, id, obj, GFP_KERNEL)`). */
export function callText(ins: CallInstr): string {
  let s = allArgs.get(ins);
  if (s === undefined) {
    s = `${ins.name}(${ins.extra?.argText?.join(', ') ?? ''})`;
    allArgs.set(ins, s);
  }
  return s;
}

/**
 * `name(first argument)`, the lock or object the call works on
 * (`mutex_lock(&igroup->lock)` for a mutex_lock_nested() too, when the
 * caller names it so); `name` defaults to the instruction's.
 */
export function callText1(ins: CallInstr, name: string = ins.name): string {
  const c = firstArg.get(ins);
  if (c !== undefined && c.name === name) return c.text;
  const text = `${name}(${ins.extra?.argText?.[0] ?? ''})`;
  firstArg.set(ins, { name, text });
  return text;
}
