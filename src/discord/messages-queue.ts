/**
 * What a member reads while their command waits for Scenario's request budget (the queue), and `/status`.
 * Services hand over numbers (requests ahead, milliseconds); the words are here.
 */
import type { StatusReport } from '../services/jobs/bot-status.js';
import { clipMessage, relativeTime, STATE_WORDS, summariseParameters } from './messages.js';

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

/** `/status`: what the member has queued and running, then the bot's state; moderators also see everyone's counts. */
export function statusText(report: StatusReport, now: number): string {
  const lines: string[] = ['**Your jobs**'];
  for (const job of report.mine.queued) {
    const place =
      job.ahead === undefined
        ? 'about to wait for its turn'
        : `${placeInLine(job.ahead)}, ${waitEstimate(job.etaMs ?? 0)}`;
    lines.push(`• \`/${job.record.command}\` waiting for Scenario: ${place}`);
  }
  for (const record of report.mine.running) {
    const state = STATE_WORDS[record.state] ?? record.state;
    lines.push(
      `• \`/${record.command}\` ${state} · ${Math.round(record.progress * 100)}% · started ${relativeTime(record.createdAt)}`,
    );
  }
  if (report.mine.queued.length + report.mine.running.length === 0)
    lines.push('You have no job waiting or running.');
  lines.push(
    '**Bot**',
    `Queue: ${report.queued} waiting for Scenario · ${report.running} running`,
    `Scenario requests in the last minute: ${report.requestsLastMinute} of ${report.perMinute}` +
      (report.requestsWaiting > 0 ? ` (${report.requestsWaiting} waiting)` : ''),
    `Store: ${report.store === 'ok' ? 'ok' : 'not answering'} · Scenario: ${scenarioWords(report)}`,
    `Up since ${relativeTime(now - report.uptimeMs)} · version ${report.version}`,
  );
  if (report.members) {
    lines.push('**Members with jobs** (moderators)');
    if (report.members.length === 0) lines.push('Nobody has a job waiting or running.');
    for (const member of report.members.slice(0, 25))
      lines.push(`<@${member.userId}>: ${member.queued} waiting, ${member.running} running`);
    if (report.members.length > 25) lines.push(`…and ${report.members.length - 25} more`);
  }
  return clipMessage(lines.join('\n'));
}

function scenarioWords(report: StatusReport): string {
  if (report.scenario === 'unknown') return 'no request yet';
  if (report.scenario === 'ok') return 'ok';
  const failure = report.lastScenarioFailure;
  return failure ? `trouble (${failure.kind.replace('_', ' ')} ${relativeTime(failure.at)})` : 'trouble';
}
