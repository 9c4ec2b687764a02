/**
 * What moderators read: mod-log lines in words ("@mod allowed generation in #art") and `/quota usage`.
 * A summary is a sentence's predicate; the mod-log line puts the moderator before it.
 */
import type { Period } from '../services/credits/quota-ledger.js';
import { creditCount, relativeTime } from './messages.js';

const channel = (id: string) => `<#${id}>`;
const role = (id: string) => `<@&${id}>`;
const member = (id: string) => `<@${id}>`;

/** A /bot-settings change, as the mod-log says it. */
export type SettingsChange =
  | { name: 'show'; args: object }
  | { name: 'allow-channel' | 'disallow-channel'; args: { channel: { id: string } } }
  | { name: 'allow-role' | 'disallow-role'; args: { role: { id: string } } }
  | { name: 'moderator-role'; args: { role?: { id: string } } }
  | { name: 'mod-log'; args: { channel?: { id: string } } };

export function settingsChangeWords(change: SettingsChange): string {
  switch (change.name) {
    case 'show':
      return 'looked at the bot settings';
    case 'allow-channel':
      return `allowed generation in ${channel(change.args.channel.id)}`;
    case 'disallow-channel':
      return `stopped allowing generation in ${channel(change.args.channel.id)}`;
    case 'allow-role':
      return `allowed ${role(change.args.role.id)} to generate`;
    case 'disallow-role':
      return `removed ${role(change.args.role.id)} from the roles that may generate`;
    case 'moderator-role':
      return change.args.role
        ? `made ${role(change.args.role.id)} the moderator role`
        : 'cleared the moderator role';
    case 'mod-log':
      return change.args.channel
        ? `set the mod-log to ${channel(change.args.channel.id)}`
        : 'turned the mod-log off';
  }
}

const PERIOD_UNITS: Record<Period, string> = { daily: 'day', weekly: 'week', monthly: 'month' };

export const MODERATION_WORDS = {
  logLine: (moderatorId: string, summary: string) => `🛡️ ${member(moderatorId)} ${summary}`,
  deletedResult: (ownerId: string, channelId: string) =>
    `deleted ${member(ownerId)}'s result in ${channel(channelId)}`,
  setLimit: (userId: string, limit: number) =>
    `set ${member(userId)}'s limit to ${creditCount(limit)} per period`,
  toDefaultLimit: (userId: string, limit: number) =>
    `returned ${member(userId)} to the server default limit (${creditCount(limit)})`,
  granted: (userId: string, amount: number) =>
    `gave ${member(userId)} ${amount} extra credit${amount === 1 ? '' : 's'} this period`,
  reset: (userId: string) => `reset ${member(userId)}'s spending this period`,
  price: (label: string, modelId: string, credits: number) =>
    `set the price of ${label} (\`${modelId}\`) to ${creditCount(credits)} per output`,
  serverDefault: (limit: number, period: Period | undefined) =>
    `set the server default to ${creditCount(limit)}${period ? ` per ${PERIOD_UNITS[period]} (UTC)` : ''}`,
  blocked: (userId: string) => `paused generation for ${member(userId)}`,
  unblocked: (userId: string) => `let ${member(userId)} generate again`,
} as const;

/** The period picker's names (the values sent stay `daily`, `weekly`, `monthly`). */
export const PERIOD_CHOICES: Record<Period, string> = {
  daily: 'Daily (resets 00:00 UTC)',
  weekly: 'Weekly (resets Monday 00:00 UTC)',
  monthly: 'Monthly (resets on the 1st, 00:00 UTC)',
};

const PERIOD_HEADINGS: Record<Period, string> = {
  daily: 'Today (UTC)',
  weekly: 'This week (from Monday, UTC)',
  monthly: 'This month (UTC)',
};

const generationCount = (count: number) => `${count} generation${count === 1 ? '' : 's'}`;

/** `/quota usage`: this period's spending, each member's, and what Scenario charged. */
export function usageText(usage: {
  period: Period;
  resetsAt: Date;
  spent: number;
  generations: number;
  cuCharged: number;
  top: { userId: string; spent: number; generations: number }[];
}): string {
  const members = usage.top.map(
    (entry, index) =>
      `${index + 1}. ${member(entry.userId)} — ${creditCount(entry.spent)} · ${generationCount(entry.generations)}`,
  );
  return [
    `**${PERIOD_HEADINGS[usage.period]}** · resets ${relativeTime(usage.resetsAt)}`,
    `${creditCount(usage.spent)} · ${generationCount(usage.generations)} · ${usage.cuCharged} Scenario CU`,
    ...(members.length > 0 ? members : ['Nobody has generated anything yet this period.']),
  ].join('\n');
}
