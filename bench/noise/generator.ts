/**
 * Deterministic generator of labelled alert storms for the noise benchmark. A seeded PRNG
 * (mulberry32) drives everything, so a storm name + seed always yields the same alerts.
 */
import { seededRandom } from '../../src/shared/random.ts';

/** A service and the services it depends on. */
export interface Service {
  name: string;
  tier: 1 | 2 | 3;
  layer: number;
  dependsOn: string[];
}

/** One alert instance (a firing episode) with its ground truth. */
export interface StormAlert {
  id: number;
  labels: Record<string, string>;
  fingerprint: string;
  startsAt: number;
  endsAt: number;
  /** The true incident, or null for non-actionable transient noise. */
  incident: string | null;
}

/** A generated storm. */
export interface Storm {
  name: string;
  services: Service[];
  alerts: StormAlert[];
  /** Ids of the true incidents (every one must be paged). */
  incidents: string[];
  endAt: number;
}

const S = 1000;
const M = 60 * S;

/** A layered service graph: layer 0 is infrastructure, higher layers depend on lower ones. */
export function serviceGraph(rand: () => number, layers: number[] = [4, 8, 12, 16]): Service[] {
  const byLayer: Service[][] = [];
  const prefixes = ['infra', 'platform', 'model', 'api'];
  layers.forEach((n, l) => {
    const row: Service[] = [];
    for (let i = 0; i < n; i++) {
      const below = byLayer[l - 1] ?? [];
      const deps = new Set<string>();
      const k = below.length ? 1 + Math.floor(rand() * Math.min(3, below.length)) : 0;
      while (deps.size < k) deps.add(below[Math.floor(rand() * below.length)]?.name ?? '');
      row.push({
        name: `${prefixes[l] ?? 'svc'}-${i}`,
        tier: l >= 2 ? 1 : l === 1 ? 2 : 3,
        layer: l,
        dependsOn: [...deps],
      });
    }
    byLayer.push(row);
  });
  return byLayer.flat();
}

/** Services that depend on `root`, directly or transitively, with their distance. */
export function dependents(services: readonly Service[], root: string): Map<string, number> {
  const out = new Map<string, number>();
  let frontier = [root];
  for (let d = 1; frontier.length; d++) {
    const next: string[] = [];
    for (const s of services)
      if (!out.has(s.name) && s.name !== root && s.dependsOn.some((x) => frontier.includes(x))) {
        out.set(s.name, d);
        next.push(s.name);
      }
    frontier = next;
  }
  return out;
}

const fpOf = (labels: Record<string, string>): string =>
  Object.keys(labels)
    .sort()
    .map((k) => `${k}=${labels[k]}`)
    .join(',');

class Builder {
  alerts: StormAlert[] = [];
  incidents: string[] = [];
  private active = new Map<string, number>(); // fingerprint → endsAt of the latest instance
  constructor(readonly rand: () => number) {}
  uniform(a: number, b: number): number {
    return a + this.rand() * (b - a);
  }
  pick<T>(xs: readonly T[]): T {
    const x = xs[Math.floor(this.rand() * xs.length)];
    if (x === undefined) throw new Error('empty');
    return x;
  }
  add(labels: Record<string, string>, startsAt: number, endsAt: number, incident: string | null): void {
    const fingerprint = fpOf(labels);
    // Alertmanager would merge a second instance of a firing label set into the first: skip it.
    if ((this.active.get(fingerprint) ?? -1) >= startsAt) return;
    this.active.set(fingerprint, endsAt);
    this.alerts.push({
      id: this.alerts.length,
      labels,
      fingerprint,
      startsAt: Math.round(startsAt),
      endsAt: Math.round(endsAt),
      incident,
    });
  }
  cascade(services: readonly Service[], root: string, t0: number, pDependent: number, id: string): void {
    this.incidents.push(id);
    const dur = this.uniform(5 * M, 30 * M);
    const causes = ['ServiceDown', 'HighErrorRate', 'Saturation', 'OOMKilled', 'GPUXidError'];
    // The faulty service: one or two causes, each seen on one to three instances.
    const nCauses = 1 + Math.floor(this.rand() * 2);
    const first = Math.floor(this.rand() * causes.length);
    for (let c = 0; c < nCauses; c++) {
      const alertname = causes[(first + c) % causes.length] ?? 'ServiceDown';
      const instances = 1 + Math.floor(this.rand() * 3);
      for (let i = 0; i < instances; i++)
        this.add(
          { alertname, service: root, instance: `${root}-${i}`, severity: 'critical' },
          t0 + this.uniform(0, 20 * S),
          t0 + dur + this.uniform(0, 30 * S),
          id,
        );
    }
    const symptoms = ['UpstreamErrors', 'HighLatency', 'ErrorBudgetBurn', 'QueueBacklog'];
    for (const [svc, depth] of dependents(services, root)) {
      if (this.rand() > pDependent) continue;
      // A dependent service: one or two symptoms, each on one to three instances.
      const nSym = 1 + Math.floor(this.rand() * 2);
      const firstSym = Math.floor(this.rand() * symptoms.length);
      const severity = this.rand() < 0.3 ? 'critical' : 'warning';
      for (let c = 0; c < nSym; c++) {
        const alertname = symptoms[(firstSym + c) % symptoms.length] ?? 'HighLatency';
        const instances = 1 + Math.floor(this.rand() * 3);
        for (let i = 0; i < instances; i++)
          this.add(
            { alertname, service: svc, instance: `${svc}-${i}`, severity },
            t0 + depth * 30 * S + this.uniform(0, 60 * S),
            t0 + dur + depth * 30 * S + this.uniform(0, 90 * S),
            id,
          );
      }
    }
  }
  flapper(service: string, t0: number, until: number, id: string): void {
    this.incidents.push(id);
    const name = this.pick(['DiskPressure', 'ProbeFailing', 'GPUThrottling', 'FeatureStoreLag']);
    let t = t0;
    while (t < until) {
      const on = this.uniform(1 * M, 4 * M);
      this.add({ alertname: name, service, instance: `${service}-flap`, severity: 'warning' }, t, t + on, id);
      t += on + this.uniform(2 * M, 8 * M);
    }
  }
  transient(service: string, t0: number): void {
    this.add(
      {
        alertname: 'TransientSpike',
        service,
        instance: `${service}-${Math.floor(this.rand() * 3)}`,
        severity: 'warning',
      },
      t0,
      t0 + this.uniform(10 * S, 150 * S),
      null,
    );
  }
  storm(name: string, services: Service[], endAt: number): Storm {
    const alerts = [...this.alerts].sort((a, b) => a.startsAt - b.startsAt || a.id - b.id);
    return { name, services, alerts, incidents: [...this.incidents], endAt };
  }
}

/** One large cascade from the infrastructure service with most dependents, plus background noise. */
export function bigCascade(seed = 1): Storm {
  const rand = seededRandom(seed);
  const services = serviceGraph(rand);
  const b = new Builder(rand);
  const infra = services.filter((s) => s.layer === 0);
  const root = infra.reduce((best, s) =>
    dependents(services, s.name).size > dependents(services, best.name).size ? s : best,
  );
  b.cascade(services, root.name, 10 * M, 0.85, 'cascade-0');
  const others = services.filter((s) => s.name !== root.name);
  for (let i = 0; i < 3; i++) b.flapper(b.pick(others).name, b.uniform(0, 60 * M), 120 * M, `flap-${i}`);
  for (let i = 0; i < 15; i++) b.transient(b.pick(services).name, b.uniform(0, 120 * M));
  return b.storm('big-cascade', services, 180 * M);
}

/** Many small independent faults spread over 12 hours, each with its own (small) cascade. */
export function manySmall(seed = 2): Storm {
  const rand = seededRandom(seed);
  const services = serviceGraph(rand);
  const b = new Builder(rand);
  for (let i = 0; i < 30; i++)
    b.cascade(services, b.pick(services).name, i * 24 * M + b.uniform(0, 12 * M), 0.5, `fault-${i}`);
  for (let i = 0; i < 5; i++) b.flapper(b.pick(services).name, b.uniform(0, 600 * M), 720 * M, `flap-${i}`);
  for (let i = 0; i < 40; i++) b.transient(b.pick(services).name, b.uniform(0, 720 * M));
  return b.storm('many-small', services, 780 * M);
}

/** Pure flapping noise: 25 sources on distinct services, each flapping for up to two hours. */
export function pureFlapping(seed = 3): Storm {
  const rand = seededRandom(seed);
  const services = serviceGraph(rand);
  const b = new Builder(rand);
  const pool = [...services];
  for (let i = 0; i < 25; i++) {
    const s = pool.splice(Math.floor(rand() * pool.length), 1)[0];
    if (s) b.flapper(s.name, b.uniform(0, 30 * M), b.uniform(60 * M, 120 * M), `flap-${i}`);
  }
  return b.storm('pure-flapping', services, 180 * M);
}

/** All benchmark storms. */
export function storms(): Storm[] {
  return [bigCascade(), manySmall(), pureFlapping()];
}
