import type { FieldIssue } from '../shared/errors.ts';
import { issueAt, type YamlSource } from '../config/yaml-source.ts';
import type { Override } from './model.ts';
import { overlappingOverrides } from './override-rules.ts';
import type { ScheduleConfig } from './schema.ts';
import { seedRotationProblems } from './seed-shape.ts';
import { isValidZone, parseWhen } from './zone-time.ts';

/**
 * Semantic checks of one schedule that zod cannot express: the zone, users that must exist,
 * windows that must be positive, restrictions whose end equals their start, overlapping
 * overrides for the same user, duplicate layer names and seed rotations that do not line up.
 */
export function scheduleIssues(
  src: YamlSource,
  path: readonly PropertyKey[],
  s: ScheduleConfig,
  users: ReadonlySet<string> | undefined,
): FieldIssue[] {
  const issues: FieldIssue[] = [];
  const at = (p: readonly PropertyKey[], message: string): void => {
    issues.push(issueAt(src, [...path, ...p], message));
  };
  const zoneOk = isValidZone(s.time_zone);
  if (!zoneOk) at(['time_zone'], `unknown time zone ${s.time_zone} (use an IANA name like America/Chicago)`);
  const zone = zoneOk ? s.time_zone : 'UTC';
  const user = (p: readonly PropertyKey[], id: string | undefined): void => {
    if (id !== undefined && users && !users.has(id)) at(p, `unknown user ${id}`);
  };
  const window = (p: readonly PropertyKey[], start: string, end: string): [number, number] | null => {
    const a = parseWhen(start, zone);
    const b = parseWhen(end, zone);
    if (a === null || b === null) return null;
    if (!(b > a)) {
      at([...p, 'end'], 'end must be after start');
      return null;
    }
    return [a, b];
  };

  const names = new Set<string>();
  (s.layers ?? []).forEach((l, li) => {
    if (names.has(l.name)) at(['layers', li, 'name'], `duplicate layer name ${l.name}`);
    names.add(l.name);
    l.rotation.users.forEach((u, ui) =>
      (typeof u === 'string' ? [u] : u).forEach((id) => user(['layers', li, 'rotation', 'users', ui], id)),
    );
    const restrictions = (
      p: readonly PropertyKey[],
      list: readonly { from: string; to: string }[] | undefined,
    ): void =>
      list?.forEach((r, ri) => {
        if (r.from === r.to)
          at([...p, ri, 'to'], 'a restriction cannot end when it starts (use 00:00 to 24:00 for all day)');
      });
    restrictions(['layers', li, 'restrictions'], l.restrictions);
    l.changes?.forEach((c, ci) => {
      c.rotation?.users?.forEach((u, ui) =>
        (typeof u === 'string' ? [u] : u).forEach((id) =>
          user(['layers', li, 'changes', ci, 'rotation', 'users', ui], id),
        ),
      );
      restrictions(['layers', li, 'changes', ci, 'restrictions'], c.restrictions);
    });
  });
  if (s.rotation) {
    s.rotation.forEach((e, i) => user(['rotation', i, 'engineer'], e.engineer));
    for (const p of seedRotationProblems(s.rotation)) at(['rotation', p.index], p.message);
  }
  if (Array.isArray(s.backup)) {
    s.backup.forEach((e, i) => user(['backup', i, 'engineer'], e.engineer));
    for (const p of seedRotationProblems(s.backup)) at(['backup', p.index], p.message);
  }
  user(['manager'], s.manager);

  const overrides: { index: number; o: Override }[] = [];
  s.overrides?.forEach((o, i) => {
    user(['overrides', i, 'user'], o.user);
    user(['overrides', i, 'replaces'], o.replaces);
    if (o.user !== undefined && o.user === o.replaces)
      at(['overrides', i, 'replaces'], 'cannot replace a user with themselves');
    const w = window(['overrides', i], o.start, o.end);
    if (!w) return;
    const base = { id: String(i), start: w[0], end: w[1] };
    overrides.push({
      index: i,
      o: {
        ...base,
        kind: o.user === undefined ? 'remove' : 'replace',
        ...(o.user !== undefined ? { user: o.user } : {}),
        ...(o.replaces !== undefined ? { replaces: o.replaces } : {}),
      },
    });
  });
  for (const c of overlappingOverrides(overrides.map((x) => x.o))) {
    const a = overrides[c.a]?.index ?? 0;
    const b = overrides[c.b]?.index ?? 0;
    at(['overrides', b], `overlaps overrides[${a}] for the same user ${c.user}`);
  }
  s.time_off?.forEach((t, i) => {
    user(['time_off', i, 'user'], t.user);
    user(['time_off', i, 'cover'], t.cover);
    window(['time_off', i], t.start, t.end);
  });
  s.holidays?.forEach((h, i) => {
    h.users.forEach((u, ui) => user(['holidays', i, 'users', ui], u));
    user(['holidays', i, 'cover'], h.cover);
    if (h.end_date !== undefined && h.end_date < h.date)
      at(['holidays', i, 'end_date'], 'end_date is before date');
  });
  s.temporary?.forEach((t, i) => {
    const w = window(['temporary', i], t.start, t.end);
    t.shifts.forEach((f, fi) => {
      const p = ['temporary', i, 'shifts', fi];
      if (f.user === undefined && f.users === undefined) at(p, 'a shift needs user or users');
      [...(f.users ?? []), ...(f.user !== undefined ? [f.user] : [])].forEach((u) => user([...p, 'user'], u));
      const fw = window(p, f.start, f.end);
      if (w && fw && (fw[0] < w[0] || fw[1] > w[1])) at(p, 'shift lies outside its temporary schedule');
    });
  });
  return issues;
}
