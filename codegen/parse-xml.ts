/**
 * Reads one registry XML file into raw fields, tolerating what the real registry does
 * (BOM, no declaration, CRLF, comments, CDATA, self-closing tags, elements in any order)
 * and never expanding entities or fetching anything.
 */
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import type { Diagnostic } from './diagnostics.js';
import { decodeXmlText } from './xml-text.js';

export interface RawItem {
  /** The ID attribute as written. */
  readonly id: string | undefined;
  readonly fields: ReadonlyMap<string, string>;
  /** Offset of the <Item> tag in the text. */
  readonly offset: number;
}

export interface RawObject {
  /** The ObjectType attribute: "MODefinition" for object definitions. */
  readonly objectType: string | undefined;
  readonly fields: ReadonlyMap<string, string>;
  readonly items: readonly RawItem[];
  readonly offset: number;
}

export interface ParsedXml {
  readonly objects: readonly RawObject[];
  /** The xsi:noNamespaceSchemaLocation of <LWM2M>, if any. */
  readonly schemaLocation: string | undefined;
  readonly hasDoctype: boolean;
  /** 1-based line of an offset in the text. */
  lineAt(offset: number): number;
  /** 1-based line of the first `<field>` element at or after `from`, else of `from`. */
  lineOfField(from: number, field: string): number;
}

export type ParseResult = { ok: true; xml: ParsedXml } | { ok: false; error: Diagnostic };

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: false,
  htmlEntities: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  trimValues: false,
  cdataPropName: '#cdata',
  // Callbacks get a matcher instead of a path string built for every tag (measured: 10% of parsing).
  jPath: false,
  isArray: (name) => name === 'Object' || name === 'Item',
});

type Node = Record<string | symbol, unknown>;

export function parseXml(file: string, original: string): ParseResult {
  // A DOCTYPE is blanked out (its newlines kept, so lines stay true): entities declared in it
  // are never expanded and nothing it names is fetched; a reference stays literal text.
  const hasDoctype = /<!DOCTYPE/i.test(original);
  const text = hasDoctype ? original.replace(/<!DOCTYPE(?:[^[>]|\[[\s\S]*?\])*>/gi, (m) => m.replace(/[^\n]/g, ' ')) : original;
  const valid = XMLValidator.validate(text, { allowBooleanAttributes: true });
  if (valid !== true) {
    return {
      ok: false,
      error: { severity: 'error', code: 'E_XML_MALFORMED', file, line: valid.err.line, message: valid.err.msg },
    };
  }
  let doc: Node;
  try {
    doc = parser.parse(text) as Node;
  } catch (e) {
    return { ok: false, error: { severity: 'error', code: 'E_XML_MALFORMED', file, message: (e as Error).message } };
  }
  const root = doc['LWM2M'];
  // Lines are wanted only for diagnostics: the newline index is built on first use.
  let lineStarts: number[] | undefined;
  const lineAt = (offset: number): number => lineOf((lineStarts ??= lineStartsOf(text)), offset);
  if (!isNode(root) || !Array.isArray(root['Object']) || root['Object'].length === 0) {
    const tag = /<([A-Za-z_][\w.-]*)/.exec(text.replace(/<!--[\s\S]*?-->|<\?[\s\S]*?\?>|<!DOCTYPE[^>]*>/g, ''));
    return {
      ok: false,
      error: {
        severity: 'error', code: 'E_NOT_LWM2M', file, line: tag ? lineAt(text.indexOf(`<${tag[1]}`)) : 1,
        message: tag ? `the root element is <${tag[1]}>, not <LWM2M> with an <Object>` : 'the file has no element',
      },
    };
  }
  // Offsets (for diagnostics' lines) are found when first asked for, by scanning the text:
  // the parser's own position capture costs a third of parsing, and lines are rarely needed.
  let tags: TagPositions | undefined;
  const positions = (): TagPositions => (tags ??= scanTags(text));
  const objects = (root['Object'] as unknown[]).map((o, k): RawObject | undefined => {
    if (!isNode(o)) return undefined;
    const resources = o['Resources'];
    const rawItems: unknown[] = isNode(resources) && Array.isArray(resources['Item']) ? resources['Item'] : [];
    return {
      objectType: attr(o, '@ObjectType'),
      fields: leafFields(o),
      get offset() {
        return positions().objects[k] ?? 0;
      },
      items: rawItems.flatMap((item, j): RawItem[] => (isNode(item) ? [{
        id: attr(item, '@ID'),
        fields: leafFields(item),
        get offset() {
          return positions().itemsOf(k)[j] ?? positions().objects[k] ?? 0;
        },
      }] : [])),
    };
  });
  return {
    ok: true,
    xml: {
      objects: objects.filter((o): o is RawObject => o !== undefined),
      schemaLocation: attr(root, '@xsi:noNamespaceSchemaLocation'),
      hasDoctype,
      lineAt,
      lineOfField(from, field) {
        const at = text.indexOf(`<${field}`, from);
        return lineAt(at < 0 ? from : at);
      },
    },
  };
}

function isNode(x: unknown): x is Node {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

interface TagPositions {
  readonly objects: readonly number[];
  /** Offsets of the <Item> tags inside object k, in document order. */
  itemsOf(k: number): readonly number[];
}

/** Where the <Object> and <Item> elements start, comments and CDATA skipped (blanked, offsets kept). */
function scanTags(text: string): TagPositions {
  const clean = text.replace(/<!--[\s\S]*?-->|<!\[CDATA\[[\s\S]*?\]\]>/g, (m) => ' '.repeat(m.length));
  const objects = [...clean.matchAll(/<Object\b/g)].map((m) => m.index);
  const items = [...clean.matchAll(/<Item\b/g)].map((m) => m.index);
  return {
    objects,
    itemsOf: (k) => items.filter((i) => i > (objects[k] ?? -1) && i < (objects[k + 1] ?? Infinity)),
  };
}

function attr(node: Node, name: string): string | undefined {
  const v = node[name];
  return typeof v === 'string' ? v : undefined;
}

/** Element children that hold text; a repeated element keeps its first value. */
function leafFields(node: Node): Map<string, string> {
  const out = new Map<string, string>();
  for (const [key, value] of Object.entries(node)) {
    if (key.startsWith('@') || key === '#text') continue;
    const first = Array.isArray(value) ? value[0] : value;
    const text = textOf(first);
    if (text !== undefined) out.set(key, text.trim());
  }
  return out;
}

/** Decoded text of a leaf element: entities in text decoded, CDATA taken as written. */
function textOf(x: unknown): string | undefined {
  if (typeof x === 'string') return decodeXmlText(x);
  // An element with attributes or CDATA keeps its parts under #text and #cdata.
  if (isNode(x) && !('Item' in x)) {
    const t = x['#text'];
    const c = x['#cdata'];
    const cdata = Array.isArray(c) ? c.join('') : typeof c === 'string' ? c : '';
    return (typeof t === 'string' ? decodeXmlText(t) : '') + cdata;
  }
  return undefined;
}

function lineStartsOf(text: string): number[] {
  const starts = [0];
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return starts;
}

function lineOf(starts: readonly number[], offset: number): number {
  let lo = 0;
  let hi = starts.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (starts[mid]! <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo + 1;
}
