import { z } from 'zod';
import { isDuration } from '../shared/duration.ts';

const duration = z.string().refine(isDuration, { message: 'must be a duration like 30s, 5m or 4h' });

/** A routing-tree node as written in YAML (Alertmanager's `route:` block plus vigil's additions). */
export interface RouteConfig {
  receiver?: string | undefined;
  /** Matcher strings, `name OP "value"`, or braced lists. */
  matchers?: string[] | undefined;
  /** Deprecated Alertmanager form: label → exact value. */
  match?: Record<string, string> | undefined;
  /** Deprecated Alertmanager form: label → anchored RE2 regex. */
  match_re?: Record<string, string> | undefined;
  continue?: boolean | undefined;
  /** Label names; `['...']` groups by all labels; `[]` gives one group per route. */
  group_by?: string[] | undefined;
  group_wait?: string | undefined;
  group_interval?: string | undefined;
  repeat_interval?: string | undefined;
  mute_time_intervals?: string[] | undefined;
  active_time_intervals?: string[] | undefined;
  routes?: RouteConfig[] | undefined;
  /** vigil: the service alerts on this route belong to (inherited). */
  service?: string | undefined;
  /** vigil: the escalation policy that pages for incidents on this route (inherited). */
  escalation_policy?: string | undefined;
  /** vigil: notification channel ids for this route (inherited). */
  channels?: string[] | undefined;
}

/**
 * Strict zod schema for one route node and its children (unknown keys are errors, so typos such as
 * `group_wiat` are reported instead of silently ignored).
 */
export const routeSchema: z.ZodType<RouteConfig> = z.lazy(() =>
  z.strictObject({
    receiver: z.string().min(1).optional(),
    matchers: z.array(z.string()).optional(),
    match: z.record(z.string(), z.string()).optional(),
    match_re: z.record(z.string(), z.string()).optional(),
    continue: z.boolean().optional(),
    group_by: z.array(z.string()).optional(),
    group_wait: duration.optional(),
    group_interval: duration.optional(),
    repeat_interval: duration.optional(),
    mute_time_intervals: z.array(z.string()).optional(),
    active_time_intervals: z.array(z.string()).optional(),
    routes: z.array(routeSchema).optional(),
    service: z.string().min(1).optional(),
    escalation_policy: z.string().min(1).optional(),
    channels: z.array(z.string().min(1)).optional(),
  }),
);
