/**
 * CoRE link format (RFC 6690, content format 40): Discover answers, registration
 * payloads, Corelnk values. Attribute values: a quoted value decodes to a string, a bare
 * value to a number when it reads back identically (pmin=10, ver=1.1), else to a string;
 * a value-less attribute to `true`. Encoding writes strings quoted, numbers bare, `true`
 * as a bare name, and leaves `false` out.
 */
import type { CoreLink } from '../model/values.js';
import { CodecError } from './codec-error.js';
import { utf8Decode, utf8Encode } from './text-bytes.js';

const PARMNAME = /^[A-Za-z0-9!#$&+\-.^_`|~]+\*?$/;
const NUMBER = /^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][+-]?[0-9]+)?$/;
const PTOKEN_CHAR = /[!#$%&'()*+\-./0-9:<=>?@A-Z[\]^_`a-z{|}~]/;

export function formatCoreLinks(links: readonly CoreLink[]): string {
  let out = '';
  for (let k = 0; k < links.length; k++) {
    const l = links[k]!;
    if (l.target.includes('>')) throw new CodecError('E_UNREPRESENTABLE', `link target "${l.target}" contains ">"`);
    if (k > 0) out += ',';
    out += '<' + l.target + '>';
    for (const name of Object.keys(l.attributes)) {
      const v = l.attributes[name];
      if (!PARMNAME.test(name)) throw new CodecError('E_UNREPRESENTABLE', `"${name}" is not a link attribute name`);
      if (v === true) out += ';' + name;
      else if (v === false || v === undefined) continue;
      else if (typeof v === 'number') {
        if (!Number.isFinite(v)) throw new CodecError('E_UNREPRESENTABLE', `link attribute ${name}=${v} is not a finite number`);
        out += ';' + name + '=' + String(v);
      } else if (NUMBER.test(v) && String(Number(v)) !== v) {
        // A decimal the number type would change ("1.0", "1.10": ver values) goes bare, as LwM2M
        // 1.1 writes ver; it reads back as the same string, so the round trip holds.
        out += ';' + name + '=' + v;
      } else out += ';' + name + '="' + v.replace(/[\\"]/g, (c) => '\\' + c) + '"';
    }
  }
  return out;
}

export function encodeCoreLinks(links: readonly CoreLink[]): Uint8Array {
  return utf8Encode(formatCoreLinks(links));
}

/** Parses link-format text; `base` is added to error offsets (the text's place in a payload). */
export function parseCoreLinks(text: string, base = 0): CoreLink[] {
  const links: CoreLink[] = [];
  const n = text.length;
  let pos = 0;
  const fail = (msg: string, at = pos): never => {
    throw new CodecError(at >= n ? 'E_TRUNCATED' : 'E_SYNTAX', `link format: ${msg} at offset ${base + at}`, base + at);
  };
  const skipWs = (): void => {
    while (pos < n && (text[pos] === ' ' || text[pos] === '\n' || text[pos] === '\r' || text[pos] === '\t')) pos++;
  };
  skipWs();
  if (pos === n) return links;
  for (;;) {
    skipWs();
    if (text[pos] !== '<') fail('"<" expected');
    const close = text.indexOf('>', pos + 1);
    if (close < 0) fail('">" missing', n);
    const target = text.slice(pos + 1, close);
    pos = close + 1;
    const attributes: Record<string, string | number | boolean> = {};
    while (text[pos] === ';') {
      pos++;
      const start = pos;
      while (pos < n && text[pos] !== '=' && text[pos] !== ';' && text[pos] !== ',') pos++;
      const name = text.slice(start, pos);
      if (!PARMNAME.test(name)) fail(`bad attribute name "${name.slice(0, 20)}"`, start);
      let value: string | number | boolean = true;
      if (text[pos] === '=') {
        pos++;
        if (text[pos] === '"') {
          pos++;
          let s = '';
          for (;;) {
            if (pos >= n) fail('unterminated quoted string');
            const c = text[pos]!;
            if (c === '"') { pos++; break; }
            if (c === '\\') {
              if (pos + 1 >= n) fail('unterminated quoted string');
              s += text[pos + 1];
              pos += 2;
            } else { s += c; pos++; }
          }
          value = s;
        } else {
          const vs = pos;
          while (pos < n && PTOKEN_CHAR.test(text[pos]!) && text[pos] !== ',' && text[pos] !== ';') pos++;
          const raw = text.slice(vs, pos);
          if (raw.length === 0) fail('attribute value expected');
          value = NUMBER.test(raw) && String(Number(raw)) === raw ? Number(raw) : raw;
        }
      }
      // defineProperty: a "__proto__" attribute must stay data, not become a prototype.
      Object.defineProperty(attributes, name, { value, enumerable: true, writable: true, configurable: true });
    }
    links.push({ target, attributes });
    skipWs();
    if (pos === n) return links;
    if (text[pos] !== ',') fail('"," expected');
    pos++;
  }
}

export function decodeCoreLinks(b: Uint8Array): CoreLink[] {
  return parseCoreLinks(utf8Decode(b));
}
