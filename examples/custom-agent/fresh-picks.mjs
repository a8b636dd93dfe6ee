// A custom agent in one file, plain JavaScript (no build step, no imports): `--agent ./examples/custom-agent/fresh-picks.mjs`.
// It keeps the retriever's order but moves items it already recommended in an earlier round (and the user did
// not accept) to the back: the user asked for something else, so show something new first.
//
// The default export is the Agent (an object with `act(observation, rng)`); it could also be a class or a
// factory `(ctx) => Agent` (ctx: { spec, arg, dataset, components, llm }).

/** The retriever the env builds candidates with ('bm25' needs no training; the default is 'dual-view'). */
export const retriever = 'bm25';
export const description = 'retriever order, items already shown moved to the back';

const shown = new Map(); // sampleId -> Set of item ids recommended so far in this episode

export default {
  name: 'fresh-picks',
  async act(observation) {
    if (observation.turn === 1) shown.set(observation.sampleId, new Set());
    const seen = shown.get(observation.sampleId) ?? new Set();
    const ids = observation.candidates.map((c) => c.id);
    const ranking = [...ids.filter((id) => !seen.has(id)), ...ids.filter((id) => seen.has(id))].slice(0, observation.listLength);
    for (const id of ranking) seen.add(id);
    shown.set(observation.sampleId, seen);
    return { ranking };
  },
};
