import {
  channelConfigSchema,
  createChannel,
  resolveChannelConfig,
  type Channel,
} from '../../src/notify/channels/index.ts';
import type { SendContext } from '../../src/notify/http.ts';
import type { IncidentView } from '../../src/notify/types.ts';
import { Redactor } from '../../src/notify/secrets.ts';
import type { FetchLike } from '../../src/notify/types.ts';

/** Parses, resolves (with an in-memory env) and builds a channel, as config loading would. */
export function makeChannel(raw: unknown, env: Record<string, string>): Channel {
  const parsed = channelConfigSchema.parse(raw);
  const { config, redactor, issues } = resolveChannelConfig(
    parsed,
    { env, readFile: () => '' },
    new Redactor(),
  );
  if (issues.length) throw new Error(JSON.stringify(issues));
  return createChannel(config, redactor);
}

/** A send context at `now` with the loopback-only fetch. */
export function sendCtx(fetch: FetchLike, over: Partial<SendContext> = {}): SendContext {
  return {
    fetch,
    timeoutMs: 2000,
    now: Date.parse('2026-01-05T09:00:00Z'),
    key: 'INC-7:triggered:u1:slack:0',
    ...over,
  };
}

/** A realistic incident view. */
export function sampleIncident(over: Partial<IncidentView> = {}): IncidentView {
  return {
    id: 'INC-7',
    title: 'GPU memory high on gpu-7',
    severity: 'critical',
    status: 'triggered',
    service: 'training',
    summary: 'GPU memory > 95% on gpu-7 <script>alert(1)</script> & more',
    value: '97%',
    labels: { alertname: 'GPUMemoryHigh', cluster: 'train-a', instance: 'gpu-7:9400', severity: 'critical' },
    triggeredAt: Date.parse('2026-01-05T08:59:00Z'),
    runbookUrl: 'https://runbooks.example/gpu-mem',
    dashboardUrl: 'https://grafana.example/d/gpu',
    url: 'https://vigil.example/incidents/INC-7',
    ackUrl: 'https://vigil.example/a/ack?t=x',
    resolveUrl: 'https://vigil.example/a/resolve?t=y',
    ...over,
  };
}
