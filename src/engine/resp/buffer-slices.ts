/** Reading strings and Buffers out of socket chunks, fast and without pinning them. */

type Slice = (this: Buffer, start: number, end: number) => string;
/**
 * Buffer's own UTF-8 decoder, without toString()'s argument checks and
 * dispatch on the encoding name: about a quarter of the time spent on small
 * replies (measured in bench/resp-parser.ts). Undocumented but present in
 * every Node.js since 0.x; toString() is the fallback.
 */
const nativeUtf8Slice = Reflect.get(Buffer.prototype, 'utf8Slice') as Slice | undefined;

export function utf8(buf: Buffer, start: number, end: number): string {
  return nativeUtf8Slice === undefined ? buf.toString('utf8', start, end) : nativeUtf8Slice.call(buf, start, end);
}

/**
 * A Buffer holding bytes [start, stop) of a socket chunk. A view when the value
 * is most of the chunk (no copy: big values); a copy otherwise, so a small
 * value kept by the caller does not keep the whole chunk alive.
 */
export function copyOut(buf: Buffer, start: number, stop: number): Buffer {
  const length = stop - start;
  if (length * 2 >= buf.length) return buf.subarray(start, stop);
  const out = Buffer.allocUnsafe(length);
  buf.copy(out, 0, start, stop);
  return out;
}
