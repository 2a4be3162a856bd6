import { describe, expect, it } from 'vitest';
import { receivedAtOf, type GroupedAlerts } from './alert-batch.ts';

const batch = (receivedAt?: number): GroupedAlerts => ({ count: 1, text: '[]', groups: ['g'], receivedAt });

describe('receivedAtOf', () => {
  it('is the earliest arrival among the requests of an entry, not the time of the commit', () => {
    expect(receivedAtOf([batch(1_030), batch(1_010), batch(1_020)], 1_050, 0)).toBe(1_010);
  });

  it('is now for alerts that carry no arrival time, and never later than now', () => {
    expect(receivedAtOf([batch()], 1_050, 0)).toBe(1_050);
    expect(receivedAtOf([batch(2_000)], 1_050, 0)).toBe(1_050);
  });

  it('never goes back before the previous entry', () => {
    expect(receivedAtOf([batch(1_010)], 1_050, 1_040)).toBe(1_040);
  });
});
