// Loading a saved dual-view retriever for a dataset and a pair of frozen encoders, with checks that they are
// the ones it was trained with (the same catalogue, text encoder id and E_C over the catalogue).
import { join } from 'node:path';
import type { Dataset } from '../data/types.js';
import { collaborativeItemFingerprint, DualViewRetriever } from './dual-view.js';
import { checkParams } from './dual-view-model.js';
import { ITEMS_FILE, MODEL_FILE, ModelFileError, readDualView, WEIGHTS_FILE } from './dual-view-io.js';
import { catalogueFingerprint, QueryFeaturizer, sameSettings, type RetrieverEncoders } from './features.js';
import { itemsByIndex, type RetrieverInputs } from './types.js';
import { errorMessage } from '../core/errors.js';

export interface LoadDualViewOptions {
  /** Ablation switches for the loaded retriever. */
  inputs?: Partial<RetrieverInputs>;
  /** Share a featurizer (and its memo) with other retrievers over the same encoders. */
  featurizer?: QueryFeaturizer;
}

export async function loadDualViewRetriever(
  dir: string,
  dataset: Dataset,
  encoders: RetrieverEncoders,
  options: LoadDualViewOptions = {},
): Promise<DualViewRetriever> {
  const { meta, params, itemMatrix } = await readDualView(dir);
  const modelFile = join(dir, MODEL_FILE);
  try {
    checkParams(meta.spec, params, join(dir, WEIGHTS_FILE));
  } catch (err) {
    throw new ModelFileError(join(dir, WEIGHTS_FILE), errorMessage(err));
  }
  for (let i = 0; i < itemMatrix.length; i++) {
    if (!Number.isFinite(itemMatrix[i] as number)) throw new ModelFileError(join(dir, ITEMS_FILE), `non-finite value at ${i}`);
  }
  const items = itemsByIndex(dataset);
  if (items.length !== meta.catalogue.count || catalogueFingerprint(items) !== meta.catalogue.fingerprint) {
    throw new ModelFileError(modelFile, `trained on another catalogue (${meta.catalogue.count} items) than dataset '${dataset.name}' (${items.length} items)`);
  }
  if (encoders.text.id !== meta.textEncoderId) {
    throw new ModelFileError(modelFile, `trained with text encoder '${meta.textEncoderId}', given '${encoders.text.id}'`);
  }
  const featurizer = options.featurizer ?? new QueryFeaturizer(encoders, { ...meta.features, dataset });
  if (!sameSettings(featurizer.settings, meta.features)) {
    throw new RangeError(`loadDualViewRetriever: the shared featurizer's settings ${JSON.stringify(featurizer.settings)} differ from the model's ${JSON.stringify(meta.features)}`);
  }
  if (encoders.collaborative.dim !== meta.spec.collabDim || collaborativeItemFingerprint(items, featurizer) !== meta.collaborativeFingerprint) {
    throw new ModelFileError(modelFile, `trained with another collaborative encoder (${meta.collaborativeEncoderId ?? 'unnamed'}, fingerprint ${meta.collaborativeFingerprint})`);
  }
  return DualViewRetriever.create(meta.spec, params, dataset, encoders, {
    name: meta.name,
    featurizer,
    itemMatrix,
    training: meta.training,
    ...(options.inputs === undefined ? {} : { inputs: options.inputs }),
  });
}
