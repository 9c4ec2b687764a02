import {
  type APIInteractionGuildMember,
  type GuildMember,
  PermissionFlagsBits,
  PermissionsBitField,
} from 'discord.js';

/**
 * Moderator = Manage Server, or the guild's configured moderator role. Checked in our handlers, not only
 * through `default_member_permissions`, which a server admin can change in Discord's settings.
 */
export function isModerator(
  member: GuildMember | APIInteractionGuildMember | null | undefined,
  moderatorRoleId: string | undefined,
): boolean {
  if (!member) return false;
  const permissions =
    typeof member.permissions === 'string'
      ? new PermissionsBitField(BigInt(member.permissions))
      : member.permissions;
  if (permissions.has(PermissionFlagsBits.ManageGuild)) return true;
  if (!moderatorRoleId) return false;
  return Array.isArray(member.roles)
    ? member.roles.includes(moderatorRoleId)
    : member.roles.cache.has(moderatorRoleId);
}

export function roleIdsOf(member: GuildMember | APIInteractionGuildMember | null | undefined): string[] {
  if (!member) return [];
  return Array.isArray(member.roles) ? member.roles : [...member.roles.cache.keys()];
}
