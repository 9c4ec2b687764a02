import type { ScenarioClient } from '../scenario/scenario-client.js';
import { probeImage } from './image-probe.js';

/** What Discord tells us about an attachment option (discord.js `Attachment`). */
export interface DiscordAttachment {
  url: string;
  name: string;
  size: number;
  contentType: string | null;
}

export interface ImageRules {
  /** Discord option name, for the message. */
  option: string;
  requirePngAlpha?: boolean;
  sameSizeAs?: { width: number; height: number; option: string };
  /** The mask's rule: the same format (PNG, JPEG, WebP) as the image it edits. */
  sameFormatAs?: { mimeType: string; option: string };
}

/** What is wrong with an attachment; discord/messages.ts says it in words. */
export type AttachmentProblem =
  | { kind: 'bad_link' }
  | { kind: 'foreign_host' }
  | { kind: 'too_large'; max: number; size?: number }
  | { kind: 'wrong_type'; contentType: string }
  | { kind: 'not_an_image' }
  | { kind: 'too_many_pixels'; width: number; height: number; maxPixels: number }
  | { kind: 'mask_without_alpha' }
  | { kind: 'mask_format'; mimeType: string; other: { option: string; mimeType: string } }
  | { kind: 'mask_without_reference' }
  | {
      kind: 'mask_size';
      width: number;
      height: number;
      other: { option: string; width: number; height: number };
    }
  | { kind: 'download_failed'; status?: number };

export type AttachmentCheck = { ok: true } | { ok: false; option: string; problem: AttachmentProblem };

export type FetchedImage = {
  option: string;
  bytes: Buffer;
  mimeType: string;
  width: number;
  height: number;
  hasAlpha: boolean;
  name: string;
};

const ACCEPTED_TYPES = ['image/png', 'image/jpeg', 'image/webp'];
/** Decompression-bomb guard: Scenario's own inputs top out at 3840 px a side; refuse huge canvases. */
export const MAX_INPUT_PIXELS = 40_000_000;

export interface AttachmentServiceOptions {
  scenario: ScenarioClient;
  allowedHosts: readonly string[];
  maxBytes: number;
  timeoutMs?: number;
}

/**
 * Discord attachments → Scenario assets. Checks what Discord declares first (cheap, before deferring),
 * then the real bytes (type sniffed from content, never the file name), then uploads.
 */
export class AttachmentService {
  constructor(private readonly options: AttachmentServiceOptions) {}

  /** Checks Discord's metadata: host, declared size and content type. Pure, synchronous. */
  precheck(option: string, attachment: DiscordAttachment): AttachmentCheck {
    let host: string;
    try {
      host = new URL(attachment.url).host;
    } catch {
      return { ok: false, option, problem: { kind: 'bad_link' } };
    }
    if (!this.options.allowedHosts.includes(host)) {
      return { ok: false, option, problem: { kind: 'foreign_host' } };
    }
    if (attachment.size > this.options.maxBytes) {
      return {
        ok: false,
        option,
        problem: { kind: 'too_large', size: attachment.size, max: this.options.maxBytes },
      };
    }
    if (
      attachment.contentType &&
      !ACCEPTED_TYPES.includes(attachment.contentType.split(';')[0]?.trim() ?? '')
    ) {
      return { ok: false, option, problem: { kind: 'wrong_type', contentType: attachment.contentType } };
    }
    return { ok: true };
  }

  /** Downloads from Discord's CDN with the size cap enforced while streaming, and checks the real bytes. */
  async fetchImage(
    option: string,
    attachment: DiscordAttachment,
    rules: Omit<ImageRules, 'option'> = {},
  ): Promise<{ ok: true; image: FetchedImage } | { ok: false; option: string; problem: AttachmentProblem }> {
    const pre = this.precheck(option, attachment);
    if (!pre.ok) return pre;
    const bytes = await this.download(attachment.url);
    if (!bytes.ok) return { ok: false, option, problem: bytes.problem };
    const info = probeImage(bytes.bytes);
    if (!info || !ACCEPTED_TYPES.includes(info.mimeType)) {
      return { ok: false, option, problem: { kind: 'not_an_image' } };
    }
    if (info.width * info.height > MAX_INPUT_PIXELS) {
      return {
        ok: false,
        option,
        problem: {
          kind: 'too_many_pixels',
          width: info.width,
          height: info.height,
          maxPixels: MAX_INPUT_PIXELS,
        },
      };
    }
    if (rules.sameFormatAs && info.mimeType !== rules.sameFormatAs.mimeType)
      return {
        ok: false,
        option,
        problem: { kind: 'mask_format', mimeType: info.mimeType, other: rules.sameFormatAs },
      };
    if (rules.requirePngAlpha && (info.format !== 'png' || !info.hasAlpha)) {
      return { ok: false, option, problem: { kind: 'mask_without_alpha' } };
    }
    if (
      rules.sameSizeAs &&
      (info.width !== rules.sameSizeAs.width || info.height !== rules.sameSizeAs.height)
    ) {
      return {
        ok: false,
        option,
        problem: { kind: 'mask_size', width: info.width, height: info.height, other: rules.sameSizeAs },
      };
    }
    return {
      ok: true,
      image: {
        option,
        bytes: bytes.bytes,
        mimeType: info.mimeType,
        width: info.width,
        height: info.height,
        hasAlpha: info.hasAlpha,
        name: safeName(attachment.name, info.format),
      },
    };
  }

  async upload(image: FetchedImage): Promise<string> {
    const asset = await this.options.scenario.assets.upload({
      bytes: image.bytes,
      name: image.name,
      mimeType: image.mimeType,
    });
    return asset.id;
  }

  private async download(
    url: string,
  ): Promise<{ ok: true; bytes: Buffer } | { ok: false; problem: AttachmentProblem }> {
    const max = this.options.maxBytes;
    let response: Response;
    try {
      // No redirects: a redirect could lead off Discord's hosts.
      response = await fetch(url, {
        redirect: 'error',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 20_000),
      });
    } catch {
      return { ok: false, problem: { kind: 'download_failed' } };
    }
    if (!response.ok || !response.body)
      return { ok: false, problem: { kind: 'download_failed', status: response.status } };
    const chunks: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of response.body) {
      total += chunk.byteLength;
      if (total > max) return { ok: false, problem: { kind: 'too_large', max } };
      chunks.push(chunk);
    }
    return { ok: true, bytes: Buffer.concat(chunks) };
  }
}

function safeName(name: string, format: string): string {
  const base =
    name
      .replace(/\.[^.]*$/, '')
      .replace(/[^\w.-]+/g, '_')
      .slice(0, 60) || 'image';
  return `${base}.${format === 'jpeg' ? 'jpg' : format}`;
}
