// Recommendation samples from normalized dialogues (UniCRS/CRSLab convention): every recommender utterance
// that mentions items gives one sample per DISTINCT item it mentions, with everything said before it as
// context. Targets already mentioned earlier stay samples.
import type { Dialogue, ItemId, RecSample, Utterance } from './types.js';

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
      for (const target of new Set(utterance.items)) {
        out.push({
          id: `${dialogue.id}#${turnIndex}#${target}`,
          dialogueId: dialogue.id,
          split: dialogue.split,
          turnIndex,
          context,
          contextItems: items,
          contextEntities: entities,
          target,
          response: utterance.text,
        });
      }
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
