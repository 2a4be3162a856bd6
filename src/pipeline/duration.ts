import { VigilError } from '../shared/errors.ts';

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  y: 365 * 86_400_000,
};
const DURATION_RE = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/;

/**
 * Parses a Prometheus duration (`30s`, `1h30m`, `4h`, `2d`, `1w`, `500ms`, `0s`) into milliseconds.
 * Units must appear largest first, as Prometheus' `model.ParseDuration` requires. Throws
 * `validation_failed` on anything else so config errors name the bad value.
 */
export function parseDuration(text: string): number {
  const m = DURATION_RE.exec(text);
  if (!m || text === '')
    throw new VigilError('validation_failed', `invalid duration ${JSON.stringify(text)}`);
  const units = ['y', 'w', 'd', 'h', 'm', 's', 'ms'];
  let ms = 0;
  units.forEach((u, i) => {
    const v = m[i + 1];
    if (v !== undefined) ms += Number(v) * (UNIT_MS[u] ?? 0);
  });
  return ms;
}

/** True when `text` is a valid Prometheus duration. */
export function isDuration(text: string): boolean {
  return text !== '' && DURATION_RE.test(text);
}

/** Renders milliseconds as a Prometheus duration, e.g. 5400000 → `1h30m`, 0 → `0s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = ms;
  let out = '';
  for (const u of ['y', 'w', 'd', 'h', 'm', 's', 'ms']) {
    const size = UNIT_MS[u] ?? 1;
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${u}`;
      rest -= n * size;
    }
  }
  return out;
}
