import type { PubSubMessage } from './message.js';
import type { NormalizedTopics } from './topics.js';

/** A subscription as the registry sees it: what it listens to, and where messages go. */
export interface Listener extends NormalizedTopics {
  deliver(message: PubSubMessage): void;
  /** Stops deliveries for good (the PubSub is closing). */
  deactivate(): void;
}

/** Names that gained their first listener, or lost their last one. */
export interface TopicChange {
  channels: string[];
  patterns: string[];
}

/**
 * Which subscriptions listen to which channel or pattern. It is the source of
 * truth of what the connection should be subscribed to: the transport
 * resubscribes to exactly {@link channelNames} and {@link patternNames}.
 */
export class Registry {
  readonly #channels = new Map<string, Set<Listener>>();
  readonly #patterns = new Map<string, Set<Listener>>();
  readonly #listeners = new Set<Listener>();

  /** Subscriptions registered now. */
  get size(): number {
    return this.#listeners.size;
  }

  get channelCount(): number {
    return this.#channels.size;
  }

  get patternCount(): number {
    return this.#patterns.size;
  }

  channelNames(): string[] {
    return [...this.#channels.keys()];
  }

  patternNames(): string[] {
    return [...this.#patterns.keys()];
  }

  listeners(): Listener[] {
    return [...this.#listeners];
  }

  /** Registers `listener`; returns the names nobody listened to before. */
  add(listener: Listener): TopicChange {
    this.#listeners.add(listener);
    return { channels: attach(this.#channels, listener.channels, listener), patterns: attach(this.#patterns, listener.patterns, listener) };
  }

  /** Unregisters `listener`; returns the names nobody listens to any more. Idempotent. */
  remove(listener: Listener): TopicChange {
    if (!this.#listeners.delete(listener)) return { channels: [], patterns: [] };
    return { channels: detach(this.#channels, listener.channels, listener), patterns: detach(this.#patterns, listener.patterns, listener) };
  }

  /** Forgets every subscription (the PubSub is closing). */
  clear(): void {
    this.#listeners.clear();
    this.#channels.clear();
    this.#patterns.clear();
  }

  /**
   * Hands `message` to the subscriptions of its channel (or of the pattern
   * that matched). The set is copied first: a handler that subscribes a new
   * listener must not hand it a message published before it subscribed.
   */
  dispatch(message: PubSubMessage): void {
    const set = message.pattern === undefined ? this.#channels.get(message.channel) : this.#patterns.get(message.pattern);
    if (set === undefined) return;
    if (set.size === 1) {
      const [only] = set;
      only?.deliver(message);
      return;
    }
    for (const listener of [...set]) listener.deliver(message);
  }
}

function attach(index: Map<string, Set<Listener>>, names: readonly string[], listener: Listener): string[] {
  const added: string[] = [];
  for (const name of names) {
    let set = index.get(name);
    if (set === undefined) {
      set = new Set();
      index.set(name, set);
      added.push(name);
    }
    set.add(listener);
  }
  return added;
}

function detach(index: Map<string, Set<Listener>>, names: readonly string[], listener: Listener): string[] {
  const removed: string[] = [];
  for (const name of names) {
    const set = index.get(name);
    if (set === undefined) continue;
    set.delete(listener);
    if (set.size === 0) {
      index.delete(name);
      removed.push(name);
    }
  }
  return removed;
}
