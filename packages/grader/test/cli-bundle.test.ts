/**
 * The one-module CLI (scripts/bundle-cli.mjs, bin/cli-module.js): the bin
 * loads it only while every file it was built from is unchanged, and it
 * prints what the modules print, byte for byte, compiled from its code cache
 * or not, whatever is wrong with the cache.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
// @ts-expect-error: plain JavaScript of the bin, no declarations
import { MANIFEST_VERSION, bundleUpToDate, cliModuleUrl } from '../bin/cli-module.js';
import { ROOT } from './cli.js';

const upToDate = bundleUpToDate as (u: URL) => boolean;

/** Build the one-module CLI and its code cache into `dir` (scripts/bundle-cli.mjs --out), with `env` added. */
function bundleInto(dir: string, env: Record<string, string> = {}) {
  return spawnSync(process.execPath, ['packages/grader/scripts/bundle-cli.mjs', '--out', dir], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, ...env },
  });
}

/** Run `fn` on a new folder beside dist/ (what the bundle leaves out, piscina, resolves from node_modules), removed after. */
function inBundleDir(fn: (dir: string) => void): void {
  const dir = mkdtempSync(join(ROOT, 'packages/grader/dist/bundle-test-'));
  try {
    fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

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
        writeFileSync(manifest, JSON.stringify({ version: MANIFEST_VERSION, inputs }));
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
            fc.jsonValue().map((inputs) => JSON.stringify({ version: MANIFEST_VERSION, inputs })),
            fc.constant(`{"version": ${MANIFEST_VERSION}, "inputs": []}`),
          ),
          (text) => {
            writeFileSync(manifest, text);
            expect(upToDate(url)).toBe(false);
          },
        ),
        { numRuns: 200 },
      );
      writeFileSync(manifest, `{"version": ${MANIFEST_VERSION}, "inputs": []}`);
      const dist = pathToFileURL(`${dir}/`);
      expect((cliModuleUrl as (u: URL) => URL)(dist).href).toBe(new URL('cli.js', dist).href);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('the bundle grades as the modules do, byte for byte, with its code cache, without, and with one V8 refuses', () => {
    inBundleDir((dir) => {
      const built = bundleInto(dir);
      expect(built.status, built.stderr).toBe(0);
      expect(built.stdout).toContain('cli.bundle.cache');
      // built again with nothing changed: both kept as they are
      const cacheStat = statSync(join(dir, 'cli.bundle.cache'));
      const again = bundleInto(dir);
      expect(again.stdout).toContain('is up to date');
      expect(statSync(join(dir, 'cli.bundle.cache')).mtimeMs).toBe(cacheStat.mtimeMs);
      const distUrl = pathToFileURL(`${dir}/`).href;
      // the child prints how the CLI was compiled on standard error's last line
      const run = (args: string[], opts: { env?: Record<string, string>; node?: string[]; dist?: string } = {}) =>
        spawnSync(
          process.execPath,
          [
            ...(opts.node ?? []),
            '--input-type=module',
            '-e',
            `const { loadCli } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'packages/grader/bin/cli-module.js')).href)});
             const cli = await loadCli(new URL(process.env.DIST));
             await cli.main(['node', 'teardown', ...process.argv.slice(1)]);
             process.stderr.write('\\n' + cli.codeCache + '\\n');`,
            '--',
            ...args,
          ],
          {
            cwd: ROOT,
            encoding: 'utf8',
            maxBuffer: 64 * 1024 * 1024,
            env: { ...process.env, DIST: opts.dist ?? distUrl, ...opts.env },
          },
        );
      const how = (r: { stderr: string }) => r.stderr.trimEnd().split('\n').pop();
      const before = (r: { stderr: string }) => r.stderr.slice(0, r.stderr.trimEnd().lastIndexOf('\n'));
      const v2 = ['grade', 'vdev-lifetime', 'exercises/vdev-lifetime/known-bad/v2.c', '--reproducible'];
      const cache = join(dir, 'cli.bundle.cache');
      const good = readFileSync(cache);
      // a failing scenario's text (finding, trace table, objects) and a passing one's JSON report
      for (const args of [
        [...v2, '--only', 'destroy-races-unbind'],
        [...v2, '--only', 'selftest-vdevice-alloc', '--json'],
      ]) {
        const modules = run(args, {
          dist: pathToFileURL(join(ROOT, 'packages/grader/dist/')).href,
          env: { TEARDOWN_BUNDLE: 'off' },
        });
        expect(how(modules), modules.stderr).toBe('modules');
        expect(modules.stdout.length).toBeGreaterThan(100);
        const variants: [string, ReturnType<typeof run>][] = [
          ['accepted', run(args)],
          ['none', run(args, { env: { TEARDOWN_CODE_CACHE: 'off' } })],
          // V8 checks its flags: a cache made without this one is refused
          ['rejected', run(args, { node: ['--max-old-space-size=3000'] })],
        ];
        // never offered to V8: a cache damaged past V8's own header (V8 checks no checksum and could crash on it), one
        // whose first line names another bundle, or one of the first form
        const nl = good.indexOf(10) + 1;
        const flipped = Buffer.from(good);
        for (let i = 0; i < 64; i++) flipped[nl + 500_000 + i] ^= 0xa5;
        const fields = good
          .subarray(0, nl - 1)
          .toString()
          .split(' ');
        fields[2] = '0'.repeat(40);
        const otherBundle = `${fields.join(' ')}\n`;
        for (const bad of [
          flipped,
          Buffer.concat([Buffer.from(otherBundle), good.subarray(nl)]),
          Buffer.concat([Buffer.from('teardown-code-cache 1 1 1\n'), good.subarray(nl)]),
        ]) {
          writeFileSync(cache, bad);
          variants.push(['none', run(args)]);
        }
        writeFileSync(cache, good);
        for (const [expected, r] of variants) {
          expect(how(r), r.stderr).toBe(expected);
          expect(before(r)).toBe(before(modules));
          expect(r.status).toBe(modules.status);
          expect(r.stdout).toBe(modules.stdout);
        }
      }
    });
  });

  it('builds again a code cache V8 refuses (another Node, other V8 flags), and lists the loader and the cache maker as inputs', () => {
    inBundleDir((dir) => {
      const build = (env: Record<string, string> = {}) => bundleInto(dir, env);
      // how a plain start of the bin compiles the bundle in `dir`
      const how = () =>
        spawnSync(
          process.execPath,
          [
            '--input-type=module',
            '-e',
            `const { loadCli } = await import(${JSON.stringify(pathToFileURL(join(ROOT, 'packages/grader/bin/cli-module.js')).href)});
           process.stdout.write((await loadCli(new URL(process.env.DIST))).codeCache);`,
          ],
          { cwd: ROOT, encoding: 'utf8', env: { ...process.env, DIST: pathToFileURL(`${dir}/`).href } },
        ).stdout;
      // a cache made under other V8 flags (the cache maker inherits NODE_OPTIONS), as after a switch of Node
      const first = build({ NODE_OPTIONS: '--max-old-space-size=3000' });
      expect(first.status, first.stderr).toBe(0);
      expect(first.stdout).toContain('cli.bundle.cache');
      expect(how()).toBe('rejected');
      // built again as the bin starts: not "up to date", a cache V8 takes
      const again = build();
      expect(again.status, again.stderr).toBe(0);
      expect(again.stdout).not.toContain('is up to date');
      expect(how()).toBe('accepted');
      expect(build().stdout).toContain('is up to date');
      // what loads the bundle (its wrapper, the cache's first line) and what the cache holds are inputs too
      const inputs = (JSON.parse(readFileSync(join(dir, 'cli.bundle.json'), 'utf8')).inputs as [string][]).map(
        ([f]) => f,
      );
      expect(inputs).toContain(join(ROOT, 'packages/grader/bin/cli-module.js'));
      expect(inputs).toContain(join(ROOT, 'packages/grader/scripts/code-cache.mjs'));
    });
  });

  it('makes the code cache with TEARDOWN_BUNDLE=off in the environment (it is for the bin, not the cache maker)', () => {
    inBundleDir((dir) => {
      const r = bundleInto(dir, { TEARDOWN_BUNDLE: 'off' });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toContain(`wrote ${join(dir, 'cli.bundle.cache')}`);
      expect(r.stderr).toBe('');
    });
  });
});
