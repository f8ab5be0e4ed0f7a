/**
 * The models as prelude files: kernel-C that the VM runs like learner code,
 * so its interleavings are explored too. Two bases, the iommufd model (Linux
 * 6.17) and the vfio_device life cycle (Linux 6.1); named patches over a base
 * make variants (./variants.ts).
 */
export { MODEL_SOURCES } from './sources.generated.js';
export {
  MODEL_BASE,
  MODEL_BASES,
  modelBase,
  MODEL_PATCHES,
  ModelVariantError,
  modelFiles,
  parseModelVariant,
  type ModelBase,
  type ModelPatch,
  type ModelVariant,
} from './variants.js';
