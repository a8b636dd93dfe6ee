// Recommendation samples from normalized dialogues (UniCRS/CRSLab convention): every recommender utterance
// that mentions items gives one sample per DISTINCT item it mentions, with everything said before it as
// context. Targets already mentioned earlier stay samples.
import type { Dialogue, ItemId, RecSample, Utterance } from './types.js';

/**
 * How sample ids are built: `<dialogue id>#<turn index>#<k>`, k the position of the target among the distinct
 * items the recommender's utterance mentions (0-based). An id says nothing about the target (not even a function
 * of it, which an agent could invert by trying every item), since agents see it and every per-sample random
 * stream is seeded from it. Stage caches key on this name, so a change of scheme retrains what depends on it.
 */
export const SAMPLE_ID_SCHEME = 'dialogue#turn#position';

export function sampleId(dialogueId: string, turnIndex: number, position: number): string {
  return `${dialogueId}#${turnIndex}#${position}`;
}

export function samplesOfDialogue(dialogue: Dialogue): RecSample[] {
  const out: RecSample[] = [];
  const contextItems: ItemId[] = [];
  const seenItems = new Set<ItemId>();
  const contextEntities: string[] = [];
  const seenEntities = new Set<string>();
  dialogue.utterances.forEach((utterance: Utterance, turnIndex: number) => {
    if (utterance.role === 'recommender' && utterance.items.length > 0) {
      // One context array per turn, shared by that turn's samples (they are read-only views of the dialogue).
      const context = dialogue.utterances.slice(0, turnIndex);
      const items = contextItems.slice();
      const entities = contextEntities.slice();
      [...new Set(utterance.items)].forEach((target, position) => {
        out.push({
          id: sampleId(dialogue.id, turnIndex, position),
          dialogueId: dialogue.id,
          split: dialogue.split,
          turnIndex,
          context,
          contextItems: items,
          contextEntities: entities,
          target,
          response: utterance.text,
        });
      });
    }
    for (const item of utterance.items) {
      if (!seenItems.has(item)) {
        seenItems.add(item);
        contextItems.push(item);
      }
    }
    for (const entity of utterance.entities) {
      if (!seenEntities.has(entity)) {
        seenEntities.add(entity);
        contextEntities.push(entity);
      }
    }
  });
  return out;
}

export function samplesOfDialogues(dialogues: readonly Dialogue[]): RecSample[] {
  return dialogues.flatMap(samplesOfDialogue);
}
