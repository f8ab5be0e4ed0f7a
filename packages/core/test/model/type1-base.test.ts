/**
 * The vfio-type1-6.12 base (IOMMU groups and domains, a toy IOMMU driver,
 * VFIO's type1 container; exercise domain-sharing): its files in
 * compilation order, each naming the upstream version it follows; no
 * patches yet; and the linux/kernel.h fields it uses, added without moving
 * any line of the header (reports and model findings key on line numbers).
 */
import { describe, expect, it } from 'vitest';
// @ts-expect-error the build script is plain JavaScript
import { VFIO_TYPE1_6_12_ORDER } from '../../scripts/embed-model.mjs';
import { KERNEL_HEADER } from '../../src/lang/kernel-header.js';
import { ModelVariantError, modelBase, modelFiles } from '../../src/model/index.js';

const BASE = 'vfio-type1-6.12';

describe('model base vfio-type1-6.12', () => {
  it('is its own folder, in compilation order, every file naming Linux 6.12', () => {
    const files = modelFiles(BASE);
    expect(files.map((f) => f.name)).toEqual((VFIO_TYPE1_6_12_ORDER as string[]).map((n) => `model/${BASE}/${n}`));
    for (const f of files) {
      expect(f.role).toBe('prelude');
      expect(f.text.slice(0, 600), f.name).toMatch(/6\.12/);
    }
    const type1 = files.find((f) => f.name.endsWith('vfio_iommu_type1.c'))!.text;
    // the learner's two functions are declared by the model and defined by no model file
    for (const fn of ['vfio_iommu_type1_attach_group', 'vfio_iommu_type1_detach_group', 'mock_domain_alloc_paging'])
      expect(
        files.some((f) => new RegExp(`^[a-z].*\\b${fn}\\([^;]*\\)\\n\\{`, 'm').test(f.text)),
        fn,
      ).toBe(false);
    expect(type1).toContain('Upstream: vfio_iommu_type1_release() (6.12)');
  });

  it('has no patches, and refuses one by name', () => {
    expect(modelBase(BASE)!.patches).toEqual([]);
    expect(() => modelFiles(`${BASE}+wake-up-all`)).toThrow(ModelVariantError);
    expect(() => modelFiles(`${BASE}+wake-up-all`)).toThrow(/the patches over vfio-type1-6\.12 are \(none\)/);
  });

  it("finds the group's mutex, devices and domain, the iommu_device's ops and dev->iommu->priv in linux/kernel.h, on the lines the fields they follow have always had", () => {
    const lines = KERNEL_HEADER.split('\n');
    const at = (s: string) => lines.findIndex((l) => l.includes(s));
    expect(lines[at('struct iommu_group {') + 1]).toMatch(
      /^\tint id;.*struct mutex mutex; struct list_head devices; struct iommu_domain \*domain;$/,
    );
    expect(lines[at('struct iommu_device {') + 1]).toMatch(/^\tint id; const struct iommu_ops \*ops;/);
    expect(lines[at('\tstruct iommu_device *iommu_dev;')]).toContain('void *iommu_priv;');
    // as before the fields were added: struct iommu_group opens on line 10, and the header has 141 lines
    expect(at('struct iommu_group {') + 1).toBe(10);
    expect(lines.length).toBe(141);
  });
});
