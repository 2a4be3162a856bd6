import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * Secret tokens for iCal subscription URLs. A token is the HMAC-SHA256 (base64url) of the feed
 * subject with a server secret, so a token cannot be forged or moved to another feed, and the
 * server stores nothing per subscription. Rotating the secret revokes every feed URL.
 */

/** What a feed shows: one schedule or one user's shifts. */
export type FeedSubject = { kind: 'schedule'; id: string } | { kind: 'user'; id: string };

/** Makes the token for `subject` (stable for a given secret). */
export function makeFeedToken(secret: string, subject: FeedSubject): string {
  return createHmac('sha256', secret).update(`vigil-ical:${subject.kind}:${subject.id}`).digest('base64url');
}

/** Checks a token from a URL in constant time; false for any malformed input. */
export function verifyFeedToken(secret: string, subject: FeedSubject, token: string): boolean {
  const expected = Buffer.from(makeFeedToken(secret, subject));
  const given = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
