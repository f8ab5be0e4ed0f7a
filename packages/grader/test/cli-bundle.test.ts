/**
 * The one-module CLI (scripts/bundle-cli.mjs, bin/cli-module.js): the bin
 * loads it only while every file it was built from is unchanged, and it
 * prints what the modules print, byte for byte.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain JavaScript of the bin, no declarations
import { bundleUpToDate, cliModuleUrl } from '../bin/cli-module.js';
import { ROOT } from './cli.js';

const upToDate = bundleUpToDate as (u: URL) => boolean;

describe('bin/cli-module.js', () => {
  it('takes the bundle only while every input has its size and modification time', () => {
    const dir = mkdtempSync(join(tmpdir(), 'teardown-bundle-'));
    try {
      const a = join(dir, 'a.js');
      const b = join(dir, 'b.js');
      writeFileSync(a, 'export const a = 1;\n');
      writeFileSync(b, 'export const b = 2;\n');
      const manifest = join(dir, 'cli.bundle.json');
      const url = pathToFileURL(manifest);
      const write = () => {
        const inputs = [a, b].map((f) => {
          const st = statSync(f);
          return [f, st.size, st.mtimeMs];
        });
        writeFileSync(manifest, JSON.stringify({ version: 1, inputs }));
      };
      write();
      expect(upToDate(url)).toBe(true);
      // a rebuilt input: another modification time
      utimesSync(a, new Date(2001, 1, 1), new Date(2001, 1, 1));
      expect(upToDate(url)).toBe(false);
      write();
      expect(upToDate(url)).toBe(true);
      // an edited input: another size
      writeFileSync(b, 'export const b = 22;\n');
      expect(upToDate(url)).toBe(false);
      write();
      rmSync(a);
      expect(upToDate(url)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('never throws on a damaged or foreign manifest: the modules are loaded', () => {
    const dir = mkdtempSync(join(tmpdir(), 'teardown-bundle-'));
    try {
      const manifest = join(dir, 'cli.bundle.json');
      const url = pathToFileURL(manifest);
      expect(upToDate(url)).toBe(false); // none
      fc.assert(
        fc.property(
          fc.oneof(
            fc.string(),
            fc.json(),
            fc.jsonValue().map((inputs) => JSON.stringify({ version: 1, inputs })),
            fc.constant('{"version": 1, "inputs": []}'),
          ),
          (text) => {
            writeFileSync(manifest, text);
            expect(upToDate(url)).toBe(false);
          },
        ),
        { numRuns: 200 },
      );
      writeFileSync(manifest, '{"version": 1, "inputs": []}');
      const dist = pathToFileURL(`${dir}/`);
      expect((cliModuleUrl as (u: URL) => URL)(dist).href).toBe(new URL('cli.js', dist).href);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the bundle grades as the modules do, byte for byte', () => {
    // beside dist/, so that what the bundle leaves out (piscina) resolves from node_modules
    const dir = mkdtempSync(join(ROOT, 'packages/grader/dist/bundle-test-'));
    try {
      const built = spawnSync(process.execPath, ['packages/grader/scripts/bundle-cli.mjs', '--out', dir], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      expect(built.status, built.stderr).toBe(0);
      const run = (module: string, args: string[]) =>
        spawnSync(
          process.execPath,
          [
            '-e',
            `import(${JSON.stringify(module)}).then((m) => m.main(['node', 'teardown', ...process.argv.slice(1)]))`,
            '--',
            ...args,
          ],
          { cwd: ROOT, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
        );
      const v2 = ['grade', 'vdev-lifetime', 'exercises/vdev-lifetime/known-bad/v2.c', '--reproducible'];
      // a failing scenario's text (finding, trace table, objects) and a passing one's JSON report
      for (const args of [
        [...v2, '--only', 'destroy-races-unbind'],
        [...v2, '--only', 'selftest-vdevice-alloc', '--json'],
      ]) {
        const bundled = run(pathToFileURL(join(dir, 'cli.bundle.mjs')).href, args);
        const modules = run(pathToFileURL(join(ROOT, 'packages/grader/dist/cli.js')).href, args);
        expect(bundled.stderr).toBe(modules.stderr);
        expect(bundled.status).toBe(modules.status);
        expect(bundled.stdout.length).toBeGreaterThan(100);
        expect(bundled.stdout).toBe(modules.stdout);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
