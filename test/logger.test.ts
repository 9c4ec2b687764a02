import { Writable } from 'node:stream';
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
