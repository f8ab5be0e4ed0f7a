/**
 * The CLI has V8 compile the parser's WebAssembly with Liftoff only
 * (src/wasm-tier.ts). The flag must be one this Node takes: were a Node to
 * refuse it (flags frozen after start), every command would quietly start
 * about 45 ms slower.
 */
import { describe, expect, it } from 'vitest';
import { compileWasmWithLiftoffOnly } from '../src/wasm-tier.js';

describe('compileWasmWithLiftoffOnly', () => {
  it('is taken by this Node', () => {
    expect(compileWasmWithLiftoffOnly()).toBe(true);
  });
});
