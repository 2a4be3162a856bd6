import { describe, expect, it } from 'vitest';
import { scheduleFrom } from '../oncall/test-helpers.ts';
import { parseTarget } from './policy.ts';
import { assigneeFrom, resolveLevel, type ResolveContext } from './resolve-level.ts';

const def = scheduleFrom({
  id: 'ml-platform',
  time_zone: 'UTC',
  layers: [
    {
      name: 'primary',
      rotation: { users: ['alice', 'bob', 'charlie'], start: '2026-01-05T09:00', turn: '1w' },
      restrictions: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }],
    },
  ],
});
const ctx = (at: string): ResolveContext => ({
  schedules: new Map([[def.id, def]]),
  teams: new Map([['ml', { id: 'ml', members: ['alice', 'dave'], manager: 'carol' }]]),
  at: Date.parse(at),
});
const level = (...targets: string[]) => ({ afterMinutes: 0, notify: targets.map((t) => parseTarget(t)!) });

describe('resolveLevel', () => {
  it('resolves primary, backup, team, manager and channel targets with reasons', () => {
    const r = resolveLevel(
      level(
        'schedule:ml-platform',
        'schedule:ml-platform:backup',
        'team:ml',
        'team:ml:manager',
        'channel:ops',
      ),
      0,
      ctx('2026-01-06T10:00Z'),
    );
    expect(r.users.map((u) => `${u.user}<${u.via}`)).toEqual([
      'alice<schedule:ml-platform',
      'bob<schedule:ml-platform:backup',
      'dave<team:ml',
      'carol<team:ml:manager',
    ]);
    expect(r.users[0]?.why).toBe('on call for ml-platform (rotation, layer primary)');
    expect(r.channels).toEqual(['ops']);
    expect(r.empty).toBe(false);
    expect(assigneeFrom([r])).toBe('alice');
  });
  it('reports nobody with a reason so the engine can fall through', () => {
    const r = resolveLevel(
      level('schedule:ml-platform', 'schedule:nope', 'team:x'),
      1,
      ctx('2026-01-06T20:00Z'),
    );
    expect(r.empty).toBe(true);
    expect(r.reasons).toEqual([
      'schedule:ml-platform: nobody is on call for ml-platform',
      'schedule:nope: unknown schedule nope',
      'team:x: unknown team x',
    ]);
    const next = resolveLevel(level('user:carol'), 2, ctx('2026-01-06T20:00Z'));
    expect(assigneeFrom([r, next])).toBe('carol');
    expect(assigneeFrom([r])).toBeNull();
  });
  it('parses targets strictly', () => {
    expect(parseTarget('schedule:a:backup')).toEqual({ kind: 'schedule', id: 'a', role: 'backup' });
    expect(parseTarget('user:a:backup')).toBeNull();
    expect(parseTarget('team:t:manager')).toEqual({ kind: 'team', id: 't', manager: true });
    expect(parseTarget('pager:x')).toBeNull();
  });
});
