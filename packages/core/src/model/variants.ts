/**
 * Model variants: a model base, and named patches over it.
 *
 * The bases are `iommufd-6.17` (the iommufd model, packages/core/model),
 * `vfio-6.1` (the vfio_device life cycle, packages/core/model/vfio-6.1) and
 * `vfio-type1-6.12` (IOMMU groups, domains and the type1 container,
 * packages/core/model/vfio-type1-6.12).
 * A variant is written `<base>` (the model as upstream has it) or
 * `<base>+<patch>[+<patch>...]`, the patches applied in the order given. A
 * patch is a file `<base folder>/patches/<name>.patch`: a header in the
 * kernel's style (`Subject:`, optional `Upstream:`, a blank line, the
 * description), a line `---`, then a unified diff against the base's files
 * (`a/model/viommu.c`, `a/model/vfio-6.1/vfio_main.c`), applied exactly (no
 * fuzz): a patch that no longer applies is an error, not a silent no-op.
 */
import { applyPatch, parsePatch, type StructuredPatch } from 'diff';
import type { SourceFile } from '../lang/ir.js';
import { MODEL_PATCH_TEXTS, MODEL_SOURCES, OTHER_BASE_TEXTS } from './sources.generated.js';

/** The iommufd model as upstream has it (Linux 6.17): the default base, and vdev-lifetime's `model`. */
export const MODEL_BASE = 'iommufd-6.17';

/** A named patch over the model. */
export interface ModelPatch {
  /** File name without `.patch`: what a variant names (`wake-up-all`). */
  name: string;
  /** The `Subject:` line: a kernel-style one-line summary. */
  subject: string;
  /** The `Upstream:` line, when the patch has a counterpart for the kernel (a path under docs/upstream/). */
  upstream?: string;
  /** The description paragraphs, as written. */
  description: string;
  /** The model files the diff changes (`model/viommu.c`). */
  files: string[];
  /** The unified diff, one structured patch per file. */
  diff: StructuredPatch[];
}

/** A bad variant name, an unknown patch, or a patch that does not apply; the message says which and lists the patches. */
export class ModelVariantError extends Error {}

const stripPrefix = (name: string) => name.replace(/^[ab]\//, '');

function parseModelPatch(name: string, text: string): ModelPatch {
  const lines = text.split('\n');
  const end = lines.indexOf('---');
  if (end < 0) throw new ModelVariantError(`model patch ${name}: no '---' line between the description and the diff`);
  const header = lines.slice(0, end);
  const field = (key: string) => header.find((l) => l.startsWith(`${key}: `))?.slice(key.length + 2);
  const subject = field('Subject');
  if (!subject) throw new ModelVariantError(`model patch ${name}: no 'Subject:' line`);
  const blank = header.indexOf('');
  const description = (blank < 0 ? [] : header.slice(blank + 1)).join('\n').trim();
  const diff = parsePatch(lines.slice(end + 1).join('\n')).filter((p) => p.hunks.length > 0);
  if (!diff.length) throw new ModelVariantError(`model patch ${name}: the diff changes nothing`);
  const upstream = field('Upstream');
  return {
    name,
    subject,
    ...(upstream ? { upstream } : {}),
    description,
    files: diff.map((p) => stripPrefix(p.newFileName ?? p.oldFileName ?? '')),
    diff,
  };
}

/** Every named patch over the iommufd-6.17 model, by name order. */
export const MODEL_PATCHES: readonly ModelPatch[] = MODEL_PATCH_TEXTS.map((p) => parseModelPatch(p.name, p.text));

/** A model base: kernel-C files as one upstream version has them, and the named patches over them. */
export interface ModelBase {
  /** `iommufd-6.17`, `vfio-6.1`: what an exercise manifest's `model` field and a variant name start with. */
  id: string;
  /** The files in compilation order (`model/main.c`, `model/vfio-6.1/vfio_main.c`). */
  sources: readonly { name: string; text: string }[];
  /** Its named patches, by name order. */
  patches: readonly ModelPatch[];
}

/** Every model base, the iommufd-6.17 one first. */
export const MODEL_BASES: readonly ModelBase[] = [
  { id: MODEL_BASE, sources: MODEL_SOURCES, patches: MODEL_PATCHES },
  ...OTHER_BASE_TEXTS.map((b) => ({
    id: b.base,
    sources: b.sources,
    patches: b.patches.map((p) => parseModelPatch(p.name, p.text)),
  })),
];

/** The base named `id`, or undefined. */
export function modelBase(id: string): ModelBase | undefined {
  return MODEL_BASES.find((b) => b.id === id);
}

/** A parsed variant name. */
export interface ModelVariant {
  /** The canonical name (`iommufd-6.17+wake-up-all`). */
  id: string;
  base: string;
  /** The patches, in the order they apply. */
  patches: ModelPatch[];
}

const known = (b: ModelBase) => b.patches.map((p) => p.name).join(', ') || '(none)';

/**
 * Parse `<base>[+patch...]` (`iommufd-6.17+wake-up-all`). Throws
 * ModelVariantError for an unknown base, an unknown or repeated patch name.
 */
export function parseModelVariant(id: string): ModelVariant {
  const [base = '', ...names] = id.trim().split('+');
  const b = modelBase(base);
  if (!b) {
    const others = MODEL_BASES.slice(1)
      .map((x) => ` or ${x.id}`)
      .join('');
    throw new ModelVariantError(
      `unknown model '${base}': the model is ${MODEL_BASE}${others}, optionally with patches (${MODEL_BASE}+<patch>; patches: ${known(MODEL_BASES[0]!)})`,
    );
  }
  const patches = names.map((n) => {
    const p = b.patches.find((x) => x.name === n);
    if (!p) throw new ModelVariantError(`unknown model patch '${n}': the patches over ${base} are ${known(b)}`);
    return p;
  });
  if (new Set(names).size !== names.length) throw new ModelVariantError(`model ${id} names a patch twice`);
  return { id: [base, ...names].join('+'), base, patches };
}

const cache = new Map<string, { name: string; text: string }[]>();

function patchedSources(v: ModelVariant): { name: string; text: string }[] {
  const hit = cache.get(v.id);
  if (hit) return hit;
  const files = modelBase(v.base)!.sources.map((f) => ({ ...f }));
  for (const p of v.patches)
    for (const [i, d] of p.diff.entries()) {
      const name = p.files[i]!;
      const f = files.find((x) => x.name === name);
      if (!f) throw new ModelVariantError(`model patch ${p.name} changes ${name}, which is not a model file`);
      const out = applyPatch(f.text, d);
      if (out === false) throw new ModelVariantError(`model patch ${p.name} does not apply to ${name} in ${v.id}`);
      f.text = out;
    }
  cache.set(v.id, files);
  return files;
}

/**
 * The model's files for a variant (default: the iommufd model as upstream
 * has it), in compilation order, with the prelude role. Throws ModelVariantError as
 * parseModelVariant does, or when a patch does not apply.
 */
export function modelFiles(variant: string = MODEL_BASE): SourceFile[] {
  return patchedSources(parseModelVariant(variant)).map((f) => ({ name: f.name, text: f.text, role: 'prelude' }));
}
