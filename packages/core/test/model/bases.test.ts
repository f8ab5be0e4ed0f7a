/**
 * Model bases: besides iommufd-6.17 there is vfio-6.1 (the vfio_device life
 * cycle), with files and patches of its own; a patch names its base's files
 * only, and each base refuses the other's patches.
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error the build script is plain JavaScript
import { BASES, VFIO_6_1_ORDER } from '../../scripts/embed-model.mjs';
import {
  MODEL_BASE,
  MODEL_BASES,
  MODEL_SOURCES,
  ModelVariantError,
  modelBase,
  modelFiles,
  parseModelVariant,
} from '../../src/model/index.js';

const text = (variant: string, name: string) => modelFiles(variant).find((f) => f.name === name)!.text;

describe('model bases', () => {
  it('are iommufd-6.17 (first, the default), vfio-6.1 and vfio-type1-6.12, as the embed script lists them', () => {
    expect(MODEL_BASES.map((b) => b.id)).toEqual(['iommufd-6.17', 'vfio-6.1', 'vfio-type1-6.12']);
    expect((BASES as { id: string }[]).map((b) => b.id)).toEqual(MODEL_BASES.map((b) => b.id));
    expect(modelBase(MODEL_BASE)!.sources).toBe(MODEL_SOURCES);
    expect(modelFiles().map((f) => f.name)).toEqual(MODEL_SOURCES.map((f) => f.name));
  });

  it('vfio-6.1 is its own folder, in compilation order, and shares no file with iommufd-6.17', () => {
    const files = modelFiles('vfio-6.1');
    expect(files.map((f) => f.name)).toEqual((VFIO_6_1_ORDER as string[]).map((n) => `model/vfio-6.1/${n}`));
    expect(files.every((f) => f.role === 'prelude')).toBe(true);
    expect(text('vfio-6.1', 'model/vfio-6.1/vfio_main.c')).toContain('Upstream: vfio_device_release() (6.1)');
  });

  it('remove-vfio-free-device moves the kvfree() into vfio_device_release() and drops vfio_free_device()', () => {
    const v = 'vfio-6.1+remove-vfio-free-device';
    const p = modelBase('vfio-6.1')!.patches;
    expect(p.map((x) => x.name)).toEqual(['remove-vfio-free-device']);
    expect(p[0]!.subject).toBe('vfio: Remove vfio_free_device');
    expect(p[0]!.files).toEqual(['model/vfio-6.1/vfio.h', 'model/vfio-6.1/vfio_main.c']);
    const release = (variant: string) => {
      const t = text(variant, 'model/vfio-6.1/vfio_main.c');
      const at = t.indexOf('static void vfio_device_release(struct device *dev)');
      return t.slice(at, t.indexOf('\n}\n', at));
    };
    expect(release('vfio-6.1')).not.toContain('kvfree(device)');
    expect(release(v)).toMatch(/device->ops->release\(device\);\n\n\tkvfree\(device\);$/);
    expect(text('vfio-6.1', 'model/vfio-6.1/vfio_main.c')).toContain(
      'void vfio_free_device(struct vfio_device *device)',
    );
    expect(text(v, 'model/vfio-6.1/vfio_main.c')).not.toContain('void vfio_free_device(');
    // the line counts stay, so model-findings keys of the other lines stay valid
    for (const name of p[0]!.files)
      expect(text(v, name).split('\n').length).toBe(text('vfio-6.1', name).split('\n').length);
    expect(parseModelVariant(` ${v} `).id).toBe(v);
  });

  it("refuses another base's patch, naming the base's own, and an unknown base, naming every base", () => {
    expect(() => modelFiles('vfio-6.1+wake-up-all')).toThrow(ModelVariantError);
    expect(() => modelFiles('vfio-6.1+wake-up-all')).toThrow(
      /unknown model patch 'wake-up-all': the patches over vfio-6\.1 are remove-vfio-free-device/,
    );
    expect(() => modelFiles(`${MODEL_BASE}+remove-vfio-free-device`)).toThrow(
      /the patches over iommufd-6\.17 are vdevice-size-unlock, wake-up-all/,
    );
    expect(() => modelFiles('vfio-6.2')).toThrow(/the model is iommufd-6\.17 or vfio-6\.1/);
  });
});
