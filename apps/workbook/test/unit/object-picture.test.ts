/**
 * The objects drawn at a trace step (src/exercise/object-picture.ts, its
 * pure layout): iommufd's objects in their columns, pointers and xarray
 * slots as arrows, freed objects marked, what changed since the step before.
 */
import { describe, expect, it } from 'vitest';
import type { ObjectSnapshot } from '@teardown/core';
import { layoutPicture } from '../../src/exercise/object-picture';

const o = (
  name: string,
  type: string,
  fields: Record<string, string>,
  state: 'live' | 'freed' = 'live',
): ObjectSnapshot => ({
  name,
  type,
  state,
  fields,
});
const ctx = o('iommufd_ctx#s2', 'iommufd_ctx', { objects: '{1: iommufd_device#s10, 3: XA_ZERO_ENTRY}' });
const idev = o('iommufd_device#s10', 'iommufd_device', {
  'obj.users': '2',
  'obj.wait_cnt': '1',
  igroup: 'iommufd_group#s9',
  ictx: 'iommufd_ctx#s2',
});
const igroup = o('iommufd_group#s9', 'iommufd_group', { 'ref.refcount': '1', lock: 'unlocked' });
const file = o('file#s1', 'file', { f_count: '1' });

describe('layoutPicture', () => {
  it('draws the iommufd objects only, in columns, with slots and pointers as arrows', () => {
    const p = layoutPicture([file, ctx, idev, igroup], null);
    expect(p.boxes.map((b) => b.name)).toEqual(['iommufd_ctx#s2', 'iommufd_device#s10', 'iommufd_group#s9']);
    const [c, d, g] = p.boxes;
    expect(c!.x).toBeLessThan(d!.x);
    expect(d!.x).toBe(g!.x);
    expect(g!.y).toBeGreaterThan(d!.y);
    expect(c!.lines.map((l) => l.text)).toContain('objects: 1→idev 3→XA_ZERO_ENTRY');
    expect(d!.lines[0]!.text).toBe('users=2  wait_cnt=1');
    expect(p.edges).toEqual([
      { from: 'iommufd_ctx#s2', to: 'iommufd_device#s10', label: 'objects[1]', slot: true },
      { from: 'iommufd_device#s10', to: 'iommufd_group#s9', label: 'igroup', slot: false },
    ]);
    expect(p.boxes.some((b) => b.changed)).toBe(false);
  });

  it('marks what changed since the step before, and a freed object', () => {
    const idev2 = { ...idev, fields: { ...idev.fields, 'obj.users': '1' } };
    const gone = { ...igroup, state: 'freed' as const };
    const p = layoutPicture([ctx, idev2, gone], [ctx, idev, igroup]);
    const by = new Map(p.boxes.map((b) => [b.name, b]));
    expect(by.get('iommufd_device#s10')!.changed).toBe(true);
    expect(by.get('iommufd_device#s10')!.lines[0]!.changed).toBe(true);
    expect(by.get('iommufd_ctx#s2')!.changed).toBe(false);
    expect(by.get('iommufd_group#s9')).toMatchObject({ freed: true, freedNow: true, changed: true });
    expect(by.get('iommufd_group#s9')!.title).toMatch(/\(freed\)$/);
  });
});
