import {
  ApplicationCommandOptionType,
  MessageFlags,
  type RESTPostAPIChatInputApplicationCommandsJSONBody,
} from 'discord.js';
import { quotaLine, TEXT } from '../discord/messages.js';
import { recordModeratorAction } from '../discord/mod-log.js';
import { isModerator } from '../discord/permissions.js';
import { modelLabel } from '../models/index.js';
import { PERIODS, type Period, type QuotaStatus } from '../services/credits/quota-ledger.js';
import type { ChatCommand } from './types.js';

const user = {
  type: ApplicationCommandOptionType.User,
  name: 'user',
  description: 'The member',
  required: true,
} as const;

const data = {
  name: 'quota',
  description: 'Generation credits: yours, or (moderators) anyone’s',
  contexts: [0],
  options: [
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'me',
      description: 'Your remaining credits, period and recent generations',
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'show',
      description: 'Moderators: a member’s credits',
      options: [user],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'set',
      description: 'Moderators: set a member’s limit per period',
      options: [
        user,
        {
          type: ApplicationCommandOptionType.Integer,
          name: 'limit',
          description: 'Credits per period',
          required: true,
          min_value: 0,
          max_value: 100000,
        },
      ],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'grant',
      description: 'Moderators: give a member extra credits this period',
      options: [
        user,
        {
          type: ApplicationCommandOptionType.Integer,
          name: 'amount',
          description: 'Extra credits',
          required: true,
          min_value: 1,
          max_value: 100000,
        },
      ],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'reset',
      description: 'Moderators: clear a member’s spending this period',
      options: [user],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'default',
      description: 'Moderators: the server’s default limit and period',
      options: [
        {
          type: ApplicationCommandOptionType.Integer,
          name: 'limit',
          description: 'Credits per period for every member',
          required: true,
          min_value: 0,
          max_value: 100000,
        },
        {
          type: ApplicationCommandOptionType.String,
          name: 'period',
          description: 'When credits reset (UTC)',
          required: false,
          choices: PERIODS.map((period) => ({ name: period, value: period })),
        },
      ],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'block',
      description: 'Moderators: stop a member from generating',
      options: [user],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'unblock',
      description: 'Moderators: let a member generate again',
      options: [user],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'usage',
      description: 'Moderators: this period’s spend, top members, Scenario credits',
    },
  ],
} satisfies RESTPostAPIChatInputApplicationCommandsJSONBody;

function describeStatus(status: QuotaStatus): string {
  const line = quotaLine({
    remaining: status.remaining,
    limit: status.limit + status.granted,
    resetsAt: status.resetsAt,
  });
  const extras = [
    `period: ${status.period}`,
    status.limitOverride !== undefined ? `personal limit ${status.limitOverride}` : 'server default limit',
    status.granted > 0 ? `+${status.granted} granted` : undefined,
    status.reserved > 0 ? `${status.reserved} reserved by running jobs` : undefined,
    status.blocked ? '**blocked**' : undefined,
  ].filter(Boolean);
  return `${line}\n${extras.join(' · ')}`;
}

export const quotaCommand: ChatCommand = {
  kind: 'chat',
  data,
  async execute(interaction, deps, log) {
    const guildId = interaction.guildId;
    if (!guildId) return;
    const subcommand = interaction.options.getSubcommand();
    const reply = (content: string) =>
      interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });

    if (subcommand === 'me') {
      const status = await deps.quota.status(guildId, interaction.user.id);
      const recent = await deps.generationLog.recent(guildId, interaction.user.id, 5);
      const history = recent.map(
        (generation) =>
          `• ${modelLabel(generation.modelId)} · ${generation.creditsSpent} credit(s) · seed ${generation.seed ?? '—'} · <t:${Math.floor(generation.createdAt / 1000)}:R>`,
      );
      await reply(
        [describeStatus(status), ...(history.length > 0 ? ['**Recent**', ...history] : [])].join('\n'),
      );
      return;
    }

    // Checked here, not only through default_member_permissions, which a server admin can change.
    const settings = await deps.settings.get(guildId);
    if (!isModerator(interaction.member, settings.moderatorRoleId)) {
      await reply(TEXT.moderatorsOnly);
      return;
    }
    if (subcommand === 'usage') {
      const usage = await deps.quota.usage(guildId);
      const top = usage.top.map((entry, index) => `${index + 1}. <@${entry.userId}> — ${entry.spent}`);
      await reply(
        [
          `**This ${usage.period} period** (resets <t:${Math.floor(usage.resetsAt.getTime() / 1000)}:R>): ${usage.spent} credits spent · ${usage.cuCharged} Scenario credits charged`,
          ...(top.length > 0 ? top : ['No spending yet.']),
        ].join('\n'),
      );
      return;
    }
    if (subcommand === 'default') {
      const limit = interaction.options.getInteger('limit', true);
      const period = (interaction.options.getString('period') ?? undefined) as Period | undefined;
      if (period !== undefined && !PERIODS.includes(period)) {
        await reply(`\`period\` must be one of ${PERIODS.join(', ')}.`);
        return;
      }
      await deps.quota.setGuildDefault(guildId, limit, period);
      await recordModeratorAction(
        interaction,
        deps.settings,
        log,
        `set the server default to ${limit} credits${period ? ` per ${period} period` : ''}`,
      );
      await reply(`Default limit set to ${limit}${period ? ` (${period})` : ''}.`);
      return;
    }
    const target = interaction.options.getUser('user', true);
    let status: QuotaStatus;
    let summary: string;
    switch (subcommand) {
      case 'show':
        await reply(`<@${target.id}>: ${describeStatus(await deps.quota.status(guildId, target.id))}`);
        return;
      case 'set': {
        const limit = interaction.options.getInteger('limit', true);
        if (limit < 0) return void (await reply('`limit` must be 0 or more.'));
        status = await deps.quota.setUserLimit(guildId, target.id, limit);
        summary = `set <@${target.id}>'s limit to ${limit}`;
        break;
      }
      case 'grant': {
        const amount = interaction.options.getInteger('amount', true);
        if (amount < 1) return void (await reply('`amount` must be at least 1.'));
        status = await deps.quota.grant(guildId, target.id, amount);
        summary = `granted <@${target.id}> ${amount} credits`;
        break;
      }
      case 'reset':
        status = await deps.quota.resetUser(guildId, target.id);
        summary = `reset <@${target.id}>'s spending`;
        break;
      case 'block':
        status = await deps.quota.setBlocked(guildId, target.id, true);
        summary = `blocked <@${target.id}>`;
        break;
      case 'unblock':
        status = await deps.quota.setBlocked(guildId, target.id, false);
        summary = `unblocked <@${target.id}>`;
        break;
      default:
        return;
    }
    await recordModeratorAction(interaction, deps.settings, log, summary);
    await reply(`Done: ${summary}.\n${describeStatus(status)}`);
  },
};
