/**
 * The licence notice a registry file carries in its leading comment. Generated files are
 * derived from it, so they carry its copyright lines and SPDX id, and the package carries
 * the full notice text.
 */
export interface LicenceNotice {
  /** SPDX identifier when recognised: BSD-3-Clause, Apache-2.0, MIT; else "LicenseRef-unknown". */
  readonly spdx: string;
  /** "Copyright ..." lines, as written. */
  readonly copyright: readonly string[];
  /** The whole comment, trimmed: the notice that must travel with the derived files. */
  readonly text: string;
}

export function findLicence(xml: string): LicenceNotice | undefined {
  const head = xml.slice(0, Math.max(0, xml.search(/<LWM2M\b/)));
  for (const m of head.matchAll(/<!--([\s\S]*?)-->/g)) {
    const text = m[1]!.trim();
    const spdx = /Redistribution and use in source and binary forms/.test(text)
      ? 'BSD-3-Clause'
      : /Apache License/.test(text)
        ? 'Apache-2.0'
        : /Permission is hereby granted, free of charge/.test(text)
          ? 'MIT'
          : /copyright|licen[cs]e/i.test(text)
            ? 'LicenseRef-unknown'
            : undefined;
    if (spdx === undefined) continue;
    const copyright = [...new Set(text.split(/\r?\n/).map((l) => l.trim()).filter((l) => /^(copyright\s+(\(c\)\s*|©\s*)?\d{4}|\(c\)\s*\d{4}|©\s*\d{4})/i.test(l)))];
    return { spdx, copyright, text: text.replace(/\r\n/g, '\n') };
  }
  return undefined;
}
