import { describe, expect, it } from 'vitest';
import { median, ratioOf, roundsTable, summarise, type Figures, type Round } from './report.ts';

/** Figures with every field set to `n`, then the given ones. */
function figures(n: number, over: Partial<Figures> = {}): Figures {
  return {
    alerts_per_s: n,
    notify_p50_ms: n,
    notify_p99_ms: n,
    notify_max_ms: n,
    first_of_group_p50_ms: n,
    first_of_group_p99_ms: n,
    rss_bytes_per_alert: n,
    rss_bytes: n,
    rss_bytes_per_alert_at_end: n,
    rss_bytes_at_end: n,
    cpu_seconds: n,
    host_loop_ms: n,
    accepted: n,
    rejected: n,
    notified: n,
    webhook_calls: n,
    ...over,
  };
}

const round = (v: Figures, am: Figures): Round => ({ vigil: v, alertmanager: am, ratio: ratioOf(v, am) });

describe('bench:ingest rounds', () => {
  it('takes the median of odd and even counts, ignoring figures that are not numbers', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([Number.NaN, 5])).toBe(5);
    expect(median([])).toBeNaN();
  });

  it("sums rounds up as each figure's median and the median of the rounds' own ratios", () => {
    // A host that slowed down between rounds: each round's ratio is 1.5, 2 and 1.6, while the
    // ratio of the medians (40k / 25k) would mix rounds measured minutes apart.
    const rounds = [
      round(figures(1, { alerts_per_s: 30_000 }), figures(1, { alerts_per_s: 20_000 })),
      round(figures(1, { alerts_per_s: 50_000 }), figures(1, { alerts_per_s: 25_000 })),
      round(figures(1, { alerts_per_s: 40_000 }), figures(1, { alerts_per_s: 25_000 })),
    ];
    const s = summarise(rounds);
    expect(s.vigil.alerts_per_s).toBe(40_000);
    expect(s.alertmanager?.alerts_per_s).toBe(25_000);
    expect(s.ratio?.alerts_per_s).toBe(1.6);
    expect(s.ratio?.notified).toBe(1);
  });

  it('sums vigil-only rounds without ratios, and lists every round in the table', () => {
    const s = summarise([{ vigil: figures(10) }, { vigil: figures(30) }]);
    expect(s.vigil.first_of_group_p99_ms).toBe(20);
    expect(s.alertmanager).toBeUndefined();
    expect(s.ratio).toBeUndefined();
    const table = roundsTable([round(figures(2), figures(1)), { vigil: figures(3) }]).split('\n');
    expect(table).toHaveLength(4);
    expect(table[2]).toBe('| 1 | 2 | 1 | 2.00 | 2 / 1 | 2 / 1 | 2 |');
    expect(table[3]).toBe('| 2 | 3 | n/a | n/a | 3 / n/a | 3 / n/a | 3 |');
  });
});
