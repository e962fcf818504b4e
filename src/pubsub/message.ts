/** One message as subscribers see it. Shared by every handler it reaches, so it is read-only. */
export interface PubSubMessage {
  /** The channel it was published to. */
  readonly channel: string;
  /** The pattern that matched, for a pattern subscription; undefined for a channel subscription. */
  readonly pattern: string | undefined;
  /** The payload decoded as UTF-8 (decoded once, on first read). */
  readonly message: string;
  /** The payload's raw bytes, for binary messages. Do not modify: other handlers share it. */
  readonly buffer: Buffer;
}

/** Builds the message handed to handlers; the UTF-8 text is decoded only if someone reads it. */
export function createMessage(channel: string, pattern: string | undefined, buffer: Buffer): PubSubMessage {
  return Object.freeze(new DeliveredMessage(channel, pattern, buffer));
}

class DeliveredMessage implements PubSubMessage {
  readonly channel: string;
  readonly pattern: string | undefined;
  readonly buffer: Buffer;
  #text: string | undefined;

  constructor(channel: string, pattern: string | undefined, buffer: Buffer) {
    this.channel = channel;
    this.pattern = pattern;
    this.buffer = buffer;
  }

  get message(): string {
    this.#text ??= this.buffer.toString('utf8');
    return this.#text;
  }

  toJSON(): { channel: string; pattern: string | undefined; message: string } {
    return { channel: this.channel, pattern: this.pattern, message: this.message };
  }
}
