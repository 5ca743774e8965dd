/**
 * Parses RangeEnumeration text into a form the runtime can enforce. The registry writes
 * ranges in many free-text forms ("0..100", "0-100", "1...255", "0..255 bytes", "10,26",
 * "0..3, 99", "ON;OFF", "0: Idle\n1: Busy"); only forms whose meaning is clear are parsed,
 * anything else is kept as text with a warning.
 */
import type { Constraint, Interval, ResourceType } from '../registry/descriptor.js';
import type { WarningCode } from './diagnostics.js';

export type RangeOutcome =
  | { readonly parsed: Constraint }
  | { readonly warning: WarningCode; readonly detail: string };

const NUMBER = String.raw`[+-]?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][+-]?\d+)?`;
const numberRe = new RegExp(`^${NUMBER}$`);
// "a..b", "a...b", "a - b", "a to b", "[a:b]"; a hyphen needs a digit before it so "-5" stays a number.
const intervalRe = new RegExp(`^\\[?\\s*(${NUMBER})\\s*(?:\\.{2,3}|(?<=\\d)\\s*-\\s*|\\s+to\\s+|:)\\s*(${NUMBER})\\s*\\]?$`, 'i');
const lengthUnitRe = /\s*(?:bytes?|octets?|characters?|chars?)$/i;
const labelledRe = new RegExp(`^(${NUMBER})\\s*(?:[:=]|\\s-\\s|\\s=\\s)\\s*(.+)$`);

export function parseRange(raw: string, type: ResourceType): RangeOutcome | undefined {
  const text = raw.trim();
  if (text === '') return undefined;
  switch (type) {
    case 'boolean':
      return { warning: 'W_RANGE_ON_BOOLEAN', detail: `"${text}" on a Boolean resource` };
    case 'integer':
    case 'unsignedInteger':
    case 'float':
    case 'time':
      return numeric(text);
    case 'string':
    case 'opaque':
      return lengthOrEnum(text, type);
    default:
      return { warning: 'W_RANGE_ON_TYPE', detail: `"${text}" on a ${type} resource` };
  }
}

function numeric(text: string): RangeOutcome {
  const intervals = parseIntervals(text);
  if (intervals === undefined) return { warning: 'W_RANGE_UNPARSED', detail: `"${oneLine(text)}"` };
  for (const i of intervals) {
    if (Number(i.min) > Number(i.max)) return { warning: 'W_RANGE_MIN_GT_MAX', detail: `${i.min} > ${i.max} in "${oneLine(text)}"` };
  }
  return { parsed: { kind: 'range', intervals } };
}

/** A list of values and intervals, or a multi-line enumeration of labelled values. */
function parseIntervals(text: string): Interval[] | undefined {
  const lines = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '');
  if (lines.length > 1 && lines.every((l) => labelledRe.test(l))) {
    return lines.map((l) => {
      const m = labelledRe.exec(l)!;
      return { min: canonical(m[1]!), max: canonical(m[1]!), label: m[2]!.trim() };
    });
  }
  if (lines.length !== 1) return undefined;
  // A bare single number is ambiguous (a maximum? the only value?): not enforced.
  if (numberRe.test(lines[0]!)) return undefined;
  const parts = lines[0]!.split(/\s*(?:[,;|]|\bor\b)\s*/i).filter((p) => p !== '');
  const out: Interval[] = [];
  for (const part of parts) {
    const m = intervalRe.exec(part);
    if (m) out.push({ min: canonical(m[1]!), max: canonical(m[2]!) });
    else if (numberRe.test(part)) out.push({ min: canonical(part), max: canonical(part) });
    else return undefined;
  }
  return out.length > 0 ? out : undefined;
}

function lengthOrEnum(text: string, type: 'string' | 'opaque'): RangeOutcome {
  const bare = text.replace(lengthUnitRe, '');
  const m = intervalRe.exec(bare);
  if (m && isWhole(m[1]!) && isWhole(m[2]!)) {
    const min = Number(m[1]);
    const max = Number(m[2]);
    if (min > max) return { warning: 'W_RANGE_MIN_GT_MAX', detail: `${min} > ${max} in "${text}"` };
    return { parsed: { kind: 'length', min, max } };
  }
  // "N bytes" with an explicit unit is an exact length; a bare "N" is not clear enough.
  if (bare !== text && numberRe.test(bare) && isWhole(bare)) {
    const n = Number(bare);
    return { parsed: { kind: 'length', min: n, max: n } };
  }
  if (type === 'string') {
    const values = text.split(/\s*[;,|]\s*/).filter((v) => v !== '');
    if (values.length > 1 && values.every((v) => /^[\w.+-]+$/.test(v))) return { parsed: { kind: 'enum', values } };
  }
  return { warning: 'W_RANGE_UNPARSED', detail: `"${oneLine(text)}"` };
}

function isWhole(s: string): boolean {
  return /^\+?\d+$/.test(s);
}

/** "+5" -> "5", "1.0" stays: the text is kept exact, only a leading plus is dropped. */
function canonical(n: string): string {
  return n.startsWith('+') ? n.slice(1) : n;
}

function oneLine(s: string): string {
  const flat = s.replace(/\s+/g, ' ');
  return flat.length > 60 ? `${flat.slice(0, 57)}...` : flat;
}
