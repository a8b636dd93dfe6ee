// Counts an LLM agent's calls over one evaluation. A failed call answers an empty list, which scores as a malformed
// answer: the metrics drop without an error, so an evaluation reports how many calls failed and why.
import { LlmAgent, type LlmAgentStats } from '../../agents/llm-agent.js';

/** An LLM agent's call counters (other agents have none). */
export function llmStatsOf(agent: unknown): LlmAgentStats | undefined {
  return agent instanceof LlmAgent ? agent.stats() : undefined;
}

/** The calls made between two readings of the counters. */
export function statsSince(now: LlmAgentStats | undefined, before: LlmAgentStats | undefined): LlmAgentStats | undefined {
  if (now === undefined) return undefined;
  const failuresByKind: Record<string, number> = {};
  for (const [kind, n] of Object.entries(now.failuresByKind)) {
    const d = n - (before?.failuresByKind[kind] ?? 0);
    if (d > 0) failuresByKind[kind] = d;
  }
  return { calls: now.calls - (before?.calls ?? 0), failures: now.failures - (before?.failures ?? 0), failuresByKind };
}

/** Sums call counters (an evaluation's chunks on several workers). */
export function addStats(a: LlmAgentStats | undefined, b: LlmAgentStats | undefined): LlmAgentStats | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  const failuresByKind = { ...a.failuresByKind };
  for (const [kind, n] of Object.entries(b.failuresByKind)) failuresByKind[kind] = (failuresByKind[kind] ?? 0) + n;
  return { calls: a.calls + b.calls, failures: a.failures + b.failures, failuresByKind };
}

/** A report note: failed calls score as malformed answers, so the metrics alone would not say why they are low. */
export function llmFailureNote(stats: LlmAgentStats): string {
  const kinds = Object.entries(stats.failuresByKind).map(([kind, n]) => `${kind} ${n}`).join(', ');
  return `the LLM agent's server failed ${stats.failures} of ${stats.calls} calls (${kinds}); each failed call answered an empty list, scored as a malformed answer (see docs/llm-server.md, Errors)`;
}
