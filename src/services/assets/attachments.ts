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
}

export type AttachmentCheck = { ok: true } | { ok: false; option: string; message: string };

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
      return { ok: false, option, message: `\`${option}\`: that attachment link is not valid.` };
    }
    if (!this.options.allowedHosts.includes(host)) {
      return { ok: false, option, message: `\`${option}\`: only files uploaded to Discord are accepted.` };
    }
    if (attachment.size > this.options.maxBytes) {
      return {
        ok: false,
        option,
        message: `\`${option}\`: the file is ${mb(attachment.size)}; the limit is ${mb(this.options.maxBytes)}.`,
      };
    }
    if (
      attachment.contentType &&
      !ACCEPTED_TYPES.includes(attachment.contentType.split(';')[0]?.trim() ?? '')
    ) {
      return {
        ok: false,
        option,
        message: `\`${option}\`: send a PNG, JPEG or WebP image (this file is ${attachment.contentType}).`,
      };
    }
    return { ok: true };
  }

  /** Downloads from Discord's CDN with the size cap enforced while streaming, and checks the real bytes. */
  async fetchImage(
    option: string,
    attachment: DiscordAttachment,
    rules: Omit<ImageRules, 'option'> = {},
  ): Promise<{ ok: true; image: FetchedImage } | { ok: false; option: string; message: string }> {
    const pre = this.precheck(option, attachment);
    if (!pre.ok) return pre;
    const bytes = await this.download(attachment.url);
    if (!bytes.ok) return { ok: false, option, message: `\`${option}\`: ${bytes.message}` };
    const info = probeImage(bytes.bytes);
    if (!info || !ACCEPTED_TYPES.includes(info.mimeType)) {
      return {
        ok: false,
        option,
        message: `\`${option}\`: this file is not a PNG, JPEG or WebP image (whatever its name says).`,
      };
    }
    if (info.width * info.height > MAX_INPUT_PIXELS) {
      return {
        ok: false,
        option,
        message: `\`${option}\`: the image is ${info.width}×${info.height}; use one under ${MAX_INPUT_PIXELS / 1_000_000} megapixels.`,
      };
    }
    if (rules.requirePngAlpha && (info.format !== 'png' || !info.hasAlpha)) {
      return {
        ok: false,
        option,
        message: `\`${option}\`: the mask must be a PNG with an alpha (transparency) channel; export it with transparency preserved.`,
      };
    }
    if (
      rules.sameSizeAs &&
      (info.width !== rules.sameSizeAs.width || info.height !== rules.sameSizeAs.height)
    ) {
      return {
        ok: false,
        option,
        message: `\`${option}\`: the mask is ${info.width}×${info.height} but \`${rules.sameSizeAs.option}\` is ${rules.sameSizeAs.width}×${rules.sameSizeAs.height}; they must be the same size.`,
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

  private async download(url: string): Promise<{ ok: true; bytes: Buffer } | { ok: false; message: string }> {
    const max = this.options.maxBytes;
    let response: Response;
    try {
      // No redirects: a redirect could lead off Discord's hosts.
      response = await fetch(url, {
        redirect: 'error',
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 20_000),
      });
    } catch {
      return { ok: false, message: 'the file could not be downloaded from Discord; try uploading it again.' };
    }
    if (!response.ok || !response.body)
      return {
        ok: false,
        message: `Discord did not serve the file (${response.status}); try uploading it again.`,
      };
    const chunks: Uint8Array[] = [];
    let total = 0;
    for await (const chunk of response.body) {
      total += chunk.byteLength;
      if (total > max) return { ok: false, message: `the file is larger than ${mb(max)}.` };
      chunks.push(chunk);
    }
    return { ok: true, bytes: Buffer.concat(chunks) };
  }
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MB`;
}

function safeName(name: string, format: string): string {
  const base =
    name
      .replace(/\.[^.]*$/, '')
      .replace(/[^\w.-]+/g, '_')
      .slice(0, 60) || 'image';
  return `${base}.${format === 'jpeg' ? 'jpg' : format}`;
}
