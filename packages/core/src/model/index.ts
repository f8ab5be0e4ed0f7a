/**
 * The iommufd model (Linux 6.17) as prelude files: kernel-C that the VM runs
 * like learner code, so its interleavings are explored too.
 */
import type { SourceFile } from '../lang/ir.js';
import { MODEL_SOURCES } from './sources.generated.js';

/** The model's files, in compilation order, with the prelude role. */
export function modelFiles(): SourceFile[] {
  return MODEL_SOURCES.map((f) => ({ name: f.name, text: f.text, role: 'prelude' as const }));
}

export { MODEL_SOURCES };
