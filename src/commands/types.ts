import type {
  AutocompleteInteraction,
  ChatInputCommandInteraction,
  MessageContextMenuCommandInteraction,
  RESTPostAPIChatInputApplicationCommandsJSONBody,
  RESTPostAPIContextMenuApplicationCommandsJSONBody,
} from 'discord.js';
import type { Logger } from 'pino';
import type { DeepReadonly } from '../discord/command-options.js';

/** A slash command's data as written in its file (`as const satisfies ChatCommandData`). */
export type ChatCommandData = DeepReadonly<RESTPostAPIChatInputApplicationCommandsJSONBody>;
export type MessageMenuCommandData = DeepReadonly<RESTPostAPIContextMenuApplicationCommandsJSONBody>;

export interface ChatHandler {
  execute(interaction: ChatInputCommandInteraction, log: Logger): Promise<void>;
  autocomplete?(interaction: AutocompleteInteraction): Promise<void>;
}

export interface MessageMenuHandler {
  execute(interaction: MessageContextMenuCommandInteraction, log: Logger): Promise<void>;
}

/**
 * A command: its data (what Discord registers) next to a factory for its handler, which receives only the
 * services it uses; src/index.ts binds them once.
 */
export interface ChatCommand<Deps> {
  kind: 'chat';
  data: ChatCommandData;
  create(deps: Deps): ChatHandler;
}

export interface MessageMenuCommand<Deps> {
  kind: 'message-menu';
  data: MessageMenuCommandData;
  create(deps: Deps): MessageMenuHandler;
}

/** A command bound to its services: what the interaction router runs. */
export type BoundCommand =
  | ({ kind: 'chat'; name: string } & ChatHandler)
  | ({ kind: 'message-menu'; name: string } & MessageMenuHandler);
