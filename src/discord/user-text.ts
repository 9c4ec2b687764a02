/** A member's text shown in a message: as text, never as markdown or a mention. Pure. */

/**
 * Every character Discord's markdown reads as syntax: emphasis, code, spoilers, quotes, headings, lists,
 * masked links `[text](url)`, and `<…>` (mentions, channels, timestamps, custom emoji). A backslash before
 * each renders it as text. One pass of our own rather than discord.js's escapeMarkdown, which leaves masked
 * links and `<…>` forms alone, and whose output a second pass would escape twice.
 */
const MARKDOWN_SYNTAX = /[\\`*_~|>#\-[\]()<]/g;

/** User text as plain text in a message: no markdown, no mention (a zero-width joiner after each @). */
export function escapeUserText(text: string): string {
  return text.replace(MARKDOWN_SYNTAX, '\\$&').replace(/@/g, '@\u200b');
}

/** Shortens user text to one line of at most `max` characters (before escaping), then escapes it. */
export function quoteUserText(text: string, max = 180): string {
  const oneLine = text.replace(/\s+/g, ' ').trim();
  // Cut before, not inside, a surrogate pair (an emoji): half of one is malformed text for Discord.
  const cut = /[\ud800-\udbff]/.test(oneLine.charAt(max - 2)) ? max - 2 : max - 1;
  const short = oneLine.length > max ? `${oneLine.slice(0, cut)}…` : oneLine;
  return escapeUserText(short);
}
