// The vector envs' observation codec for CrsEnv (see ObservationCodec in src/core/vector.ts): what a worker
// thread sends the main thread for an observation. A full observation is ~20 KB (the dialogue, every
// candidate's attributes, the rendered prompt); most of it repeats. The worker sends a sample's dialogue and
// mentions once, an item's title and attributes once, and then only item slots, scores and the texts that
// change (feedback, preference); the main thread rebuilds the observation with the same shape and values, the
// prompt rendered lazily from the same parts as in the worker. An observation that is not exactly as CrsEnv built
// it (a wrapper changed a field or the prompt) is sent whole.
//
// Items travel as slots (their position in the order they were first sent) in typed arrays, and scores as a
// Float64Array: copying a message of typed arrays costs a fraction of one holding 30 small strings and numbers,
// and slots are array indices on the main side instead of string lookups. Float64 keeps every score exactly.
//
// Both sides keep the same tables: items by slot, samples in a small least-recently-used table that both sides
// touch in the same order (the main thread decodes a copy's observations in the order its worker encoded them).
// A sample is mostly needed for the rounds of one episode, so a few per copy suffice; the main side shares one
// record per distinct item among all its codecs, so many env copies do not hold many copies of the catalogue. The
// worker side, likewise, numbers each distinct item (id, title and attributes) once per thread and keeps per codec
// only a typed array of the slots it sent them under: one hot table for the many copies of a worker instead of one
// map each (encoding took ~5 µs less per observation with 64 copies). An id seen with another title or attributes
// (a wrapper's change) is another record with its own slot, up to MAX_RECORDS_PER_ID per id; new objects with equal
// content (a second copy of the catalogue, a wrapper's copies) map to the existing record.
import type { ObservationCodec } from '../src/core/vector.js';
import type { Attributes, ItemId, Utterance } from '../src/data/types.js';
import { hasDerivedPrompt, withLazyPrompt } from './crs-env.js';
import { renderHistory } from './prompt.js';
import type { Candidate, CrsObservation, ItemView } from './types.js';

/** Samples whose dialogue each side keeps per env copy (least recently used dropped first, on both sides alike). */
export const CODEC_SAMPLES = 32;

/** The keys of an observation as CrsEnv builds it, in order. */
const KEYS = ['sampleId', 'turn', 'rounds', 'context', 'contextItems', 'contextEntities', 'feedback', 'candidates', 'previousPreference', 'previousList', 'listLength', 'prompt'];

interface WireSample {
  context: Utterance[];
  /** The mentioned items' slots. */
  contextItems: number[];
  contextEntities: string[];
}

/** An observation on the wire: item slots, scores and the changing texts; a sample or item the main side lacks comes along. */
interface WireObservation {
  sampleId: string;
  turn: number;
  rounds: number;
  feedback: string;
  /**
   * One array (one allocation and one copy per message): the number of candidates n, their item slots (n), their
   * scores (n), then the previous list's item slots unless `previousIds` holds it.
   */
  numbers: Float64Array;
  previousPreference: string;
  /** The previous list as ids, when one of them was never sent. */
  previousIds?: ItemId[];
  listLength: number;
  /** The sample's dialogue and mentions, when the main side does not hold them (or they changed). */
  sample?: WireSample;
  /** Items the main side does not hold yet, [id, title, attributes], in slot order (each takes the next slot). */
  items?: Array<[ItemId, string, Attributes]>;
}

type Wire = { whole: CrsObservation } | { compact: WireObservation };

interface ItemRecord {
  title: string;
  attributes: Attributes;
}

/**
 * Worker side: one record per distinct item (id, title and attributes: the same objects, or equal content) seen by any
 * codec in this thread, numbered in the order first seen. Codecs keep only which records they sent and under which
 * slot (a typed array by record number), so the many copies on a worker share one hot table instead of one map each.
 */
interface RegisteredItem extends ItemRecord {
  id: ItemId;
  index: number;
}

const registry = new Map<ItemId, RegisteredItem[]>();
let registered = 0;

/**
 * Records kept per id. A wrapper that rebuilds a mention's attributes every step with equal content maps to the same
 * record (content is compared when identity differs); one that keeps changing the content would otherwise grow the
 * tables without end, so past this many records of one id its observations are sent whole.
 */
export const MAX_RECORDS_PER_ID = 8;

/** The record a view stands for, if any (no allocation, nothing registered): the same objects, else equal content. */
function findItem(view: ItemView): RegisteredItem | undefined {
  const records = registry.get(view.id);
  if (records === undefined) return undefined;
  for (let r = 0; r < records.length; r++) {
    const record = records[r] as RegisteredItem;
    if (record.title === view.title && record.attributes === view.attributes) return record;
  }
  for (let r = 0; r < records.length; r++) {
    const record = records[r] as RegisteredItem;
    if (record.title === view.title && sameAttributes(record.attributes, view.attributes)) return record;
  }
  return undefined;
}

/** Whether a view that matches no record may still get one (its id has fewer than MAX_RECORDS_PER_ID). */
function mayRegister(view: ItemView): boolean {
  return (registry.get(view.id)?.length ?? 0) < MAX_RECORDS_PER_ID;
}

/** The record of a view, registering it when it is new. */
function registeredItem(view: ItemView): RegisteredItem {
  const found = findItem(view);
  if (found !== undefined) return found;
  let records = registry.get(view.id);
  if (records === undefined) {
    records = [];
    registry.set(view.id, records);
  }
  const record = { id: view.id, title: view.title, attributes: view.attributes, index: registered++ };
  records.push(record);
  return record;
}

/** Main side: an item slot's id and record. */
interface SlotRecord {
  id: ItemId;
  record: ItemRecord;
}

interface SampleRecord extends WireSample {
  /** Main side: the rendered history, once asked for. */
  history?: string;
}

/** Main side: one record per distinct item (same id, title and attributes), shared by every codec in this thread. */
const sharedItems = new Map<ItemId, ItemRecord[]>();

/** Equal attributes, keys in the same order (so a shared record prints like the one it stands for). */
function sameAttributes(a: Attributes, b: Attributes): boolean {
  const ka = Object.keys(a);
  const kb = Object.keys(b);
  if (ka.length !== kb.length || ka.some((k, i) => k !== kb[i])) return false;
  for (const k of ka) {
    const va = a[k as keyof Attributes];
    const vb = b[k as keyof Attributes];
    if (va === vb) continue;
    if (va === undefined || vb === undefined || va.length !== vb.length || va.some((v, i) => v !== vb[i])) return false;
  }
  return true;
}

function sharedItem(id: ItemId, title: string, attributes: Attributes): ItemRecord {
  let records = sharedItems.get(id);
  if (records === undefined) {
    records = [];
    sharedItems.set(id, records);
  }
  const found = records.find((r) => r.title === title && sameAttributes(r.attributes, attributes));
  if (found !== undefined) return found;
  const record = { title, attributes };
  records.push(record);
  return record;
}

/** Exactly these enumerable keys, in this order (for-in: no array allocated, on every view of every step). */
function hasKeys(o: object, keys: readonly string[]): boolean {
  let n = 0;
  for (const key in o) {
    if (key !== keys[n]) return false;
    n++;
  }
  return n === keys.length;
}

const CANDIDATE_KEYS = ['id', 'title', 'attributes', 'score'];
const VIEW_KEYS = ['id', 'title', 'attributes'];

export class CrsObservationCodec implements ObservationCodec<CrsObservation> {
  /** Worker side: the slot each registered item was sent under (by record number; -1 = not sent). */
  private slotByItem = new Int32Array(256).fill(-1);
  /** Worker side: slots given so far. */
  private sentCount = 0;
  /** Main side: items received, by slot. */
  private readonly slots: SlotRecord[] = [];
  /** Worker side, within one encode: the slot of each candidate and mention, -1 when not sent yet (kept to spare an allocation). */
  private readonly known: number[] = [];
  private readonly samples = new Map<string, SampleRecord>();

  constructor(readonly sampleCapacity = CODEC_SAMPLES) {}

  /** A sample's record, marked as most recently used. */
  private touchSample(id: string): SampleRecord | undefined {
    const record = this.samples.get(id);
    if (record !== undefined) {
      this.samples.delete(id);
      this.samples.set(id, record);
    }
    return record;
  }

  private putSample(id: string, record: SampleRecord): void {
    this.samples.delete(id);
    this.samples.set(id, record);
    if (this.samples.size > this.sampleCapacity) this.samples.delete(this.samples.keys().next().value as string);
  }

  encode(observation: CrsObservation): Wire {
    const o = observation;
    // Checked before any table changes, so a whole observation leaves both sides' tables as they were.
    if (typeof o !== 'object' || o === null || !hasKeys(o, KEYS) || !hasDerivedPrompt(o) || !Array.isArray(o.contextItems) || !Array.isArray(o.previousList)) {
      return { whole: o };
    }
    const n = o.candidates.length;
    const views = n + o.contextItems.length;
    // The candidates, then the mentioned items.
    const viewAt = (i: number): ItemView => (i < n ? o.candidates[i] : o.contextItems[i - n]) as ItemView;
    const known = this.known;
    known.length = views;
    for (let i = 0; i < views; i++) {
      const view = viewAt(i);
      if (typeof view !== 'object' || view === null || !hasKeys(view, i < n ? CANDIDATE_KEYS : VIEW_KEYS)) return { whole: o };
      if (i < n && typeof (view as Candidate).score !== 'number') return { whole: o };
      const record = findItem(view);
      if (record === undefined && !mayRegister(view)) return { whole: o };
      known[i] = record === undefined ? -1 : this.sentSlot(record);
    }

    const fresh: Array<[ItemId, string, Attributes]> = [];
    const slotAt = (i: number): number => {
      const slot = known[i] as number;
      return slot >= 0 ? slot : this.slotOf(viewAt(i), fresh);
    };
    const previous = o.previousList;
    const numbers = new Float64Array(1 + 2 * n + previous.length);
    numbers[0] = n;
    for (let i = 0; i < n; i++) {
      numbers[1 + i] = slotAt(i);
      numbers[1 + n + i] = (o.candidates[i] as Candidate).score;
    }
    const contextSlots: number[] = [];
    for (let i = n; i < views; i++) contextSlots.push(slotAt(i));
    known.length = 0;
    const wire: WireObservation = {
      sampleId: o.sampleId,
      turn: o.turn,
      rounds: o.rounds,
      feedback: o.feedback,
      numbers,
      previousPreference: o.previousPreference,
      listLength: o.listLength,
    };
    // The previous list normally holds earlier candidates, all sent; otherwise it goes as ids.
    for (let i = 0; i < previous.length; i++) {
      const slot = typeof previous[i] === 'string' ? this.slotOfId(previous[i] as ItemId) : -1;
      if (slot < 0) {
        wire.previousIds = previous;
        wire.numbers = numbers.subarray(0, 1 + 2 * n);
        break;
      }
      numbers[1 + 2 * n + i] = slot;
    }
    // The main side holds the sample's mentions as slots: a mention that now stands for another record (same id,
    // other title or attributes) has another slot, so comparing slots catches it.
    const sample = this.touchSample(o.sampleId);
    if (
      sample === undefined ||
      sample.context !== o.context ||
      sample.contextEntities !== o.contextEntities ||
      sample.contextItems.length !== contextSlots.length ||
      sample.contextItems.some((slot, i) => slot !== contextSlots[i])
    ) {
      wire.sample = { context: o.context, contextItems: contextSlots, contextEntities: o.contextEntities };
      this.putSample(o.sampleId, { ...wire.sample });
    }
    if (fresh.length > 0) wire.items = fresh;
    return { compact: wire };
  }

  /** The slot this codec sent a registered item under, or -1. */
  private sentSlot(record: RegisteredItem): number {
    return record.index < this.slotByItem.length ? (this.slotByItem[record.index] as number) : -1;
  }

  /** A slot this codec sent an item of this id under (any of its records: the previous list holds ids only), or -1. */
  private slotOfId(id: ItemId): number {
    const records = registry.get(id);
    if (records === undefined) return -1;
    for (let r = 0; r < records.length; r++) {
      const slot = this.sentSlot(records[r] as RegisteredItem);
      if (slot >= 0) return slot;
    }
    return -1;
  }

  /** An item's slot; an item not sent yet takes the next one and joins `fresh`. */
  private slotOf(view: ItemView, fresh: Array<[ItemId, string, Attributes]>): number {
    const record = registeredItem(view);
    const known = this.sentSlot(record);
    if (known >= 0) return known; // the same item twice in one observation
    if (record.index >= this.slotByItem.length) {
      const grown = new Int32Array(Math.max(2 * this.slotByItem.length, record.index + 1)).fill(-1);
      grown.set(this.slotByItem);
      this.slotByItem = grown;
    }
    const slot = this.sentCount++;
    this.slotByItem[record.index] = slot;
    fresh.push([record.id, record.title, record.attributes]);
    return slot;
  }

  /** Main side: an item slot's id and record. */
  private slot(n: number): SlotRecord {
    const found = this.slots[n];
    if (found === undefined) throw new Error(`CrsObservationCodec: item slot ${n} was never sent (the two sides are out of step)`);
    return found;
  }

  decode(data: unknown): CrsObservation {
    const wire = data as Wire;
    if ('whole' in wire) return wire.whole;
    const w = wire.compact;
    for (const [id, title, attributes] of w.items ?? []) this.slots.push({ id, record: sharedItem(id, title, attributes) });
    let sample: SampleRecord | undefined;
    if (w.sample !== undefined) {
      sample = { ...w.sample };
      this.putSample(w.sampleId, sample);
    } else sample = this.touchSample(w.sampleId);
    if (sample === undefined) throw new Error(`CrsObservationCodec: sample '${w.sampleId}' was never sent (the two sides are out of step)`);
    const numbers = w.numbers;
    const n = numbers[0] as number;
    const candidates: Candidate[] = new Array<Candidate>(n);
    for (let i = 0; i < n; i++) {
      const { id, record } = this.slot(numbers[1 + i] as number);
      candidates[i] = { id, title: record.title, attributes: record.attributes, score: numbers[1 + n + i] as number };
    }
    const contextItems: ItemView[] = new Array<ItemView>(sample.contextItems.length);
    for (let i = 0; i < contextItems.length; i++) {
      const { id, record } = this.slot(sample.contextItems[i] as number);
      contextItems[i] = { id, title: record.title, attributes: record.attributes };
    }
    let previousList = w.previousIds;
    if (previousList === undefined) {
      previousList = new Array<ItemId>(numbers.length - 1 - 2 * n);
      for (let i = 0; i < previousList.length; i++) previousList[i] = this.slot(numbers[1 + 2 * n + i] as number).id;
    }
    const record = sample;
    return withLazyPrompt(
      {
        sampleId: w.sampleId,
        turn: w.turn,
        rounds: w.rounds,
        context: record.context,
        contextItems,
        contextEntities: record.contextEntities,
        feedback: w.feedback,
        candidates,
        previousPreference: w.previousPreference,
        previousList,
        listLength: w.listLength,
      },
      () => (record.history ??= renderHistory(record.context)),
    );
  }
}

/** AsyncVectorEnv hook (export it from a setup module that builds CrsEnvs): one codec per env copy and side. */
export function createObservationCodec(): CrsObservationCodec {
  return new CrsObservationCodec();
}
