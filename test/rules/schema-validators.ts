/**
 * Test helpers that load the vendored backend schemas (copied from /work/shared/schemas with their
 * licences, see the SOURCE.md files under schemas) and validate compiled outputs against them.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import type { BotocoreModel } from '../../src/rules/botocore.ts';

const here = dirname(fileURLToPath(import.meta.url));
const load = (p: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(here, 'schemas', p), 'utf8')) as Record<string, unknown>;

/** The CloudWatch botocore model (service-2.json). */
export function cloudWatchModel(): BotocoreModel {
  return load('cloudwatch/service-2.json') as unknown as BotocoreModel;
}

/** Ajv validator for the cfn-lint AWS::CloudWatch::Alarm properties schema (custom keywords ignored). */
export function cfnAlarmValidator(): ValidateFunction {
  const ajv = new Ajv({ strict: false, allErrors: true, unicodeRegExp: false });
  return ajv.compile(load('cloudwatch/aws-cloudwatch-alarm.json'));
}

/** The cfn-lint patches that are not JSON Schema: requiredXor and dependentExcluded. */
export function cfnCustomKeywords(props: Record<string, unknown>): string[] {
  const s = load('cloudwatch/aws-cloudwatch-alarm.json') as {
    requiredXor: string[];
    dependentExcluded: Record<string, string[]>;
  };
  const out: string[] = [];
  if (s.requiredXor.filter((k) => props[k] !== undefined).length !== 1)
    out.push(`exactly one of ${s.requiredXor.join('/')}`);
  for (const [k, ex] of Object.entries(s.dependentExcluded))
    if (props[k] !== undefined)
      for (const e of ex) if (props[e] !== undefined) out.push(`${k} excludes ${e}`);
  return out;
}

type Def = { properties?: Record<string, unknown>; additionalProperties?: unknown; oneOf?: Def[] };

/**
 * Converts a draft-04 ARM schema for ajv 8 (`id` → `$id`, drop `$schema`) and repairs one generator
 * quirk: for discriminated types (e.g. MultiMetricCriteria) the branch-only members (`threshold`,
 * `operator`, `criterionType`) are declared only inside `oneOf`, so the sibling `additionalProperties`
 * ("must be an object") rejects every valid number or string. Declaring those names at the top level
 * (as `{}`) lets the `oneOf` branch check their real types, which is what ARM itself does.
 */
function draft04(s: Record<string, unknown>): Record<string, unknown> {
  const { id, $schema: _drop, ...rest } = s;
  const defs = (rest['definitions'] ?? {}) as Record<string, Def>;
  for (const d of Object.values(defs)) {
    if (!d.oneOf || d.additionalProperties === undefined) continue;
    d.properties ??= {};
    for (const b of d.oneOf) for (const k of Object.keys(b.properties ?? {})) d.properties[k] ??= {};
  }
  return { ...rest, $id: id };
}

/** Ajv validators for the ARM resource definitions metricAlerts (2018-03-01) and scheduledQueryRules (2023-12-01). */
export function armValidators(): { metricAlerts: ValidateFunction; scheduledQueryRules: ValidateFunction } {
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    validateSchema: false,
    formats: { 'date-time': true },
  });
  ajv.addSchema(draft04(load('azure/arm/common/definitions.json')));
  const m = draft04(load('azure/arm/2018-03-01/Microsoft.Insights.json'));
  const q = draft04(load('azure/arm/2023-12-01/Microsoft.Insights.json'));
  ajv.addSchema(m);
  ajv.addSchema(q);
  return {
    metricAlerts:
      ajv.getSchema(`${String(m['$id'])}/resourceDefinitions/metricAlerts`) ?? fail('metricAlerts'),
    scheduledQueryRules:
      ajv.getSchema(`${String(q['$id'])}/resourceDefinitions/scheduledQueryRules`) ??
      fail('scheduledQueryRules'),
  };
}

function fail(what: string): never {
  throw new Error(`schema ${what} not found`);
}
