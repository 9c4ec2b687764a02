import {
  type APIRole,
  ApplicationCommandOptionType,
  type Attachment,
  type ChatInputCommandInteraction,
  type CommandInteractionOption,
  type Role,
  type User,
} from 'discord.js';

/**
 * Handler argument types derived from the command data (as yuudachi derives `ArgsParam`), so an option's
 * name and type are written once: `as const satisfies CommandData` in the command file, then
 * `readArgs(interaction)` typed with `ArgsOf<…>` or `SubcommandOf<…>`.
 */

/** Discord's command data, deeply readonly so that a command written `as const` satisfies it. */
export type DeepReadonly<T> = T extends (infer Item)[]
  ? readonly DeepReadonly<Item>[]
  : T extends object
    ? { readonly [K in keyof T]: DeepReadonly<T[K]> }
    : T;

interface OptionData {
  readonly type: ApplicationCommandOptionType;
  readonly name: string;
  readonly required?: boolean;
  readonly choices?: readonly { readonly value: string | number }[];
  readonly options?: readonly OptionData[];
}

type ValueOf<O extends OptionData> = O['choices'] extends readonly { readonly value: infer V }[]
  ? V
  : O['type'] extends ApplicationCommandOptionType.String
    ? string
    : O['type'] extends ApplicationCommandOptionType.Integer | ApplicationCommandOptionType.Number
      ? number
      : O['type'] extends ApplicationCommandOptionType.Boolean
        ? boolean
        : O['type'] extends ApplicationCommandOptionType.User
          ? User
          : O['type'] extends ApplicationCommandOptionType.Role
            ? Role | APIRole
            : O['type'] extends ApplicationCommandOptionType.Channel
              ? { id: string }
              : O['type'] extends ApplicationCommandOptionType.Attachment
                ? Attachment
                : never;

/** `{ name: value }` for a list of options; optional ones may be undefined. */
export type ArgsOf<Options extends readonly OptionData[] | undefined> = Options extends readonly OptionData[]
  ? {
      [O in Options[number] as O['name']]: O['required'] extends true ? ValueOf<O> : ValueOf<O> | undefined;
    }
  : Record<string, never>;

/** One subcommand and its arguments, as a union over the command's subcommands (switch on `name`). */
export type SubcommandOf<Data extends { readonly options?: readonly OptionData[] }> =
  Data['options'] extends readonly (infer S)[]
    ? S extends { readonly type: ApplicationCommandOptionType.Subcommand; readonly name: infer Name }
      ? {
          name: Name;
          args: ArgsOf<S extends { readonly options: infer O extends readonly OptionData[] } ? O : undefined>;
        }
      : never
    : never;

function optionValue(option: CommandInteractionOption): unknown {
  switch (option.type) {
    case ApplicationCommandOptionType.User:
      return option.user;
    case ApplicationCommandOptionType.Role:
      return option.role;
    case ApplicationCommandOptionType.Channel:
      return option.channel;
    case ApplicationCommandOptionType.Attachment:
      return option.attachment;
    default:
      return option.value;
  }
}

function argsFrom(options: readonly CommandInteractionOption[]): Record<string, unknown> {
  return Object.fromEntries(options.map((option) => [option.name, optionValue(option)]));
}

/**
 * The interaction's arguments in the shape its data declares. The one cast of the pattern: Discord sends
 * options of the registered types (discord.js resolves users, roles, channels and attachments).
 */
export function readArgs<Args>(interaction: ChatInputCommandInteraction): Args {
  return argsFrom(interaction.options.data) as Args;
}

/** The subcommand the member chose, with its arguments (see `SubcommandOf`). */
export function readSubcommand<Sub extends { name: string; args: unknown }>(
  interaction: ChatInputCommandInteraction,
): Sub {
  const chosen = interaction.options.data.find(
    (option) => option.type === ApplicationCommandOptionType.Subcommand,
  );
  return { name: chosen?.name ?? '', args: argsFrom(chosen?.options ?? []) } as Sub;
}
