// Off-topic chit-chat for the noise test (paper 4.5): feedback replaced by talk that says nothing about
// movies. Lines avoid capitalised words that could be film titles.
import type { Rng } from '../core/rng.js';
import type { Feedback } from './types.js';

export const CHITCHAT_LINES: readonly string[] = [
  "By the way, it's been raining all week here.",
  'Sorry, my cat just walked across the keyboard.',
  'I just got back from the grocery store, it was packed.',
  'Hold on, someone is at the door.',
  "I can't believe how cold it got today.",
  "My coffee went cold while I was typing, that's a bummer.",
  "I'm thinking about repainting my kitchen this weekend.",
  'Do you ever just forget what you walked into a room for?',
  'My neighbor has been mowing the lawn since eight this morning.',
  "I should really get some sleep soon, it's late here.",
  'Ha, my phone keeps autocorrecting everything I type.',
  'I had the best sandwich for lunch today.',
  "Traffic was terrible on the way home, I'm exhausted.",
  "Oops, sorry, I was replying to a text from my sister.",
  "I've been meaning to clean out my garage for months.",
  'It smells like someone is baking cookies downstairs.',
  'The wifi here keeps dropping, sorry if I go quiet.',
  "I'm trying to drink more water these days.",
  'My dog is staring at me like it wants a walk.',
  'Do you know a good way to get stains out of a shirt?',
];

/** One line of chit-chat, drawn by `rng`. */
export function chitchat(rng: Rng, source: string): Feedback {
  return { text: rng.choice(CHITCHAT_LINES), predictedAttributes: [], judgments: [], kind: 'chitchat', source };
}
