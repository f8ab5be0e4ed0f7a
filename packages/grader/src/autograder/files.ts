/**
 * A tree of output files (relative path to contents, with executables
 * marked) and the two ways the autograder commands write one: into a new
 * folder, or into a zip (fflate; Unix modes kept, fixed timestamps so that
 * the same inputs give the same bytes).
 */
import { chmodSync, existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { UsageError } from '../errors.js';
import type { BundleFiles } from './bundle.js';

/** Relative path (with `/`) to contents; `exec` lists the paths written executable (mode 755). */
export interface FileTree {
  files: Map<string, string | Uint8Array>;
  exec: Set<string>;
}

/** An empty tree. */
export function newTree(): FileTree {
  return { files: new Map(), exec: new Set() };
}

/** Add the grader bundle and the shipped exercise under `prefix` (`teardown/`, `.teardown/`). */
export function addBundle(t: FileTree, prefix: string, bundle: BundleFiles, exercise: Map<string, string>): void {
  for (const [name, bytes] of bundle) t.files.set(`${prefix}${name}`, bytes);
  for (const [name, text] of exercise) t.files.set(`${prefix}exercise/${name}`, text);
}

/** Bytes of one entry. */
const bytesOf = (v: string | Uint8Array) => (typeof v === 'string' ? new TextEncoder().encode(v) : v);

/** Timestamp of every zip entry (zip cannot store dates before 1980). */
const ZIP_MTIME = new Date('2026-01-01T00:00:00Z');

/** The tree as a zip archive, Unix modes in the external attributes (executables 755, files 644). */
export async function zipTree(t: FileTree): Promise<Uint8Array> {
  const { zipSync } = await import('fflate');
  const entries: Record<string, [Uint8Array, { os: number; attrs: number; mtime: Date; level: 6 }]> = {};
  for (const [path, v] of [...t.files].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const mode = t.exec.has(path) ? 0o100755 : 0o100644;
    entries[path] = [bytesOf(v), { os: 3, attrs: (mode << 16) >>> 0, mtime: ZIP_MTIME, level: 6 }];
  }
  return zipSync(entries);
}

/** Write the tree into folder `dir`, which must not exist or be empty (UsageError otherwise). */
export function writeTree(dir: string, t: FileTree): void {
  if (existsSync(dir) && readdirSync(dir).length)
    throw new UsageError(`${dir} exists and is not empty: give a new folder`);
  for (const [path, v] of t.files) {
    const p = join(dir, path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, bytesOf(v));
    if (t.exec.has(path)) chmodSync(p, 0o755);
  }
}
