import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * A TCP proxy for faults inside the reply stream, which {@link FaultProxy} (whole chunks, both
 * directions) cannot place: cutting a connection in the middle of one reply, or between two
 * replies of a pipeline, and swallowing replies while requests still reach the server.
 */
export interface ReplyCutProxy extends AsyncDisposable {
  readonly host: string;
  readonly port: number;
  /** `redis://127.0.0.1:PORT`. */
  readonly url: string;
  /** Connections cut by {@link cutAt} so far. */
  readonly cuts: number;
  /**
   * The next time a server-to-client stream carries `marker`, forwards it up to `keep` bytes
   * counted from the marker's first byte, lets the client read them, then resets that
   * connection (RST). One-shot; resolves once the connection was cut. Arming again before that
   * replaces the earlier cut, whose promise then never resolves.
   */
  cutAt(marker: string, keep: number): Promise<void>;
  /**
   * While on, replies are dropped; requests still reach the server (a blackhole after the write).
   * A connection that lost a reply keeps losing them after it is turned off: TCP never resumes a
   * stream with bytes missing, so only connections opened later see replies again.
   */
  dropReplies(on?: boolean): void;
  /** Resets every client connection now. */
  resetAll(): void;
  /** Stops listening and closes every connection. Idempotent. */
  close(): Promise<void>;
}

const HOST = '127.0.0.1';
/** Time for the client to read the forwarded part before the RST, which would discard it unread. */
const READ_GRACE_MS = 30;

interface PendingCut {
  marker: Buffer;
  keep: number;
  done: () => void;
}

/** Starts a {@link ReplyCutProxy} on a free port forwarding to `target`. */
export async function startReplyCutProxy(target: { host: string; port: number }): Promise<ReplyCutProxy> {
  const sockets = new Set<net.Socket>();
  let pending: PendingCut | undefined;
  let dropping = false;
  let cuts = 0;

  const cut = (client: net.Socket, upstream: net.Socket, last: Buffer, done: () => void): void => {
    upstream.pause();
    client.write(last, () => {
      void sleep(READ_GRACE_MS).then(() => {
        cuts++;
        upstream.destroy();
        if (!client.destroyed) client.resetAndDestroy();
        done();
      });
    });
  };

  const server = net.createServer((client) => {
    const upstream = net.connect(target);
    sockets.add(client);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    // The last bytes seen, so a marker split across two chunks is still found.
    let tail = Buffer.alloc(0);
    // Once the marker is seen: bytes still to forward before the cut.
    let remaining: { bytes: number; done: () => void } | undefined;
    let lostReplies = false;
    client.on('data', (chunk: Buffer) => upstream.write(chunk));
    upstream.on('data', (chunk: Buffer) => {
      if (dropping) lostReplies = true;
      if (lostReplies || client.destroyed) return;
      if (remaining === undefined && pending !== undefined) {
        const { marker, keep, done } = pending;
        const at = Buffer.concat([tail, chunk]).indexOf(marker);
        if (at !== -1) {
          pending = undefined;
          remaining = { bytes: at - tail.length + keep, done };
        } else tail = Buffer.from(chunk.subarray(Math.max(0, chunk.length - marker.length + 1)));
      }
      if (remaining === undefined) {
        client.write(chunk);
        return;
      }
      if (remaining.bytes > chunk.length) {
        remaining.bytes -= chunk.length;
        client.write(chunk);
        return;
      }
      cut(client, upstream, chunk.subarray(0, Math.max(0, remaining.bytes)), remaining.done);
    });
    const drop = () => {
      sockets.delete(client);
      upstream.destroy();
      client.destroy();
    };
    client.on('error', drop);
    upstream.on('error', drop);
    client.on('close', drop);
    upstream.on('close', drop);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: 0, host: HOST }, () => resolve());
  });
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error(`unexpected proxy address ${String(address)}`);
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const socket of sockets) socket.destroy();
    });
    return closed;
  };
  return {
    host: HOST,
    port: address.port,
    url: `redis://${HOST}:${address.port}`,
    get cuts() {
      return cuts;
    },
    cutAt(marker, keep) {
      return new Promise<void>((done) => {
        pending = { marker: Buffer.from(marker), keep, done };
      });
    },
    dropReplies(on = true) {
      dropping = on;
    },
    resetAll() {
      for (const socket of sockets) if (!socket.destroyed) socket.resetAndDestroy();
    },
    close,
    [Symbol.asyncDispose]: close,
  };
}
