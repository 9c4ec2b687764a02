import { ApplicationCommandOptionType, type User } from 'discord.js';
import { describe, expect, expectTypeOf, it } from 'vitest';
import type { ArgsOf, SubcommandOf } from '../../src/discord/command-options.js';
import { TEXT } from '../../src/discord/messages.js';
import { refusalText } from '../../src/discord/messages-refusals.js';
import { uploadLimitForTier } from '../../src/discord/result-actions.js';
import type { Refusal } from '../../src/services/jobs/generation-pipeline.js';

describe('uploadLimitForTier', () => {
  it.each([
    [0, 10],
    [1, 10],
    [2, 50],
    [3, 100],
  ])('boost tier %i → %i MB', (tier, mb) => {
    expect(uploadLimitForTier(tier)).toBe(mb * 1024 * 1024);
  });
});

describe('refusalText', () => {
  const quota = { remaining: 0, limit: 5, resetsAt: new Date('2026-12-01T00:00:00Z') };
  const refusals: [Refusal, string][] = [
    [
      { reason: 'not_allowed_here', why: 'channel', allowedChannelIds: ['1', '2'], allowedRoleIds: [] },
      'Use <#1>, <#2> (or a thread there). Nothing was spent.',
    ],
    [
      { reason: 'not_allowed_here', why: 'role', allowedChannelIds: [], allowedRoleIds: ['9'] },
      'for members with <@&9>; a moderator can give you the role',
    ],
    [{ reason: 'storage_unavailable' }, TEXT.storageUnavailable],
    [{ reason: 'too_many_running', maxRunning: 2 }, TEXT.tooManyRunning(2)],
    [{ reason: 'blocked' }, TEXT.blocked],
    [{ reason: 'too_many_failed_attempts', retryAfterMs: 12_300 }, 'try again in 13 s'],
    [
      { reason: 'quota_exhausted', quota, credits: 3 },
      'This needs 3 credits but you have 0 of 5 left. Your credits reset <t:1796083200:R>, or a moderator can add some',
    ],
    [
      { reason: 'invalid_file', option: 'image', problem: { kind: 'wrong_type', contentType: 'text/plain' } },
      '`image`: send a PNG, JPEG or WebP image (this file is text/plain).',
    ],
    [
      { reason: 'invalid_file', option: 'mask', problem: { kind: 'too_large', max: 8 * 1024 * 1024 } },
      '`mask`: the file is larger than 8.0 MB.',
    ],
    [{ reason: 'upload_failed' }, 'could not be sent to Scenario'],
    [{ reason: 'reply_unavailable' }, TEXT.replyUnavailable],
    [
      { reason: 'scenario', kind: 'invalid', scenarioMessage: 'width too big' },
      '“width too big”. Change them and try again. Nothing was spent.',
    ],
    [{ reason: 'scenario', kind: 'rate_limited' }, 'rate limit'],
  ];
  it.each(refusals)('%o → words naming it', (refusal, words) => {
    expect(refusalText(refusal)).toContain(words);
  });
});

describe('command argument types, derived from the command data', () => {
  const data = {
    name: 'example',
    description: 'd',
    options: [
      {
        type: ApplicationCommandOptionType.Subcommand,
        name: 'set',
        description: 'd',
        options: [
          { type: ApplicationCommandOptionType.User, name: 'user', description: 'd', required: true },
          { type: ApplicationCommandOptionType.Integer, name: 'limit', description: 'd' },
          {
            type: ApplicationCommandOptionType.String,
            name: 'period',
            description: 'd',
            choices: [
              { name: 'daily', value: 'daily' },
              { name: 'weekly', value: 'weekly' },
            ],
          },
        ],
      },
      { type: ApplicationCommandOptionType.Subcommand, name: 'me', description: 'd' },
    ],
  } as const;

  it('names every subcommand and types its arguments (checked by tsc in npm run typecheck)', () => {
    type Sub = SubcommandOf<typeof data>;
    expectTypeOf<Sub['name']>().toEqualTypeOf<'set' | 'me'>();
    type Set = Extract<Sub, { name: 'set' }>['args'];
    expectTypeOf<Set['user']>().toEqualTypeOf<User>();
    expectTypeOf<Set['limit']>().toEqualTypeOf<number | undefined>();
    expectTypeOf<Set['period']>().toEqualTypeOf<'daily' | 'weekly' | undefined>();
    expectTypeOf<
      ArgsOf<(typeof data.options)[1] extends { options: infer O } ? O : undefined>
    >().toEqualTypeOf<Record<string, never>>();
  });
});
