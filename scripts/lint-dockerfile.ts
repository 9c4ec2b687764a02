/**
 * `npm run lint:dockerfile [-- path]`: validates the Dockerfile with dockerfile-utils (the validator behind
 * the Docker language server, which reports what the Docker builder would reject) and exits 1 on any
 * error or warning. No container engine runs on our machines, so this is the check the image gets here.
 */
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ValidationSeverity, type ValidatorSettings, validate } from 'dockerfile-utils';

export interface DockerfileProblem {
  /** 1-based, as an editor shows it. */
  line: number;
  column: number;
  severity: 'error' | 'warning' | 'information' | 'hint';
  message: string;
}

// Every optional check on, as a warning (the library's defaults today, spelled out so that a change of
// default in a later release cannot silently switch one off).
const settings: ValidatorSettings = {
  deprecatedMaintainer: ValidationSeverity.WARNING,
  directiveCasing: ValidationSeverity.WARNING,
  emptyContinuationLine: ValidationSeverity.WARNING,
  instructionCasing: ValidationSeverity.WARNING,
  instructionCmdMultiple: ValidationSeverity.WARNING,
  instructionEntrypointMultiple: ValidationSeverity.WARNING,
  instructionHealthcheckMultiple: ValidationSeverity.WARNING,
  instructionJSONInSingleQuotes: ValidationSeverity.WARNING,
  instructionWorkdirRelative: ValidationSeverity.WARNING,
};

// validate() returns LSP diagnostics, whose severity is 1 error, 2 warning, 3 information, 4 hint; an
// absent severity is taken as an error.
const severityNames = { 1: 'error', 2: 'warning', 3: 'information', 4: 'hint' } as const;

export function lintDockerfile(content: string): DockerfileProblem[] {
  return validate(content, settings).map((diagnostic) => ({
    line: diagnostic.range.start.line + 1,
    column: diagnostic.range.start.character + 1,
    severity: severityNames[diagnostic.severity ?? 1],
    // LSP allows a markup message; dockerfile-utils sends plain strings, but the type says either.
    message: typeof diagnostic.message === 'string' ? diagnostic.message : diagnostic.message.value,
  }));
}

/** Errors and warnings fail the lint; information and hints are only printed. */
export function isBlocking(problem: DockerfileProblem): boolean {
  return problem.severity === 'error' || problem.severity === 'warning';
}

function isEntryPoint(): boolean {
  const script = process.argv[1];
  if (script === undefined || !existsSync(script)) return false; // imported (by the test), not run
  return realpathSync(resolve(script)) === realpathSync(fileURLToPath(import.meta.url));
}

if (isEntryPoint()) {
  const path = process.argv[2] ?? 'Dockerfile';
  const problems = lintDockerfile(readFileSync(path, 'utf8'));
  for (const problem of problems) {
    console.log(`${path}:${problem.line}:${problem.column} ${problem.severity}: ${problem.message}`);
  }
  const blocking = problems.filter(isBlocking).length;
  console.log(
    blocking === 0
      ? `${path}: no errors or warnings (dockerfile-utils)`
      : `${path}: ${blocking} error(s) or warning(s)`,
  );
  process.exit(blocking === 0 ? 0 : 1);
}
