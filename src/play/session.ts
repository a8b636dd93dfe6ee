// One play session: a sample's dialogue, then rounds of "the recommender explains and lists ten items, the
// user answers". The user is a person (their lines reach the env through a HumanSimulator, so CrsEnv runs
// unchanged) or a simulator being watched. The target stays hidden until the transcript at the end.
import { Rng } from '../core/rng.js';
import type { Dataset, ItemId, RecSample, Split } from '../data/types.js';
import { playEpisode } from '../core/episode.js';
import type { Agent } from '../../agents/types.js';
import { parseAction, type CandidateRef } from '../../envs/action.js';
import type { CrsEnv } from '../../envs/crs-env.js';
import type { ItemView } from '../../envs/types.js';
import { formatContext, formatExplanation, formatList, rule } from './format.js';
import type { HumanReply, HumanSimulator } from './human-simulator.js';
import type { LineSource } from './line-source.js';
import { interpretLine, MORE_TEXT } from './user-input.js';

export type PlayOutcome =
  /** The person took an item of a list. */
  | 'accepted'
  /** The person typed q. */
  | 'quit'
  /** The input ended (EOF, Ctrl-D, Ctrl-C). */
  | 'end-of-input'
  /** A watched simulator accepted (the target was in the list, by the env's rule). */
  | 'simulator-accepted'
  /** All rounds played without an acceptance. */
  | 'rounds-over';

export interface PlaySessionOptions {
  env: CrsEnv;
  agent: Agent;
  agentLabel: string;
  dataset: Dataset;
  /** T: rounds of recommendation. In human mode the env must allow one more (see humanEnvConfig). */
  rounds: number;
  seed: number;
  sampleId?: string;
  split?: Split;
  /** A person (their lines and the simulator the env was built with) or a watched simulator. */
  user: { kind: 'human'; lines: LineSource; simulator: HumanSimulator } | { kind: 'simulator'; name: string };
  write: (text: string) => void;
}

export interface PlayResult {
  sampleId: string;
  outcome: PlayOutcome;
  /** Rounds whose list was shown. */
  roundsPlayed: number;
  /** What the person took: item, round and its position in that round's list. */
  accepted?: { id: ItemId; title: string; round: number; position: number };
  target: { id: ItemId; title: string };
  /** The first round whose list held the target, and its rank there. */
  targetFound?: { round: number; rank: number };
  /** env.render('ansi') plus the person's last answer. */
  transcript: string;
  /** Every line of feedback the env received (F_2, F_3, ...). */
  feedback: string[];
}

/** The env config a person plays with: one spare round, so the env asks for an answer after each of T lists,
 * and no ending on the dataset's target (the person decides when they are done). */
export function humanEnvConfig(rounds: number): { rounds: number; runAllRounds: boolean } {
  return { rounds: rounds + 1, runAllRounds: true };
}

const HELP = 'Answer in your own words (it becomes the feedback for the next round); a number or a title takes that movie; Enter = show me something else; q = quit.';

export async function runPlaySession(opts: PlaySessionOptions): Promise<PlayResult> {
  const { env, agent, dataset, rounds, write } = opts;
  const agentRng = new Rng(opts.seed).split('agent');
  const title = (id: ItemId) => dataset.itemById.get(id)?.title ?? id;

  const human = opts.user.kind === 'human' ? opts.user : undefined;
  let sample: RecSample | undefined;

  // What the person said about the list on screen, read while the env waits for feedback.
  let shownList: CandidateRef[] = [];
  let round = 0;
  let stop: { outcome: PlayOutcome; accepted?: PlayResult['accepted']; lastWords?: string } | undefined;
  const ask = async (): Promise<HumanReply> => {
    if (!human) return { text: '' };
    const last = round === rounds ? ' (last round)' : '';
    for (;;) {
      const line = await human.lines.read(`you${last}> `);
      if (line === null) {
        stop = { outcome: 'end-of-input' };
        return { text: '' };
      }
      const command = interpretLine(line, shownList);
      switch (command.kind) {
        case 'invalid':
          write(`${command.message}\n`);
          continue;
        case 'quit':
          stop = { outcome: 'quit' };
          return { text: '' };
        case 'accept': {
          const words = `I'll take ${command.title}.`;
          stop = { outcome: 'accepted', accepted: { id: command.id, title: command.title, round, position: command.position }, lastWords: `User: ${words}` };
          return { text: words, kind: 'accept' };
        }
        case 'more':
          return { text: MORE_TEXT };
        case 'feedback':
          return { text: command.text };
      }
    }
  };
  if (human) human.simulator.setAsk(ask);

  let targetFound: PlayResult['targetFound'];
  const feedback: string[] = [];
  await playEpisode(env, {
    reset: { seed: opts.seed, options: { ...(opts.sampleId ? { sampleId: opts.sampleId } : {}), ...(opts.split ? { split: opts.split } : {}) } },
    onReset: () => {
      sample = env.currentSample;
      if (!sample) throw new Error('play: the env has no sample after reset');
      write(`${rule(`${dataset.name} sample ${sample.id}: the conversation so far`)}\n${formatContext(sample.context)}\n\n`);
      write(human ? `You are the user. ${HELP}\n\n` : `Watching the ${opts.user.kind === 'simulator' ? opts.user.name : ''} simulator as the user.\n\n`);
    },
    act: async (observation, turn) => {
      round = turn;
      // In human mode the env has a spare round; the agent is told the real T.
      const action = await agent.act({ ...observation, rounds }, agentRng.split(`round-${round}`));
      const refs = observation.candidates.map((c) => ({ id: c.id, title: c.title, aliases: dataset.itemById.get(c.id)?.aliases ?? [] }));
      const parsed = parseAction(action, refs, observation.listLength);
      const byId = new Map<ItemId, ItemView>(observation.candidates.map((c) => [c.id, c]));
      const list = parsed.ranking.map((id) => byId.get(id) ?? { id, title: title(id), attributes: {} });
      shownList = list.map((item) => ({ id: item.id, title: item.title, aliases: dataset.itemById.get(item.id)?.aliases ?? [] }));

      write(`${round > 1 ? '\n' : ''}${rule(`round ${round} of ${rounds}`)}\n`);
      if (observation.feedback) write(`(the recommender read: "${observation.feedback}")\n`);
      write(`Recommender's reasoning:\n${formatExplanation({ preference: parsed.preference, reasoning: parsed.reasoning, agentLabel: opts.agentLabel, feedback: observation.feedback })}\n`);
      write(`Top ${list.length}:\n${formatList(list)}\n`);
      return action;
    },
    onStep: (_turn, _observation, _action, result) => {
      if (result.info.targetRank > 0 && !targetFound) targetFound = { round, rank: result.info.targetRank };
      if (result.info.feedback) feedback.push(result.info.feedback.text);
      if (!human) {
        if (result.info.feedback) write(`${opts.user.kind === 'simulator' ? opts.user.name : 'simulator'} user> ${result.info.feedback.text}\n`);
        if (result.terminated) {
          write('(the simulated user takes a movie from this list)\n');
          stop = { outcome: 'simulator-accepted' };
        } else if (result.truncated) stop = { outcome: 'rounds-over' };
      } else if (!stop && (round >= rounds || result.terminated || result.truncated)) {
        stop = { outcome: 'rounds-over' };
      }
      return stop !== undefined;
    },
  });
  if (!stop || !sample) throw new Error('play: the episode ended without an outcome');
  const ended = stop as NonNullable<typeof stop>;
  const played = sample as RecSample;
  human?.simulator.setAsk(undefined);

  const transcript = [env.render('ansi'), ...(ended.lastWords ? [ended.lastWords] : [])].join('\n');
  return {
    sampleId: played.id,
    outcome: ended.outcome,
    roundsPlayed: round,
    ...(ended.accepted ? { accepted: ended.accepted } : {}),
    target: { id: played.target, title: title(played.target) },
    ...(targetFound ? { targetFound } : {}),
    transcript,
    feedback,
  };
}

/** The closing lines: transcript, what happened, and only now the target. */
export function formatResult(result: PlayResult): string {
  const lines = [rule('transcript'), result.transcript, '', rule('result')];
  switch (result.outcome) {
    case 'accepted': {
      const a = result.accepted;
      if (a) lines.push(`You took #${a.position} ${a.title} in round ${a.round}.`);
      break;
    }
    case 'quit':
      lines.push(`You quit after ${result.roundsPlayed} round${result.roundsPlayed === 1 ? '' : 's'}.`);
      break;
    case 'end-of-input':
      lines.push(`Input ended after ${result.roundsPlayed} round${result.roundsPlayed === 1 ? '' : 's'}.`);
      break;
    case 'simulator-accepted':
      lines.push(`The simulated user accepted in round ${result.roundsPlayed}.`);
      break;
    case 'rounds-over':
      lines.push(`All ${result.roundsPlayed} rounds played without an acceptance.`);
      break;
  }
  const found = result.targetFound;
  lines.push(
    `The target (the movie the dataset's recommender suggested here) was ${result.target.title}: ` +
      (found ? `found, in the list of round ${found.round} at #${found.rank}.` : 'not found in any list.'),
  );
  if (result.accepted) lines.push(result.accepted.id === result.target.id ? 'You took the target.' : 'You took another movie than the target.');
  return `${lines.join('\n')}\n`;
}
