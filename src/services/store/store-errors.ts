/**
 * The store could not be read or written (server down, database locked, a lock that stays busy).
 * Callers turn it into "storage unavailable, nothing was spent" instead of running unmetered.
 */
export class StoreUnavailableError extends Error {
  override readonly name: string = 'StoreUnavailableError';

  /** `what` is unavailable, with the driver's own words for why. */
  static because(what: string, cause: unknown): StoreUnavailableError {
    return new StoreUnavailableError(
      `${what} is unavailable: ${cause instanceof Error ? cause.message : String(cause)}`,
    );
  }
}
