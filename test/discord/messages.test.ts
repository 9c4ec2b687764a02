import { describe, expect, it } from 'vitest';
import {
  clipMessage,
  escapeUserText,
  failureMessage,
  MESSAGE_CONTENT_LIMIT,
  pointerMessage,
  quoteUserText,
  resultMessage,
  summariseParameters,
} from '../../src/discord/messages.js';

const SYNTAX = new Set(['\\', '`', '*', '_', '~', '|', '>', '#', '-', '[', ']', '(', ')', '<']);

/** Markdown characters in `text` that Discord would read as syntax: not preceded by an escaping backslash. */
function unescapedSyntax(text: string): string[] {
  const found: string[] = [];
  for (let index = 0; index < text.length; index += 1) {
    const char = text.charAt(index);
    if (char === '\\') {
      index += 1; // the next character is escaped
      continue;
    }
    if (SYNTAX.has(char)) found.push(char);
  }
  return found;
}

describe('escapeUserText', () => {
  it.each([
    '**bold** __underline__ *italic* ~~strike~~ ||spoiler||',
    '[free credits](https://evil.example/login) and [x](<https://evil.example>)',
    '🛡️ <@123456789> granted <@987654321> 500 credits',
    '# heading\n## another\n-# subtext\n- item\n> quote\n>>> block',
    '`code` ```js\nalert(1)\n``` \\*already escaped\\*',
    '<t:1800000000:R> <#123> <@&456> <:emoji:789> <a:wave:1>',
    'a\\', // a trailing backslash must not escape what follows it in the message
  ])('leaves no markdown syntax in %j', (text) => {
    expect(unescapedSyntax(escapeUserText(text))).toEqual([]);
  });

  it('neutralises every mention, @everyone and @here included', () => {
    expect(escapeUserText('@everyone @here')).toBe('@\u200beveryone @\u200bhere');
  });

  it('keeps ordinary text as it is', () => {
    expect(escapeUserText('a mountain pass at dusk, 16:9, 4K. Ünïcödé 🏔️')).toBe(
      'a mountain pass at dusk, 16:9, 4K. Ünïcödé 🏔️',
    );
  });
});

describe('quoteUserText', () => {
  it('makes one escaped line of at most max characters before escaping', () => {
    expect(quoteUserText('a\n\n# b', 180)).toBe('a \\# b');
    expect(quoteUserText('x'.repeat(300), 10)).toBe(`${'x'.repeat(9)}…`);
  });
});

describe('summariseParameters', () => {
  it('lists at most 8 parameters, each key and value escaped, then how many more', () => {
    const body: Record<string, unknown> = { prompt: 'p' };
    for (let index = 0; index < 500; index += 1) body[`[k${index}](https://evil.example)`] = `**v${index}**`;
    const summary = summariseParameters(body);
    expect(summary).toContain('+492 more');
    expect(summary).toContain('\\[k0\\]\\(https://evil.example\\): \\*\\*v0\\*\\*');
    expect(unescapedSyntax(summary.replace(/^“|”$/gm, '').replace(/\n> /g, ' '))).toEqual([]);
    expect(summary.length).toBeLessThan(1_000);
  });
});

describe('clipMessage', () => {
  it('leaves a message that fits as it is', () => {
    const fits = 'x'.repeat(MESSAGE_CONTENT_LIMIT);
    expect(clipMessage(fits)).toBe(fits);
  });

  it('keeps whole lines while they fit, then an ellipsis', () => {
    const lines = Array.from({ length: 100 }, (_, index) => `line ${index} ${'y'.repeat(40)}`).join('\n');
    const clipped = clipMessage(lines);
    expect(clipped.length).toBeLessThanOrEqual(MESSAGE_CONTENT_LIMIT);
    expect(clipped.endsWith('\n…')).toBe(true);
    expect(
      clipped
        .split('\n')
        .slice(0, -1)
        .every((line) => /^line \d+ y{40}$/.test(line)),
    ).toBe(true);
  });

  it('cuts one long line without splitting an emoji or leaving an escaping backslash', () => {
    const emoji = clipMessage(`${'a'.repeat(1_997)}🏔️🏔️`);
    expect(emoji.length).toBeLessThanOrEqual(MESSAGE_CONTENT_LIMIT);
    expect(emoji).not.toMatch(/[\ud800-\udbff]…$/);
    const backslash = clipMessage(`${'a'.repeat(1_998)}\\*more`);
    expect(backslash.endsWith('a…')).toBe(true);
  });
});

describe('results and failures, prompt first', () => {
  const quota = { remaining: 4, limit: 5, resetsAt: new Date('2026-12-01T00:00:00Z') };
  const base = {
    modelLabel: 'Skybox GPT',
    userId: '42',
    elapsedMs: 3_000,
    body: { prompt: 'a **misty** forest', quality: 'low', seed: 7 },
    seed: 7,
    quota,
    notAttached: [],
    missing: 0,
  };

  it('puts the prompt and requester first, then one small line with the options given, seed, cost and credits', () => {
    const text = resultMessage({
      ...base,
      options: [{ name: 'quality', value: 'low', attachment: false }],
      creditsSpent: 1,
    });
    expect(text.split('\n')).toEqual([
      '“a \\*\\*misty\\*\\* forest” — <@42>',
      '-# **Skybox GPT** · quality: low · seed `7` · 1 credit (4 of 5 credits left, resets <t:1796083200:R>)',
    ]);
    expect(text).not.toContain('🔄');
  });

  it('says a failure in one line with the prompt kept, and that the credits came back', () => {
    const one = failureMessage({ ...base, error: 'bad things', refunded: 1 });
    expect(one).toContain('“a \\*\\*misty\\*\\* forest” — <@42>');
    expect(one).toContain('Scenario stopped the job: “bad things”');
    expect(one).toContain('Your 1 credit came back.');
    expect(failureMessage({ ...base, refunded: 5 })).toContain('Your 5 credits came back.');
    expect(failureMessage({ ...base, refunded: 0 })).toContain('Nothing was charged.');
  });

  it('points from the first message to the outcome in one line', () => {
    const text = pointerMessage({
      modelLabel: 'Pixal3D',
      userId: '42',
      outcome: 'result',
      link: 'https://x/1',
    });
    expect(text.split('\n')).toHaveLength(1);
    expect(text).toContain('[see below](https://x/1)');
  });
});
