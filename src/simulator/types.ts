// The label-free user simulator contract (paper 3.2): F_t = Simulator(D, I_D, R_{t-1}).
// A simulator only ever receives a SimulatorInput, which has no field for the target: the builder below
// copies the dialogue context, the items and entities mentioned in it and the previous list out of a
// RecSample into a fresh frozen object, so no simulator can read the target, the response or the aliases.
import type { Rng } from '../core/rng.js';
import type { AttributeKind, Attributes, Dataset, ItemId, RecSample, Role } from '../data/types.js';

/** What a simulator may know about an item: its id, display title and attributes (never aliases). */
export interface ItemView {
  readonly id: ItemId;
  readonly title: string;
  readonly attributes: Readonly<Partial<Record<AttributeKind, readonly string[]>>>;
}

/** One utterance of D as a simulator sees it. */
export interface ContextUtterance {
  readonly role: Role;
  readonly text: string;
  readonly items: readonly ItemId[];
  readonly entities: readonly string[];
}

/** Everything a label-free simulator sees: D, I_D (items and entities) and R_{t-1}. Deeply frozen. */
export interface SimulatorInput {
  readonly context: readonly ContextUtterance[];
  readonly contextItems: readonly ItemView[];
  readonly contextEntities: readonly string[];
  /** R_{t-1}, best first; empty in the cold-start round. */
  readonly previousList: readonly ItemView[];
  /** The lists shown before R_{t-1} (R_1 .. R_{t-2}, oldest first) and what the user stated after each. */
  readonly earlierRounds: readonly EarlierRound[];
}

/** A list shown before R_{t-1} and the preference the user stated in answer to it. */
export interface EarlierRound {
  readonly list: readonly ItemView[];
  /** The stated preference as "kind:value" strings (Feedback.preference); empty when none was stated. */
  readonly preference: readonly string[];
}

/** An earlier round as the env records it: item ids and the stated preference. */
export interface EarlierRoundIds {
  readonly list: readonly ItemId[];
  readonly preference?: readonly string[];
}

export interface PredictedAttribute {
  kind: AttributeKind;
  value: string;
  /** Probability-like score in [0, 1]. */
  score: number;
}

export type Verdict = 'accept' | 'partial' | 'reject';

export interface ItemJudgment {
  itemId: ItemId;
  title: string;
  /** The simulator's belief that this is what the user wants, in [0, 1]. */
  score: number;
  verdict: Verdict;
}

/** `feedback`: a critique or preference statement; `chitchat`: off-topic talk; `accept`: the user takes an item. */
export type FeedbackKind = 'feedback' | 'chitchat' | 'accept';

export interface Feedback {
  /** F_t, the natural-language feedback the recommender reads. */
  text: string;
  /** The attributes the simulator believes the user wants, best first (empty when it has no such head). */
  predictedAttributes: PredictedAttribute[];
  /** One judgment per item of R_{t-1}, in list order (empty when the simulator does not judge items). */
  judgments: ItemJudgment[];
  kind: FeedbackKind;
  /** The verdict on R_{t-1} as a whole (its best item's); absent at cold start and for simulators that do not judge. */
  verdict?: Verdict;
  /**
   * The preference the text states, as "kind:value" strings (e.g. "genre:Crime"); every answer to a list states one
   * when the simulator has any belief, an acceptance too. Absent for simulators that do not say (LLM, chit-chat).
   */
  preference?: string[];
  /** Name of the simulator that wrote the text. */
  source: string;
  /** Set when the simulator fell back to a neutral reply (e.g. the LLM server failed). */
  error?: string;
}

export interface UserSimulator {
  readonly name: string;
  /** Writes F_t. All randomness comes from `rng`, so the same rng seed gives the same feedback. */
  feedback(input: SimulatorInput, rng: Rng): Promise<Feedback>;
}

/** The only thing an oracle simulator is told about the target: its attributes, never its title. */
export interface TargetHint {
  readonly attributes: Attributes;
}

/** A simulator that can be told the target's attributes at the start of each episode (iEvaLM style). */
export interface HintedSimulator extends UserSimulator {
  setTargetHint(hint: TargetHint): void;
}

export function isHintedSimulator(sim: UserSimulator): sim is HintedSimulator {
  return typeof (sim as Partial<HintedSimulator>).setTargetHint === 'function';
}

// ---------------------------------------------------------------------------------------------------
// Building inputs

/** The part of a Dataset the builder reads. */
export type ItemCatalog = Pick<Dataset, 'itemById'>;

function frozenArray<T>(values: readonly T[]): readonly T[] {
  return Object.freeze(values.slice());
}

function frozenAttributes(attributes: Attributes): ItemView['attributes'] {
  const out: Partial<Record<AttributeKind, readonly string[]>> = {};
  for (const [kind, values] of Object.entries(attributes) as [AttributeKind, string[] | undefined][]) {
    if (values && values.length > 0) out[kind] = frozenArray(values);
  }
  return Object.freeze(out);
}

// Views and contexts are cached per catalog, so an env that builds an input at every step pays for a
// few map look-ups, and simulators can cache per-context work by the identity of `input.context`.
const viewCache = new WeakMap<ItemCatalog, Map<ItemId, ItemView>>();
const contextCache = new WeakMap<ItemCatalog, WeakMap<RecSample, ContextPart>>();

interface ContextPart {
  context: readonly ContextUtterance[];
  contextItems: readonly ItemView[];
  contextEntities: readonly string[];
}

/** A frozen view of an item; an id missing from the catalog is shown by its id with no attributes. */
export function itemView(catalog: ItemCatalog, id: ItemId): ItemView {
  let views = viewCache.get(catalog);
  if (!views) {
    views = new Map();
    viewCache.set(catalog, views);
  }
  let view = views.get(id);
  if (!view) {
    const item = catalog.itemById.get(id);
    view = Object.freeze({
      id,
      title: item?.title ?? id,
      attributes: frozenAttributes(item?.attributes ?? {}),
    });
    views.set(id, view);
  }
  return view;
}

function contextPart(sample: RecSample, catalog: ItemCatalog): ContextPart {
  let perCatalog = contextCache.get(catalog);
  if (!perCatalog) {
    perCatalog = new WeakMap();
    contextCache.set(catalog, perCatalog);
  }
  let part = perCatalog.get(sample);
  if (!part) {
    const context = frozenArray(
      sample.context.map((u) =>
        Object.freeze({ role: u.role, text: u.text, items: frozenArray(u.items), entities: frozenArray(u.entities) }),
      ),
    );
    part = {
      context,
      contextItems: frozenArray(sample.contextItems.map((id) => itemView(catalog, id))),
      contextEntities: frozenArray(sample.contextEntities),
    };
    perCatalog.set(sample, part);
  }
  return part;
}

/**
 * The label-free input for one round: D, I_D and R_{t-1} copied out of `sample`. The target, the
 * recommender's response and the item aliases are never copied. The same sample gives the same frozen
 * `context` array every time, so simulators can cache per-dialogue work by its identity.
 */
export function buildSimulatorInput(
  sample: RecSample,
  catalog: ItemCatalog,
  previousList: readonly ItemId[] = [],
  earlierRounds: readonly EarlierRoundIds[] = [],
): SimulatorInput {
  const part = contextPart(sample, catalog);
  return Object.freeze({
    context: part.context,
    contextItems: part.contextItems,
    contextEntities: part.contextEntities,
    previousList: frozenArray(previousList.map((id) => itemView(catalog, id))),
    earlierRounds: frozenArray(
      earlierRounds.map((r) => Object.freeze({ list: frozenArray(r.list.map((id) => itemView(catalog, id))), preference: frozenArray(r.preference ?? []) })),
    ),
  });
}

/** The same input with another previous list and earlier rounds (none by default: the blind variant; tests). */
export function withPreviousList(input: SimulatorInput, previousList: readonly ItemView[], earlierRounds: readonly EarlierRound[] = []): SimulatorInput {
  return Object.freeze({
    context: input.context,
    contextItems: input.contextItems,
    contextEntities: input.contextEntities,
    previousList: frozenArray(previousList),
    earlierRounds: frozenArray(earlierRounds),
  });
}

/** Ids the user has seen: items of D, of R_{t-1} and of the lists before it. Feedback may name these and no others. */
export function seenItemIds(input: SimulatorInput): Set<ItemId> {
  const seen = new Set<ItemId>();
  for (const v of input.contextItems) seen.add(v.id);
  for (const u of input.context) for (const id of u.items) seen.add(id);
  for (const v of input.previousList) seen.add(v.id);
  for (const r of input.earlierRounds) for (const v of r.list) seen.add(v.id);
  return seen;
}
