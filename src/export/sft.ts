// Supervised fine-tuning data for LLMs (paper 3.2 and 3.4.1) as chat records: the three tasks of the
// multi-task user simulator (feedback generation, attribute alignment, target prediction) and the
// recommender's reasoning-then-rank answers, all written on the TRAIN split with the target known (the
// teacher side). Deterministic for a seed: each sample draws from its own stream `rng.split(sample.id)`,
// so a `limit`ed export is a prefix of the full one.
import { Rng } from '../core/rng.js';
import { loadDataset } from '../data/load.js';
import type { DatasetName } from '../data/paths.js';
import type { Dataset, Item, ItemId, RecSample } from '../data/types.js';
import { Bm25Retriever } from '../retriever/bm25.js';
import { queryFromSample } from '../retriever/evaluate.js';
import { renderSimulatorPrompt } from '../simulator/llm.js';
import { NegativeSampler, type ListKind } from '../simulator/lists.js';
import { NameGuard } from '../simulator/name-guard.js';
import { spokenAttribute } from '../simulator/text.js';
import { buildSimulatorInput, itemView } from '../simulator/types.js';
import { VOCAB_KINDS, type VocabKind } from '../simulator/vocab.js';
import { renderRecommenderPrompt } from '../../envs/prompt.js';
import { LLM_AGENT_SYSTEM_PROMPT } from '../../agents/llm-agent.js';
import { teacherFeedback } from './feedback-teacher.js';
import { ATTRIBUTES_SYSTEM_PROMPT, renderAttributesPrompt, renderTargetPrompt, TARGET_SYSTEM_PROMPT } from './prompts.js';
import { recommenderAnswer } from './recommender-teacher.js';

export const SFT_TASKS = ['feedback', 'attributes', 'target', 'recommender'] as const;
export type SftTask = (typeof SFT_TASKS)[number];

export function isSftTask(value: unknown): value is SftTask {
  return typeof value === 'string' && (SFT_TASKS as readonly string[]).includes(value);
}

export interface SftMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

interface MetaBase {
  sampleId: string;
  dialogueId: string;
  turnIndex: number;
  split: 'train';
  target: ItemId;
  targetTitle: string;
  seed: number;
}

export interface FeedbackMeta extends MetaBase {
  task: 'feedback';
  /** Which constructed list R_human this is (H+/H-: hard negatives with/without the target, S+/S-: random). */
  listKind: ListKind;
  list: ItemId[];
  targetInList: boolean;
  /** The answer starts with [ACCEPT] (the target is listed). */
  accepted: boolean;
}

export interface AttributesMeta extends MetaBase {
  task: 'attributes';
  /** The target's attribute values (every kind present, possibly empty, so JSON readers see one schema). */
  attributes: Record<VocabKind, string[]>;
}

export interface TargetMeta extends MetaBase {
  task: 'target';
  itemId: ItemId;
  label: 'Yes' | 'No';
  /** The target itself, a hard negative (from H-) or a simple one (from S-). */
  source: 'target' | 'hard' | 'simple';
}

export interface RecommenderMeta extends MetaBase {
  task: 'recommender';
  retriever: 'bm25';
  /** Retrieved candidates in retriever order; the target is never added. */
  candidates: ItemId[];
  targetInCandidates: boolean;
  /** The teacher's list, best first. */
  ranking: ItemId[];
  /** The Step1 text: the reference preference P* of the target. */
  preference: string;
}

export type SftMeta = FeedbackMeta | AttributesMeta | TargetMeta | RecommenderMeta;

/** One JSONL line: the chat that TRL's SFTTrainer, axolotl and LLaMA-Factory read, plus provenance. */
export interface SftRecord {
  messages: [SftMessage, SftMessage, SftMessage];
  meta: SftMeta;
}

export interface ExportSftOptions {
  /** A loaded dataset, or a dataset name to load (from `dataRoot` or the usual places). */
  dataset: Dataset | DatasetName;
  dataRoot?: string;
  task: SftTask;
  /** Default 0. */
  seed?: number;
  /** At most this many records (a prefix of the full export). */
  limit?: number;
  /** Recommender: BM25 candidates per prompt (default 20, the paper's top-20). */
  candidates?: number;
  /** Recommender: length of the teacher's list (default 10). */
  listLength?: number;
  /** Feedback and target: items per constructed list (default 10, the length of R_{t-1} at inference). */
  listSize?: number;
  /** Feedback and target: hard negatives are drawn from this many most-overlapping items (default 30). */
  hardPool?: number;
  /** Called after each train sample with (samples done, train samples). */
  onProgress?: (done: number, total: number) => void;
}

type Writer = (sample: RecSample, target: Item, rng: Rng, base: MetaBase) => Promise<SftRecord[]>;

function chat(system: string, user: string, assistant: string): SftRecord['messages'] {
  return [
    { role: 'system', content: system },
    { role: 'user', content: user },
    { role: 'assistant', content: assistant },
  ];
}

function positiveInt(value: number | undefined, fallback: number, name: string, min = 1): number {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min) throw new RangeError(`exportSft: ${name} must be an integer >= ${min}, got ${String(value)}`);
  return v;
}

const LIST_KINDS: readonly ListKind[] = ['H+', 'H-', 'S+', 'S-'];
const KIND_LABELS: Record<VocabKind, string> = { genre: 'Genre', director: 'Director', actor: 'Actor', writer: 'Writer' };
/** Values per kind in the attribute answer. */
const MAX_VALUES = 5;

/** The attribute-alignment answer: the target's title, then one line per attribute kind it has. */
export function attributesAnswer(target: Item): string {
  const lines = [`Target: ${target.title}`];
  for (const kind of VOCAB_KINDS) {
    const values = [...new Set((target.attributes[kind] ?? []).map((v) => spokenAttribute(kind, v)))].slice(0, MAX_VALUES);
    if (values.length > 0) lines.push(`${KIND_LABELS[kind]}: ${values.join(', ')}`);
  }
  return lines.join('\n');
}

function hasVocabAttributes(item: Item): boolean {
  return VOCAB_KINDS.some((kind) => (item.attributes[kind]?.length ?? 0) > 0);
}

function feedbackWriter(dataset: Dataset, listSize: number, hardPool: number): Writer {
  const sampler = new NegativeSampler(dataset.items, hardPool);
  const guard = new NameGuard(dataset.items);
  return async (sample, target, rng, base) => {
    const lists = sampler.build(target.id, listSize, rng.split('lists'));
    const view = itemView(dataset, target.id);
    return LIST_KINDS.map((listKind) => {
      const list = lists.lists[listKind];
      const input = buildSimulatorInput(sample, dataset, list);
      const [system, user] = renderSimulatorPrompt(input);
      const answer = teacherFeedback(input, view, guard, rng.split(`feedback/${listKind}`));
      return {
        messages: chat(system!.content, user!.content, answer.text),
        meta: { ...base, task: 'feedback', listKind, list: list.slice(), targetInList: list.includes(target.id), accepted: answer.accepted },
      };
    });
  };
}

function attributesWriter(dataset: Dataset): Writer {
  return async (sample, target, _rng, base) => {
    if (!hasVocabAttributes(target)) return [];
    const input = buildSimulatorInput(sample, dataset, []);
    const attributes = Object.fromEntries(VOCAB_KINDS.map((k) => [k, (target.attributes[k] ?? []).slice()])) as Record<VocabKind, string[]>;
    return [{ messages: chat(ATTRIBUTES_SYSTEM_PROMPT, renderAttributesPrompt(input), attributesAnswer(target)), meta: { ...base, task: 'attributes', attributes } }];
  };
}

function targetWriter(dataset: Dataset, listSize: number, hardPool: number): Writer {
  const sampler = new NegativeSampler(dataset.items, hardPool);
  return async (sample, target, rng, base) => {
    const lists = sampler.build(target.id, listSize, rng.split('lists'));
    const pick = rng.split('pick');
    const instances: { itemId: ItemId; source: TargetMeta['source'] }[] = [{ itemId: target.id, source: 'target' }];
    if (lists.lists['H-'].length > 0) instances.push({ itemId: pick.choice(lists.lists['H-']), source: 'hard' });
    if (lists.lists['S-'].length > 0) instances.push({ itemId: pick.choice(lists.lists['S-']), source: 'simple' });
    const input = buildSimulatorInput(sample, dataset, []);
    return instances.map(({ itemId, source }) => {
      const label = itemId === target.id ? 'Yes' : 'No';
      return {
        messages: chat(TARGET_SYSTEM_PROMPT, renderTargetPrompt(input, itemView(dataset, itemId)), label),
        meta: { ...base, task: 'target', itemId, label, source },
      };
    });
  };
}

function recommenderWriter(dataset: Dataset, candidateCount: number, listLength: number): Writer {
  const bm25 = new Bm25Retriever(dataset);
  return async (sample, target, _rng, base) => {
    const scored = await bm25.retrieve(queryFromSample(sample), candidateCount);
    const candidates = scored.map((s) => dataset.itemById.get(s.id)).filter((i): i is Item => i !== undefined);
    if (candidates.length === 0) return [];
    const prompt = renderRecommenderPrompt({
      context: sample.context,
      candidates: candidates.map((c) => ({ title: c.title, attributes: c.attributes })),
      feedback: '',
      previousPreference: '',
      listLength,
    });
    const answer = recommenderAnswer(candidates, target, listLength);
    const ids = candidates.map((c) => c.id);
    return [
      {
        messages: chat(LLM_AGENT_SYSTEM_PROMPT, prompt, answer.text),
        meta: {
          ...base,
          task: 'recommender',
          retriever: 'bm25',
          candidates: ids,
          targetInCandidates: ids.includes(target.id),
          ranking: answer.ranking,
          preference: answer.preference,
        },
      },
    ];
  };
}

/** The train samples an export reads: those whose target is in the catalog. */
export function exportableSamples(dataset: Dataset): RecSample[] {
  return dataset.samples.train.filter((s) => s.split === 'train' && dataset.itemById.has(s.target));
}

/** Streams the records of one task. */
export async function* exportSft(options: ExportSftOptions): AsyncGenerator<SftRecord> {
  const { task } = options;
  if (!isSftTask(task)) throw new RangeError(`exportSft: task must be one of ${SFT_TASKS.join(', ')}, got ${JSON.stringify(task)}`);
  const seed = options.seed ?? 0;
  if (!Number.isInteger(seed)) throw new RangeError(`exportSft: seed must be an integer, got ${String(options.seed)}`);
  const limit = options.limit === undefined ? Number.POSITIVE_INFINITY : positiveInt(options.limit, 0, 'limit', 0);
  const listSize = positiveInt(options.listSize, 10, 'listSize', 2);
  const hardPool = positiveInt(options.hardPool, 30, 'hardPool');
  const candidates = positiveInt(options.candidates, 20, 'candidates');
  const listLength = positiveInt(options.listLength, 10, 'listLength');
  const dataset =
    typeof options.dataset === 'string'
      ? loadDataset(options.dataset, options.dataRoot === undefined ? {} : { dataRoot: options.dataRoot })
      : options.dataset;

  const writer: Writer =
    task === 'feedback'
      ? feedbackWriter(dataset, listSize, hardPool)
      : task === 'attributes'
        ? attributesWriter(dataset)
        : task === 'target'
          ? targetWriter(dataset, listSize, hardPool)
          : recommenderWriter(dataset, candidates, listLength);
  const root = new Rng(`sft/${task}/${seed}`);
  const samples = exportableSamples(dataset);
  let emitted = 0;
  for (let i = 0; i < samples.length && emitted < limit; i++) {
    const sample = samples[i] as RecSample;
    const target = dataset.itemById.get(sample.target) as Item;
    const base: MetaBase = {
      sampleId: sample.id,
      dialogueId: sample.dialogueId,
      turnIndex: sample.turnIndex,
      split: 'train',
      target: target.id,
      targetTitle: target.title,
      seed,
    };
    for (const record of await writer(sample, target, root.split(sample.id), base)) {
      if (emitted >= limit) break;
      emitted++;
      yield record;
    }
    options.onProgress?.(i + 1, samples.length);
  }
}

/** All records of one task in an array (for tests and small exports). */
export async function collectSft(options: ExportSftOptions): Promise<SftRecord[]> {
  const out: SftRecord[] = [];
  for await (const record of exportSft(options)) out.push(record);
  return out;
}
