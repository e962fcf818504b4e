import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { RedisClient } from '../client/client.js';

/**
 * The reference service, as small as it is for now: health endpoints that
 * say whether Redis answers. It keeps serving while Redis is down.
 *
 * - `GET /health`: 200 with the health report (`status: healthy | degraded | unhealthy`).
 * - `GET /health/live`: 200 while the process runs.
 * - `GET /health/ready`: 200 when Redis answers, 503 when it does not.
 */
export function createReferenceServer(redis: RedisClient): Server {
  return createServer((request, response) => {
    route(redis, request, response).catch((error: unknown) => {
      send(response, 500, { error: error instanceof Error ? error.message : String(error) });
    });
  });
}

async function route(redis: RedisClient, request: IncomingMessage, response: ServerResponse): Promise<void> {
  const path = new URL(request.url ?? '/', 'http://localhost').pathname;
  if (request.method !== 'GET' && request.method !== 'HEAD') return send(response, 405, { error: 'method not allowed' });
  switch (path) {
    case '/health/live':
      return send(response, 200, { status: 'live' });
    case '/health':
    case '/health/ready': {
      const report = await redis.health();
      const code = path === '/health/ready' && report.status === 'unhealthy' ? 503 : 200;
      return send(response, code, report);
    }
    default:
      return send(response, 404, { error: 'not found', routes: ['/health', '/health/live', '/health/ready'] });
  }
}

function send(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  response.end(text);
}
