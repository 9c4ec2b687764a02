import { readFileSync } from 'node:fs';

/**
 * The node options production runs the bot with: those of `npm run start:prod` (`node <flags> dist/main.js`),
 * which the Dockerfile repeats as `NODE_OPTIONS` (test/dockerfile.test.ts holds them equal). The bench gives
 * them to the bot's own process, so that its figure is the one production gets.
 */
export function productionNodeFlags(
  packageJson = readFileSync(new URL('../package.json', import.meta.url), 'utf8'),
): string[] {
  const { scripts } = JSON.parse(packageJson) as { scripts?: Record<string, string> };
  const words = (scripts?.['start:prod'] ?? '').split(/\s+/).filter(Boolean);
  return words[0] === 'node' ? words.slice(1).filter((word) => word.startsWith('--')) : [];
}
