import { Decimal128, UUID } from '../model/index.ts';
import { QueryDate } from './compare.ts';

/**
 * Turning literal text into runtime values (numbers, decimals, timestamps, uuids, text). Kept
 * apart from the type checker, which decides which of these a literal becomes.
 */

export const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

export function utf8Text(bytes: Uint8Array): string | undefined {
  try {
    return utf8Decoder.decode(bytes);
  } catch {
    return undefined;
  }
}

/** Parses a number literal's text to a JS number. */
export function numberFromText(text: string): number {
  let t = text;
  let sign = 1;
  if (t.startsWith('-')) {
    sign = -1;
    t = t.slice(1);
  } else if (t.startsWith('+')) t = t.slice(1);
  const lower = t.toLowerCase();
  if (lower === 'inf' || lower === 'infinity') return sign * Infinity;
  if (lower === 'nan') return NaN;
  if (lower.startsWith('0x')) return sign * Number(t);
  return sign * Number(t);
}

export function decimalFromText(text: string): Decimal128 | undefined {
  let t = text;
  let sign = '';
  if (t.startsWith('-') || t.startsWith('+')) {
    sign = t[0] === '-' ? '-' : '';
    t = t.slice(1);
  }
  const lower = t.toLowerCase();
  try {
    if (lower === 'inf' || lower === 'infinity') return Decimal128.fromString(sign + 'Infinity');
    if (lower === 'nan') return Decimal128.fromString('NaN');
    if (lower.startsWith('0x')) return Decimal128.fromString(sign + BigInt(t).toString());
    return Decimal128.fromString(sign + t);
  } catch {
    return undefined;
  }
}

/** Milliseconds of a timestamp literal, as a QueryDate (between two milliseconds: floor + 0.5). */
export function dateFromTimestamp(seconds: number, nanos: number): QueryDate {
  const wholeMs = Math.floor(nanos / 1_000_000);
  const rest = nanos - wholeMs * 1_000_000;
  const ms = seconds * 1000 + wholeMs;
  return new QueryDate(rest === 0 ? ms : ms + 0.5);
}

export function uuidFromHex(hex: string): UUID {
  return new UUID(`${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`);
}

