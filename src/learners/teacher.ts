// The SFT teacher (paper 3.4.1: gold trajectories written with the target known; TRAIN split only).
// Its list: the target first when it is among the candidates, then the candidates by attribute overlap with
// the target (retriever order breaks ties). Its preference: the target's own attribute values, which is
// the reference preference P* the preference reward compares against.
import type { AttributeKind, Attributes, ItemId } from '../data/types.js';
import { ATTRIBUTE_KINDS } from '../data/types.js';
import type { ObservationFeatures } from '../../agents/neural/features.js';
import type { ForcedAction } from '../../agents/neural/types.js';

/** Rarer kinds say more about an item: sharing a director weighs more than sharing a genre. */
const KIND_WEIGHT: Record<AttributeKind, number> = { genre: 1, director: 3, actor: 1.5, writer: 2, producer: 1 };

export function attributeOverlap(a: Attributes, b: Attributes): number {
  let score = 0;
  for (const kind of ATTRIBUTE_KINDS) {
    const bs = new Set(b[kind] ?? []);
    for (const v of a[kind] ?? []) if (bs.has(v)) score += KIND_WEIGHT[kind];
  }
  return score;
}

export function teacherAction(
  features: ObservationFeatures,
  target: ItemId,
  targetAttributes: Attributes,
  attributesOf: (id: ItemId) => Attributes,
  listLength: number,
  maxAttributes: number,
  /** The order in which the target's values are named (default: genre first, as the reference preference). */
  kindOrder: readonly AttributeKind[] = ATTRIBUTE_KINDS,
): ForcedAction {
  const n = features.candidateIds.length;
  const overlap = features.candidateIds.map((id) => (id === target ? Number.POSITIVE_INFINITY : attributeOverlap(attributesOf(id), targetAttributes)));
  const ranking = [...Array(n).keys()].sort((i, j) => (overlap[j] as number) - (overlap[i] as number) || i - j).slice(0, Math.min(listLength, n));

  const wanted = new Map<string, number>();
  features.options.forEach((o, j) => wanted.set(`${o.kind}\u0000${o.value}`, j));
  const attributes: number[] = [];
  for (const kind of kindOrder) {
    for (const value of targetAttributes[kind] ?? []) {
      const j = wanted.get(`${kind}\u0000${value}`);
      if (j !== undefined && attributes.length < maxAttributes && !attributes.includes(j)) attributes.push(j);
    }
  }
  return { ranking, attributes, supervisedAttributes: attributes.length > 0, targetIndex: features.candidateIds.indexOf(target) };
}
