/** What went wrong with a Scenario call, in terms of what someone can do about it. */
export type ScenarioErrorKind =
  | 'auth' // 401: the API key or secret is wrong — an operator must fix the configuration
  | 'forbidden' // 403: the model is not in the project's plan
  | 'invalid' // 400/422: Scenario rejected the parameters; its message says which
  | 'not_found' // 404
  | 'rate_limited' // 429 after our retries
  | 'concurrency' // 429 naming actionLimit: too many jobs running at once
  | 'unavailable' // 5xx or network failure after our retries
  | 'timeout' // no answer within the timeout
  | 'malformed' // an answer we could not read
  | 'too_large' // a download bigger than the cap
  | 'refused_url'; // a link in an answer that leads where the bot does not fetch (not https, an internal address)

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
  constructor(
    readonly kind: ScenarioErrorKind,
    message: string,
    readonly details: { status?: number; scenarioMessage?: string; method?: string; path?: string } = {},
  ) {
    super(message);
  }

  /** Whether the request certainly did not run on Scenario's side (safe to say "nothing was spent"). */
  get rejectedBeforeRunning(): boolean {
    return ['auth', 'forbidden', 'invalid', 'not_found', 'rate_limited', 'concurrency'].includes(this.kind);
  }

  /**
   * Whether a generate that failed this way may still have started a job: no answer (timeout, dropped
   * connection), an unreadable answer, or a 500. 502/503/504 come from the gateway before the API ran.
   */
  get mayHaveRun(): boolean {
    if (this.rejectedBeforeRunning || this.kind === 'too_large') return false;
    return !(this.kind === 'unavailable' && [502, 503, 504].includes(this.details.status ?? 0));
  }
}

export function describeStatus(
  status: number,
  scenarioMessage: string | undefined,
  actionLimit: boolean,
): ScenarioError {
  const said = scenarioMessage ? `: ${scenarioMessage}` : '';
  if (status === 401)
    return new ScenarioError(
      'auth',
      'Scenario rejected the API key or secret (check SCENARIO_SDK_API_KEY / SCENARIO_SDK_API_SECRET)',
      { status, scenarioMessage },
    );
  if (status === 403)
    return new ScenarioError(
      'forbidden',
      `Scenario refused the request: the model may not be in the project's plan${said}`,
      { status, scenarioMessage },
    );
  if (status === 400 || status === 422)
    return new ScenarioError('invalid', `Scenario rejected the parameters${said}`, {
      status,
      scenarioMessage,
    });
  if (status === 404)
    return new ScenarioError('not_found', `Scenario could not find it${said}`, { status, scenarioMessage });
  if (status === 429 && actionLimit)
    return new ScenarioError('concurrency', `Scenario's limit of jobs running at once is reached${said}`, {
      status,
      scenarioMessage,
    });
  if (status === 429)
    return new ScenarioError('rate_limited', 'Scenario is rate limiting the project; try again in a minute', {
      status,
      scenarioMessage,
    });
  if (status === 413)
    return new ScenarioError('too_large', `Scenario refused the body as too large${said}`, {
      status,
      scenarioMessage,
    });
  return new ScenarioError('unavailable', `Scenario answered ${status}${said}`, { status, scenarioMessage });
}

/** An answer's JSON, or undefined when it is empty or not JSON. */
export function parseJson(text: string): unknown {
  if (text.length === 0) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** Retry-After is either delay-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(header: string | null, now: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds)) return Math.max(0, seconds * 1000);
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - now);
}

/** How Scenario answered lately (`/status` shows it). */
export interface ScenarioHealth {
  lastOkAt?: number;
  /** The last outage (an error status, a timeout, no connection, an unreadable answer), and its kind. */
  lastFailure?: { at: number; kind: ScenarioErrorKind };
}

/** Failures that say Scenario is unwell; a refused request (bad input, not found) is Scenario answering. */
export const OUTAGE_KINDS: ReadonlySet<ScenarioErrorKind> = new Set([
  'unavailable',
  'timeout',
  'rate_limited',
  'malformed',
]);
