/**
 * `/info` and the costs in command descriptions: what the bot does, what each command costs here, the
 * member's credits, and where generation is allowed.
 */
import type { ModelSpec } from '../models/spec.js';
import type { Period } from '../services/credits/quota-ledger.js';
import { creditCount, relativeTime } from './messages.js';

/** Ends a generation command's description with its default cost: "… · 5 credits". */
export function withCost(description: string, spec: Pick<ModelSpec, 'creditsPerOutput' | 'outputsParam'>) {
  return `${description} · ${creditCount(spec.creditsPerOutput)}${spec.outputsParam ? ' each' : ''}`;
}

/** Discord's full date and time in the reader's zone ("1 December 2026 01:00"). */
function fullTime(at: Date): string {
  return `<t:${Math.floor(at.getTime() / 1000)}:f>`;
}

const PERIOD_WORDS: Record<Period, string> = {
  daily: 'day (resets 00:00 UTC)',
  weekly: 'week (resets Monday 00:00 UTC)',
  monthly: 'month (resets on the 1st, 00:00 UTC)',
};

export interface InfoView {
  /** Each generation command with this server's price per output and the model's default. */
  costs: { command: string; what: string; credits: number; defaultCredits: number }[];
  quota: { remaining: number; limit: number; period: Period; resetsAt: Date; blocked: boolean };
  running: number;
  maxRunning: number;
  allowedChannelIds: readonly string[];
  allowedRoleIds: readonly string[];
}

export function infoText(view: InfoView): string {
  const costs = view.costs.map((cost) => {
    const note =
      cost.credits === cost.defaultCredits
        ? ''
        : ` (set by this server's moderators; usually ${cost.defaultCredits})`;
    return `• \`${cost.command}\` ${cost.what}: **${creditCount(cost.credits)}**${note}`;
  });
  const where =
    view.allowedChannelIds.length === 0
      ? 'in every channel'
      : `in ${view.allowedChannelIds.map((id) => `<#${id}>`).join(', ')} and their threads`;
  const who =
    view.allowedRoleIds.length === 0
      ? 'by everyone'
      : `by members with ${view.allowedRoleIds.map((id) => `<@&${id}>`).join(', ')}`;
  const { quota } = view;
  return [
    '**Scenario Bot** makes skyboxes, images and 3D models with Scenario’s AI models, right here.',
    'Each generation spends credits from an allowance that refills every period; a failed one costs nothing.',
    '',
    '**What each command costs here**',
    ...costs,
    '',
    `**Your credits:** ${quota.remaining} of ${quota.limit} left this ${PERIOD_WORDS[quota.period]}; they reset ${relativeTime(quota.resetsAt)} (${fullTime(quota.resetsAt)}).${quota.blocked ? ' A moderator has paused generation for you.' : ''}`,
    `**Running now:** ${view.running} of ${view.maxRunning} at once.`,
    `**Where:** generation is allowed ${where}, ${who}.`,
    '',
    '-# `/history` lists your results with their seeds · `/quota me` shows your credits and recent spending',
  ].join('\n');
}
