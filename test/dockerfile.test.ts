import { readFileSync } from 'node:fs';
import { posix } from 'node:path';
import { describe, expect, it } from 'vitest';
import { isBlocking, lintDockerfile } from '../scripts/lint-dockerfile.js';
import { productionNodeFlags } from '../scripts/production-node-flags.js';

const dockerfile = readFileSync(new URL('../Dockerfile', import.meta.url), 'utf8');

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}
interface Stage {
  name: string | undefined;
  /** The image it starts from (`node:22-bookworm-slim`). */
  from: string;
  instructions: Instruction[];
}

/** Logical instructions: comments and blank lines dropped, `\` continuations joined. */
function instructionsOf(text: string): Instruction[] {
  const instructions: Instruction[] = [];
  let current: { line: number; parts: string[] } | undefined;
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = raw.trimEnd();
    if (/^\s*(#|$)/.test(line)) return; // the builder skips these, inside a continuation too
    current ??= { line: index + 1, parts: [] };
    current.parts.push(line.endsWith('\\') ? line.slice(0, -1) : line);
    if (line.endsWith('\\')) return;
    const joined = current.parts.join(' ').trim();
    const [keyword = '', ...rest] = joined.split(/\s+/);
    instructions.push({ keyword: keyword.toUpperCase(), args: rest.join(' '), line: current.line });
    current = undefined;
  });
  return instructions;
}

function stagesOf(text: string): Stage[] {
  const stages: Stage[] = [];
  for (const instruction of instructionsOf(text)) {
    if (instruction.keyword === 'FROM') {
      stages.push({
        name: instruction.args.match(/\sAS\s+(\S+)$/i)?.[1],
        from: instruction.args.split(/\s+/)[0] ?? '',
        instructions: [],
      });
    } else {
      stages.at(-1)?.instructions.push(instruction);
    }
  }
  return stages;
}

/** `ENV A=1 B="two words"` and the legacy `ENV A 1`. */
function envOf(stage: Stage): Map<string, string> {
  const env = new Map<string, string>();
  for (const { args } of stage.instructions.filter((instruction) => instruction.keyword === 'ENV')) {
    const tokens = args.split(/\s+/);
    if (!tokens[0]?.includes('=')) {
      env.set(tokens[0] ?? '', tokens.slice(1).join(' '));
      continue;
    }
    for (const [, key = '', value = ''] of args.matchAll(/([^\s=]+)=("[^"]*"|\S*)/g))
      env.set(key, value.replace(/^"(.*)"$/, '$1'));
  }
  return env;
}

function listArgs(args: string): string[] {
  return args.trim().startsWith('[') ? (JSON.parse(args) as string[]) : args.split(/\s+/);
}

/**
 * What the issue asks of the production image, checked on the Dockerfile's text: one message per property
 * that does not hold.
 */
function productionProblems(text: string): string[] {
  const problems: string[] = [];
  const stages = stagesOf(text);
  if (stages.length < 2) problems.push('not multi-stage: fewer than two FROM');
  const final = stages.at(-1);
  if (!final) return [...problems, 'no FROM'];
  const of = (keyword: string) => final.instructions.filter((instruction) => instruction.keyword === keyword);
  const workdir = of('WORKDIR').at(-1)?.args ?? '/';

  const user = of('USER').at(-1);
  if (!user || /^(root|0)(:|$)/.test(user.args))
    problems.push('the final stage does not run as a non-root USER');

  // A supported runtime: Node 22 (the current LTS) or later, in every stage (sqlite3 is built natively).
  for (const stage of stages) {
    const major = Number(stage.from.match(/^node:(\d+)/)?.[1] ?? 0);
    if (major < 22)
      problems.push(`a stage runs on ${stage.from || 'an unknown image'}, not Node 22 or later`);
  }
  // The code and its dependencies are not the runtime user's to change.
  for (const instruction of of('COPY'))
    if (/--chown=/.test(instruction.args) && /\b(node_modules|dist)$/.test(instruction.args))
      problems.push(`the runtime user owns what ${instruction.args} copies`);

  const env = envOf(final);
  if (env.get('NODE_ENV') !== 'production')
    problems.push('the final stage does not set ENV NODE_ENV=production');
  // The heap settings production runs with (README, Deployment: memory), the same as `npm run start:prod`'s.
  const nodeFlags = productionNodeFlags().join(' ');
  if (!nodeFlags || env.get('NODE_OPTIONS') !== nodeFlags)
    problems.push(`the final stage does not set ENV NODE_OPTIONS="${nodeFlags}" (npm run start:prod's)`);

  // The SQLite file lives in a volume, prepared (created, owned by the user) before VOLUME is declared:
  // changes to a volume's path after the declaration are discarded by the builder.
  const storeUrl = env.get('STORE_URL') ?? '';
  const dataDir = storeUrl.startsWith('sqlite:///') ? posix.dirname(storeUrl.slice('sqlite://'.length)) : '';
  if (!dataDir) problems.push('the final stage does not set STORE_URL to an absolute sqlite:/// path');
  const volume = of('VOLUME').find((instruction) => listArgs(instruction.args).includes(dataDir));
  if (!volume) problems.push(`no VOLUME for the data directory ${dataDir || '(unknown)'}`);
  const owner = user?.args.split(':')[0] ?? '';
  const prepared = of('RUN').find(
    (instruction) =>
      instruction.args.includes(`mkdir -p ${dataDir}`) && instruction.args.includes(`chown ${owner}`),
  );
  if (!prepared || (volume && prepared.line > volume.line)) {
    problems.push(`the data directory is not created and given to ${owner || 'the user'} before VOLUME`);
  }

  const healthcheck = of('HEALTHCHECK').at(-1);
  if (!healthcheck || !/\bCMD\b.*\/healthz/.test(healthcheck.args) || !env.has('HEALTH_PORT')) {
    problems.push('no HEALTHCHECK on /healthz with HEALTH_PORT set');
  }

  // node_modules comes from an earlier stage whose last npm step on it leaves the dev dependencies out,
  // and the final stage installs nothing itself.
  const copy = of('COPY').find((instruction) => /\bnode_modules$/.test(instruction.args));
  const source = stages.find((stage) => stage.name === copy?.args.match(/--from=(\S+)/)?.[1]);
  const npmSteps = (source?.instructions ?? [])
    .filter((instruction) => instruction.keyword === 'RUN')
    .flatMap((instruction) => instruction.args.match(/npm (ci|install|i|prune)\b[^&;|]*/g) ?? []);
  if (!copy || !source || !/--omit=dev\b/.test(npmSteps.at(-1) ?? '')) {
    problems.push('the final stage does not copy node_modules pruned with --omit=dev from a build stage');
  }
  if (of('RUN').some((instruction) => /npm (ci|install|i)\b/.test(instruction.args))) {
    problems.push('the final stage runs an npm install');
  }

  // The command the production layout test runs (test/e2e/production-layout.e2e.test.ts).
  const cmd = of('CMD').at(-1);
  // Exec form: in shell form /bin/sh would be PID 1 and SIGTERM would not reach node.
  const execForm = cmd?.args.trim().startsWith('[') ? listArgs(cmd.args) : [];
  if (execForm.join(' ') !== 'node dist/main.js' || workdir !== '/app') {
    problems.push('the final stage does not run ["node", "dist/main.js"] (exec form) from /app');
  }
  return problems;
}

describe('the Dockerfile', () => {
  it('has no problem for dockerfile-utils, and silences none', () => {
    expect(lintDockerfile(dockerfile)).toEqual([]);
    expect(dockerfile).not.toContain('dockerfile-utils: ignore');
  });

  it.each([
    ['a COPY without destination', 'FROM node:20\nCOPY package.json\n', 2, /COPY requires at least two/],
    ['a misspelled instruction', 'FROM node:20\nUSR node\n', 2, /Unknown instruction: USR/],
    ['an unknown HEALTHCHECK flag', 'FROM node:20\nHEALTHCHECK --interva=30s CMD true\n', 2, /Unknown flag/],
    ['a relative WORKDIR', 'FROM node:20\nWORKDIR app\n', 2, /absolute/],
    ['lowercase instructions', 'FROM node:20\nworkdir /app\n', 2, /uppercase/],
    ['no FROM at all', 'WORKDIR /app\n', 1, /FROM/],
  ])('reports %s as a blocking problem', (_name, text, line, message) => {
    const problems = lintDockerfile(text);
    expect(problems.filter(isBlocking)).toEqual(
      expect.arrayContaining([expect.objectContaining({ line, message: expect.stringMatching(message) })]),
    );
  });

  it('reports a problem in the real Dockerfile once it is broken', () => {
    const broken = dockerfile.replace(/^USER node$/m, 'USR node');
    expect(broken).not.toBe(dockerfile);
    const line = broken.split('\n').indexOf('USR node') + 1;
    expect(lintDockerfile(broken).filter(isBlocking)).toEqual([
      expect.objectContaining({ line, severity: 'error', message: 'Unknown instruction: USR' }),
    ]);
  });

  it('gives `npm start` (tsx) the same heap settings as start:prod and the image', () => {
    const { scripts } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      scripts: Record<string, string>;
    };
    const flags = productionNodeFlags();
    expect(flags.length).toBeGreaterThan(0);
    expect(scripts.start?.split(/\s+/).filter((word) => word.startsWith('--'))).toEqual(flags);
  });

  it('has every production property the issue asks for', () => {
    expect(stagesOf(dockerfile).length).toBeGreaterThanOrEqual(2);
    expect(productionProblems(dockerfile)).toEqual([]);
  });

  it.each([
    [
      'one stage only',
      (text: string) => text.replace(/^FROM .* AS build$[\s\S]*?^FROM /m, 'FROM '),
      /multi-stage/,
    ],
    ['USER removed', (text: string) => text.replace(/^USER node$/m, ''), /non-root USER/],
    ['USER root', (text: string) => text.replace(/^USER node$/m, 'USER root'), /non-root USER/],
    [
      'NODE_ENV=development',
      (text: string) => text.replace('NODE_ENV=production', 'NODE_ENV=development'),
      /NODE_ENV/,
    ],
    [
      'the heap settings left out',
      (text: string) => text.replace(/^\s*NODE_OPTIONS=.*$/m, ''),
      /NODE_OPTIONS/,
    ],
    [
      "heap settings other than start:prod's",
      (text: string) => text.replace('--max-old-space-size=512', '--max-old-space-size=4096'),
      /NODE_OPTIONS/,
    ],
    ['VOLUME removed', (text: string) => text.replace(/^VOLUME .*$/m, ''), /no VOLUME/],
    [
      'the data directory prepared after VOLUME',
      (text: string) => {
        const run = text.match(/^RUN mkdir -p \/app\/data.*$/m)?.[0] ?? '';
        return text.replace(`${run}\n`, '').replace(/^VOLUME .*$/m, (volume) => `${volume}\n${run}`);
      },
      /before VOLUME/,
    ],
    [
      'HEALTHCHECK removed',
      (text: string) => text.replace(/^HEALTHCHECK[^\n]*\\\n[^\n]*\n/m, ''),
      /HEALTHCHECK/,
    ],
    [
      'CMD in shell form',
      (text: string) => text.replace('CMD ["node", "dist/main.js"]', 'CMD node dist/main.js'),
      /exec form/,
    ],
    ['no prune', (text: string) => text.replace(' && npm prune --omit=dev', ''), /--omit=dev/],
    [
      'Node 20',
      (text: string) => text.replace(/node:22-bookworm-slim$/m, 'node:20-bookworm-slim'),
      /Node 22/,
    ],
    [
      'node_modules owned by the runtime user',
      (text: string) =>
        text.replace(
          'COPY --from=build /app/node_modules',
          'COPY --from=build --chown=node:node /app/node_modules',
        ),
      /runtime user owns/,
    ],
    [
      'an npm ci in the final stage',
      (text: string) => text.replace(/^USER node$/m, 'RUN npm ci\nUSER node'),
      /npm install/,
    ],
  ])('notices %s', (_name, mutate, expected) => {
    const mutated = mutate(dockerfile);
    expect(mutated).not.toBe(dockerfile);
    expect(productionProblems(mutated)).toEqual(expect.arrayContaining([expect.stringMatching(expected)]));
  });
});
