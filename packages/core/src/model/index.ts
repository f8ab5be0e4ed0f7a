/**
 * The iommufd model (Linux 6.17) as prelude files: kernel-C that the VM runs
 * like learner code, so its interleavings are explored too. Named patches
 * over it make variants (./variants.ts).
 */
export { MODEL_SOURCES } from './sources.generated.js';
export {
  MODEL_BASE,
  MODEL_PATCHES,
  ModelVariantError,
  modelFiles,
  parseModelVariant,
  type ModelPatch,
  type ModelVariant,
} from './variants.js';
