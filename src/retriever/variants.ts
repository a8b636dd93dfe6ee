// The dual-view retriever and its two single-view baselines (the same model with one view removed, trained
// the same way), trained one after another over one shared featurizer so each text is encoded once.
import type { Dataset } from '../data/types.js';
import type { DualViewRetriever } from './dual-view.js';
import { DUAL_VIEW_VARIANTS, type DualViewVariant } from './dual-view-model.js';
import { itemFeatures, QueryFeaturizer, type RetrieverEncoders } from './features.js';
import { trainDualView, type TrainDualViewOptions, type TrainDualViewResult } from './train.js';
import { dualViewTrainSchema, type DualViewTrainInput } from './train-config.js';

export { DUAL_VIEW_VARIANTS, type DualViewVariant };

export interface TrainVariantsOptions extends Omit<TrainDualViewOptions, 'variant' | 'featurizer' | 'itemFeatures' | 'config'> {
  dataset: Dataset;
  encoders: RetrieverEncoders;
  config?: DualViewTrainInput;
  /** Which variants to train, in order (default all three). */
  variants?: readonly DualViewVariant[];
  /** Called when a variant starts. */
  onVariant?: (variant: DualViewVariant) => void;
  /**
   * Train semanticOnly before dualView and start dualView from its weights (adapters, semantic attention,
   * lexical weight, item bias); the collaborative parts start as usual. Off by default (see docs/retriever.md,
   * Round 7).
   */
  semanticWarmStart?: boolean;
}

/** Trains each variant with the same config and seed; results keyed by variant. */
export async function trainVariants(options: TrainVariantsOptions): Promise<Partial<Record<DualViewVariant, TrainDualViewResult>>> {
  const config = dualViewTrainSchema.parse(options.config ?? {});
  const featurizer = new QueryFeaturizer(options.encoders, {
    contextUtterances: config.contextUtterances,
    splitMentions: config.splitMentions,
    normalizeCollaborative: config.normalizeCollaborative,
    lexicalDim: config.lexicalDim,
    dataset: options.dataset,
  });
  const items = await itemFeatures(options.dataset, featurizer);
  const out: Partial<Record<DualViewVariant, TrainDualViewResult>> = {};
  const { semanticWarmStart, ...shared } = options;
  const order = [...(options.variants ?? DUAL_VIEW_VARIANTS)];
  if (semanticWarmStart === true) {
    if (order.includes('dualView') && !order.includes('semanticOnly')) throw new RangeError('trainVariants: semanticWarmStart needs semanticOnly among the variants');
    // The warm start needs semanticOnly first; results are still keyed by variant.
    order.sort((a, b) => Number(b === 'semanticOnly') - Number(a === 'semanticOnly'));
  }
  for (const variant of order) {
    options.onVariant?.(variant);
    const warm = semanticWarmStart === true && variant === 'dualView' ? out.semanticOnly?.retriever.params() : undefined;
    out[variant] = await trainDualView({ ...shared, variant, config, featurizer, itemFeatures: items, ...(warm === undefined ? {} : { warmStart: warm }) });
  }
  return out;
}

/** The semantic-only baseline: E_T tokens attending to themselves, item side i_s only. */
export function trainSemanticOnly(options: Omit<TrainDualViewOptions, 'variant'>): Promise<TrainDualViewResult> {
  return trainDualView({ ...options, variant: 'semanticOnly' });
}

/** The collaborative-only baseline: E_C tokens attending to themselves, item side i_c only. */
export function trainCollaborativeOnly(options: Omit<TrainDualViewOptions, 'variant'>): Promise<TrainDualViewResult> {
  return trainDualView({ ...options, variant: 'collaborativeOnly' });
}

/** A retriever's variant, for reports. */
export function variantOf(retriever: DualViewRetriever): DualViewVariant {
  return retriever.spec.variant;
}
