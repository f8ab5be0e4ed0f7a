#!/usr/bin/env node
/**
 * The layering of packages/core/src (docs/architecture.md, "Folder map"):
 * prints the import graph between its folders, type-only imports included,
 * and exits 1 when a folder imports one that is not below it in LAYERS (or
 * one not listed), when the folders import each other in a cycle, or when
 * a source file is over MAX_LINES lines.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../packages/core/src/', import.meta.url));
/** Lowest first; `(top)` is the files directly in src/. `model` holds the embedded kernel-C sources. */
const LAYERS = ['lang', 'model', 'state', 'detect', 'kernel', 'vm', 'sched', 'threads', 'report', 'play', '(top)'];
const MAX_LINES = 700;

const files = [];
const walk = (d) => {
  for (const n of readdirSync(d)) {
    const p = join(d, n);
    if (statSync(p).isDirectory()) walk(p);
    else if (p.endsWith('.ts')) files.push(p);
  }
};
walk(ROOT);

const folder = (p) => {
  const r = relative(ROOT, p);
  return r.includes('/') ? r.split('/')[0] : '(top)';
};
const edges = new Map();
const problems = [];
for (const f of files) {
  const src = readFileSync(f, 'utf8');
  const lines = src.split('\n').length - (src.endsWith('\n') ? 1 : 0);
  if (lines > MAX_LINES && !f.endsWith('.generated.ts'))
    problems.push(`${relative(ROOT, f)} has ${lines} lines (over ${MAX_LINES})`);
  for (const m of src.matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*)'(\.[^']+)'/g)) {
    const a = folder(f);
    const b = folder(resolve(dirname(f), m[1]));
    if (a === b) continue;
    if (!edges.has(a)) edges.set(a, new Set());
    edges.get(a).add(b);
  }
}

for (const [a, bs] of [...edges].sort()) {
  console.log(`${a} -> ${[...bs].sort().join(', ')}`);
  for (const b of bs) {
    const ia = LAYERS.indexOf(a);
    const ib = LAYERS.indexOf(b);
    if (ia < 0) problems.push(`folder ${a} is not in the layering (scripts/layers.mjs LAYERS)`);
    else if (ib < 0) problems.push(`folder ${b} is not in the layering (scripts/layers.mjs LAYERS)`);
    else if (ib >= ia) problems.push(`${a} imports ${b}, which is not below it`);
  }
}
if (problems.length) {
  for (const p of [...new Set(problems)]) console.log(`error: ${p}`);
  process.exit(1);
}
console.log('layering ok: no folder imports one above it, no file over 700 lines');
