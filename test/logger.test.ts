import { Writable } from 'node:stream';
import { DiscordAPIError } from 'discord.js';
import { describe, expect, it } from 'vitest';
import { createLogger, createSecretScrubber } from '../src/logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
  return { lines, destination };
}

const secrets = ['MTIzNDU2Nzg5.discord-bot-token.xyz', 'scenario-key-abc', 'scenario-secret-def'];

describe('logger secret redaction', () => {
  it('redacts secret fields by name wherever they appear', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ level: 'info', secrets, destination });
    logger.info(
      {
        token: 'interaction-token-value-0123456789',
        headers: { authorization: 'Basic abc' },
        nested: { apiSecret: 'x' },
      },
      'call',
    );
    const out = lines.join('');
    expect(out).not.toContain('interaction-token-value-0123456789');
    expect(out).not.toContain('Basic abc');
    expect(out).toContain('[redacted]');
  });

  it('removes configured secret values and tokens inside URLs from any text, even error messages', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ level: 'info', secrets, destination });
    logger.error(
      {
        err: new Error(
          `PATCH /webhooks/1234567890/aW50ZXJhY3Rpb246dG9rZW4tdmFsdWU/messages/@original failed with ${secrets[1]}`,
        ),
      },
      `config was ${secrets.join(',')}`,
    );
    const out = lines.join('');
    for (const secret of secrets) expect(out).not.toContain(secret);
    expect(out).not.toContain('aW50ZXJhY3Rpb246dG9rZW4tdmFsdWU');
    expect(out).toContain('/webhooks/1234567890/[redacted]');
  });

  it.each([
    ['Authorization: Basic c2NlbmFyaW8ta2V5OnNlY3JldA==', 'c2NlbmFyaW8ta2V5OnNlY3JldA=='],
    ['Authorization: Bot MTIzNDU2Nzg5MDEyMzQ1Njc4.abcdef.ghijkl', 'MTIzNDU2Nzg5MDEyMzQ1Njc4'],
    ['/interactions/1234567890123/aW50ZXJhY3Rpb246MTIzOmFiYw/callback', 'aW50ZXJhY3Rpb246MTIzOmFiYw'],
  ])('scrubs %s', (line, secret) => {
    expect(createSecretScrubber([])(line)).not.toContain(secret);
  });
});

describe('logged errors', () => {
  it('keep a failed upload’s method, path, status and code, without its file bytes, under 2 kB', () => {
    const { lines, destination } = capture();
    const logger = createLogger({ level: 'info', secrets, destination });
    const file = Buffer.alloc(100_000, 0x41);
    const error = new DiscordAPIError(
      {
        code: 50035,
        message: 'Invalid Form Body',
        errors: {
          content: {
            _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 2000 or fewer in length.' }],
          },
        },
      },
      50035,
      400,
      'PATCH',
      'https://discord.com/api/v10/channels/1/messages/2',
      { body: { content: 'x'.repeat(5_000) }, files: [{ name: 'skybox-gpt-1-1.png', data: file }] },
    );
    logger.error({ err: error }, 'message edit failed');
    const line = lines.join('');
    expect(line.length).toBeLessThan(2_048);
    expect(line).not.toContain('AAAAAAAAAA');
    expect(line).not.toContain('x'.repeat(100));
    const logged = JSON.parse(line).err;
    expect(logged).toMatchObject({ method: 'PATCH', status: 400, code: 50035 });
    expect(logged.url).toContain('/channels/1/messages/2');
    expect(logged.requestBody).toBeUndefined();
  });
});
