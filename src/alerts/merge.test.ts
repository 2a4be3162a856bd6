import { describe, expect, it } from 'vitest';
import type { Alert } from './alert.ts';
import { mergeAlert } from './merge.ts';

const T = Date.parse('2026-11-27T10:00:00Z');
const min = 60_000;
const base: Alert = {
  fingerprint: 'f',
  labels: { alertname: 'X' },
  annotations: {},
  startsAt: T - 10 * min,
  endsAt: T + 4 * min,
  timeout: false,
  updatedAt: T - 1 * min,
  generatorURL: '',
  source: 'test',
};

describe('mergeAlert (Alertmanager semantics)', () => {
  it('takes the new alert when there is nothing stored', () => {
    expect(mergeAlert(undefined, base, T)).toBe(base);
  });

  it('keeps the earliest startsAt and the newer annotations', () => {
    const incoming = { ...base, startsAt: T - 5 * min, updatedAt: T, annotations: { v: '2' } };
    const merged = mergeAlert(base, incoming, T);
    expect(merged.startsAt).toBe(T - 10 * min);
    expect(merged.annotations).toEqual({ v: '2' });
  });

  it('keeps a later explicit endsAt from the older alert while firing', () => {
    const old = { ...base, endsAt: T + 10 * min };
    const incoming = { ...base, startsAt: T - 9 * min, endsAt: T + 5 * min, updatedAt: T };
    expect(mergeAlert(old, incoming, T).endsAt).toBe(T + 10 * min);
  });

  it('does not keep a later endsAt that came from resolve_timeout', () => {
    const old = { ...base, endsAt: T + 10 * min, timeout: true };
    const incoming = { ...base, startsAt: T - 9 * min, endsAt: T + 5 * min, updatedAt: T };
    expect(mergeAlert(old, incoming, T).endsAt).toBe(T + 5 * min);
  });

  it('resolves with the incoming endsAt when the source says resolved', () => {
    const incoming = { ...base, startsAt: T - 9 * min, endsAt: T - 1000, updatedAt: T };
    expect(mergeAlert(base, incoming, T).endsAt).toBe(T - 1000);
  });

  it('lets the older update lose even when it arrives last', () => {
    const newer = { ...base, startsAt: T - 9 * min, updatedAt: T, annotations: { v: 'new' } };
    const stale = { ...base, endsAt: T + 2 * min, updatedAt: T - 5 * min, annotations: { v: 'old' } };
    expect(mergeAlert(newer, stale, T).annotations).toEqual({ v: 'new' });
  });

  it('does not merge a re-fire after resolution: a new lifecycle starts', () => {
    const resolved = { ...base, endsAt: T - 5 * min };
    const refire = { ...base, startsAt: T - 1 * min, endsAt: T + 4 * min, updatedAt: T };
    expect(mergeAlert(resolved, refire, T).startsAt).toBe(T - 1 * min);
  });
});
