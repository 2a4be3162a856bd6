import { createHash } from 'node:crypto';
import type { Shift } from './model.ts';

/**
 * RFC 5545 calendars of on-call shifts, for subscription feeds (Google/Apple/Outlook calendars).
 * Times are UTC (`...Z`), lines end in CRLF and are folded at 75 octets without splitting a
 * UTF-8 character, and text values are escaped. Each event's UID is derived from schedule id,
 * layer and shift start, so a calendar app updates an event in place when its end moves.
 */

/** Options common to the feeds. */
export interface IcalOptions {
  /** DTSTAMP of every event (the time the feed was generated; passed in, never read). */
  generatedAt: number;
  /** Calendar name (X-WR-CALNAME). */
  name?: string;
  /** Display name per user id, for SUMMARY (defaults to the id). */
  displayName?: (user: string) => string;
  /** Minutes before each shift for a VALARM reminder (none when absent). */
  alarmMinutes?: number;
}

/** Stable UID of a shift: sha256 of schedule id, layer and start, as `<hex>@vigil`. */
export function shiftUid(s: Shift): string {
  const h = createHash('sha256')
    .update(`${s.scheduleId}\u0000${s.layer ?? ''}\u0000${s.start}`)
    .digest('hex');
  return `${h.slice(0, 32)}@vigil`;
}

/** Escapes a TEXT value (backslash, semicolon, comma, newline). */
export function escapeText(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/;/g, '\\;').replace(/,/g, '\\,').replace(/\r?\n/g, '\\n');
}

/** Folds one content line at 75 octets (continuation lines start with a space). */
export function foldLine(line: string): string {
  const parts: string[] = [];
  let current = '';
  let octets = 0;
  for (const ch of line) {
    const size = Buffer.byteLength(ch, 'utf8');
    const limit = parts.length === 0 ? 75 : 74; // continuation lines spend one octet on the space
    if (octets + size > limit) {
      parts.push(current);
      current = '';
      octets = 0;
    }
    current += ch;
    octets += size;
  }
  parts.push(current);
  return parts.join('\r\n ');
}

/** Formats an instant as an iCalendar UTC DATE-TIME (`20260105T090000Z`). */
export function icalTime(ms: number): string {
  return new Date(ms)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d{3}/, '');
}

function calendar(events: string[][], opts: IcalOptions): string {
  const lines = [
    'BEGIN:VCALENDAR',
    'VERSION:2.0',
    'PRODID:-//vigil//on-call//EN',
    'CALSCALE:GREGORIAN',
    'METHOD:PUBLISH',
  ];
  if (opts.name !== undefined) lines.push(`X-WR-CALNAME:${escapeText(opts.name)}`);
  lines.push('X-WR-TIMEZONE:UTC', 'REFRESH-INTERVAL;VALUE=DURATION:PT1H', 'X-PUBLISHED-TTL:PT1H');
  for (const e of events) lines.push(...e);
  lines.push('END:VCALENDAR');
  return lines.map(foldLine).join('\r\n') + '\r\n';
}

function event(s: Shift, summary: string, description: string, opts: IcalOptions): string[] {
  const lines = [
    'BEGIN:VEVENT',
    `UID:${shiftUid(s)}`,
    `DTSTAMP:${icalTime(opts.generatedAt)}`,
    `DTSTART:${icalTime(s.start)}`,
    `DTEND:${icalTime(s.end)}`,
    `SUMMARY:${escapeText(summary)}`,
    `DESCRIPTION:${escapeText(description)}`,
    'TRANSP:TRANSPARENT',
  ];
  if (opts.alarmMinutes !== undefined) {
    lines.push('BEGIN:VALARM', 'ACTION:DISPLAY', `DESCRIPTION:${escapeText(summary)}`);
    lines.push(`TRIGGER:-PT${Math.max(0, Math.round(opts.alarmMinutes))}M`, 'END:VALARM');
  }
  lines.push('END:VEVENT');
  return lines;
}

function describe(s: Shift): string {
  const parts = [`Schedule: ${s.scheduleId}`, `Reason: ${s.reason}`];
  if (s.layer) parts.push(`Layer: ${s.layer}`);
  if (s.coveringFor?.length) parts.push(`Covering for: ${s.coveringFor.join(', ')}`);
  return parts.join('\n');
}

/** A calendar of one schedule's shifts (shifts with nobody on call are left out). */
export function scheduleCalendar(scheduleName: string, shifts: readonly Shift[], opts: IcalOptions): string {
  const name = opts.displayName ?? ((u: string) => u);
  const events = shifts
    .filter((s) => s.users.length > 0)
    .map((s) => event(s, `On call: ${s.users.map(name).join(', ')} (${scheduleName})`, describe(s), opts));
  return calendar(events, { ...opts, name: opts.name ?? `${scheduleName} on-call` });
}

/** A calendar of one user's shifts across schedules (pass each schedule's shifts). */
export function userCalendar(user: string, shifts: readonly Shift[], opts: IcalOptions): string {
  const events = shifts
    .filter((s) => s.users.includes(user))
    .sort((a, b) => a.start - b.start)
    .map((s) => event(s, `On call: ${s.scheduleId}`, describe(s), opts));
  const display = opts.displayName ? opts.displayName(user) : user;
  return calendar(events, { ...opts, name: opts.name ?? `${display} on-call` });
}
