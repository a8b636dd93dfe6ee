// CrsEnv's configuration: validated by zod, every field documented with its default.
import { z } from 'zod';
import { DEFAULT_REWARD_WEIGHTS } from '../rewards/weighted-sum.js';

export const AcceptanceSchema = z
  .object({
    /** 'rank1': the user accepts only the target at position 1; 'topk': the target anywhere in the top k. */
    mode: z.enum(['rank1', 'topk']).default('topk'),
    k: z.number().int().positive().default(10),
  })
  .default({ mode: 'topk', k: 10 });

export const RetrieverInputsSchema = z
  .object({
    useContext: z.boolean().default(true),
    useFeedback: z.boolean().default(true),
    usePreference: z.boolean().default(true),
    useContextItems: z.boolean().default(true),
    usePreviousList: z.boolean().default(true),
  })
  .default({ useContext: true, useFeedback: true, usePreference: true, useContextItems: true, usePreviousList: true });

export const CrsEnvConfigSchema = z.object({
  /** Which split episodes are drawn from. */
  split: z.enum(['train', 'valid', 'test']).default('train'),
  /** T: rounds of recommendation per episode (paper: 5). */
  rounds: z.number().int().min(1).max(50).default(5),
  /** Size of the retrieved candidate set I_cand (paper: 20). */
  candidates: z.number().int().min(1).max(200).default(20),
  /** Length of the agent's list R_t (paper: top-10). */
  listLength: z.number().int().min(1).max(50).default(10),
  acceptance: AcceptanceSchema,
  /** Paper's evaluation protocol: play all T rounds even after the target was accepted. */
  runAllRounds: z.boolean().default(false),
  /** Drop items mentioned in the dialogue from the candidates (a separate protocol; off by default). */
  excludeContextItems: z.boolean().default(false),
  /** Reward weights by component name (paper eq. 15-19). */
  rewardWeights: z.record(z.string(), z.number().finite()).default({ ...DEFAULT_REWARD_WEIGHTS }),
  /** Switches for the retriever's query inputs (ablations w/o Pref, w/o Rec, w/o Feedback). */
  retrieverInputs: RetrieverInputsSchema,
  /** Whether the simulator is asked for feedback at all (w/o feedback: F is always empty). */
  useFeedback: z.boolean().default(true),
});

export type CrsEnvConfig = z.output<typeof CrsEnvConfigSchema>;
export type CrsEnvConfigInput = z.input<typeof CrsEnvConfigSchema>;
