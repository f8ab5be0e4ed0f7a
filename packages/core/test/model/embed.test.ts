import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
// @ts-expect-error the build script is plain JavaScript
import { render, ORDER } from '../../scripts/embed-model.mjs';
import { MODEL_SOURCES } from '../../src/model/sources.generated.js';

describe('the embedded model', () => {
  it('src/model/sources.generated.ts is up to date with packages/core/model (run npm run build)', () => {
    const generated = readFileSync(new URL('../../src/model/sources.generated.ts', import.meta.url), 'utf8');
    expect(generated).toBe(render(new URL('../../model/', import.meta.url)));
  });

  it('holds every model file, in compilation order', () => {
    expect(MODEL_SOURCES.map((f) => f.name)).toEqual((ORDER as string[]).map((n) => `model/${n}`));
  });
});
