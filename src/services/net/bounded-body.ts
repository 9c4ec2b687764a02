/**
 * A body read into memory up to `maxBytes` and no further: bytes are counted as they arrive and reading
 * stops (which closes the stream: leaving a `for await` cancels a web stream and destroys a Node one) as
 * soon as the count passes the cap, so a body that never ends costs at most the cap. A declared
 * `Content-Length` over the cap is refused before the first byte.
 */
export async function readAtMost(
  body: AsyncIterable<Uint8Array>,
  maxBytes: number,
  declaredBytes?: number,
): Promise<{ ok: true; bytes: Buffer } | { ok: false; declared?: number }> {
  if (declaredBytes !== undefined && declaredBytes > maxBytes) {
    // Nothing read: ask the stream to stop at once rather than leave it for the garbage collector.
    await body[Symbol.asyncIterator]().return?.();
    return { ok: false, declared: declaredBytes };
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.byteLength;
    if (total > maxBytes) return { ok: false };
    chunks.push(chunk);
  }
  return { ok: true, bytes: Buffer.concat(chunks, total) };
}

/** A `Content-Length` header as a number of bytes, when there is a valid one. Pure. */
export function declaredLength(header: string | string[] | null | undefined): number | undefined {
  const value = Number(Array.isArray(header) ? header[0] : (header ?? Number.NaN));
  return Number.isSafeInteger(value) && value >= 0 ? value : undefined;
}
