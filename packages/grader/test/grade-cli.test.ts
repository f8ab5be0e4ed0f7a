/**
 * `teardown grade` as instructors run it: exit codes, the four output
 * formats (Gradescope validated against its results.json schema), the
 * minimised counterexample of a known-bad version, and byte-identical
 * reports for the same inputs.
 */
import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Ajv from 'ajv';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { teardown } from './cli.js';

const EX = 'exercises/vdev-lifetime';
/** The exercise as its manifest states it: the figures every output format must agree with. */
const MANIFEST = JSON.parse(readFileSync(new URL(`../../../${EX}/exercise.json`, import.meta.url), 'utf8')) as {
  scenarios: { points: number; visible: boolean }[];
};
const N = MANIFEST.scenarios.length;
const MAX = MANIFEST.scenarios.reduce((a, s) => a + s.points, 0);
const VISIBLE = MANIFEST.scenarios.filter((s) => s.visible).length;
const schema = JSON.parse(readFileSync(new URL('./schemas/gradescope-results.schema.json', import.meta.url), 'utf8'));

describe('teardown grade', () => {
  it('passes the solution: exit 0, every scenario PASS, full score', () => {
    const r = teardown(['grade', 'vdev-lifetime', `${EX}/solution.c`]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`score: ${MAX}/${MAX}  (${N} of ${N} scenarios passed`);
    expect(r.stdout).not.toMatch(/FAIL/);
    // the model's own stall is reported apart
    expect(r.stdout).toMatch(/In the model's own kernel code[^\n]*not charged/);
  });

  it('fails v2 with a minimised use-after-free: the splat, the objects with their refcounts, one column per thread', () => {
    const r = teardown(['grade', 'vdev-lifetime', `${EX}/known-bad/v2.c`, '--only', 'destroy-races-unbind']);
    expect(r.code).toBe(1);
    // v2 replays as posted: the manifest's model patch is applied and said
    expect(r.stdout).toContain("model patch: the submission's iommufd_device_destroy,");
    expect(r.stdout).toContain('FAIL  destroy-races-unbind');
    expect(r.stdout).toContain('[use-after-free] BUG: KASAN: slab-use-after-free in iommufd_vdevice_destroy');
    expect(r.stdout).toMatch(/Freed by task unbind:/);
    // the first bad access: the read of ->igroup out of the freed idev (vdev->idev still points at it)
    expect(r.stdout).toContain('read of vdev->idev->igroup by task destroy');
    expect(r.stdout).toMatch(/The buggy address belongs to the object iommufd_device#\w+ \(struct iommufd_device\)/);
    expect(r.stdout).toMatch(/iommufd_device#\w+ \(struct iommufd_device\) \[freed\] obj\.wait_cnt=0, obj\.users=0/);
    expect(r.stdout).toMatch(
      /Allocated by task setup:\n +_iommufd_object_alloc \(model\/main\.c:\d+\)\n +iommufd_device_bind/,
    );
    expect(r.stdout).toMatch(/Freed by task unbind:\n +iommufd_object_remove \(model\/main\.c:\d+\)/);
    expect(r.stdout).toMatch(/\| step +\| destroy +\| unbind +\|/);
    // review point 3: the destroy between its abort and its unlock, the unbind between its unlock and its check
    expect(
      /slab-use-after-free in iommufd_vdevice_destroy\n[\s\S]*?schedule: \d+ steps, (\d+) preemption/.exec(
        r.stdout,
      )?.[1],
    ).toBe('3');
  });

  it('v2 with --timeouts anytime: the case-3 wait times out, the unbind frees the idev, the destroy uses it (review point 4)', () => {
    const args = ['grade', 'vdev-lifetime', `${EX}/known-bad/v2.c`, '--only', 'destroy-races-unbind'];
    const r = teardown([...args, '--timeouts', 'anytime', '--json', '--reproducible']);
    expect(r.code).toBe(1);
    const findings = JSON.parse(r.stdout).scenarios[0].findings as {
      kind: string;
      title: string;
      preemptions: number;
      token: string;
    }[];
    const stall = findings.find((f) => f.kind === 'stall');
    // point 4 needs one preemption; the three-preemption use-after-free of point 3 is found too
    const uaf = findings.find((f) => f.kind === 'use-after-free' && f.preemptions === 1);
    expect(stall?.title).toBe('stall: unbind waited the full 60000 ms in iommufd_device_remove_vdev');
    expect(uaf?.title).toBe('BUG: KASAN: slab-use-after-free in iommufd_vdevice_destroy');
    // every finding of the quiescent run is also one of this run (anytime allows every quiescent schedule)
    const quietKinds = (
      JSON.parse(teardown([...args, '--json', '--reproducible']).stdout).scenarios[0].findings as { kind: string }[]
    ).map((f) => f.kind);
    for (const k of quietKinds) expect(findings.map((f) => f.kind)).toContain(k);
    // the use-after-free's own execution: first the wait times out, then the freed memory is used
    const replay = teardown([...args, '--timeouts', 'anytime', '--schedule', uaf!.token, '--json']);
    expect(replay.code).toBe(1);
    const titles = (JSON.parse(replay.stdout).findings as { title: string }[]).map((f) => f.title);
    expect(titles.indexOf(stall!.title)).toBeGreaterThanOrEqual(0);
    expect(titles.indexOf(stall!.title)).toBeLessThan(titles.indexOf(uaf!.title));
    const text = teardown([...args, '--timeouts', 'anytime', '--schedule', uaf!.token]).stdout;
    expect(text).toMatch(
      /task unbind slept the whole 60000 ms of wait_event_timeout\(idev->ictx->destroy_wait, !idev->vdev/,
    );
    expect(text).toMatch(/The buggy address belongs to the object iommufd_device#\w+ \(struct iommufd_device\)/);
    // with quiescent timeouts (the default) the same choices let the destroy finish before the wait times out
    const quiescent = JSON.parse(teardown([...args, '--schedule', uaf!.token, '--json']).stdout);
    const kinds = (quiescent.findings as { kind: string }[]).map((f) => f.kind);
    expect(kinds).toContain('stall');
    expect(kinds).not.toContain('use-after-free');
  });

  it("trace columns follow the scenario's threads in declaration order (the letters of schedule tokens)", () => {
    const args = ['grade', 'vdev-lifetime', `${EX}/known-bad/lock-order.c`, '--only', 'use-races-unbind'];
    expect(JSON.parse(teardown([...args, '--json', '--reproducible']).stdout).scenarios[0].threads).toEqual([
      'use',
      'unbind',
    ]);
    const text = teardown(args).stdout;
    expect(text).toMatch(/\| step +\| use +\| unbind +\|/);
    // the unbind thread's close_fd() sits in the unbind column, with the use column empty
    expect(text).toMatch(/\| \d+\*? +\| +\| use-races-unbind\.c:\d+ close_fd\(cdev0\);/);
  });

  it('--json is versioned and byte-identical across runs with --reproducible', () => {
    const args = ['grade', 'vdev-lifetime', `${EX}/known-bad/no-tombstone.c`, '--json', '--reproducible'];
    const a = teardown(args);
    const b = teardown(args);
    expect(a.code).toBe(1);
    expect(a.stdout).toBe(b.stdout);
    const j = JSON.parse(a.stdout);
    expect(j.version).toBe(1);
    expect(j.status).toBe('failed');
    const tomb = j.scenarios.find((s: { id: string }) => s.id === 'selftest-vdevice-tombstone');
    expect(tomb.findings.map((f: { kind: string }) => f.kind)).toEqual(['invariant']);
    expect(tomb.findings[0].trace.length).toBeGreaterThan(0);
  });

  it('--only <scenario> --schedule <token> replays a graded finding to the same finding', () => {
    const j = JSON.parse(
      teardown([
        'grade',
        'vdev-lifetime',
        `${EX}/known-bad/put-before-unlock.c`,
        '--only',
        'destroy-races-unbind',
        '--json',
        '--reproducible',
      ]).stdout,
    );
    const f = j.scenarios[0].findings.find((x: { kind: string }) => x.kind === 'use-after-free');
    const r = teardown([
      'grade',
      'vdev-lifetime',
      `${EX}/known-bad/put-before-unlock.c`,
      '--only',
      'destroy-races-unbind',
      '--schedule',
      f.token,
      '--json',
    ]);
    expect(r.code).toBe(1);
    const replay = JSON.parse(r.stdout);
    expect(replay.findings.map((x: { title: string }) => x.title)).toContain(f.title);
    expect(replay.steps.length).toBeGreaterThanOrEqual(f.schedule.length);
    expect(replay.objects.some((o: { name: string }) => o.name.startsWith('iommufd_ctx#'))).toBe(true);
    expect(teardown(['grade', 'vdev-lifetime', `${EX}/solution.c`, '--schedule', 'a3b']).code).toBe(2);
  });

  it('--schedule replays print what `teardown replay` prints: the steps, the objects, JSON diagnostics with --json', () => {
    const args = ['grade', 'vdev-lifetime', `${EX}/solution.c`, '--only', 'destroy-races-unbind', '--schedule', 'a5'];
    const r = teardown(args);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^destroy-races-unbind: .*\n\n\| step +\| destroy +\| unbind +\|/);
    expect(r.stdout).toMatch(
      /\n\d+ steps, \d+ preemptions?, \d+ context switch(es)?\n\nkernel objects after step 5:\n/,
    );
    expect(r.stdout).toMatch(
      /no findings in this execution \(a token names the execution it was printed for only under the version of\n/,
    );
    expect(r.stdout).toMatch(/check or grade the code again for this version's tokens\)\n$/);
    expect(teardown([...args.slice(0, 6), 'az']).stderr).toContain(
      'but scenario destroy-races-unbind has 2 threads (a..b)',
    );
    const bad = join(mkdtempSync(join(tmpdir(), 'teardown-replay-')), 'broken.c');
    writeFileSync(bad, 'void thread_a(void) { int x = ; }\n');
    const j = teardown(['grade', 'vdev-lifetime', bad, '--only', 'destroy-races-unbind', '--schedule', 'a5', '--json']);
    expect(j.code).toBe(2);
    expect(JSON.parse(j.stdout)).toMatchObject({ version: 1, diagnostics: [{ file: 'broken.c', severity: 'error' }] });
  });

  it('--gradescope output validates against the results.json schema, with hidden scenarios after publishing', () => {
    const ajv = new Ajv({ allErrors: true });
    const validate = ajv.compile(schema);
    for (const file of ['solution.c', 'known-bad/v2.c', 'starter.c']) {
      const r = teardown(['grade', 'vdev-lifetime', `${EX}/${file}`, '--gradescope', '--budget', '2000']);
      const j = JSON.parse(r.stdout);
      expect(validate(j), JSON.stringify(validate.errors)).toBe(true);
      expect(j.tests.length).toBe(N);
      expect(j.tests.filter((t: { visibility: string }) => t.visibility === 'after_published').length).toBe(
        N - VISIBLE,
      );
      expect(j.score).toBe(j.tests.reduce((a: number, t: { score: number }) => a + t.score, 0));
    }
  });

  it('--github-classroom prints the base64 payload the grading reporter sums', () => {
    const r = teardown(['grade', 'vdev-lifetime', `${EX}/known-bad/missing-lock.c`, '--github-classroom']);
    expect(r.code).toBe(1);
    const payload = JSON.parse(Buffer.from(r.stdout.trim(), 'base64').toString('utf8'));
    expect(payload.version).toBe(1);
    expect(payload.status).toBe('fail');
    expect(payload.max_score).toBe(MAX);
    expect(payload.tests).toHaveLength(N);
    for (const t of payload.tests)
      expect(Object.keys(t).sort()).toEqual([
        'duration',
        'filename',
        'line_no',
        'message',
        'name',
        'score',
        'status',
        'test_code',
      ]);
  });

  it('--junit writes well-formed XML with one testcase per scenario', () => {
    const dir = mkdtempSync(join(tmpdir(), 'teardown-junit-'));
    const out = join(dir, 'junit.xml');
    const r = teardown(['grade', 'vdev-lifetime', `${EX}/known-bad/tombstone-under-lock.c`, '--junit', '--out', out]);
    expect(r.code).toBe(1);
    const xml = readFileSync(out, 'utf8');
    expect(XMLValidator.validate(xml)).toBe(true);
    const doc = new XMLParser({ ignoreAttributes: false }).parse(xml);
    const cases = doc.testsuites.testsuite.testcase;
    expect(cases).toHaveLength(N);
    expect(cases.filter((c: { failure?: unknown }) => c.failure).length).toBeGreaterThan(0);
  });

  it('a submission that does not compile: exit 2, the line and column, score 0', () => {
    const dir = mkdtempSync(join(tmpdir(), 'teardown-bad-'));
    const f = join(dir, 'broken.c');
    writeFileSync(
      f,
      'void iommufd_vdevice_link(struct iommufd_vdevice *vdev, struct iommufd_device *idev)\n{\n\tvdev->idev = idev\n}\n',
    );
    const r = teardown(['grade', 'vdev-lifetime', f]);
    expect(r.code).toBe(2);
    expect(r.stdout).toMatch(/broken\.c:3:\d+: error: syntax error/);
    expect(r.stdout).toContain(`score: 0/${MAX}`);
  });

  it('a submission missing a function is told which one to write', () => {
    const dir = mkdtempSync(join(tmpdir(), 'teardown-missing-'));
    const f = join(dir, 'partial.c');
    writeFileSync(f, 'void iommufd_vdevice_link(struct iommufd_vdevice *vdev, struct iommufd_device *idev)\n{\n}\n');
    const r = teardown(['grade', 'vdev-lifetime', f, '--json']);
    expect(r.code).toBe(2);
    const messages = JSON.parse(r.stdout).diagnostics.map((d: { message: string }) => d.message);
    expect(messages).toContain(
      "the exercise needs 'iommufd_vdevice_abort': define void iommufd_vdevice_abort(struct iommufd_object *obj)",
    );
  });

  it('usage errors exit 2: unknown exercise, unknown scenario, two formats, missing file', () => {
    expect(teardown(['grade', 'no-such-exercise', `${EX}/solution.c`]).code).toBe(2);
    expect(teardown(['grade', 'vdev-lifetime', `${EX}/solution.c`, '--only', 'nope']).stderr).toMatch(
      /has no scenario 'nope'/,
    );
    expect(teardown(['grade', 'vdev-lifetime', `${EX}/solution.c`, '--json', '--junit']).code).toBe(2);
    expect(teardown(['grade', 'vdev-lifetime', '/nonexistent.c']).code).toBe(2);
  });

  it('--quick runs the visible scenarios only', () => {
    const r = teardown(['grade', 'vdev-lifetime', `${EX}/solution.c`, '--quick', '--json']);
    const j = JSON.parse(r.stdout);
    expect(j.mode).toBe('quick');
    expect(j.scenarios.every((s: { visible: boolean }) => s.visible)).toBe(true);
    expect(j.scenarios).toHaveLength(VISIBLE);
  });
});
