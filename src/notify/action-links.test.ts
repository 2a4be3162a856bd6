import { describe, expect, it } from 'vitest';
import { signActionLink, verifyActionLink } from './action-links.ts';

const NOW = Date.parse('2026-01-05T09:00:00Z');

describe('one-click action links', () => {
  it('round-trips, expires, and rejects tampering', () => {
    const url = signActionLink(
      'https://vigil.example/',
      { action: 'acknowledge', incident: 'INC-1', user: 'alice' },
      's3cret',
      NOW,
      60_000,
    );
    expect(url.startsWith('https://vigil.example/api/v1/actions/')).toBe(true);
    expect(verifyActionLink(url, 's3cret', NOW + 59_999)).toMatchObject({
      ok: true,
      claims: { incident: 'INC-1', user: 'alice' },
    });
    expect(verifyActionLink(url, 's3cret', NOW + 60_000)).toEqual({ ok: false, reason: 'expired' });
    expect(verifyActionLink(url, 'other', NOW)).toEqual({ ok: false, reason: 'bad_signature' });
    const [body, sig] = (url.split('/').pop() ?? '').split('.');
    const forged = Buffer.from(
      JSON.stringify({ action: 'resolve', incident: 'INC-1', user: 'alice', expiresAt: NOW * 2 }),
    ).toString('base64url');
    expect(verifyActionLink(`${forged}.${sig}`, 's3cret', NOW).ok).toBe(false);
    expect(verifyActionLink(`${body}`, 's3cret', NOW)).toEqual({ ok: false, reason: 'malformed' });
  });
});
