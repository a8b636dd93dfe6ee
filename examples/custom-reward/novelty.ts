// A custom reward component in one file: the share of this round's list that no earlier round recommended.
// `crs-gym eval --plugin examples/custom-reward/novelty.ts --reward-weights '{"novelty":0.5}' ...` weights it in
// next to the paper's five (weights are merged over the defaults), and `info.rewards.novelty` reports it.
// In code: `registerReward(novelty)`, then make('CrsEnv/inspired-v0', { env: { rewardWeights: { novelty: 0.5 } } }).
import type { Registries, RewardComponent, RewardContext } from '../../src/index.js';

export const novelty: RewardComponent = {
  name: 'novelty',
  compute: (ctx: RewardContext) => {
    if (ctx.ranking.length === 0) return 0;
    const before = new Set(ctx.earlierLists.flat());
    return ctx.ranking.filter((id) => !before.has(id)).length / ctx.ranking.length;
  },
};

export default function register(registries: Registries): void {
  registries.rewards.register('novelty', novelty, { description: 'share of the list not recommended in an earlier round' });
}
