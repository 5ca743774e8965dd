/** Sources -> descriptors: parse, normalise, then keep the versions asked for. */
import { objectKey, type ObjectDescriptor, type ObjectKey } from '../registry/descriptor.js';
import { compareVersions } from '../registry/version.js';
import type { Diagnostic } from './diagnostics.js';
import { normaliseObject } from './normalise.js';
import { parseXml } from './parse-xml.js';
import type { XmlSource } from './read-sources.js';

export interface LoadedObject {
  readonly descriptor: ObjectDescriptor;
  readonly source: XmlSource;
}

export interface LoadOptions {
  /** Only these object ids (all when absent). */
  readonly objects?: readonly number[];
  /** Every version found; otherwise only the newest version of each object. */
  readonly allVersions?: boolean;
}

export interface LoadResult {
  /** Sorted by id, then version. */
  readonly objects: LoadedObject[];
  readonly diagnostics: Diagnostic[];
  /** Files found in folders that are not object definitions. */
  readonly skipped: number;
  /** Files byte-identical to one read before (the registry's current files are copies of version_history/ ones): not parsed again. */
  readonly copies: number;
}

/** What one source file holds, in file order, and what was said about it. */
interface SourceObjects {
  /** `line` is found when asked for (only a duplicate definition needs it). */
  readonly objects: readonly { readonly descriptor: ObjectDescriptor; readonly line: number }[];
  readonly diagnostics: readonly Diagnostic[];
  readonly skipped: number;
}

/** Parses and normalises one file; `wanted` skips the objects not asked for. */
function readSourceObjects(source: Pick<XmlSource, 'file' | 'text' | 'fromFolder'>, wanted?: ReadonlySet<number>): SourceObjects {
  const diagnostics: Diagnostic[] = [];
  const objects: { descriptor: ObjectDescriptor; readonly line: number }[] = [];
  let skipped = 0;
  const parsed = parseXml(source.file, source.text);
  if (!parsed.ok) {
    // A folder may hold other XML (the registry's DDF.xml); a file named explicitly may not.
    if (parsed.error.code === 'E_NOT_LWM2M' && source.fromFolder) {
      skipped++;
      diagnostics.push({ ...parsed.error, severity: 'warning', code: 'W_NOT_OBJECT_FILE' });
    } else diagnostics.push(parsed.error);
    return { objects, diagnostics, skipped };
  }
  const { xml } = parsed;
  if (xml.hasDoctype) diagnostics.push({ severity: 'warning', code: 'W_DOCTYPE_IGNORED', file: source.file, message: 'the DOCTYPE is ignored' });
  for (const raw of xml.objects) {
    if (raw.objectType !== undefined && raw.objectType !== 'MODefinition') {
      if (source.fromFolder) skipped++;
      diagnostics.push({
        severity: source.fromFolder ? 'warning' : 'error', code: source.fromFolder ? 'W_NOT_OBJECT_FILE' : 'E_NOT_LWM2M', file: source.file,
        line: xml.lineAt(raw.offset), field: 'Object/@ObjectType', message: `ObjectType="${raw.objectType}" is not an object definition (MODefinition)`,
      });
      continue;
    }
    // Skip early what was not asked for, but only once its ID is known to be sound.
    const id = Number(raw.fields.get('ObjectID'));
    if (wanted && Number.isInteger(id) && !wanted.has(id)) continue;
    const result = normaliseObject(source.file, xml, raw);
    diagnostics.push(...result.diagnostics);
    if (result.descriptor) objects.push({ descriptor: result.descriptor, get line() { return xml.lineAt(raw.offset); } });
  }
  return { objects, diagnostics, skipped };
}

/**
 * Merges the files' objects: each content is read once (byte-identical copies add nothing),
 * the first definition of an (id, version) wins.
 */
export function loadObjects(sources: readonly XmlSource[], options: LoadOptions = {}): LoadResult {
  const diagnostics: Diagnostic[] = [];
  const byKey = new Map<ObjectKey, LoadedObject>();
  let skipped = 0;
  let copies = 0;
  const seen = new Set<string>();
  const wanted = options.objects ? new Set(options.objects) : undefined;

  for (const source of sources) {
    if (seen.has(source.sha256)) {
      copies++;
      continue;
    }
    seen.add(source.sha256);
    const result = readSourceObjects(source, wanted);
    diagnostics.push(...result.diagnostics);
    skipped += result.skipped;
    for (const o of result.objects) {
      const d = o.descriptor;
      const key = objectKey(d.id, d.version);
      const first = byKey.get(key);
      if (first === undefined) byKey.set(key, { descriptor: d, source });
      else if (JSON.stringify(first.descriptor) !== JSON.stringify(d)) {
        diagnostics.push({
          severity: 'warning', code: 'W_DUPLICATE_OBJECT', file: source.file, line: o.line,
          message: `object ${d.id} version ${d.version} differs from the one in ${first.source.file}, which is used`,
        });
      }
    }
  }

  let objects = [...byKey.values()].sort((a, b) => a.descriptor.id - b.descriptor.id || compareVersions(a.descriptor.version, b.descriptor.version));
  if (!options.allVersions) {
    objects = objects.filter((o, i) => objects[i + 1]?.descriptor.id !== o.descriptor.id);
  }
  return { objects, diagnostics, skipped, copies };
}
