import { describe, expect, it } from 'vitest';
import { applyNow } from './apply-timing.ts';

describe('when an apply starts', () => {
  const idle = { urgent: false, draining: false, due: false, ready: 0, fresh: false };
  it('gathers a few alerts of groups seen before, and applies an entry of new groups at once', () => {
    expect(applyNow({ ...idle, ready: 100 })).toBe(false);
    expect(applyNow({ ...idle, ready: 100, due: true })).toBe(true);
    expect(applyNow({ ...idle, ready: 4096 })).toBe(true);
    // New groups' first pages are due group_wait after arrival: never gathered.
    expect(applyNow({ ...idle, ready: 1, fresh: true })).toBe(true);
    expect(applyNow({ ...idle, ready: 1, urgent: true })).toBe(true);
    expect(applyNow({ ...idle, draining: true })).toBe(true);
  });
});
