import type { EngineSeam } from '../engine/engine-seam.js';
import { type ConnectionRole, channels } from '../observability/channels.js';

/**
 * Publishes a long-lived connection's life on the connection channels, for
 * owners that have no bookkeeping of their own to hang it on: `create` each
 * time it becomes ready, `fail` for each failed attempt, `destroy` with
 * `broken` when it is lost and will reconnect, or `close` when it ended for
 * good (closed by its owner; its retry strategy said stop). Listening costs
 * nothing per command; each publish is skipped when nobody subscribes.
 */
export function publishConnectionEvents(engine: EngineSeam, role: ConnectionRole): void {
  let open = false;
  engine.on('ready', () => {
    open = true;
    if (channels.connectionCreate.hasSubscribers) channels.connectionCreate.publish({ role, id: engine.id });
  });
  engine.on('connectFailed', (error) => {
    if (channels.connectionFail.hasSubscribers) channels.connectionFail.publish({ role, id: engine.id, error });
  });
  engine.on('lost', (error) => {
    open = false;
    if (!channels.connectionDestroy.hasSubscribers) return;
    // Ended already when the loss was a close (the engine settles its status before it tells).
    if (engine.isEnded) channels.connectionDestroy.publish({ role, id: engine.id, reason: 'close' });
    else channels.connectionDestroy.publish({ role, id: engine.id, reason: 'broken', error });
  });
  engine.on('end', () => {
    // Closed while ready without a 'lost' first (it always comes first today; this keeps one destroy per create).
    if (!open) return;
    open = false;
    if (channels.connectionDestroy.hasSubscribers) channels.connectionDestroy.publish({ role, id: engine.id, reason: 'close' });
  });
}
