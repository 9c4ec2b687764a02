/**
 * What a member reads while their command waits for Scenario's request budget (the queue), and `/status`.
 * Services hand over numbers (requests ahead, milliseconds); the words are here.
 */
import { summariseParameters } from './messages.js';

/** "about 2 min", "less than a minute": an estimate, never a promise to the second. */
export function waitEstimate(etaMs: number): string {
  if (etaMs < 60_000) return 'less than a minute';
  return `about ${Math.ceil(etaMs / 60_000)} min`;
}

/** "12 ahead of you", or "you are next". */
export function placeInLine(ahead: number): string {
  if (ahead <= 0) return 'you are next';
  return `${ahead} ahead of you`;
}

export interface QueuedView {
  modelLabel: string;
  userId: string;
  body: Record<string, unknown>;
  ahead: number;
  etaMs: number;
}

/** The job's message while it waits: replaced by the usual progress once it is sent. */
export function queuedMessage(view: QueuedView): string {
  return [
    `**${view.modelLabel}** for <@${view.userId}> · waiting for Scenario: ${placeInLine(view.ahead)}, ${waitEstimate(view.etaMs)}`,
    `> ${summariseParameters(view.body)}`,
    '-# Scenario takes a limited number of requests a minute. Your credits are reserved, not spent yet; your request is sent when its turn comes, also if the bot restarts meanwhile.',
  ].join('\n');
}
