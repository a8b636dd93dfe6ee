// A person as the user simulator: CrsEnv asks its simulator for F_{t+1}, and this one answers with what a
// person typed. Text comes from a queue (say()) first, then from the `ask` callback, so the env runs unchanged
// whether the line was typed before the step (tests, scripts) or is read while the env waits (a terminal).
import type { Rng } from '../core/rng.js';
import type { Feedback, FeedbackKind, SimulatorInput, UserSimulator } from '../simulator/types.js';

/** What the person said for one round. `kind` 'accept' when they took an item. */
export interface HumanReply {
  text: string;
  kind?: FeedbackKind;
}

export type AskHuman = (input: SimulatorInput) => Promise<HumanReply>;

export class HumanSimulator implements UserSimulator {
  readonly name = 'human';
  private readonly queue: HumanReply[] = [];
  private ask: AskHuman | undefined;
  /** Every reply given, in order (what the env read as F_2, F_3, ...). */
  readonly replies: HumanReply[] = [];

  constructor(ask?: AskHuman) {
    this.ask = ask;
  }

  /** Sets (or replaces) the callback asked when the queue is empty. */
  setAsk(ask: AskHuman | undefined): void {
    this.ask = ask;
  }

  /** Queues a reply for the next feedback() call. */
  say(text: string, kind: FeedbackKind = 'feedback'): void {
    this.queue.push({ text, kind });
  }

  get pending(): number {
    return this.queue.length;
  }

  async feedback(input: SimulatorInput, _rng: Rng): Promise<Feedback> {
    const reply = this.queue.shift() ?? (this.ask ? await this.ask(input) : { text: '' });
    this.replies.push(reply);
    return {
      text: reply.text,
      // A person's text has no structured side: no predicted attributes, no per-item judgments.
      predictedAttributes: [],
      judgments: [],
      kind: reply.kind ?? 'feedback',
      source: this.name,
    };
  }
}
