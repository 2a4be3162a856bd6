import ICAL from 'ical.js';
import { describe, expect, it } from 'vitest';
import { makeFeedToken, verifyFeedToken } from './feed-token.ts';
import { foldLine, scheduleCalendar, shiftUid, userCalendar } from './ical.ts';
import { shifts } from './resolve.ts';
import { scheduleFrom, t } from './test-helpers.ts';

const def = scheduleFrom({
  id: 'ml-platform',
  time_zone: 'America/Chicago',
  layers: [
    {
      name: 'primary',
      rotation: { users: ['alice', 'bob', 'charlie'], start: '2026-01-05T09:00', turn: '1w' },
      restrictions: [{ days: ['mon', 'tue', 'wed', 'thu', 'fri'], from: '09:00', to: '17:00' }],
    },
  ],
  time_off: [{ user: 'bob', start: '2026-01-13T00:00', end: '2026-01-14T00:00' }],
});
const list = shifts(def, [], t('2026-01-05T00:00Z'), t('2026-02-02T00:00Z'));
const opts = {
  generatedAt: t('2026-01-01T00:00Z'),
  displayName: (u: string) => `${u}; the, on-call \\ persön`,
};

function parsed(text: string) {
  const comp = new ICAL.Component(ICAL.parse(text));
  return comp.getAllSubcomponents('vevent').map((v) => {
    const e = new ICAL.Event(v);
    return {
      uid: e.uid,
      start: e.startDate.toJSDate().getTime(),
      end: e.endDate.toJSDate().getTime(),
      summary: e.summary,
    };
  });
}

describe('iCal', () => {
  it('parses with ical.js and matches the shifts listing', () => {
    const text = scheduleCalendar('ML platform', list, opts);
    const events = parsed(text);
    const busy = list.filter((s) => s.users.length > 0);
    expect(events.map((e) => [e.start, e.end])).toEqual(busy.map((s) => [s.start, s.end]));
    expect(events.map((e) => e.uid)).toEqual(busy.map(shiftUid));
    expect(events[0]?.summary).toBe('On call: alice; the, on-call \\ persön (ML platform)');
    expect(new Set(events.map((e) => e.uid)).size).toBe(events.length);
  });
  it('uses CRLF, UTC times and folds at 75 octets', () => {
    const text = scheduleCalendar('ML platform '.repeat(20), list, opts);
    expect(text.endsWith('\r\n')).toBe(true);
    expect(text.split('\r\n').every((l) => Buffer.byteLength(l) <= 75)).toBe(true);
    expect(text).toMatch(/DTSTART:20260105T150000Z\r\n/);
    expect(text.replace(/\r\n/g, '')).not.toMatch(/\n/);
  });
  it('never splits a multi-byte character when folding', () => {
    const folded = foldLine(`SUMMARY:${'ä'.repeat(100)}`);
    const lines = folded.split('\r\n');
    expect(lines.every((l) => Buffer.byteLength(l) <= 75)).toBe(true);
    expect(lines.map((l, i) => (i ? l.slice(1) : l)).join('')).toBe(`SUMMARY:${'ä'.repeat(100)}`);
  });
  it("a user's feed lists only their shifts; UIDs are stable across renders", () => {
    const mine = parsed(userCalendar('alice', list, opts));
    expect(mine.length).toBe(list.filter((s) => s.users.includes('alice')).length);
    expect(parsed(userCalendar('alice', list, { generatedAt: 0 })).map((e) => e.uid)).toEqual(
      mine.map((e) => e.uid),
    );
  });
  it('feed tokens verify for their subject only', () => {
    const tok = makeFeedToken('s3cret', { kind: 'user', id: 'alice' });
    expect(verifyFeedToken('s3cret', { kind: 'user', id: 'alice' }, tok)).toBe(true);
    expect(verifyFeedToken('s3cret', { kind: 'schedule', id: 'alice' }, tok)).toBe(false);
    expect(verifyFeedToken('other', { kind: 'user', id: 'alice' }, tok)).toBe(false);
    expect(verifyFeedToken('s3cret', { kind: 'user', id: 'alice' }, 'short')).toBe(false);
  });
});
