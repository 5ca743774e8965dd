/**
 * --strict: each object file against the XML schema it names (LWM2M.xsd for 1.0 files,
 * LWM2M-v1_1.xsd otherwise), with xmllint compiled to WebAssembly: no native tool needed.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Diagnostic } from './diagnostics.js';
import { packageRoot } from './package-root.js';
import type { XmlSource } from './read-sources.js';

export async function checkSchemas(sources: readonly XmlSource[]): Promise<Diagnostic[]> {
  const { validateXML, memoryPages } = await import('xmllint-wasm');
  const groups = new Map<string, XmlSource[]>();
  const seen = new Set<string>();
  for (const s of sources) {
    // Byte-identical copies validate alike: once is enough (as parsing does).
    if (seen.has(s.sha256)) continue;
    seen.add(s.sha256);
    if (!/<LWM2M\b/.test(s.text) || /ObjectType="(?!MODefinition)/.test(s.text)) continue;
    const location = /noNamespaceSchemaLocation="([^"]*)"/.exec(s.text)?.[1] ?? '';
    const xsd = /v1_1/.test(location) || !/LWM2M\.xsd/.test(location) ? 'LWM2M-v1_1.xsd' : 'LWM2M.xsd';
    groups.set(xsd, [...(groups.get(xsd) ?? []), s]);
  }
  const out: Diagnostic[] = [];
  for (const [xsd, group] of groups) {
    const names = new Map(group.map((s, i) => [`f${i}.xml`, s.file]));
    const result = await validateXML({
      xml: group.map((s, i) => ({ fileName: `f${i}.xml`, contents: s.text })),
      schema: { fileName: xsd, contents: readFileSync(join(packageRoot, 'schemas', xsd), 'utf8') },
      maxMemoryPages: memoryPages.GiB,
    });
    for (const e of result.errors) {
      // xmllint closes with "<file> fails to validate" for each failing file: the errors before it say why.
      if (/fails to validate\s*$/.test(e.message) || /fails to validate\s*$/.test(e.rawMessage)) continue;
      const file = (e.loc && names.get(e.loc.fileName)) ?? group[0]!.file;
      out.push({
        severity: 'warning', code: 'W_SCHEMA', file,
        ...(e.loc ? { line: e.loc.lineNumber } : {}),
        message: `${e.message.trim()} (${xsd})`,
      });
    }
  }
  return out;
}
