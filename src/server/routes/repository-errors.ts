import type { FastifyReply } from 'fastify';
import { ConflictError, RecordNotFoundError, UniqueViolationError, type ValidationIssue } from '../../index.js';

/** One refused field, as the API reports it. */
interface IssueBody {
  path: string;
  message: string;
}

function issuePath(issue: ValidationIssue): string {
  return (issue.path ?? []).map((part) => String(typeof part === 'object' ? part.key : part)).join('.');
}

/** The 400 body for a malformed path or query parameter. */
export function badRequest(message: string): { error: { code: 'BAD_REQUEST'; message: string } } {
  return { error: { code: 'BAD_REQUEST', message } };
}

/** Answers 400 with what a schema refused in the request (the caller's own input, so safe to echo). */
export function sendSchemaIssues(reply: FastifyReply, issues: readonly ValidationIssue[]): FastifyReply {
  const body: IssueBody[] = issues.map((issue) => ({ path: issuePath(issue), message: issue.message }));
  return reply.code(400).send({ error: { code: 'ERR_REDIS_VALIDATION', message: 'the request body was refused', issues: body } });
}

/**
 * Answers the repositories' typed errors as HTTP: a missing record 404, a
 * taken unique value or an update that kept losing races 409. Returns false
 * for anything else, which the caller rethrows: Redis being unavailable is
 * the plugin's 503, and the rest are 500s. That includes `ValidationError`:
 * the routes check the request against their own schema first, so what the
 * repository still refuses is stored data gone bad, not the caller's input.
 */
export function sendRepositoryError(reply: FastifyReply, error: unknown): boolean {
  if (error instanceof RecordNotFoundError) {
    reply.code(404).send({ error: { code: error.code, message: 'no such record' } });
  } else if (error instanceof UniqueViolationError) {
    reply.code(409).send({ error: { code: error.code, message: error.message } });
  } else if (error instanceof ConflictError) {
    reply.code(409).send({ error: { code: error.code, message: 'too many concurrent updates; retry' } });
  } else {
    return false;
  }
  return true;
}
