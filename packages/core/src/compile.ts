/**
 * compile(): the front end (./lang/compile.ts) with the kernel primitives'
 * declarations (./kernel/registry.ts). The front end does not import the
 * kernel; this is where the two meet, for every caller of `@teardown/core`.
 */
import { compile as compileWith, type CompileOptions, type CompileResult } from './lang/compile.js';
import type { SourceFile } from './lang/ir.js';
import { KERNEL_DECLS } from './kernel/registry.js';

/** Options of {@link compile}: those of the front end, the kernel's declarations by default. */
export type CompileOpts = Omit<CompileOptions, 'kernel'> & Partial<Pick<CompileOptions, 'kernel'>>;

/**
 * Compile kernel-C sources (each with its role: learner, prelude, harness)
 * into one linked program, or diagnostics `{file, line, column, message}`.
 */
export function compile(sources: SourceFile[], opts: CompileOpts = {}): Promise<CompileResult> {
  return compileWith(sources, { kernel: KERNEL_DECLS, ...opts });
}
