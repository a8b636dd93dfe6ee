// Loads a trained multi-task simulator from its folder for use outside the env (e.g. `train retriever --simulator`):
// a `crs-gym train simulator --out DIR` folder (config.json names its text encoder, DIR/encoder holds its E_C) or an
// env artifacts folder (<artifacts>/<dataset>/simulator, E_C next to it in ../encoder).
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { readJson } from '../data/read.js';
import type { Dataset } from '../data/types.js';
import { LightGcnEncoder } from '../encoders/collaborative.js';
import { TextEncoderSpecSchema, type TextEncoderSpec } from '../encoders/text-encoder-spec.js';
import { WEIGHTS_JSON } from '../nn/weights-io.js';
import { MultiTaskSimulator, SIMULATOR_MANIFEST } from '../simulator/multi-task.js';
import { errorMessage } from '../core/errors.js';
import { makeTextEncoder } from '../../envs/components.js';

/** The simulator's text encoder: config.json's `textEncoder` when there is one, else told by the manifest's encoder id. */
function textEncoderOf(dir: string): TextEncoderSpec {
  const configFile = join(dir, 'config.json');
  if (existsSync(configFile)) {
    const parsed = TextEncoderSpecSchema.safeParse((readJson(configFile) as { textEncoder?: unknown } | null)?.textEncoder);
    if (parsed.success) return parsed.data;
  }
  const manifest = readJson(join(dir, SIMULATOR_MANIFEST)) as { textEncoderId?: unknown } | null;
  const id = String(manifest?.textEncoderId ?? '');
  if (id.startsWith('use-lite')) return 'use-lite';
  if (id.startsWith('hash')) return 'hash';
  throw new Error(`cannot tell which text encoder '${id}' is (no config.json with textEncoder next to it)`);
}

/** Throws an Error naming the folder and what is wrong with it. */
export async function loadSimulatorFolder(dir: string, dataset: Dataset, embeddingsDir: string): Promise<MultiTaskSimulator> {
  const folder = resolve(dir);
  try {
    if (!existsSync(join(folder, SIMULATOR_MANIFEST))) throw new Error(`no ${SIMULATOR_MANIFEST} (train one with \`crs-gym train simulator --out DIR\`)`);
    const encoderDir = [join(folder, 'encoder'), join(folder, '..', 'encoder')].find((d) => existsSync(join(d, WEIGHTS_JSON)));
    if (encoderDir === undefined) throw new Error('no E_C saved with it (encoder/ inside it or next to it)');
    const collaborative = LightGcnEncoder.load(encoderDir, dataset);
    const text = makeTextEncoder(textEncoderOf(folder), embeddingsDir);
    return await MultiTaskSimulator.load(folder, { text, collaborative });
  } catch (err) {
    throw new Error(`simulator ${folder}: ${errorMessage(err)}`);
  }
}
