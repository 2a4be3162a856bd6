import http from 'node:http';
import type { FirstSeenReceiver } from './receiver.ts';

/** What the load generator measured against one Alertmanager-compatible server. */
export interface LoadResult {
  accepted: number;
  rejected: number;
  seconds: number;
  alertsPerS: number;
  notified: number;
  webhookCalls: number;
  notifyP50Ms: number;
  notifyP99Ms: number;
  notifyMaxMs: number;
  /**
   * Accept → first notification for the first alert of each group only: the one figure that
   * group_wait alone bounds (later alerts of a group wait for its next group_interval tick).
   */
  firstOfGroupP50Ms: number;
  firstOfGroupP99Ms: number;
}

/** The shape of one run: how many alerts, in which batches, over how many connections and groups. */
export interface LoadShape {
  total: number;
  batch: number;
  connections: number;
  groups: number;
  /** How long to wait for the last notifications after the last POST (ms). */
  drainMs: number;
  /** Offered load in alerts/s (paced); as fast as possible when absent. */
  rate?: number | undefined;
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
}

/**
 * Posts `total` alerts as Alertmanager API v2 batches over keep-alive connections, each alert
 * with a unique `instance`, spread over `groups` alertname+service groups, then waits for the
 * receiver to have seen every accepted alert (or for `drainMs`).
 */
export async function runLoad(
  url: string,
  shape: LoadShape,
  receiver: FirstSeenReceiver,
  headers: Record<string, string> = {},
  runId = 'r',
): Promise<LoadResult> {
  const u = new URL(url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: shape.connections });
  const sentAt = new Map<string, number>();
  const firstOfGroup = new Map<string, string>();
  const post = (payload: string): Promise<number> =>
    new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: u.hostname,
          port: u.port,
          path: u.pathname,
          method: 'POST',
          agent,
          headers: {
            'content-type': 'application/json',
            'content-length': Buffer.byteLength(payload),
            ...headers,
          },
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  let next = 0;
  let ok = 0;
  let bad = 0;
  const t0 = performance.now();
  const sender = async (): Promise<void> => {
    while (next < shape.total) {
      const start = next;
      next += shape.batch;
      if (shape.rate) {
        // Paced: batch k leaves at t0 + k·batch/rate, so the offered load is steady.
        const due = t0 + (start / shape.rate) * 1000;
        const wait = due - performance.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      const now = new Date().toISOString();
      const alerts = [];
      const ids: string[] = [];
      for (let i = start; i < Math.min(start + shape.batch, shape.total); i++) {
        const id = `${runId}-i${i}`;
        ids.push(id);
        const group = `${i % 20}/${i % shape.groups}`;
        if (!firstOfGroup.has(group)) firstOfGroup.set(group, id);
        alerts.push({
          labels: {
            alertname: `Alert${i % 20}`,
            // Per run, so the measured run starts with no groups (the warm-up's are other groups).
            service: `${runId}-svc${i % shape.groups}`,
            severity: 'critical',
            instance: id,
          },
          annotations: { summary: `alert ${i}` },
          startsAt: now,
          generatorURL: 'http://prom/graph',
        });
      }
      // Absolute, as the receiver's thread records its times.
      const at = performance.timeOrigin + performance.now();
      for (const id of ids) sentAt.set(id, at);
      let status = 0;
      for (let attempt = 0; attempt < 50; attempt++) {
        status = await post(JSON.stringify(alerts));
        if (status !== 429 && status !== 503) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      if (status >= 200 && status < 300) ok += alerts.length;
      else bad += alerts.length;
    }
  };
  await Promise.all(Array.from({ length: shape.connections }, sender));
  const t1 = performance.now();
  const deadline = performance.now() + shape.drainMs;
  // Only this run's alerts count (a warm-up run's alerts may still be re-sent in group notifications).
  const seen = (): Array<[string, number]> => [...receiver.firstSeen].filter(([k]) => sentAt.has(k));
  while (seen().length < ok && performance.now() < deadline) await new Promise((r) => setTimeout(r, 50));
  agent.destroy();
  const lat = seen()
    .map(([k, t]) => t - (sentAt.get(k) ?? t))
    .sort((a, b) => a - b);
  const firsts = [...firstOfGroup.values()]
    .map((id) => (receiver.firstSeen.get(id) ?? Number.POSITIVE_INFINITY) - (sentAt.get(id) ?? 0))
    .sort((a, b) => a - b);
  const seconds = (t1 - t0) / 1000;
  return {
    accepted: ok,
    rejected: bad,
    seconds,
    alertsPerS: ok / seconds,
    notified: lat.length,
    webhookCalls: receiver.calls,
    notifyP50Ms: percentile(lat, 0.5),
    notifyP99Ms: percentile(lat, 0.99),
    notifyMaxMs: lat.at(-1) ?? Number.NaN,
    firstOfGroupP50Ms: percentile(firsts, 0.5),
    firstOfGroupP99Ms: percentile(firsts, 0.99),
  };
}
