/** Finds the XML files named on the command line and reads them, with their hash and licence. */
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Diagnostic } from './diagnostics.js';
import { findLicence, type LicenceNotice } from './licence.js';

export interface XmlSource {
  /** The path as shown in messages and provenance headers: as given on the command line. */
  readonly file: string;
  readonly text: string;
  /** sha256 of the file's bytes, hex. */
  readonly sha256: string;
  readonly licence: LicenceNotice | undefined;
  /** Found by scanning a folder (files that are not object definitions are then skipped, not refused). */
  readonly fromFolder: boolean;
}

export interface ReadResult {
  readonly sources: XmlSource[];
  readonly diagnostics: Diagnostic[];
}

/** Files and folders (recursively, *.xml) in a stable order: as given, folder contents sorted. */
export function readSources(paths: readonly string[], cwd = process.cwd()): ReadResult {
  const sources: XmlSource[] = [];
  const diagnostics: Diagnostic[] = [];
  const seen = new Set<string>();
  // Files are named as the user named them: the argument, plus the path inside a folder.
  const add = (abs: string, shown: string, fromFolder: boolean): void => {
    if (seen.has(abs)) return;
    seen.add(abs);
    const file = shown.replace(/\\/g, '/');
    let bytes: Buffer;
    try {
      bytes = readFileSync(abs);
    } catch (e) {
      diagnostics.push({ severity: 'error', code: 'E_READ', file, message: (e as Error).message });
      return;
    }
    const text = decode(bytes);
    sources.push({ file, text, sha256: createHash('sha256').update(bytes).digest('hex'), licence: findLicence(text), fromFolder });
  };
  for (const p of paths) {
    const abs = resolve(cwd, p);
    let isDir: boolean;
    try {
      isDir = statSync(abs).isDirectory();
    } catch (e) {
      diagnostics.push({ severity: 'error', code: 'E_READ', file: p, message: (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (e as Error).message });
      continue;
    }
    if (isDir) for (const f of xmlFilesUnder(abs)) add(f, join(p, relative(abs, f)), true);
    else add(abs, p, false);
  }
  return { sources, diagnostics };
}

function xmlFilesUnder(dir: string): string[] {
  const files: string[] = [];
  const dirs: string[] = [];
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) dirs.push(join(dir, e.name));
    else if (e.name.toLowerCase().endsWith('.xml')) files.push(join(dir, e.name));
  }
  // Numeric-aware order: 3.xml before 10.xml, so that "first given" reads naturally.
  const collator = new Intl.Collator('en', { numeric: true });
  files.sort(collator.compare);
  dirs.sort(collator.compare);
  return [...files, ...dirs.flatMap(xmlFilesUnder)];
}

/** UTF-8 (with or without BOM) or UTF-16 with a BOM. */
function decode(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return bytes.subarray(2).toString('utf16le');
  if (bytes[0] === 0xfe && bytes[1] === 0xff) {
    const swapped = Buffer.from(bytes.subarray(2));
    swapped.swap16();
    return swapped.toString('utf16le');
  }
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
