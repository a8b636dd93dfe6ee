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
// record per distinct item among all its codecs, so many env copies do not hold many copies of the catalogue.
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
  contextItems: Int32Array;
  contextEntities: string[];
}

/** An observation on the wire: item slots, scores and the changing texts; a sample or item the main side lacks comes along. */
interface WireObservation {
  sampleId: string;
  turn: number;
  rounds: number;
  feedback: string;
  /** The candidates' item slots, in order. */
  candidates: Int32Array;
  scores: Float64Array;
  previousPreference: string;
  /** The previous list as item slots, or as ids when one of them was never sent. */
  previousList: Int32Array | ItemId[];
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

/** Worker side: what was sent of an item, and its slot. */
interface SentItem extends ItemRecord {
  slot: number;
}

/** Main side: an item slot's id and record. */
interface SlotRecord {
  id: ItemId;
  record: ItemRecord;
}

interface SampleRecord extends WireSample {
  /** Worker side: the mentioned items' ids (to tell whether they changed). */
  ids?: readonly ItemId[];
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

function hasKeys(o: object, keys: readonly string[]): boolean {
  const own = Object.keys(o);
  if (own.length !== keys.length) return false;
  for (let i = 0; i < keys.length; i++) if (own[i] !== keys[i]) return false;
  return true;
}

const CANDIDATE_KEYS = ['id', 'title', 'attributes', 'score'];
const VIEW_KEYS = ['id', 'title', 'attributes'];

export class CrsObservationCodec implements ObservationCodec<CrsObservation> {
  /** Worker side: items sent, by id. */
  private readonly sent = new Map<ItemId, SentItem>();
  /** Main side: items received, by slot. */
  private readonly slots: SlotRecord[] = [];
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

  /** Whether an item view agrees with what is known of its id (or nothing is known yet). */
  private agrees(view: ItemView, keys: readonly string[]): boolean {
    if (typeof view !== 'object' || view === null || !hasKeys(view, keys)) return false;
    const known = this.sent.get(view.id);
    return known === undefined || (known.title === view.title && known.attributes === view.attributes);
  }

  encode(observation: CrsObservation): Wire {
    const o = observation;
    // Checked before any table changes, so a whole observation leaves both sides' tables as they were.
    const compact =
      typeof o === 'object' &&
      o !== null &&
      hasKeys(o, KEYS) &&
      hasDerivedPrompt(o) &&
      Array.isArray(o.contextItems) &&
      Array.isArray(o.previousList) &&
      o.candidates.every((c) => this.agrees(c, CANDIDATE_KEYS) && typeof c.score === 'number') &&
      o.contextItems.every((v) => this.agrees(v, VIEW_KEYS));
    if (!compact) return { whole: o };

    const fresh: Array<[ItemId, string, Attributes]> = [];
    const n = o.candidates.length;
    const candidates = new Int32Array(n);
    const scores = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const c = o.candidates[i] as Candidate;
      candidates[i] = this.slotOf(c, fresh);
      scores[i] = c.score;
    }
    const contextSlots = new Int32Array(o.contextItems.length);
    for (let i = 0; i < contextSlots.length; i++) contextSlots[i] = this.slotOf(o.contextItems[i] as ItemView, fresh);
    const wire: WireObservation = {
      sampleId: o.sampleId,
      turn: o.turn,
      rounds: o.rounds,
      feedback: o.feedback,
      candidates,
      scores,
      previousPreference: o.previousPreference,
      previousList: this.previousSlots(o.previousList) ?? o.previousList,
      listLength: o.listLength,
    };
    const known = this.touchSample(o.sampleId);
    if (
      known?.ids === undefined ||
      known.context !== o.context ||
      known.contextEntities !== o.contextEntities ||
      known.ids.length !== o.contextItems.length ||
      known.ids.some((id, i) => id !== o.contextItems[i]?.id)
    ) {
      wire.sample = { context: o.context, contextItems: contextSlots, contextEntities: o.contextEntities };
      this.putSample(o.sampleId, { ...wire.sample, ids: o.contextItems.map((v) => v.id) });
    }
    if (fresh.length > 0) wire.items = fresh;
    return { compact: wire };
  }

  /** An item's slot; an item not sent yet takes the next one and joins `fresh`. */
  private slotOf(view: ItemView, fresh: Array<[ItemId, string, Attributes]>): number {
    let sent = this.sent.get(view.id);
    if (sent === undefined) {
      sent = { title: view.title, attributes: view.attributes, slot: this.sent.size };
      this.sent.set(view.id, sent);
      fresh.push([view.id, view.title, view.attributes]);
    }
    return sent.slot;
  }

  /** The previous list as slots, when every id in it was sent (it normally holds earlier candidates). */
  private previousSlots(list: readonly ItemId[]): Int32Array | undefined {
    const out = new Int32Array(list.length);
    for (let i = 0; i < list.length; i++) {
      const sent = typeof list[i] === 'string' ? this.sent.get(list[i] as ItemId) : undefined;
      if (sent === undefined) return undefined;
      out[i] = sent.slot;
    }
    return out;
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
    const candidates: Candidate[] = new Array<Candidate>(w.candidates.length);
    for (let i = 0; i < w.candidates.length; i++) {
      const { id, record } = this.slot(w.candidates[i] as number);
      candidates[i] = { id, title: record.title, attributes: record.attributes, score: w.scores[i] as number };
    }
    const contextItems: ItemView[] = new Array<ItemView>(sample.contextItems.length);
    for (let i = 0; i < contextItems.length; i++) {
      const { id, record } = this.slot(sample.contextItems[i] as number);
      contextItems[i] = { id, title: record.title, attributes: record.attributes };
    }
    let previousList = w.previousList;
    if (!Array.isArray(previousList)) {
      const slots = previousList;
      previousList = new Array<ItemId>(slots.length);
      for (let i = 0; i < slots.length; i++) previousList[i] = this.slot(slots[i] as number).id;
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
