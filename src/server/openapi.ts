import { z } from 'zod';
import type { AnyRoute } from './route.ts';

/** A JSON Schema object as produced by zod (loosely typed on purpose: it is data for clients). */
type JsonSchema = Record<string, unknown>;

function schemaOf(s: z.ZodType, io: 'input' | 'output'): JsonSchema {
  const out = z.toJSONSchema(s, { io, unrepresentable: 'any' }) as JsonSchema;
  delete out['$schema'];
  return out;
}

function parametersOf(r: AnyRoute): unknown[] {
  const params: unknown[] = [];
  const add = (s: z.ZodType | undefined, where: 'path' | 'query'): void => {
    if (!s) return;
    const js = schemaOf(s, 'input');
    const props = (js['properties'] ?? {}) as Record<string, JsonSchema>;
    const required = new Set((js['required'] ?? []) as string[]);
    for (const [name, schema] of Object.entries(props)) {
      params.push({
        name,
        in: where,
        required: where === 'path' || required.has(name),
        schema,
        description: schema['description'],
      });
    }
  };
  add(r.params, 'path');
  add(r.query, 'query');
  return params;
}

/**
 * Builds the OpenAPI 3.1 document of vigil's REST API from the same zod schemas that validate the
 * requests, so the document cannot drift from what the server accepts.
 */
export function buildOpenApi(routes: readonly AnyRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of routes) {
    const p = r.url.replace(/:([A-Za-z_]+)/g, '{$1}');
    const op: Record<string, unknown> = {
      summary: r.summary,
      tags: [r.tag],
      operationId: `${r.method.toLowerCase()}${p.replace(/[^A-Za-z0-9]+(.)?/g, (_m, c: string | undefined) => (c ? c.toUpperCase() : ''))}`,
      parameters: parametersOf(r),
      security: r.access === 'public' ? [] : [{ bearer: [] }],
      responses: {
        [String(r.status ?? 200)]: {
          description: 'Success',
          ...(r.response
            ? { content: { 'application/json': { schema: schemaOf(r.response, 'output') } } }
            : {}),
        },
        '400': {
          description: 'Invalid request; `errors` names each field',
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
        ...(r.access === 'public'
          ? {}
          : {
              '401': { description: 'Missing or wrong credentials' },
              '403': { description: 'Role not allowed' },
            }),
      },
    };
    if (r.body)
      op['requestBody'] = {
        required: true,
        content: { 'application/json': { schema: schemaOf(r.body, 'input') } },
      };
    paths[p] = { ...(paths[p] ?? {}), [r.method.toLowerCase()]: op };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'vigil API',
      version,
      description: 'Incidents, alerts and on-call. Authenticate with `Authorization: Bearer <token>`.',
    },
    paths,
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Error: {
          type: 'object',
          required: ['code', 'message'],
          properties: {
            code: { type: 'string' },
            message: { type: 'string' },
            errors: {
              type: 'array',
              items: {
                type: 'object',
                properties: { field: { type: 'string' }, message: { type: 'string' } },
              },
            },
          },
        },
      },
    },
  };
}
