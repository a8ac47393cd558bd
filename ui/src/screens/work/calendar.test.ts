import { describe, expect, it } from 'vitest';
import { calendarMonths, incidentMonth, sortIncidents } from './calendar';

describe('calendar months', () => {
  it('lists the months up to the month of the samtal, oldest first, across a year', () => {
    const ms = calendarMonths('2026-02-14', 12, 'sv');
    expect(ms).toHaveLength(12);
    expect(ms[0].ym).toBe('2025-03');
    expect(ms[10].ym).toBe('2026-01');
    expect(ms[11].ym).toBe('2026-02');
    expect(calendarMonths('2026-02-14', 3, 'en').map((m) => m.ym)).toEqual(['2025-12', '2026-01', '2026-02']);
  });
  it('reads the month of a day or month date and sorts most recent first', () => {
    expect(incidentMonth('2026-04-02')).toBe('2026-04');
    expect(incidentMonth('2026-04')).toBe('2026-04');
    const sorted = sortIncidents([
      { date: '2026-01', severity: 'a' },
      { date: '2026-04', severity: 'b' },
      { date: '2026-04-02', severity: 'c' },
    ]);
    expect(sorted.map((i) => i.date)).toEqual(['2026-04-02', '2026-04', '2026-01']);
  });
});
