/** The folder layering of packages/core/src holds (scripts/layers.mjs; docs/architecture.md, "Folder map"). */
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const SCRIPT = fileURLToPath(new URL('../../../scripts/layers.mjs', import.meta.url));

describe('packages/core/src layering', () => {
  it('no folder imports one above it, no import cycle between folders, no file over 700 lines', () => {
    const r = spawnSync(process.execPath, [SCRIPT], { encoding: 'utf8' });
    expect(r.stdout).toContain('layering ok');
    expect(r.status).toBe(0);
  });
});
