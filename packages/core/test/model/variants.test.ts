/**
 * Model variants: named patches over the 6.17 model apply exactly, change
 * only what their diff says, and bad names are refused with the list of
 * patches.
 */
import { describe, expect, it } from 'vitest';
import {
  MODEL_BASE,
  MODEL_PATCHES,
  MODEL_SOURCES,
  ModelVariantError,
  modelFiles,
  parseModelVariant,
} from '../../src/model/index.js';

const text = (variant: string, name: string) => modelFiles(variant).find((f) => f.name === name)!.text;

describe('model variants', () => {
  it('the base variant is the model as embedded, file for file, as prelude', () => {
    const files = modelFiles();
    expect(files.map((f) => f.name)).toEqual(MODEL_SOURCES.map((f) => f.name));
    expect(files.map((f) => f.text)).toEqual(MODEL_SOURCES.map((f) => f.text));
    expect(files.every((f) => f.role === 'prelude')).toBe(true);
    expect(modelFiles(MODEL_BASE).map((f) => f.text)).toEqual(files.map((f) => f.text));
  });

  it('every patch has a subject and a description, and changes only the files its diff names', () => {
    expect(MODEL_PATCHES.map((p) => p.name)).toEqual(['vdevice-size-unlock', 'wake-up-all']);
    for (const p of MODEL_PATCHES) {
      expect(p.subject).toMatch(/^iommufd/);
      expect(p.description.length).toBeGreaterThan(80);
      const base = modelFiles();
      const patched = modelFiles(`${MODEL_BASE}+${p.name}`);
      const changed = patched.filter((f, i) => f.text !== base[i]!.text).map((f) => f.name);
      expect(changed).toEqual(p.files);
      // same line count: the model-findings keys of the other lines stay valid
      for (const name of changed)
        expect(text(`${MODEL_BASE}+${p.name}`, name).split('\n').length).toBe(
          text(MODEL_BASE, name).split('\n').length,
        );
    }
  });

  it('wake-up-all replaces the interruptible wake-up in iommufd_put_object, and only it', () => {
    const before = text(MODEL_BASE, 'model/iommufd_private.h');
    const after = text(`${MODEL_BASE}+wake-up-all`, 'model/iommufd_private.h');
    expect(before).toContain('\twake_up_interruptible_all(&ictx->destroy_wait);');
    expect(after).not.toContain('wake_up_interruptible_all(&ictx->destroy_wait)');
    expect(after).toContain('\twake_up_all(&ictx->destroy_wait);');
  });

  it('vdevice-size-unlock sends the WARN_ON_ONCE branch to out_unlock_igroup', () => {
    const branch = (v: string) => {
      const t = text(v, 'model/viommu.c');
      const at = t.indexOf('!viommu->ops->vdevice_init)) {');
      return t.slice(at, t.indexOf('}', at));
    };
    expect(branch(MODEL_BASE)).toContain('goto out_put_idev;');
    expect(branch(`${MODEL_BASE}+vdevice-size-unlock`)).toContain('goto out_unlock_igroup;');
  });

  it('patches compose in the order named', () => {
    const both = modelFiles(`${MODEL_BASE}+wake-up-all+vdevice-size-unlock`);
    const other = modelFiles(`${MODEL_BASE}+vdevice-size-unlock+wake-up-all`);
    expect(both.map((f) => f.text)).toEqual(other.map((f) => f.text));
    expect(parseModelVariant(` ${MODEL_BASE}+wake-up-all `).id).toBe(`${MODEL_BASE}+wake-up-all`);
  });

  it('refuses another model, an unknown patch and a repeated one, naming the patches there are', () => {
    expect(() => modelFiles('linux-6.16')).toThrow(ModelVariantError);
    expect(() => modelFiles('linux-6.16')).toThrow(/the model is iommufd-6\.17/);
    expect(() => modelFiles(`${MODEL_BASE}+nope`)).toThrow(
      /unknown model patch 'nope'.*vdevice-size-unlock, wake-up-all/,
    );
    expect(() => modelFiles(`${MODEL_BASE}+wake-up-all+wake-up-all`)).toThrow(/names a patch twice/);
    expect(() => modelFiles(`${MODEL_BASE}+`)).toThrow(/unknown model patch ''/);
  });
});
