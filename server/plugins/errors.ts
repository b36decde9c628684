/**
 * The one error handler: domain errors (AppError) keep their code and status; schema validation
 * becomes 400 VALIDATION_FAILED with the failing fields; anything else is a 500 whose message is
 * not leaked.
 */
import fp from 'fastify-plugin';
import type { FastifyError } from 'fastify';
import { AppError } from '../errors.js';
import { isDbUnavailable } from '../../db/faults.js';

export default fp(
  async (app) => {
    app.setErrorHandler((err: FastifyError | AppError, request, reply) => {
      if (err instanceof AppError) {
        return reply
          .status(err.statusCode)
          .send({ error: { code: err.code, message: err.message, details: err.details, params: err.params } });
      }
      const fe = err as FastifyError;
      if (fe.validation) {
        return reply.status(400).send({
          error: {
            code: 'VALIDATION_FAILED',
            message: `invalid ${fe.validationContext ?? 'request'}: ${fe.message}`,
            params: {
              reason: 'schema',
              context: fe.validationContext ?? 'request',
              fields: fe.validation.map(
                (v) =>
                  v.instancePath.replace(/^\//, '') ||
                  String((v.params as { missingProperty?: string }).missingProperty ?? ''),
              ),
            },
            details: fe.validation.map((v) => ({
              path: v.instancePath,
              // Name the allowed values instead of ajv's bare "must be equal to one of the allowed values".
              message:
                v.keyword === 'enum'
                  ? `${v.message}: ${(v.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`
                  : v.message,
              params: v.params,
            })),
          },
        });
      }
      // A lost, refused or timed-out database connection: the client may retry; the cause (which
      // names the host) goes to the log only.
      if (isDbUnavailable(err)) {
        request.log.warn({ err: (err as Error).message }, 'database unavailable');
        return reply
          .status(503)
          .header('retry-after', '5')
          .send({ error: { code: 'DB_UNAVAILABLE', message: 'database temporarily unavailable, try again shortly' } });
      }
      const status = fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500 ? fe.statusCode : 500;
      if (status >= 500) {
        request.log.error({ err }, 'unhandled error');
        return reply.status(status).send({ error: { code: 'INTERNAL', message: 'internal server error', params: {} } });
      }
      const code =
        status === 413
          ? 'PAYLOAD_TOO_LARGE'
          : status === 415
            ? 'UNSUPPORTED_MEDIA_TYPE'
            : status === 404
              ? 'NOT_FOUND'
              : status === 429
                ? 'RATE_LIMITED'
                : 'BAD_REQUEST';
      const hint =
        status === 415
          ? ' (send Content-Type: application/json, application/geo+json or text/csv)'
          : status === 413
            ? ` (limit: BODY_LIMIT_MB=${Math.round(app.initialConfig.bodyLimit! / 1048576)})`
            : '';
      const params =
        status === 413
          ? { limit_mb: Math.round(app.initialConfig.bodyLimit! / 1048576) }
          : status === 404
            ? { what: 'route' }
            : {};
      return reply.status(status).send({ error: { code, message: fe.message + hint, params } });
    });
    app.setNotFoundHandler((request, reply) =>
      reply.status(404).send({
        error: {
          code: 'NOT_FOUND',
          message: `no route ${request.method} ${request.url.split('?')[0]}`,
          params: { what: 'route' },
        },
      }),
    );
  },
  { name: 'errors' },
);
