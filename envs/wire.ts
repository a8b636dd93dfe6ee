// How CrsEnv's actions and observations travel as JSON when it is served (`crs-gym serve`, src/remote). The zod
// schemas below are the one description of the wire shapes: the server checks actions with them and `/schema`
// publishes their JSON Schemas (z.toJSONSchema). The observation schema is checked against CrsObservation at
// compile time, so the two cannot drift apart.
//
// An action on the wire takes the forms CrsEnv takes in-process (a structured action, or the text an LLM wrote),
// plus `{ text }` for clients whose actions must be JSON objects (OpenEnv's typed clients), and OpenEnv's optional
// `metadata` object, which is ignored. Unknown keys are a shape error (as in OpenEnv's Action models), so a typo
// like `rankings` is reported instead of played as an empty list. A well-shaped action whose contents are wrong
// (an id that is not a candidate, a duplicate, text without a RANK LIST) is played, as in-process: the env lists
// what it dropped in `info.problems`.
import { z } from 'zod';
import { toJsonValue, type EnvWireFormat, type JsonSchema, type WireDecoded } from '../src/core/wire.js';
import type { CrsAction } from './action.js';
import type { CrsObservation } from './types.js';

const Metadata = z.record(z.string(), z.unknown()).optional().describe("OpenEnv's action metadata; ignored");

export const StructuredActionWireSchema = z.strictObject({
  ranking: z.array(z.union([z.string(), z.number()])).describe("ids of this round's candidates, best first (entries beyond listLength are dropped)"),
  preference: z.string().optional().describe('P_t: the preference the agent inferred'),
  reasoning: z.string().optional().describe('the reasoning, e.g. Step1: ... Step5: ...'),
  metadata: Metadata,
});

export const TextActionWireSchema = z.strictObject({
  text: z.string().describe('an LLM answer in the paper format: <think>Step1: ...</think> then RANK LIST: [Title, ..., Title]'),
  metadata: Metadata,
});

export const CrsActionWireSchema = z
  .union([z.string().describe('an LLM answer in the paper format'), StructuredActionWireSchema, TextActionWireSchema])
  .describe('A CrsEnv action: structured, or the text an LLM wrote (bare or as { text })');

const ItemViewWire = z.strictObject({
  id: z.string(),
  title: z.string(),
  attributes: z.partialRecord(z.enum(['genre', 'director', 'actor', 'writer', 'producer']), z.array(z.string())),
});

export const CrsObservationWireSchema = z
  .strictObject({
    sampleId: z.string(),
    turn: z.number().int().min(1).describe('the 1-based round about to be played'),
    rounds: z.number().int().min(1),
    context: z.array(z.strictObject({ role: z.enum(['seeker', 'recommender']), text: z.string(), items: z.array(z.string()), entities: z.array(z.string()) })),
    contextItems: z.array(ItemViewWire),
    contextEntities: z.array(z.string()),
    feedback: z.string().describe("F_t: the user's feedback ('' in round 1)"),
    candidates: z.array(ItemViewWire.extend({ score: z.number() })).describe('I_cand^t, best first'),
    previousPreference: z.string(),
    previousList: z.array(z.string()),
    listLength: z.number().int().min(1),
    prompt: z.string().describe("the paper's recommender instruction rendered for text agents"),
  })
  .describe('A CrsEnv observation (no target)');

type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
// Fails to compile when the wire schema and CrsObservation differ.
const observationSchemaMatches: Same<z.output<typeof CrsObservationWireSchema>, CrsObservation> = true;
void observationSchemaMatches;

function jsonSchema(schema: z.ZodType): JsonSchema {
  return z.toJSONSchema(schema) as JsonSchema;
}

const ACTION_SCHEMA = jsonSchema(CrsActionWireSchema);
const OBSERVATION_SCHEMA = jsonSchema(CrsObservationWireSchema);

/** Reads a wire action into the form CrsEnv takes; a shape error lists zod's issues with their paths. */
export function decodeCrsAction(json: unknown): WireDecoded<CrsAction> {
  if (typeof json === 'string') return { ok: true, value: json };
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return { ok: false, problems: [`action: expected a string or an object ({ ranking, preference?, reasoning? } or { text }), got ${json === null ? 'null' : Array.isArray(json) ? 'an array' : typeof json}`] };
  }
  // The branch the object means, so that its issues name the fields (a union's own error says only "Invalid input").
  const schema = 'text' in json ? TextActionWireSchema : StructuredActionWireSchema;
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    return { ok: false, problems: parsed.error.issues.map((i) => `${['action', ...i.path].join('.')}: ${i.message}`) };
  }
  const action = parsed.data;
  if ('text' in action) return { ok: true, value: action.text };
  return {
    ok: true,
    value: {
      ranking: action.ranking as string[], // numbers are read as ids by the env, as in-process
      ...(action.preference === undefined ? {} : { preference: action.preference }),
      ...(action.reasoning === undefined ? {} : { reasoning: action.reasoning }),
    },
  };
}

export const CRS_WIRE_FORMAT: EnvWireFormat<CrsObservation, CrsAction> = {
  actionSchema: ACTION_SCHEMA,
  observationSchema: OBSERVATION_SCHEMA,
  decodeAction: decodeCrsAction,
  encodeObservation: (observation) => toJsonValue(observation),
};
