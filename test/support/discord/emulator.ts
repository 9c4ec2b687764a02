import type { AddressInfo } from 'node:net';
import { createCdn } from './cdn.js';
import { createGateway } from './gateway.js';
import { createGuild } from './guild.js';
import { createRestServer } from './http.js';
import { createInteractions } from './interactions.js';
import { createMessages } from './messages.js';
import { createModals } from './modals.js';
import type { DiscordEmulatorOptions } from './model.js';
import { createRateLimits } from './rate-limits.js';
import { createReactions } from './reactions.js';
import { createSerialisers } from './serialise.js';
import { createState } from './state.js';
import { createWaitHelpers } from './wait.js';

/**
 * A local Discord (REST v10 + gateway v10, JSON frames) that the real discord.js client reaches through
 * `rest.api`. It keeps Discord's rules that bots break on: the 3-second window to acknowledge, one
 * acknowledgement, interaction tokens that expire after 15 minutes, per-file upload limits, intents that
 * gate events, 429s with real headers, unknown messages and channels, missing permissions.
 *
 * This file composes the areas (each a factory over one emulator's state, in this folder) and is the
 * entry point the tests import.
 */

export {
  type BotPermission,
  type DiscordEmulatorOptions,
  type EmulatedAttachment,
  type EmulatedMessage,
  type GuildSeed,
  INTENTS,
  type MessageWrite,
} from './model.js';

export async function startDiscordEmulator(options: DiscordEmulatorOptions = {}) {
  const state = createState(options);
  const api = createSerialisers(state);
  const gateway = createGateway(state, api);
  const guild = createGuild(state, api, gateway);
  const messages = createMessages(state, api, gateway, guild);
  const interactions = createInteractions(state, api, gateway, messages);
  const reactions = createReactions(state, api, gateway, guild, messages, interactions);
  const modals = createModals(state, api, interactions);
  const rateLimits = createRateLimits();
  const server = createRestServer(state, {
    routes: [gateway.routes, interactions.routes, guild.routes, messages.routes, reactions.routes],
    cdn: createCdn(state),
    rateLimits,
  });
  gateway.attach(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  state.origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const emulator = {
    apiUrl: `${state.origin}/api`,
    origin: state.origin,
    token: state.token,
    applicationId: state.applicationId,
    botUserId: state.botUserId,
    guildId: state.guildId,
    ids: state.ids,
    requests: state.requests,
    unknownRoutes: state.unknownRoutes,
    messages: state.messages,
    writes: state.writes,
    ...createWaitHelpers(state),
    ...gateway.helpers,
    ...interactions.helpers,
    ...reactions.helpers,
    ...modals.helpers,
    ...messages.helpers,
    ...guild.helpers,
    ...rateLimits.helpers,
    async close() {
      gateway.close();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
      state.waiters.clear();
    },
  };
  return emulator;
}

export type DiscordEmulator = Awaited<ReturnType<typeof startDiscordEmulator>>;
