import { Decimal128 } from '../model/index.ts';
import { decimalParts, isNaNNumeric, kindOf, queryOrder, sortCompare } from './compare.ts';

/**
 * @sum @avg @min @max over the values a key path reached. As in Realm: NaN and null take no part;
 * decimals alone are summed exactly; over mixed values @min/@max compare every kind.
 */
export function aggregate(fn: 'sum' | 'avg' | 'min' | 'max', items: readonly unknown[], anyKind = false): unknown {
  if ((fn === 'min' || fn === 'max') && anyKind) {
    // Mixed values: every kind takes part, in Realm's order (bool < numbers < dates < strings <
    // binary < objectIds < uuids, the SORT order); null and NaN are skipped.
    let best: unknown = null;
    for (const v of items) {
      const k = kindOf(v);
      if (k === 'null' || k === 'other' || ((k === 'number' || k === 'decimal') && isNaNNumeric(v as number))) continue;
      if (best === null || (fn === 'min' ? sortCompare(v, best) < 0 : sortCompare(v, best) > 0)) best = v;
    }
    return best;
  }
  if (fn === 'min' || fn === 'max') {
    let best: unknown = null;
    for (const v of items) {
      const k = kindOf(v);
      if (k !== 'number' && k !== 'decimal' && k !== 'date') continue;
      if (k === 'number' && Number.isNaN(v)) continue;
      if (best === null) {
        best = v;
        continue;
      }
      const c = queryOrder(v, best);
      if (Number.isNaN(c)) continue; // a date among numbers in a mixed list: not comparable
      if (fn === 'min' ? c < 0 : c > 0) best = v;
    }
    return best;
  }
  // All decimals: exact decimal arithmetic, as in Realm (sum exact, average rounded to 34 digits).
  const decimals = items.filter((v): v is Decimal128 => v instanceof Decimal128 && !isNaNNumeric(v));
  const counted = items.filter((v) => v !== null && v !== undefined && !((typeof v === 'number' || v instanceof Decimal128) && isNaNNumeric(v)));
  if (decimals.length > 0 && decimals.length === counted.length) {
    const exact = exactDecimalAggregate(fn, decimals);
    if (exact !== undefined) return exact;
  }
  let sum = 0;
  let count = 0;
  let decimal = false;
  for (const v of items) {
    // NaN takes no part in sums and averages, as in Realm.
    if (typeof v === 'number') {
      if (Number.isNaN(v)) continue;
      sum += v;
    } else if (v instanceof Decimal128) {
      if (isNaNNumeric(v)) continue;
      // Decimal sums are computed in binary floating point; exact decimal arithmetic is not provided.
      sum += Number(v.toString());
      decimal = true;
    } else continue;
    count++;
  }
  if (fn === 'avg') {
    if (count === 0) return null;
    const avg = sum / count;
    return decimal ? Decimal128.fromString(String(avg)) : avg;
  }
  return decimal ? Decimal128.fromString(String(sum)) : sum;
}

/**
 * Exact sum or average of finite decimals with BigInt coefficients (value = coef × 10^exp);
 * undefined when a value is NaN or infinite (the binary floating-point path handles those).
 */
function exactDecimalAggregate(fn: 'sum' | 'avg', values: readonly Decimal128[]): Decimal128 | undefined {
  const parts = values.map((v) => decimalParts(v.toString()));
  if (parts.some((p) => p === undefined || p.special !== null)) return undefined;
  let exp = 0;
  for (const p of parts) if (p!.digits !== '') exp = Math.min(exp, p!.exponent - p!.digits.length);
  let total = 0n;
  for (const p of parts) {
    if (p!.digits === '') continue;
    const coef = BigInt(p!.digits) * 10n ** BigInt(p!.exponent - p!.digits.length - exp);
    total += p!.negative ? -coef : coef;
  }
  if (fn === 'avg') {
    // 40 extra digits before dividing, then round to Decimal128's 34 significant digits.
    total = (total * 10n ** 40n) / BigInt(values.length);
    exp -= 40;
  }
  return Decimal128.fromStringWithRounding(`${total}E${exp}`);
}

