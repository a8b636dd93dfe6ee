// The one normalized data model every dataset is loaded into.
// Data flows one way: data -> encoders -> retriever and simulator -> env -> agent -> learner -> eval.

/** A dataset-local item id, as a string (INSPIRED: UniCRS DBpedia entity id; ReDial: movieId). */
export type ItemId = string;

export type Split = 'train' | 'valid' | 'test';
export const SPLITS: readonly Split[] = ['train', 'valid', 'test'];

/** Attribute kinds we normalize to; datasets fill what they have. */
export type AttributeKind = 'genre' | 'director' | 'actor' | 'writer' | 'producer';
export const ATTRIBUTE_KINDS: readonly AttributeKind[] = ['genre', 'director', 'actor', 'writer', 'producer'];

export type Attributes = Partial<Record<AttributeKind, string[]>>;

export interface Item {
  id: ItemId;
  /** Dense index 0..items.length-1, stable for a dataset; used by embedding tables. */
  index: number;
  /** Display title, "Title (Year)" where the year is known. */
  title: string;
  year?: number;
  /** Other names the item is written as (surface forms, titles without year). */
  aliases: string[];
  attributes: Attributes;
  /** Plot or a description built from attributes; what the semantic item encoder reads. */
  description: string;
  /** How many times the item is mentioned in the dataset's source files (when known). */
  mentions?: number;
}

export type Role = 'seeker' | 'recommender';

export interface Utterance {
  role: Role;
  text: string;
  /** Items mentioned in this utterance. */
  items: ItemId[];
  /** Non-item entities mentioned (genres, people, ...), as readable names. */
  entities: string[];
}

export interface Dialogue {
  id: string;
  split: Split;
  utterances: Utterance[];
}

/**
 * One recommendation sample: a recommender utterance that mentions items, and one distinct target item of
 * it (UniCRS/CRSLab convention). A target already mentioned earlier in the dialogue stays a sample.
 */
export interface RecSample {
  /** `${dialogueId}#${turnIndex}#${k}` (k: the target's position among the utterance's distinct items): says nothing about the target. */
  id: string;
  dialogueId: string;
  split: Split;
  /** Index of the recommender utterance in the dialogue. */
  turnIndex: number;
  /** Utterances before the recommender's turn (the dialogue context D). */
  context: Utterance[];
  /** Items mentioned in the context, in order of first mention (I_D, items part). */
  contextItems: ItemId[];
  /** Non-item entities mentioned in the context (I_D, attribute part). */
  contextEntities: string[];
  target: ItemId;
  /** The recommender's actual utterance (teacher side only). */
  response: string;
}

/**
 * One train dialogue reduced to what needs no turn order: for the co-mention graph of E_C, item popularity
 * and liked items.
 */
export interface TrainSignal {
  dialogueId: string;
  /** Distinct catalog items mentioned anywhere in the dialogue (either speaker), in order of first mention. */
  items: ItemId[];
  /** Items of `items` the seeker said they liked (ReDial questionnaire); [] when the dataset has no such answer. */
  likedItems: ItemId[];
  /** `dialogue`: a dialogue of `dialogues.train`; `text`: a train-portion dialogue known only as text. */
  source: 'dialogue' | 'text';
}

export interface KgTriple {
  head: string;
  relation: string;
  tail: string;
}

export interface Dataset {
  name: string;
  /** Folder the files were read from. */
  root: string;
  items: Item[];
  itemById: Map<ItemId, Item>;
  dialogues: Record<Split, Dialogue[]>;
  samples: Record<Split, RecSample[]>;
  /**
   * Dialogue-level facts of every train-portion dialogue (items mentioned together, the seeker's likes), when
   * the dataset has more of them than `dialogues.train` shows (ReDial: train-portion dialogues known only as
   * text). Absent: derived from `dialogues.train` (see `trainSignals()` in signals.ts). Never holds a valid or
   * test dialogue.
   */
  trainSignals?: TrainSignal[];
  /** Warnings counted while loading in non-strict mode (malformed lines, dangling ids). */
  warnings: LoadWarning[];
  /** Which files fed each part and the joining rules applied (absent for hand-built datasets). */
  sources?: DatasetSources;
}

/** Provenance of a loaded dataset, for reports and for telling a partial split from a complete one. */
export interface DatasetSources {
  /** Files (relative to `root`) that fed the catalog and each split. */
  items: string[];
  train: string[];
  valid: string[];
  test: string[];
  /** True when the train split is known to be a subset of the upstream train split (ReDial without the official file). */
  trainIsPartial: boolean;
  /** Files that fed `Dataset.trainSignals` (absent when the dataset has none). */
  trainSignals?: string[];
  /** Join coverage, filters and other decisions worth reporting, one sentence each. */
  notes: string[];
}

export interface LoadWarning {
  file: string;
  line: number;
  message: string;
}
