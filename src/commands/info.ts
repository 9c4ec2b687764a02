import { MessageFlags } from 'discord.js';
import { infoText } from '../discord/messages-info.js';
import { gptImage2 } from '../models/gpt-image-2.js';
import { pixal3d } from '../models/pixal3d.js';
import { skyboxFlux } from '../models/skybox-flux.js';
import { skyboxGpt } from '../models/skybox-gpt.js';
import type { ModelSpec } from '../models/spec.js';
import type { GuildSettingsService } from '../services/credits/guild-settings.js';
import type { QuotaLedger } from '../services/credits/quota-ledger.js';
import type { ChatCommand, ChatCommandData } from './types.js';

const data = {
  name: 'info',
  description: 'What this bot does, what each command costs here, and your credits',
  contexts: [0],
} as const satisfies ChatCommandData;

/** The generation commands /info prices, each with its model (/generate's price depends on the model). */
const PRICED: readonly { command: string; what: string; spec: ModelSpec }[] = [
  { command: '/skybox gpt', what: 'a 360° panorama', spec: skyboxGpt },
  { command: '/skybox flux', what: 'a 360° panorama, each', spec: skyboxFlux },
  { command: '/image', what: 'an image, each', spec: gptImage2 },
  { command: '/to3d', what: 'a 3D model from an image', spec: pixal3d },
];

export interface InfoCommandDeps {
  quota: QuotaLedger;
  settings: GuildSettingsService;
  /** The member's jobs not yet finished, and how many may run at once. */
  running: { openCountFor(guildId: string, userId: string): number; maxRunningPerUser: number };
}

export const infoCommand: ChatCommand<InfoCommandDeps> = {
  kind: 'chat',
  data,
  create: ({ quota, settings, running }) => ({
    async execute(interaction) {
      const guildId = interaction.guildId;
      if (!guildId) return;
      const userId = interaction.user.id;
      const [policy, status, place] = await Promise.all([
        quota.policy(guildId),
        quota.status(guildId, userId),
        settings.get(guildId),
      ]);
      const content = infoText({
        costs: PRICED.map(({ command, what, spec }) => ({
          command,
          what,
          credits: policy.costOverrides[spec.id] ?? spec.creditsPerOutput,
          defaultCredits: spec.creditsPerOutput,
        })),
        quota: {
          remaining: status.remaining,
          limit: status.limit + status.granted,
          period: status.period,
          resetsAt: status.resetsAt,
          blocked: status.blocked,
        },
        running: running.openCountFor(guildId, userId),
        maxRunning: running.maxRunningPerUser,
        allowedChannelIds: place.allowedChannelIds,
        allowedRoleIds: place.allowedRoleIds,
      });
      await interaction.reply({ content, flags: MessageFlags.Ephemeral, allowedMentions: { parse: [] } });
    },
  }),
};
