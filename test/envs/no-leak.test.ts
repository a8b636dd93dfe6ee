// The guard against target leaks: every test sample of every dataset with data here is played for all rounds
// (runAllRounds), and everything an agent can read — the observation (prompt included), reset and step `info`,
// and the rendered transcript — names the target (its id or its title) only where a user could see it: the
// dialogue so far and the items mentioned in it, the candidate list, an earlier recommended list, and feedback
// that names an item the user has seen. Sample ids are checked to be `dialogue#turn#position`, which says nothing
// about the target.
//
// Cheap real components keep it fast: BM25 for the retriever and the multi-task user simulator trained for one
// epoch on the hashing text encoder (the real simulator code, writing its real feedback text).
import { describe, expect, it } from 'vitest';
import { CrsEnv } from '../../envs/crs-env.js';
import type { CrsObservation } from '../../envs/types.js';
import { describeAttributes, renderHistory } from '../../envs/prompt.js';
import { loadDataset, type Dataset, type DatasetName, type RecSample } from '../../src/data/index.js';
import { sampleId } from '../../src/data/samples.js';
import { HashingEncoder } from '../../src/encoders/hash-encoder.js';
import { Bm25Retriever } from '../../src/retriever/bm25.js';
import { MultiTaskSimulator } from '../../src/simulator/multi-task.js';
import { spokenTitle } from '../../src/simulator/text.js';
import { realDataRoot } from '../data/real-data.js';
import { scriptedAction } from './setup-synthetic.js';

const ROUNDS = 5;
/** The keys reset `info` may have: nothing about the target. */
const RESET_INFO_KEYS = ['sampleId', 'split', 'timings'];
/** Step `info` keys that grade the agent's own list (like the reward) or echo its own action. */
const OWN_LIST_KEYS = new Set(['rewards', 'targetRank', 'hit', 'accepted', 'ranking', 'dropped', 'problems', 'feedback']);
/** Keys whose presence in `info` would be a hint about the target. */
const HINT_KEYS = ['targetInContext', 'targetInCandidates', 'candidateRank', 'target'];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Finds an item's title as a whole phrase (case-insensitive), so "Alien" does not match inside "Aliens". */
function titleMatcher(title: string): RegExp {
  return new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(title)}(?![\\p{L}\\p{N}])`, 'iu');
}

/** Every string inside a value (object keys excluded). */
function strings(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (Array.isArray(value)) for (const v of value) strings(v, out);
  else if (value && typeof value === 'object') for (const v of Object.values(value)) strings(v, out);
  return out;
}

interface Target {
  id: string;
  title: string;
  matcher: RegExp;
  /** Titles of other items that contain the target's title as a phrase ("Scary Movie 4" for "Scary Movie"). */
  longer: RegExp[];
}

/** Whether a text names the target by title: other items' longer titles that contain it do not count. */
function namesTarget(text: string, target: Target): boolean {
  let rest = text;
  for (const longer of target.longer) rest = rest.replace(longer, ' ');
  return target.matcher.test(rest);
}

/** Matchers of the catalogue titles that properly contain `title` as a phrase, longest first. */
function longerTitles(dataset: Dataset, title: string): RegExp[] {
  const lower = title.toLowerCase();
  const matcher = titleMatcher(title);
  // Feedback says titles without their year ("Scary Movie 4" for "Scary Movie 4 (2006)"): both forms count.
  const forms = new Set(dataset.items.flatMap((i) => [i.title, spokenTitle(i.title)]));
  return [...forms]
    .filter((t) => t.length > title.length && t.toLowerCase().includes(lower) && matcher.test(t))
    .sort((a, b) => b.length - a.length)
    .map((t) => new RegExp(titleMatcher(t).source, 'giu'));
}

/** A leak: the target's id as a value, or its title in a text, somewhere it should not be. */
function leaks(where: string, value: unknown, target: Target): string[] {
  return strings(value)
    .filter((s) => s === target.id || namesTarget(s, target))
    .map((s) => `${where}: ${JSON.stringify(s.length > 120 ? `${s.slice(0, 120)}...` : s)}`);
}

/** The position of a sample among the samples of its recommender turn (its id's last part). */
function positions(dataset: Dataset): Map<RecSample, number> {
  const out = new Map<RecSample, number>();
  const seen = new Map<string, number>();
  for (const s of dataset.samples.test) {
    const turn = `${s.dialogueId}\u0000${s.turnIndex}`;
    const k = seen.get(turn) ?? 0;
    seen.set(turn, k + 1);
    out.set(s, k);
  }
  return out;
}

interface Episode {
  sample: RecSample;
  target: Target;
  /** Items the user has seen: mentioned in the dialogue, or in a list recommended earlier in this episode. */
  seen: Set<string>;
  /** The target's title said in the dialogue text (the user may have named it without an item tag). */
  titleInDialogue: boolean;
  /** Items the agent was shown as candidates. */
  shown: Set<string>;
  /** The agent's previous list and preference, to check the observation echoes them and nothing else. */
  previousList: string[];
  previousPreference: string;
}

/** What in an observation may name the target, and what may not. */
function observationLeaks(o: CrsObservation, ep: Episode, expectedId: string): string[] {
  const problems: string[] = [];
  const { sample, target } = ep;
  if (o.sampleId !== expectedId) problems.push(`sampleId is '${o.sampleId}', expected '${expectedId}'`);
  // The dialogue so far: exactly the utterances before the recommender's turn (never the turn that names the target).
  if (o.context.length !== sample.turnIndex) problems.push(`context has ${o.context.length} utterances, the sample's turn is ${sample.turnIndex}`);
  const mentioned = new Set(o.context.flatMap((u) => u.items));
  for (const v of o.contextItems) if (!mentioned.has(v.id)) problems.push(`contextItems holds '${v.id}', which the dialogue does not mention`);
  // Echoes of the agent's own previous action.
  if (JSON.stringify(o.previousList) !== JSON.stringify(ep.previousList)) problems.push(`previousList ${JSON.stringify(o.previousList)} is not the agent's last list`);
  if (o.previousPreference !== ep.previousPreference) problems.push(`previousPreference is not the agent's last preference`);
  // Feedback may name the target only once the user has seen it.
  const userSawTarget = ep.seen.has(target.id) || ep.titleInDialogue;
  if (!userSawTarget) problems.push(...leaks('feedback', o.feedback, target));
  // Everything else: the known fields above are allowed to name the target; any other field is not.
  const allowed = new Set(['sampleId', 'context', 'contextItems', 'contextEntities', 'candidates', 'previousList', 'previousPreference', 'feedback', 'prompt']);
  const rest = Object.fromEntries(Object.entries(o).filter(([k]) => !allowed.has(k)));
  problems.push(...leaks('observation', rest, target));
  // The prompt: instruction, dialogue, feedback, previous preference and candidates; nothing else may name the target.
  let prompt = o.prompt;
  const remove = [renderHistory(o.context), ...o.candidates.map((c, i) => `${i + 1}. ${c.title}${describeAttributes(c.attributes)}`), o.previousPreference, ...(userSawTarget ? [o.feedback] : [])];
  for (const part of remove.filter((p) => p !== '').sort((a, b) => b.length - a.length)) prompt = prompt.split(part).join('');
  problems.push(...leaks('prompt', prompt, target));
  return problems;
}

function resetInfoLeaks(info: Record<string, unknown>, target: Target): string[] {
  const extra = Object.keys(info).filter((k) => !RESET_INFO_KEYS.includes(k));
  return [...extra.map((k) => `reset info has '${k}'`), ...leaks('reset info', { split: info.split, timings: info.timings }, target)];
}

function stepInfoLeaks(info: Record<string, unknown>, ep: Episode): string[] {
  const hints = HINT_KEYS.filter((k) => k in info).map((k) => `step info has '${k}'`);
  const rest = Object.fromEntries(Object.entries(info).filter(([k]) => !OWN_LIST_KEYS.has(k) && k !== 'sampleId'));
  const feedback = info.feedback as { text?: string } | undefined;
  const userSawTarget = ep.seen.has(ep.target.id) || ep.titleInDialogue;
  return [...hints, ...leaks('step info', rest, ep.target), ...(userSawTarget ? [] : leaks('step info feedback', feedback?.text ?? '', ep.target))];
}

async function guardDataset(name: DatasetName): Promise<{ samples: number; steps: number; feedbackNamingTarget: number }> {
  const dataset = loadDataset(name);
  const text = new HashingEncoder({ dim: 64 });
  const simulator = await MultiTaskSimulator.train(dataset, { text }, { epochs: 1, patience: 1, hidden: 32, userDim: 16 });
  const env = new CrsEnv({ dataset, retriever: new Bm25Retriever(dataset), simulator, textEncoder: text }, { split: 'test', rounds: ROUNDS, runAllRounds: true });
  const position = positions(dataset);
  const problems: string[] = [];
  let steps = 0;
  let feedbackNamingTarget = 0;
  for (const sample of dataset.samples.test) {
    const reset = await env.reset({ seed: 1, options: { sampleId: sample.id } });
    const item = dataset.itemById.get(sample.target);
    const title = item?.title ?? sample.target;
    const target: Target = { id: sample.target, title, matcher: titleMatcher(title), longer: longerTitles(dataset, title) };
    const ep: Episode = {
      sample,
      target,
      seen: new Set([...sample.contextItems, ...sample.context.flatMap((u) => u.items)]),
      titleInDialogue: sample.context.some((u) => namesTarget(u.text, target)),
      shown: new Set(),
      previousList: [],
      previousPreference: '',
    };
    const expectedId = sampleId(sample.dialogueId, sample.turnIndex, position.get(sample) as number);
    const where = (p: string) => `${name} ${sample.id}: ${p}`;
    problems.push(...resetInfoLeaks(reset.info, target).map(where));
    let observation = reset.observation;
    for (let round = 1; round <= ROUNDS; round++) {
      problems.push(...observationLeaks(observation, ep, expectedId).map((p) => where(`round ${round}: ${p}`)));
      for (const c of observation.candidates) ep.shown.add(c.id);
      const action = scriptedAction(observation);
      const step = await env.step(action);
      steps++;
      // The user has now seen this round's list.
      for (const id of step.info.ranking) ep.seen.add(id);
      problems.push(...stepInfoLeaks(step.info, ep).map((p) => where(`round ${round}: ${p}`)));
      if (step.info.feedback && (step.info.feedback.text.includes(target.id) || namesTarget(step.info.feedback.text, target))) feedbackNamingTarget++;
      ep.previousList = step.info.ranking;
      ep.previousPreference = typeof action === 'string' ? (/Preference Inference:\s*(.*)/.exec(action)?.[1]?.trim() ?? '') : (action.preference ?? '');
      if (round < ROUNDS) expect(step.truncated || step.terminated).toBe(false);
      observation = step.observation;
    }
    // The transcript names the target only where the user or the agent saw it (accepting it names it).
    const seenTitles = [...ep.seen, ...ep.shown].map((id) => dataset.itemById.get(id)?.title).filter((t): t is string => t !== undefined);
    if (!ep.titleInDialogue && !ep.seen.has(target.id) && !ep.shown.has(target.id)) {
      const transcript = seenTitles.reduce((t, seenTitle) => t.split(seenTitle).join(''), env.render('ansi').replace(renderHistory(sample.context), ''));
      problems.push(...leaks('render', transcript, target).map(where));
    }
    if (problems.length > 20) break;
  }
  expect(problems.slice(0, 20)).toEqual([]);
  return { samples: dataset.samples.test.length, steps, feedbackNamingTarget };
}

describe('no target leaks: every test sample of every dataset, all rounds', () => {
  it.for(['inspired', 'redial', 'opendialkg'])('%s', { timeout: 900_000 }, async (name, ctx) => {
    if (realDataRoot(name) === null) ctx.skip(`no ${name} data found (see docs/data.md)`);
    const result = await guardDataset(name);
    expect(result.steps).toBe(result.samples * ROUNDS);
  });
});
