/**
 * Prometheus duration syntax (`10m`, `1h30m`, `500ms`): parsing, formatting and the ISO-8601 form
 * Azure wants, plus byte sizes for limits.
 */

const UNIT_MS: Record<string, number> = {
  y: 365 * 24 * 3600_000,
  w: 7 * 24 * 3600_000,
  d: 24 * 3600_000,
  h: 3600_000,
  m: 60_000,
  s: 1000,
  ms: 1,
};
const ORDER = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];
const PART = /(\d+)(ms|y|w|d|h|m|s)/y;

/**
 * Parses a Prometheus duration (`500ms`, `30s`, `5m`, `1h30m`, `1w`, `0`) into milliseconds;
 * returns undefined when the text is not one, so the caller can name the field. Units must appear
 * largest first and at most once, exactly as Prometheus requires. vigil has one duration syntax
 * everywhere (config, routes, rules, user rules).
 */
export function parseDuration(text: string): number | undefined {
  if (text === '0') return 0;
  if (text === '') return undefined;
  PART.lastIndex = 0;
  let total = 0;
  let lastIdx = -1;
  let pos = 0;
  while (pos < text.length) {
    PART.lastIndex = pos;
    const m = PART.exec(text);
    if (!m || m[1] === undefined || m[2] === undefined) return undefined;
    const idx = ORDER.indexOf(m[2]);
    if (idx <= lastIdx) return undefined;
    lastIdx = idx;
    total += Number(m[1]) * (UNIT_MS[m[2]] ?? 0);
    pos = PART.lastIndex;
  }
  return total;
}

/** Whether `text` is a valid Prometheus duration. */
export function isDuration(text: string): boolean {
  return parseDuration(text) !== undefined;
}

/** Formats milliseconds as the shortest Prometheus duration (`90m` → `1h30m`). */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const u of ORDER) {
    const size = UNIT_MS[u] ?? 1;
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${u}`;
      rest -= n * size;
    }
  }
  return out;
}

/** Formats milliseconds as an ISO-8601 duration (`PT5M`, `PT1H`, `P1D`) as Azure expects. */
export function toIsoDuration(ms: number): string {
  let secs = Math.round(ms / 1000);
  const days = Math.floor(secs / 86400);
  secs -= days * 86400;
  const h = Math.floor(secs / 3600);
  secs -= h * 3600;
  const m = Math.floor(secs / 60);
  secs -= m * 60;
  let time = '';
  if (h) time += `${h}H`;
  if (m) time += `${m}M`;
  if (secs) time += `${secs}S`;
  if (!days && !time) return 'PT0S';
  return `P${days ? `${days}D` : ''}${time ? `T${time}` : ''}`;
}

/** Parses a byte size such as `5MiB`, `512KiB`, `1MB` or a plain number of bytes. */
export function parseByteSize(text: string | number): number | undefined {
  if (typeof text === 'number') return Number.isInteger(text) && text > 0 ? text : undefined;
  const m = /^\s*(\d+(?:\.\d+)?)\s*(B|KB|KiB|MB|MiB|GB|GiB)?\s*$/i.exec(text);
  if (!m) return undefined;
  const mult: Record<string, number> = {
    b: 1,
    kb: 1e3,
    kib: 1024,
    mb: 1e6,
    mib: 1024 ** 2,
    gb: 1e9,
    gib: 1024 ** 3,
  };
  return Math.floor(Number(m[1]) * (mult[(m[2] ?? 'b').toLowerCase()] ?? 1));
}
