/**
 * Escaping per target and cutting to limits. Every value that comes from an alert (labels,
 * annotations, titles) is untrusted text: it is escaped for the markup of the channel it lands in,
 * and an over-long text is cut with a visible marker — never rejected, because a page that is
 * refused for length is a page that never arrives.
 */

/** The marker appended to text that was cut. */
export const TRUNCATION_MARKER = '…[truncated]';

/** How template output is escaped for a target. */
export type EscapeMode = 'slack' | 'html' | 'discord' | 'plain';

/** Slack mrkdwn: only `&`, `<` and `>` are control characters (Slack's own rule). */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** HTML text and attribute values. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * Discord markdown: backslash-escapes formatting characters, and defuses mass mentions
 * (`@everyone`, `@here`) with a zero-width space in case allowed_mentions is ever dropped.
 */
export function escapeDiscord(text: string): string {
  return text.replace(/([\\*_~`|>[\]()#-])/g, '\\$1').replace(/@(everyone|here)/g, '@\u200b$1');
}

/** Applies the escaper for `mode`. */
export function escapeFor(mode: EscapeMode, text: string): string {
  switch (mode) {
    case 'slack':
      return escapeSlack(text);
    case 'html':
      return escapeHtml(text);
    case 'discord':
      return escapeDiscord(text);
    case 'plain':
      return text;
  }
}

/**
 * Cuts `text` to at most `max` characters (UTF-16 code units, which is what Slack, Discord and
 * Twilio count), ending with the marker. Does not split a surrogate pair.
 */
export function truncate(text: string, max: number, marker: string = TRUNCATION_MARKER): string {
  if (text.length <= max) return text;
  if (max <= marker.length) return marker.slice(0, Math.max(0, max));
  let cut = max - marker.length;
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut -= 1;
  return text.slice(0, cut) + marker;
}

/** Cuts text to a byte budget (UTF-8), for limits stated in bytes (PagerDuty, Teams). */
export function truncateBytes(text: string, maxBytes: number, marker: string = TRUNCATION_MARKER): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let lo = 0;
  let hi = text.length;
  const budget = maxBytes - Buffer.byteLength(marker);
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (Buffer.byteLength(text.slice(0, mid)) <= budget) lo = mid;
    else hi = mid - 1;
  }
  const code = text.charCodeAt(lo - 1);
  if (code >= 0xd800 && code <= 0xdbff) lo -= 1;
  return text.slice(0, lo) + marker;
}
