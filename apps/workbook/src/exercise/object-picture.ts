/**
 * The kernel objects at a trace step, drawn as boxes and arrows in the style
 * of chapter 1's figure: the iommufd context with its objects xarray (slots
 * with their IDs, tombstones as XA_ZERO_ENTRY), the idevs and igroups, the
 * vdevs and vIOMMUs with users, wait_cnt and lock holders, pointers between
 * them as arrows, freed objects dashed, and what changed since the previous
 * step highlighted.
 *
 * `layoutPicture` is pure (snapshots in, boxes and edges out); `drawPicture`
 * turns a layout into SVG with the figure classes of teardown.css.
 */
import type { ObjectSnapshot } from '@teardown/core';

const SVG = 'http://www.w3.org/2000/svg';

/** Which column each drawn type goes in, in order within a column. */
const COLUMNS: readonly (readonly string[])[] = [
  ['iommufd_ctx'],
  ['iommufd_device', 'iommufd_group'],
  ['iommufd_vdevice', 'iommufd_viommu'],
];
const SHORT: Record<string, string> = {
  iommufd_ctx: 'ictx',
  iommufd_device: 'idev',
  iommufd_group: 'igroup',
  iommufd_vdevice: 'vdev',
  iommufd_viommu: 'viommu',
};
const WIDTH = 760;
const COL_X = [10, 285, 555];
const BOX_W = 195;
const LINE = 15;

/** One line of a box: a field (or the slots of the context's xarray). */
export interface PicLine {
  text: string;
  changed: boolean;
}

export interface PicBox {
  name: string;
  title: string;
  x: number;
  y: number;
  w: number;
  h: number;
  lines: PicLine[];
  freed: boolean;
  /** Created by userspace (vdev, vIOMMU: drawn like chapter 1's user objects) or by the kernel. */
  user: boolean;
  /** New since the previous step, or freed at this step, or some line changed. */
  changed: boolean;
  freedNow: boolean;
}

export interface PicEdge {
  from: string;
  to: string;
  label: string;
  /** An xarray slot (holds a count) rather than a plain pointer field. */
  slot: boolean;
}

export interface Picture {
  boxes: PicBox[];
  edges: PicEdge[];
  height: number;
}

const OBJ = /^[a-z_]+#\w+$/;

/** `{1: a#s1, 2: XA_ZERO_ENTRY}` as pairs. */
function slots(v: string): [string, string][] {
  const inner = v.replace(/^\{|\}$/g, '').trim();
  if (!inner) return [];
  return inner.split(', ').map((p) => {
    const i = p.indexOf(': ');
    return [p.slice(0, i), p.slice(i + 2)] as [string, string];
  });
}

/** The fields a box shows: counts and locks first, pointers to drawn objects as arrows, xarrays as slots. */
function boxLines(
  o: ObjectSnapshot,
  prev: ObjectSnapshot | undefined,
  drawn: Set<string>,
  edges: PicEdge[],
): PicLine[] {
  const out: PicLine[] = [];
  const changed = (k: string) => prev !== undefined && prev.fields[k] !== o.fields[k];
  const counts = Object.keys(o.fields).filter((k) => /(^|\.)(users|wait_cnt|refcount)$/.test(k));
  if (counts.length)
    out.push({
      text: counts.map((k) => `${k.replace(/^obj\.|^ref\./, '')}=${o.fields[k]}`).join('  '),
      changed: counts.some(changed),
    });
  for (const [k, v] of Object.entries(o.fields)) {
    if (counts.includes(k) || k.startsWith('obj.') || /^sw_msi|^\+\d/.test(k)) continue;
    if (v.startsWith('{')) {
      const ss = slots(v);
      for (const [id, e] of ss) if (drawn.has(e)) edges.push({ from: o.name, to: e, label: `${k}[${id}]`, slot: true });
      out.push({
        text: `${k}: ${ss.length ? ss.map(([id, e]) => `${id}→${OBJ.test(e) ? (SHORT[e.split('#')[0]!] ?? e) : e}`).join(' ') : 'empty'}`,
        changed: changed(k),
      });
    } else if (OBJ.test(v)) {
      // every object points at its context: those arrows would hide the ones that matter
      if (drawn.has(v) && !v.startsWith('iommufd_ctx#')) edges.push({ from: o.name, to: v, label: k, slot: false });
    } else if (/lock/.test(k) || k === 'destroying' || k === 'virt_id' || k === 'vdev') {
      out.push({ text: `${k}: ${v}`, changed: changed(k) });
    }
  }
  return out;
}

/** Lay out the iommufd objects of a step (`now`), compared with the step before (`before`). */
export function layoutPicture(now: readonly ObjectSnapshot[], before: readonly ObjectSnapshot[] | null): Picture {
  const shown = now.filter((o) => COLUMNS.some((c) => c.includes(o.type ?? '')));
  const drawn = new Set(shown.map((o) => o.name));
  const prevBy = new Map((before ?? []).map((o) => [o.name, o]));
  const edges: PicEdge[] = [];
  const boxes: PicBox[] = [];
  let height = 0;
  COLUMNS.forEach((types, c) => {
    let y = 10;
    const inCol = shown
      .filter((o) => types.includes(o.type ?? ''))
      .sort(
        (a, b) =>
          types.indexOf(a.type!) - types.indexOf(b.type!) || (a.state === b.state ? 0 : a.state === 'live' ? -1 : 1),
      );
    for (const o of inCol) {
      const prev = prevBy.get(o.name);
      const lines = boxLines(o, prev, drawn, edges);
      const freed = o.state === 'freed';
      const freedNow = freed && prev?.state === 'live';
      const isNew = before !== null && !prev;
      const h = 24 + LINE * lines.length + 6;
      boxes.push({
        name: o.name,
        title: `${SHORT[o.type!] ?? o.type} ${o.name.split('#')[1] ?? ''}${freed ? ' (freed)' : ''}`,
        x: COL_X[c]!,
        y,
        w: BOX_W,
        h,
        lines,
        freed,
        user: o.type === 'iommufd_vdevice' || o.type === 'iommufd_viommu',
        freedNow,
        changed: isNew || freedNow || lines.some((l) => l.changed),
      });
      y += h + 14;
    }
    height = Math.max(height, y);
  });
  return { boxes, edges, height: Math.max(height, 60) };
}

function el<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, text?: string) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** The picture as an SVG element, described for screen readers by `label`. */
export function drawPicture(p: Picture, label: string, idPrefix: string): SVGSVGElement {
  const svg = el('svg', {
    class: 'td-svg td-picture',
    viewBox: `0 0 ${WIDTH} ${p.height}`,
    role: 'img',
    'aria-label': label,
  });
  const defs = el('defs', {});
  for (const kind of ['ref', 'ptr']) {
    const m = el('marker', {
      id: `${idPrefix}-${kind}`,
      viewBox: '0 0 10 10',
      refX: 9,
      refY: 5,
      markerWidth: 7,
      markerHeight: 7,
      orient: 'auto-start-reverse',
    });
    m.append(el('path', { d: 'M0,0 L10,5 L0,10 z', class: `head-${kind}` }));
    defs.append(m);
  }
  svg.append(defs);
  const by = new Map(p.boxes.map((b) => [b.name, b]));
  // arrows run in the gutters between the columns, each at its own offset, labelled at their start
  p.edges.forEach((e, k) => {
    const a = by.get(e.from);
    const b = by.get(e.to);
    if (!a || !b || a === b) return;
    const out = (k % 5) * 5;
    const y1 = a.y + 14 + ((k * 7) % Math.max(8, a.h - 20));
    const y2 = b.y + 12 + ((k * 5) % Math.max(8, b.h - 18));
    let d: string;
    let lx: number;
    let anchor: string;
    if (b.x === a.x) {
      const x = a.x + a.w;
      d = `M${x},${y1} H${x + 14 + out} V${y2} H${x + 2}`;
      lx = x + 3;
      anchor = 'start';
    } else {
      const right = b.x > a.x;
      const x1 = right ? a.x + a.w : a.x;
      const x2 = right ? b.x : b.x + b.w;
      const xm = (x1 + x2) / 2 + (right ? out : -out);
      d = `M${x1},${y1} H${xm} V${y2} H${x2}`;
      lx = right ? x1 + 3 : x1 - 3;
      anchor = right ? 'start' : 'end';
    }
    svg.append(
      el('path', {
        class: e.slot ? 'edge-ref' : 'edge-ptr',
        d,
        fill: 'none',
        'marker-end': `url(#${idPrefix}-${e.slot ? 'ref' : 'ptr'})`,
      }),
    );
    svg.append(el('text', { class: 'small muted', x: lx, y: y1 - 3, 'text-anchor': anchor }, e.label));
  });
  // boxes over the arrows
  for (const b of p.boxes) {
    const g = el('g', {
      class: `td-pic-box${b.freed ? ' td-pic-freed' : ''}${b.changed ? ' td-pic-changed' : ''}${b.freedNow ? ' td-pic-freed-now' : ''}`,
      'data-object': b.name,
    });
    g.append(
      el('rect', {
        class: b.freed ? 'box' : b.user ? 'box-user' : 'box-kernel',
        x: b.x,
        y: b.y,
        width: b.w,
        height: b.h,
        rx: 6,
      }),
    );
    g.append(el('text', { class: 'title', x: b.x + 8, y: b.y + 17 }, b.title));
    b.lines.forEach((l, k) => {
      g.append(
        el('text', { class: `small${l.changed ? ' td-pic-chg' : ''}`, x: b.x + 8, y: b.y + 34 + k * LINE }, l.text),
      );
    });
    svg.append(g);
  }
  return svg;
}
