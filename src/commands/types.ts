import type {
  AutocompleteInteraction,
  ChatInputCommandInteraction,
  MessageContextMenuCommandInteraction,
  RESTPostAPIApplicationCommandsJSONBody,
} from 'discord.js';
import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { AttachmentService } from '../services/assets/attachments.js';
import type { Clock } from '../services/clock.js';
import type { GuildSettingsService } from '../services/credits/guild-settings.js';
import type { QuotaLedger } from '../services/credits/quota-ledger.js';
import type { GenerationLog } from '../services/jobs/generation-log.js';
import type { GenerationService } from '../services/jobs/submission.js';

/** What commands may use: built once in src/index.ts. */
export interface Deps {
  config: Config;
  logger: Logger;
  clock: Clock;
  attachments: AttachmentService;
  generations: GenerationService;
  generationLog: GenerationLog;
  quota: QuotaLedger;
  settings: GuildSettingsService;
}

export interface ChatCommand {
  kind: 'chat';
  data: RESTPostAPIApplicationCommandsJSONBody;
  execute(interaction: ChatInputCommandInteraction, deps: Deps, log: Logger): Promise<void>;
  autocomplete?(interaction: AutocompleteInteraction, deps: Deps): Promise<void>;
}

export interface MessageMenuCommand {
  kind: 'message-menu';
  data: RESTPostAPIApplicationCommandsJSONBody;
  execute(interaction: MessageContextMenuCommandInteraction, deps: Deps, log: Logger): Promise<void>;
}

export type Command = ChatCommand | MessageMenuCommand;
