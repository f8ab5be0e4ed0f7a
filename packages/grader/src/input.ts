/**
 * The one input layer of every `teardown` command that reads C sources
 * (check, replay, grade, batch). A source is read only when it is a regular
 * file no larger than MAX_SOURCE_BYTES: the kind and size are checked with
 * stat before anything is opened, the file is opened non-blocking (a FIFO
 * swapped in after the stat cannot hang the read), checked again on the open
 * descriptor, and read with a bound. Its bytes must be UTF-8 text without
 * NUL bytes. Every refusal is an InputError whose message names the file and
 * what is wrong with it, in one line.
 *
 * In `batch` a submission is also confined to the submission folder: a path
 * that resolves outside it (a symlink out, a dangling one, a loop) is refused
 * before anything outside is opened.
 */
import {
  closeSync,
  constants,
  fstatSync,
  lstatSync,
  openSync,
  readdirSync,
  readSync,
  realpathSync,
  statSync,
} from 'node:fs';
import type { Stats } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';

/** The largest source file any command reads: 1 MiB. */
export const MAX_SOURCE_BYTES = 1024 * 1024;

/** A source that cannot be read; the message names the path and the reason. */
export class InputError extends Error {}

/** What a file system object is, in words ("a directory", "a FIFO (named pipe)", ...). */
export function kindOf(st: Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSymbolicLink()) return 'a symbolic link';
  return 'not a regular file';
}

/** The reason of a failed system call, for people: "no such file or directory" for ENOENT, and so on. */
export function errnoReason(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    case 'ENOTDIR':
      return 'a component of the path is not a directory';
    case 'ELOOP':
      return 'too many levels of symbolic links (a symlink loop)';
    case 'ENAMETOOLONG':
      return 'the path is too long';
    case 'EMFILE':
    case 'ENFILE':
      return 'too many open files';
    case 'ENOSPC':
      return 'no space left on the device';
    case 'EROFS':
      return 'read-only file system';
    case 'EIO':
      return 'input/output error';
    default:
      return code ?? (e as Error).message;
  }
}

function checkRegular(st: Stats, label: string): void {
  if (!st.isFile()) throw new InputError(`cannot read ${label}: it is ${kindOf(st)}, not a regular file`);
  if (st.size > MAX_SOURCE_BYTES) throw new InputError(tooLarge(label, st.size));
}

function tooLarge(label: string, size: number | string): string {
  return `cannot read ${label}: it is ${size} bytes; the limit is ${MAX_SOURCE_BYTES} bytes (1 MiB)`;
}

/**
 * The byte offset of the first malformed UTF-8 sequence in `b` (overlong
 * forms, surrogates and code points above U+10FFFF included), or -1.
 */
export function firstInvalidUtf8(b: Uint8Array): number {
  let i = 0;
  while (i < b.length) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let n: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) n = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      n = 2;
      if (c === 0xe0) lo = 0xa0;
      if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      n = 3;
      if (c === 0xf0) lo = 0x90;
      if (c === 0xf4) hi = 0x8f;
    } else return i;
    for (let k = 1; k <= n; k++) {
      const d = b[i + k];
      if (d === undefined || d < (k === 1 ? lo : 0x80) || d > (k === 1 ? hi : 0xbf)) return i;
    }
    i += n + 1;
  }
  return -1;
}

/** Decode a source's bytes; an InputError naming `label` and the place when they are not UTF-8 text. */
export function decodeSource(bytes: Uint8Array, label: string): string {
  const nul = bytes.indexOf(0);
  if (nul >= 0)
    throw new InputError(`cannot read ${label}: not a text file (it contains NUL bytes, the first at byte ${nul})`);
  const bad = firstInvalidUtf8(bytes);
  if (bad >= 0) {
    const before = bytes.subarray(0, bad);
    let line = 1;
    let start = 0;
    for (let i = 0; i < before.length; i++)
      if (before[i] === 0x0a) {
        line++;
        start = i + 1;
      }
    const column = Buffer.from(before.subarray(start)).toString('utf8').length + 1;
    const byte = bytes[bad]!.toString(16).padStart(2, '0');
    throw new InputError(
      `cannot read ${label}: not UTF-8 text (byte 0x${byte} at line ${line}, column ${column}); save it as UTF-8`,
    );
  }
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/**
 * Read a regular file of at most MAX_SOURCE_BYTES, without following a
 * symlink in its last component when `noFollow` is set. `label` is the name
 * errors give the file. Never blocks on a FIFO and never reads more than
 * the limit plus one byte.
 */
function readBounded(path: string, label: string, noFollow: boolean): Uint8Array {
  let st: Stats;
  try {
    st = noFollow ? lstatSync(path) : statSync(path);
  } catch (e) {
    throw new InputError(`cannot read ${label}: ${errnoReason(e)}`);
  }
  checkRegular(st, label);
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK | (noFollow ? constants.O_NOFOLLOW : 0));
  } catch (e) {
    throw new InputError(`cannot read ${label}: ${errnoReason(e)}`);
  }
  try {
    checkRegular(fstatSync(fd), label);
    const buf = Buffer.alloc(MAX_SOURCE_BYTES + 1);
    let n = 0;
    for (;;) {
      const got = readSync(fd, buf, n, buf.length - n, null);
      if (got === 0) break;
      n += got;
      if (n > MAX_SOURCE_BYTES) throw new InputError(tooLarge(label, `more than ${MAX_SOURCE_BYTES}`));
    }
    return buf.subarray(0, n);
  } catch (e) {
    if (e instanceof InputError) throw e;
    throw new InputError(`cannot read ${label}: ${errnoReason(e)}`);
  } finally {
    closeSync(fd);
  }
}

/**
 * The text of a source named on the command line (`check`, `replay`,
 * `grade`): a regular file (a symlink to one is followed) of at most 1 MiB
 * of UTF-8. InputError otherwise, naming the path.
 */
export function readSourceFile(path: string): string {
  return decodeSource(readBounded(path, path, false), path);
}

/** Whether `p` is `root` or lies under it (both absolute and resolved). */
function isInside(root: string, p: string): boolean {
  const r = relative(root, p);
  return r === '' || (!r.startsWith(`..${sep}`) && r !== '..' && !isAbsolute(r));
}

/**
 * Resolve `path` (inside `root`, itself resolved) to a real path inside
 * `root`, without opening anything; InputError when it is a dangling symlink,
 * a loop, points outside `root`, or is `root` itself or one of the folders
 * that contain `path` (a symlink back up the tree). `label` names it.
 */
export function confine(root: string, path: string, label: string): string {
  let real: string;
  try {
    real = realpathSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputError(`${label} is a dangling symbolic link (its target does not exist)`);
    if (code === 'ELOOP') throw new InputError(`${label} is a symbolic link loop`);
    throw new InputError(`cannot read ${label}: ${errnoReason(e)}`);
  }
  if (!isInside(root, real))
    throw new InputError(`${label} is a symbolic link to a path outside the submission folder`);
  const parent = realpathSync(join(path, '..'));
  if (isInside(real, parent))
    throw new InputError(`${label} is a symbolic link back to a folder that contains it (a loop)`);
  return real;
}

/**
 * The files of one `batch` submission: `path` is an entry of the submission
 * folder `root` (a .c file, or a folder whose .c files form the submission).
 * Every path is confined to `root` (see confine) before it is opened, and
 * read as readSourceFile reads; `name` is the file's base name. InputError,
 * naming the file relative to `root`, when the submission cannot be read.
 */
export function readSubmission(root: string, path: string): { name: string; text: string }[] {
  const realRoot = realpathSync(root);
  const label = (p: string) => relative(root, p).split(sep).join('/');
  const real = confine(realRoot, path, label(path));
  const st = lstatSync(real);
  let paths: { path: string; real: string }[];
  if (st.isDirectory()) {
    let names: string[];
    try {
      names = readdirSync(real).sort();
    } catch (e) {
      throw new InputError(`cannot read ${label(path)}: ${errnoReason(e)}`);
    }
    paths = names
      .filter((n) => n.endsWith('.c') && !n.startsWith('.'))
      .map((n) => ({ path: join(path, n), real: confine(realRoot, join(real, n), label(join(path, n))) }));
  } else paths = [{ path, real }];
  if (!paths.length) throw new InputError('no .c files');
  return paths.map((p) => {
    const base = p.path.slice(p.path.lastIndexOf(sep) + 1);
    return { name: base, text: decodeSource(readBounded(p.real, label(p.path), true), label(p.path)) };
  });
}
