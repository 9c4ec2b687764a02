import type { ServerResponse } from 'node:http';
import type { EmulatorState } from './state.js';

/** Discord's CDN on the emulator's port: the bytes of every stored attachment, at the URL it reports. */
export function createCdn(state: EmulatorState) {
  const { files } = state;
  return {
    /** Answers a GET for an attachment's bytes; false when the request is not one for the CDN. */
    serve(
      method: string,
      pathname: string,
      response: ServerResponse,
      entry: { status: number },
      send: (status: number, body?: unknown) => void,
    ): boolean {
      const cdn = pathname.match(/^\/attachments\/\d+\/(\d+)\//);
      if (method !== 'GET' || !cdn) return false;
      const attachment = files.get(cdn[1] ?? '');
      if (!attachment) {
        send(404, { message: 'Not Found' });
        return true;
      }
      entry.status = 200;
      response.writeHead(200, {
        'content-type': attachment.content_type ?? 'application/octet-stream',
        'content-length': String(attachment.size),
      });
      response.end(attachment.data);
      return true;
    },
  };
}
