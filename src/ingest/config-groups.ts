import { parseYamlSource } from '../config/yaml-source.ts';
import { buildPipeline, routeGroupFn } from '../pipeline/setup.ts';
import type { GroupKeyOf } from './alert-batch.ts';

/**
 * The group key of alerts under a config text, built as the config loader builds its routing
 * tree. The reader thread uses it to key each alert it reads by group; the text was validated by
 * the loader before the thread started, so it builds here too.
 */
export function groupKeyOfConfig(file: string, text: string): GroupKeyOf {
  const src = parseYamlSource(file, text);
  const group = routeGroupFn(buildPipeline((src.value ?? {}) as Record<string, unknown>).tree);
  return (labels) => group(labels).key;
}
