// What a person sees during play: the dialogue so far, the recommender's explanation and its numbered list.
import type { Attributes, Utterance } from '../data/types.js';
import type { ItemView } from '../../envs/types.js';

/** How many values of each attribute a list line shows. */
const SHOWN = { genre: 3, director: 1, actor: 2 } as const;

export function formatContext(context: readonly Utterance[]): string {
  if (context.length === 0) return '(the conversation has not started yet)';
  return context.map((u) => `${u.role === 'seeker' ? 'User' : 'Recommender'}: ${u.text}`).join('\n');
}

/** "comedy, crime, drama; dir. Lorene Scafaria; with Cardi B, Constance Wu" */
export function formatAttributes(attributes: Attributes): string {
  const parts: string[] = [];
  const genre = attributes.genre?.slice(0, SHOWN.genre) ?? [];
  const director = attributes.director?.slice(0, SHOWN.director) ?? [];
  const actor = attributes.actor?.slice(0, SHOWN.actor) ?? [];
  if (genre.length > 0) parts.push(genre.join(', '));
  if (director.length > 0) parts.push(`dir. ${director.join(', ')}`);
  if (actor.length > 0) parts.push(`with ${actor.join(', ')}`);
  return parts.join('; ');
}

export function formatList(items: readonly ItemView[]): string {
  if (items.length === 0) return '  (no recommendations this round)';
  const width = String(items.length).length;
  return items
    .map((item, i) => {
      const attrs = formatAttributes(item.attributes);
      return `  ${String(i + 1).padStart(width)}. ${item.title}${attrs ? `  [${attrs}]` : ''}`;
    })
    .join('\n');
}

/**
 * The recommender's explanation for a person: its reasoning steps without the <think> tags, or its
 * preference P_t when it wrote no reasoning. An agent that gives neither (a baseline) is explained by what it is.
 */
export function formatExplanation(opts: { preference?: string; reasoning?: string; agentLabel: string; feedback: string }): string {
  const lines: string[] = [];
  const preference = opts.preference?.trim() ?? '';
  const reasoning = (opts.reasoning ?? '').replace(/<\/?think>/gi, '').trim();
  // The reasoning's first step states the preference already; show it alone only when there is no reasoning.
  if (reasoning) lines.push(...reasoning.split('\n').map((l) => l.trim()).filter((l) => l !== '').map((l) => `  ${l}`));
  else if (preference) lines.push(`  Preference: ${preference}`);
  if (lines.length === 0) {
    lines.push(
      `(${opts.agentLabel} gives no reasoning: it passes the retriever's order through, ranked from the dialogue` +
        `${opts.feedback ? ' and your last feedback' : ''}.)`,
    );
  }
  return lines.join('\n');
}

export function rule(title: string, width = 72): string {
  const head = `-- ${title} `;
  return head + '-'.repeat(Math.max(3, width - head.length));
}
