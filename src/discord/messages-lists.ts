/** The lists members and moderators ask for: `/history` and `/quota price`. */
import { creditsPerOutput, modelLabel } from '../models/index.js';
import { knownModels } from '../models/known-models.js';
import type { Generation } from '../services/jobs/generation-log.js';
import { quoteUserText, relativeTime } from './messages.js';

/**
 * `/history`: one line per generation, newest first. A posted result links to its message; one Discord
 * has not taken yet is marked so, with Scenario's links to its files meanwhile.
 */
export function historyText(generations: Generation[]): string {
  if (generations.length === 0) return 'You have no generations in this server yet.';
  return generations
    .map((generation) => {
      const prompt =
        typeof generation.body.prompt === 'string' ? ` “${quoteUserText(generation.body.prompt, 60)}”` : '';
      const seed = generation.seed === undefined ? 'no seed' : `seed \`${generation.seed}\``;
      const parent = generation.parentGenerationId ? ` (${generation.lineage ?? 'reroll'})` : '';
      const where =
        generation.status === 'delivered' && generation.messageId
          ? `[result](https://discord.com/channels/${generation.guildId}/${generation.channelId}/${generation.messageId})`
          : [
              '⏳ not yet posted (Discord is refusing it for now; the bot will post it)',
              ...generation.links.map((link) => `[\`${link.name}\`](${link.url})`),
            ].join(' · ');
      return `• ${relativeTime(generation.createdAt)} **${modelLabel(generation.modelId)}**${parent}${prompt} · ${seed} · ${where}`;
    })
    .join('\n');
}

/** `/quota price`: credits per output here, for every model the bot knows and every priced model. */
export function priceList(overrides: Record<string, number>, onlyModelId?: string): string {
  const ids = onlyModelId
    ? [onlyModelId]
    : [...new Set([...knownModels.map((model) => model.id), ...Object.keys(overrides)])];
  const lines = ids.map((id) => {
    const base = creditsPerOutput(id);
    const price = overrides[id];
    const shown = price === undefined ? `${base} (default)` : `**${price}** (set here; default ${base})`;
    return `• ${modelLabel(id)} (\`${id}\`): ${shown}`;
  });
  return ['**Credits per output in this server**', ...lines].join('\n');
}
