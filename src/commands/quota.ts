import { ApplicationCommandOptionType, MessageFlags } from 'discord.js';
import { readSubcommand, type SubcommandOf } from '../discord/command-options.js';
import { creditCount, quotaLine, relativeTime, TEXT } from '../discord/messages.js';
import { priceList } from '../discord/messages-lists.js';
import { MODERATION_WORDS, PERIOD_CHOICES, usageText } from '../discord/messages-moderation.js';
import { recordModeratorAction } from '../discord/mod-log.js';
import { isModerator } from '../discord/permissions.js';
import { isModelId, modelLabel } from '../models/index.js';
import { knownModels } from '../models/known-models.js';
import type { GuildSettingsService } from '../services/credits/guild-settings.js';
import { PERIODS, type QuotaLedger, type QuotaStatus } from '../services/credits/quota-ledger.js';
import type { GenerationLog } from '../services/jobs/generation-log.js';
import type { ChatCommand, ChatCommandData } from './types.js';

/** A sanity bound for a price per output (a typo of 10000 would lock everyone out). */
const MAX_PRICE = 1000;

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
      description: 'Moderators: set a member’s limit per period; without a limit, back to the default',
      options: [
        user,
        {
          type: ApplicationCommandOptionType.Integer,
          name: 'limit',
          description: 'Credits per period (leave empty for the server default)',
          required: false,
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
          choices: PERIODS.map((period) => ({ name: PERIOD_CHOICES[period], value: period })),
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
      name: 'price',
      description: 'Moderators: credits per output of a model here; alone, lists every price',
      options: [
        {
          type: ApplicationCommandOptionType.String,
          name: 'model',
          description: 'The model (pick one, or a Scenario model id)',
          required: false,
          autocomplete: true,
          max_length: 120,
        },
        {
          type: ApplicationCommandOptionType.Integer,
          name: 'credits',
          description: 'Credits per output (0 makes it free)',
          required: false,
          min_value: 0,
          max_value: MAX_PRICE,
        },
      ],
    },
    {
      type: ApplicationCommandOptionType.Subcommand,
      name: 'usage',
      description: 'Moderators: this period’s spend, top members, Scenario credits',
    },
  ],
} as const satisfies ChatCommandData;

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

export interface QuotaCommandDeps {
  quota: QuotaLedger;
  settings: GuildSettingsService;
  generationLog: GenerationLog;
}

export const quotaCommand: ChatCommand<QuotaCommandDeps> = {
  kind: 'chat',
  data,
  create: ({ quota, settings, generationLog }) => ({
    async autocomplete(interaction) {
      const typed = interaction.options.getFocused().toLowerCase();
      await interaction.respond(
        knownModels
          .filter(
            (model) => model.id.toLowerCase().includes(typed) || model.label.toLowerCase().includes(typed),
          )
          .slice(0, 25)
          .map((model) => ({ name: `${model.label} — ${model.id}`.slice(0, 100), value: model.id })),
      );
    },
    async execute(interaction, log) {
      const guildId = interaction.guildId;
      if (!guildId) return;
      const command = readSubcommand<SubcommandOf<typeof data>>(interaction);
      const reply = (content: string) =>
        interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });

      if (command.name === 'me') {
        const status = await quota.status(guildId, interaction.user.id);
        const recent = await generationLog.recent(guildId, interaction.user.id, 5);
        const history = recent.map(
          (generation) =>
            `• ${modelLabel(generation.modelId)} · ${creditCount(generation.creditsSpent)} · seed ${generation.seed ?? '—'} · ${relativeTime(generation.createdAt)}`,
        );
        await reply(
          [describeStatus(status), ...(history.length > 0 ? ['**Recent**', ...history] : [])].join('\n'),
        );
        return;
      }

      // Checked here, not only through default_member_permissions, which a server admin can change.
      const { moderatorRoleId } = await settings.get(guildId);
      if (!isModerator(interaction.member, moderatorRoleId)) {
        await reply(TEXT.moderatorsOnly);
        return;
      }
      const moderatorAction = async (summary: string, status: QuotaStatus) => {
        await recordModeratorAction(interaction, settings, log, summary);
        await reply(`Done: ${summary}.\n${describeStatus(status)}`);
      };
      switch (command.name) {
        case 'usage': {
          await reply(usageText(await quota.usage(guildId)));
          return;
        }
        case 'price': {
          const { model, credits } = command.args;
          const modelId = model?.trim();
          if (modelId !== undefined && !isModelId(modelId)) return void (await reply(TEXT.notAModelId));
          if (credits !== undefined && (!Number.isInteger(credits) || credits < 0 || credits > MAX_PRICE))
            return void (await reply(`\`credits\` must be a whole number between 0 and ${MAX_PRICE}.`));
          if (credits === undefined || modelId === undefined) {
            if (credits !== undefined) return void (await reply(TEXT.priceNeedsModel));
            const { costOverrides } = await quota.policy(guildId);
            return void (await reply(priceList(costOverrides, modelId)));
          }
          await quota.setCostOverride(guildId, modelId, credits);
          const summary = MODERATION_WORDS.price(modelLabel(modelId), modelId, credits);
          await recordModeratorAction(interaction, settings, log, summary);
          await reply(`Done: ${summary}.`);
          return;
        }
        case 'default': {
          const { limit, period } = command.args;
          if (period !== undefined && !PERIODS.includes(period))
            return void (await reply(`\`period\` must be one of ${PERIODS.join(', ')}.`));
          await quota.setGuildDefault(guildId, limit, period);
          const summary = MODERATION_WORDS.serverDefault(limit, period);
          await recordModeratorAction(interaction, settings, log, summary);
          await reply(`Default limit set to ${limit}${period ? ` (${period})` : ''}.`);
          return;
        }
        case 'show': {
          const target = command.args.user;
          await reply(`<@${target.id}>: ${describeStatus(await quota.status(guildId, target.id))}`);
          return;
        }
        case 'set': {
          const { user: target, limit } = command.args;
          if (limit !== undefined && limit < 0) return void (await reply('`limit` must be 0 or more.'));
          // Without a limit: back to the server default (the personal limit is removed).
          const status = await quota.setUserLimit(guildId, target.id, limit);
          return moderatorAction(
            limit === undefined
              ? MODERATION_WORDS.toDefaultLimit(target.id, status.limit)
              : MODERATION_WORDS.setLimit(target.id, limit),
            status,
          );
        }
        case 'grant': {
          const { user: target, amount } = command.args;
          if (amount < 1) return void (await reply('`amount` must be at least 1.'));
          const status = await quota.grant(guildId, target.id, amount);
          return moderatorAction(MODERATION_WORDS.granted(target.id, amount), status);
        }
        case 'reset': {
          const target = command.args.user;
          return moderatorAction(
            MODERATION_WORDS.reset(target.id),
            await quota.resetUser(guildId, target.id),
          );
        }
        case 'block':
        case 'unblock': {
          const target = command.args.user;
          const blocked = command.name === 'block';
          const status = await quota.setBlocked(guildId, target.id, blocked);
          return moderatorAction(
            blocked ? MODERATION_WORDS.blocked(target.id) : MODERATION_WORDS.unblocked(target.id),
            status,
          );
        }
      }
    },
  }),
};
