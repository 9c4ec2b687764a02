/**
 * Rate limits, server errors and slow answers: the bucket headers on every REST answer, the 429s and 5xx
 * a test injects for the next requests on a route, and requests held unanswered until the test releases
 * them. Its rules belong to one emulator (created per emulator).
 */
export function createRateLimits() {
  const rateLimits: {
    route: RegExp;
    count: number;
    retryAfterSec: number;
    global: boolean;
    withFilesOnly: boolean;
  }[] = [];
  const serverErrors: { route: RegExp; count: number; status: number; withFilesOnly: boolean }[] = [];
  const holds: { route: RegExp; withFilesOnly: boolean; released: Promise<void>; held: number }[] = [];
  /** Requests that Discord carries out, whose answer is then lost (a 502 from a proxy in front of it). */
  const lostAnswers: { route: RegExp; count: number; withFilesOnly: boolean }[] = [];

  const rateHeaders = (route: string) => ({
    'x-ratelimit-limit': '5',
    'x-ratelimit-remaining': '4',
    'x-ratelimit-reset': String(Date.now() / 1000 + 1),
    'x-ratelimit-reset-after': '1',
    'x-ratelimit-bucket': Buffer.from(route.replace(/\d{15,}/g, ':id'))
      .toString('hex')
      .slice(0, 16),
  });

  /** Whether an injected rule applies to this request: its route, and files when it asks for them. */
  const applies = (
    rule: { route: RegExp; withFilesOnly: boolean },
    method: string,
    path: string,
    carriesFiles: boolean,
  ) => rule.route.test(`${method} ${path}`) && (!rule.withFilesOnly || carriesFiles);

  /** The injected answer (429, then 5xx) that replaces this request's route, if one is due. */
  const injectedAnswer = (
    method: string,
    path: string,
    carriesFiles: boolean,
  ): { status: number; body: unknown; headers?: Record<string, string> } | undefined => {
    const limit = rateLimits.find(
      (candidate) => candidate.count > 0 && applies(candidate, method, path, carriesFiles),
    );
    if (limit) {
      limit.count -= 1;
      return {
        status: 429,
        body: {
          message: 'You are being rate limited.',
          retry_after: limit.retryAfterSec,
          global: limit.global,
        },
        headers: {
          'retry-after': String(Math.ceil(limit.retryAfterSec)),
          ...rateHeaders(path),
          'x-ratelimit-remaining': '0',
          'x-ratelimit-reset-after': String(limit.retryAfterSec),
          'x-ratelimit-scope': limit.global ? 'global' : 'user',
          ...(limit.global ? { 'x-ratelimit-global': 'true' } : {}),
        },
      };
    }
    const failure = serverErrors.find(
      (candidate) => candidate.count > 0 && applies(candidate, method, path, carriesFiles),
    );
    if (failure) {
      failure.count -= 1;
      return { status: failure.status, body: { message: 'Internal Server Error', code: 0 } };
    }
    return undefined;
  };

  /** Whether this request, once carried out, is answered 502 instead of its result. */
  const answerLost = (method: string, path: string, carriesFiles: boolean): boolean => {
    const lost = lostAnswers.find(
      (candidate) => candidate.count > 0 && applies(candidate, method, path, carriesFiles),
    );
    if (lost) lost.count -= 1;
    return lost !== undefined;
  };

  /** Waits, unanswered, while a hold the test has not released matches this request. */
  const heldBack = async (method: string, path: string, carriesFiles: boolean): Promise<void> => {
    const hold = holds.find((candidate) => applies(candidate, method, path, carriesFiles));
    if (!hold) return;
    hold.held += 1;
    await hold.released;
  };

  return {
    rateHeaders,
    injectedAnswer,
    heldBack,
    answerLost,
    helpers: {
      /**
       * The next `count` requests on `route` are carried out, then answered 502 as if the answer was lost
       * on the way: a client that simply tries again does the thing twice.
       */
      loseAnswers(input: { route: RegExp; count: number; withFilesOnly?: boolean }) {
        lostAnswers.push({ ...input, withFilesOnly: input.withFilesOnly ?? false });
      },
      /**
       * Holds every request on `route` (only those carrying files, if asked) unanswered until `release()`,
       * as a Discord slow to take an upload would: `held()` counts the requests held so far.
       */
      holdRequests(input: { route: RegExp; withFilesOnly?: boolean }) {
        let release!: () => void;
        const hold = {
          route: input.route,
          withFilesOnly: input.withFilesOnly ?? false,
          released: new Promise<void>((resolve) => {
            release = resolve;
          }),
          held: 0,
        };
        holds.push(hold);
        return {
          held: () => hold.held,
          release() {
            if (holds.includes(hold)) holds.splice(holds.indexOf(hold), 1);
            release();
          },
        };
      },
      /** The next `count` requests on `route` (only those carrying files, if asked) are answered 429. */
      injectRateLimit(input: {
        route: RegExp;
        count: number;
        retryAfterSec: number;
        global?: boolean;
        withFilesOnly?: boolean;
      }) {
        rateLimits.push({
          ...input,
          global: input.global ?? false,
          withFilesOnly: input.withFilesOnly ?? false,
        });
      },
      /**
       * The next `count` requests on `route` (only those carrying files, if asked) are answered `status`;
       * `count: Infinity` is an outage that lasts until `lift()`.
       */
      injectServerError(input: { route: RegExp; count: number; status?: number; withFilesOnly?: boolean }) {
        const failure = {
          ...input,
          status: input.status ?? 500,
          withFilesOnly: input.withFilesOnly ?? false,
        };
        serverErrors.push(failure);
        return {
          lift() {
            failure.count = 0;
          },
        };
      },
    },
  };
}

export type RateLimits = ReturnType<typeof createRateLimits>;
