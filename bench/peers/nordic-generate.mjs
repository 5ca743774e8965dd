// Drives Nordic's lwm2m-types-js generator (types only) over the registry's current files,
// as its own build does (its modules are reached by path: the package exports only its types).
// document and export modules. Usage: node nordic-generate.mjs REGISTRY OUT
import { mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ignoredLwM2MObjects } from './node_modules/@nordicsemiconductor/lwm2m-types/dist/lwm2m/ignoredLwM2MObjects.js';
import { generateExports } from './node_modules/@nordicsemiconductor/lwm2m-types/dist/type-generation/generateExports.js';
import { generateLwM2MDocument } from './node_modules/@nordicsemiconductor/lwm2m-types/dist/type-generation/generateLwM2MDocument.js';
import { generateObjectType } from './node_modules/@nordicsemiconductor/lwm2m-types/dist/type-generation/generateObjectType.js';
import { fromXML } from './node_modules/@nordicsemiconductor/lwm2m-types/dist/xml2js/definitionFromXML.js';

const [registry, out] = process.argv.slice(2);
// Object 20 stops it with an exception; it is left out, as its users must.
const skip = new Set([...ignoredLwM2MObjects, '20']);
const files = readdirSync(registry).filter((f) => /^\d+\.xml$/.test(f) && !skip.has(f.slice(0, -4)));
rmSync(out, { recursive: true, force: true });
mkdirSync(out, { recursive: true });
const definitions = [];
for (const f of files) {
  const def = await fromXML(join(registry, f));
  definitions.push(def);
  writeFileSync(join(out, `${def.ObjectID}.ts`), generateObjectType(def));
}
writeFileSync(join(out, 'LwM2MDocument.ts'), generateLwM2MDocument(definitions));
writeFileSync(join(out, 'objects.ts'), generateExports(definitions));
process.stdout.write(`${JSON.stringify({ objects: definitions.length, files: definitions.length + 2 })}\n`);
