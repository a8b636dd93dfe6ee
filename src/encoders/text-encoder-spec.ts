// How a config names its text encoder E_T: 'use-lite' (pretrained USE lite, ships in npm), 'hash' (fast, not
// semantic; for smoke runs), or a sentence-transformers ONNX model by folder or hub id, e.g. the paper's
// { "hf": "models/bge-base-en-v1.5", "pooling": "cls" }.
import { z } from 'zod';

export const TEXT_ENCODER_NAMES = ['use-lite', 'hash'] as const;

export const HfOnnxSpecSchema = z
  .object({
    /** A local model folder (config.json, tokenizer files, onnx/model.onnx; relative to the working directory), a name under `localModelPath`, or with `allowRemote` a hub id. */
    hf: z.string().min(1),
    localModelPath: z.string().min(1).optional(),
    /** 'mean' (MiniLM, e5) or 'cls' (bge). */
    pooling: z.enum(['mean', 'cls']).default('mean'),
    /** Which ONNX file: 'fp32' = onnx/model.onnx, 'q8' = onnx/model_quantized.onnx, ... */
    dtype: z.enum(['fp32', 'fp16', 'q8', 'int8', 'uint8', 'q4', 'q4f16', 'bnb4']).default('fp32'),
    /** Prepended to every text. */
    prefix: z.string().default(''),
    batchSize: z.number().int().positive().optional(),
    /** Let @huggingface/transformers download the model (needs internet; crs-gym never does by default). */
    allowRemote: z.boolean().default(false),
  })
  .strict();

export const TextEncoderSpecSchema = z.union([z.enum(TEXT_ENCODER_NAMES), HfOnnxSpecSchema]);

export type HfOnnxSpec = z.output<typeof HfOnnxSpecSchema>;
export type TextEncoderSpec = z.output<typeof TextEncoderSpecSchema>;
export type TextEncoderSpecInput = z.input<typeof TextEncoderSpecSchema>;

/**
 * A command-line value: a name, or `hf:<folder or hub id>` for an ONNX model with mean pooling (a config file can
 * say more). Throws a message listing the accepted forms.
 */
export function parseTextEncoderFlag(value: string): TextEncoderSpec {
  if (value.startsWith('hf:') && value.length > 3) return HfOnnxSpecSchema.parse({ hf: value.slice(3) });
  const named = z.enum(TEXT_ENCODER_NAMES).safeParse(value);
  if (named.success) return named.data;
  throw new Error(`must be one of ${TEXT_ENCODER_NAMES.join(', ')} or hf:<model folder> (got ${JSON.stringify(value)})`);
}
