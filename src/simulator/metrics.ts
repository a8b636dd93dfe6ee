// Evaluation measures for the simulator heads: AUC for the Yes/No target head, micro-F1 and precision@k
// for the multi-label attribute head.

/** Area under the ROC curve (Mann-Whitney U, ties counted half); NaN without both classes. */
export function auc(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number));
  let positives = 0;
  let rankSum = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && scores[order[j + 1] as number] === scores[order[i] as number]) j++;
    const midRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if ((labels[order[k] as number] as number) > 0.5) {
        positives++;
        rankSum += midRank;
      }
    }
    i = j + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Indices of the `k` largest values, largest first (ties by lower index). */
export function topK(values: ArrayLike<number>, k: number): number[] {
  return Array.from({ length: values.length }, (_, i) => i)
    .sort((a, b) => (values[b] as number) - (values[a] as number) || a - b)
    .slice(0, k);
}

/** Hits among `predicted` over `k` (a fixed denominator, as precision@k is usually reported). */
export function precisionAtK(predicted: readonly number[], truth: ReadonlySet<number>, k: number): number {
  let hits = 0;
  for (const i of predicted.slice(0, k)) if (truth.has(i)) hits++;
  return hits / k;
}

export interface MicroCounts {
  tp: number;
  fp: number;
  fn: number;
}

export function addThresholdCounts(
  counts: MicroCounts,
  probs: ArrayLike<number>,
  truth: ReadonlySet<number>,
  threshold: number,
): void {
  for (let i = 0; i < probs.length; i++) {
    const predicted = (probs[i] as number) >= threshold;
    const actual = truth.has(i);
    if (predicted && actual) counts.tp++;
    else if (predicted) counts.fp++;
    else if (actual) counts.fn++;
  }
}

export function f1Of(counts: MicroCounts): number {
  const denominator = 2 * counts.tp + counts.fp + counts.fn;
  return denominator === 0 ? 0 : (2 * counts.tp) / denominator;
}

/** Micro-F1 of thresholded probabilities over many samples. */
export function microF1(probs: readonly ArrayLike<number>[], truths: readonly ReadonlySet<number>[], threshold: number): number {
  const counts: MicroCounts = { tp: 0, fp: 0, fn: 0 };
  probs.forEach((p, i) => addThresholdCounts(counts, p, truths[i] as ReadonlySet<number>, threshold));
  return f1Of(counts);
}

/** The threshold from `grid` with the best micro-F1 (the first one on ties). */
export function bestThreshold(
  probs: readonly ArrayLike<number>[],
  truths: readonly ReadonlySet<number>[],
  grid: readonly number[] = [0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4, 0.45, 0.5, 0.6, 0.7],
): { threshold: number; f1: number } {
  let best = { threshold: grid[0] ?? 0.5, f1: -1 };
  for (const t of grid) {
    const f1 = microF1(probs, truths, t);
    if (f1 > best.f1) best = { threshold: t, f1 };
  }
  return best;
}
