// Token lifetimes as people write them ("24h", "1h30m", "7d") and back.
import { ValidationError } from '../errors';

const UNIT_SECONDS: Record<string, number> = { d: 86400, h: 3600, m: 60, s: 1 };
const UNIT_ORDER = ['d', 'h', 'm', 's'];
const EXAMPLES = 'Use a number with a unit: 90m, 24h, 1h30m, 3600s or 7d.';

/** Seconds in a duration such as "24h", "90m", "1h30m", "3600s" or "7d". */
export function parseDuration(text: string): number {
  const source = text.trim().toLowerCase();
  if (source === '') throw new ValidationError([`Empty duration. ${EXAMPLES}`]);
  if (/^\d+$/.test(source))
    throw new ValidationError([
      `Duration "${text}" has no unit; did you mean "${source}s" or "${source}h"? ${EXAMPLES}`,
    ]);
  const parts = [...source.matchAll(/(\d+)([a-z]+)/g)];
  if (parts.map((p) => p[0]).join('') !== source)
    throw new ValidationError([`Duration "${text}" is not understood. ${EXAMPLES}`]);
  let seconds = 0;
  let lastUnitIndex = -1;
  for (const [, amount, unit] of parts) {
    const unitIndex = UNIT_ORDER.indexOf(unit);
    if (unitIndex === -1)
      throw new ValidationError([`Duration "${text}": unknown unit "${unit}"; use d, h, m or s. ${EXAMPLES}`]);
    if (unitIndex <= lastUnitIndex)
      throw new ValidationError([`Duration "${text}": write units once each, largest first (e.g. 1h30m).`]);
    lastUnitIndex = unitIndex;
    seconds += Number(amount) * UNIT_SECONDS[unit];
  }
  if (seconds === 0) throw new ValidationError([`Duration "${text}" is zero. ${EXAMPLES}`]);
  if (!Number.isSafeInteger(seconds)) throw new ValidationError([`Duration "${text}" is too long.`]);
  return seconds;
}

/** The shortest exact form: 86400 -> "1d", 5400 -> "1h30m", 45 -> "45s". */
export function formatDuration(totalSeconds: number): string {
  if (!Number.isFinite(totalSeconds) || totalSeconds < 0)
    throw new RangeError(`Cannot format ${totalSeconds} seconds as a duration.`);
  let rest = Math.round(totalSeconds);
  if (rest === 0) return '0s';
  let out = '';
  for (const unit of UNIT_ORDER) {
    const amount = Math.floor(rest / UNIT_SECONDS[unit]);
    if (amount > 0) out += `${amount}${unit}`;
    rest -= amount * UNIT_SECONDS[unit];
  }
  return out;
}
