import { registryArg } from './paths.js';

/** Registry files that show the quirks listed in spec-notes.md. */
export const quirkFiles = [
  '10241.xml', // UTF-8 BOM, no XML declaration
  '10337.xml', // resources commented out
  '3392.xml', // two resources with the same name
  '3421.xml', // names that collide only as identifiers
  '10242.xml', // names with leading digits
  '3459.xml', // odd spaces in names
  'version_history/10260-1_0.xml', // an Execute resource with a Type
  '10482.xml', // a readable resource without a Type
  '10309.xml', // a range with min > max
  '3387.xml', // a range on a Boolean
  '0.xml', // Security: resources without operations
].map((f) => `${registryArg}/${f}`);
