/**
 * `teardown batch`: a folder of 20 submissions, some of them malformed,
 * gives exactly one result per submission, in name order, and never a
 * crashed batch.
 */
import { describe, expect, it } from 'vitest';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ROOT, teardown } from './cli.js';

const EX = join(ROOT, 'exercises/vdev-lifetime');

describe('teardown batch', () => {
  it('grades 20 submissions, some malformed, into one results file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'teardown-batch-'));
    const subs = join(dir, 'subs');
    mkdirSync(subs);
    const expected: Record<string, string> = {};
    const put = (name: string, status: string, write: (p: string) => void) => {
      write(join(subs, name));
      expected[name] = status;
    };
    for (let i = 1; i <= 6; i++)
      put(`s${String(i).padStart(2, '0')}-solution.c`, 'passed', (p) => copyFileSync(join(EX, 'solution.c'), p));
    // learners' kinds of mistakes: the historical versions replace model functions, which a submission may not
    for (const kb of [
      'no-destroying',
      'missing-lock',
      'no-tombstone',
      'tombstone-under-lock',
      'put-before-unlock',
      'viommu-ref-leak',
    ]) {
      put(`k-${kb}.c`, 'failed', (p) => copyFileSync(join(EX, 'known-bad', `${kb}.c`), p));
    }
    put('m-binary.c', 'error', (p) => writeFileSync(p, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 3])));
    put('m-latin1.c', 'error', (p) => writeFileSync(p, Buffer.from('/* caf\xe9 */\n', 'latin1')));
    put('m-empty.c', 'error', (p) => writeFileSync(p, ''));
    put('m-syntax.c', 'error', (p) =>
      writeFileSync(p, 'void iommufd_vdevice_link(struct iommufd_vdevice *vdev, struct iommufd_device *idev) {\n'),
    );
    put('m-endless.c', 'failed', (p) =>
      writeFileSync(
        p,
        readFileSync(join(EX, 'solution.c'), 'utf8').replace(
          'idev->vdev = vdev;\n}',
          'idev->vdev = vdev;\n\tfor (;;)\n\t\t;\n}',
        ),
      ),
    );
    put('m-no-c-files', 'error', (p) => {
      mkdirSync(p);
      writeFileSync(join(p, 'notes.txt'), 'hello');
    });
    put('m-folder', 'passed', (p) => {
      mkdirSync(p);
      copyFileSync(join(EX, 'solution.c'), join(p, 'solution.c'));
    });
    put('m-starter.c', 'failed', (p) => copyFileSync(join(EX, 'starter.c'), p));
    expect(Object.keys(expected)).toHaveLength(20);

    const out = join(dir, 'results.json');
    const r = teardown(['batch', 'vdev-lifetime', subs, '--out', out, '--jobs', '2', '--reproducible']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/20 submissions: 7 passed, 8 failed, 5 not gradable/);
    const res = JSON.parse(readFileSync(out, 'utf8'));
    expect(res.version).toBe(1);
    expect(res.results.map((x: { name: string }) => x.name)).toEqual(Object.keys(expected).sort());
    for (const x of res.results) expect([x.name, x.status]).toEqual([x.name, expected[x.name]]);
    const binary = res.results.find((x: { name: string }) => x.name === 'm-binary.c');
    expect(binary.error).toMatch(/not a text file/);
    expect(res.results.find((x: { name: string }) => x.name === 'm-no-c-files').error).toBe('no .c files');
    expect(res.summary).toMatchObject({ submissions: 20, passed: 7, failed: 8, error: 5 });
  });
});
