import { VigilError } from '../shared/errors.ts';
import { parseTurn } from './duration.ts';
import type {
  Layer,
  Override,
  Restriction,
  RotationVersion,
  ScheduleDef,
  Slot,
  TemporarySchedule,
  TimeOff,
} from './model.ts';
import type { LayerConfig, RestrictionConfig, ScheduleConfig } from './schema.ts';
import { WEEKDAYS } from './schema.ts';
import { seedToLayer } from './seed-shape.ts';
import { fromLocal, isValidZone, parseClock, parseLocal, parseWhen, toLocal } from './zone-time.ts';

/**
 * Turns a validated `schedules:` entry into the runtime `ScheduleDef`. Call `validateOncallConfig`
 * first: this function throws a `config_invalid` VigilError on the first bad value it meets.
 */
export function normalizeSchedule(cfg: ScheduleConfig): ScheduleDef {
  const zone = cfg.time_zone;
  if (!isValidZone(zone)) throw invalid(`schedule ${cfg.id}: unknown time zone ${zone}`);
  const when = (text: string, what: string): number => {
    const ms = parseWhen(text, zone);
    if (ms === null) throw invalid(`schedule ${cfg.id}: bad ${what} ${text}`);
    return ms;
  };

  const layerConfigs: LayerConfig[] = [];
  if (cfg.rotation) layerConfigs.push(seedToLayer(cfg.rotation, 'primary', 'primary', cfg.rotation_starting));
  if (Array.isArray(cfg.backup))
    layerConfigs.push(seedToLayer(cfg.backup, 'backup', 'backup', cfg.rotation_starting));
  layerConfigs.push(...(cfg.layers ?? []));

  const layers: Layer[] = layerConfigs.map((l) => normalizeLayer(l, zone, when));

  const overrides: Override[] = (cfg.overrides ?? []).map((o, i) => {
    const base = {
      id: o.id ?? `config:${cfg.id}:${i}`,
      start: when(o.start, 'override start'),
      end: when(o.end, 'override end'),
    };
    if (o.user === undefined) return { ...base, kind: 'remove', replaces: o.replaces ?? '' };
    if (o.add) return { ...base, kind: 'add', user: o.user };
    if (o.replaces !== undefined) return { ...base, kind: 'replace', user: o.user, replaces: o.replaces };
    return { ...base, kind: 'take_over', user: o.user };
  });

  const timeOff: TimeOff[] = (cfg.time_off ?? []).map((t) => ({
    user: t.user,
    start: when(t.start, 'time_off start'),
    end: when(t.end, 'time_off end'),
    ...(t.cover !== undefined ? { cover: t.cover } : {}),
    ...(t.note !== undefined ? { note: t.note } : {}),
  }));
  for (const h of cfg.holidays ?? []) {
    const first = parseLocal(h.date);
    const last = parseLocal(h.end_date ?? h.date);
    if (first === null || last === null) throw invalid(`schedule ${cfg.id}: bad holiday date`);
    const start = fromLocal(zone, first);
    const end = fromLocal(zone, last + 86_400_000);
    for (const user of h.users) {
      timeOff.push({ user, start, end, note: h.name, ...(h.cover !== undefined ? { cover: h.cover } : {}) });
    }
  }

  const temporary: TemporarySchedule[] = (cfg.temporary ?? []).map((t) => ({
    start: when(t.start, 'temporary start'),
    end: when(t.end, 'temporary end'),
    shifts: t.shifts.map((s) => ({
      users: s.users ?? (s.user !== undefined ? [s.user] : []),
      start: when(s.start, 'temporary shift start'),
      end: when(s.end, 'temporary shift end'),
    })),
  }));

  return {
    id: cfg.id,
    ...(cfg.name !== undefined ? { name: cfg.name } : {}),
    timeZone: zone,
    layers,
    overrides,
    temporary,
    timeOff,
    ...(cfg.manager !== undefined ? { manager: cfg.manager } : {}),
  };
}

function normalizeLayer(l: LayerConfig, zone: string, when: (t: string, w: string) => number): Layer {
  const local = (text: string): number => {
    const v = parseLocal(text);
    // An absolute start is converted to the zone's wall time, so handoffs keep that wall time.
    if (v !== null) return v;
    return toLocal(zone, when(text, 'rotation start'));
  };
  const turn = (text: string): number => {
    const t = parseTurn(text);
    if (t === null) throw invalid(`layer ${l.name}: bad turn ${text}`);
    return t;
  };
  let current: RotationVersion = {
    effectiveFrom: -Infinity,
    slots: l.rotation.users.map(toSlot),
    anchorLocal: local(l.rotation.start),
    turnMs: turn(l.rotation.turn),
    restrictions: (l.restrictions ?? []).map(toRestriction),
  };
  const versions: RotationVersion[] = [current];
  const changes = [...(l.changes ?? [])]
    .map((c) => ({ c, at: when(c.effective_from, 'effective_from') }))
    .sort((a, b) => a.at - b.at);
  for (const { c, at } of changes) {
    current = {
      effectiveFrom: at,
      slots: c.rotation?.users ? c.rotation.users.map(toSlot) : current.slots,
      anchorLocal: c.rotation?.start !== undefined ? local(c.rotation.start) : current.anchorLocal,
      turnMs: c.rotation?.turn !== undefined ? turn(c.rotation.turn) : current.turnMs,
      restrictions: c.restrictions ? c.restrictions.map(toRestriction) : current.restrictions,
    };
    versions.push(current);
  }
  return { name: l.name, role: l.role ?? 'primary', versions };
}

function toSlot(s: string | readonly string[]): Slot {
  return typeof s === 'string' ? [s] : [...new Set(s)];
}

/** Converts a restriction from config to the model (days default to every day). */
export function toRestriction(r: RestrictionConfig): Restriction {
  const from = parseClock(r.from);
  const to = parseClock(r.to);
  if (from === null || to === null) throw invalid(`bad restriction ${r.from}-${r.to}`);
  const days = (r.days ?? WEEKDAYS).map((d) => WEEKDAYS.indexOf(d) + 1);
  return { days: [...new Set(days)].sort((a, b) => a - b), from, to };
}

function invalid(message: string): VigilError {
  return new VigilError('config_invalid', message);
}
