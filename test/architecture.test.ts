import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '..');

function sourceFiles(folder: string): string[] {
  return readdirSync(join(root, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => name.endsWith('.ts'))
    .map((name) => join(folder, name));
}

/** Every module a file names: static imports and re-exports (type-only included) and dynamic imports. */
function importedModules(source: string): string[] {
  const found: string[] = [];
  const patterns = [
    /\b(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]/g,
    /\bimport\s*\(\s*['"]([^'"]+)['"]\s*\)/g,
    /^\s*import\s+['"]([^'"]+)['"]/gm,
  ];
  for (const pattern of patterns)
    for (const match of source.matchAll(pattern)) if (match[1]) found.push(match[1]);
  return found;
}

/** The imports of `file` (a path from the repository root) that land in one of `forbidden` folders. */
function forbiddenImports(file: string, source: string, forbidden: readonly string[]): string[] {
  return importedModules(source)
    .filter((specifier) => specifier.startsWith('.'))
    .map((specifier) => relative(root, resolve(root, dirname(file), specifier)))
    .filter((target) => forbidden.some((folder) => target === folder || target.startsWith(`${folder}/`)));
}

const INNER = ['src/services', 'src/models'];
const OUTER = ['src/discord', 'src/commands'];

describe('the architecture', () => {
  it('finds every form of import, so the rule below can fail', () => {
    const source = [
      "import { a } from '../../discord/messages.js';",
      "import type { B } from '../../commands/types.js';",
      "export { c } from '../../discord/router.js';",
      "import {\n  d,\n  type E,\n} from '../../discord/job-messenger.js';",
      "const f = await import('../../commands/index.js');",
      "import '../../discord/client.js';",
      "import { ok } from '../scenario/scenario-client.js';",
    ].join('\n');
    expect(forbiddenImports('src/services/jobs/example.ts', source, OUTER)).toEqual([
      'src/discord/messages.js',
      'src/commands/types.js',
      'src/discord/router.js',
      'src/discord/job-messenger.js',
      'src/commands/index.js',
      'src/discord/client.js',
    ]);
  });

  it.each(INNER)('nothing under %s imports from src/discord or src/commands', (folder) => {
    const offenders = sourceFiles(folder).flatMap((file) =>
      forbiddenImports(file, readFileSync(join(root, file), 'utf8'), OUTER).map(
        (target) => `${file} → ${target}`,
      ),
    );
    expect(offenders).toEqual([]);
  });

  it('no file under src/ is longer than 400 lines', () => {
    const long = sourceFiles('src')
      .map((file) => ({ file, lines: readFileSync(join(root, file), 'utf8').split('\n').length }))
      .filter(({ lines }) => lines > 400);
    expect(long).toEqual([]);
  });
});
