/** The LwM2M data model: paths, value types, node trees, records, value checks, errors. */
export type { CoreLink, ObjectLink, ResourceValue, ValueOfType } from './values.js';
export { ModelError, type ModelErrorCode } from './model-error.js';
export { comparePaths, formatPath, isPathPrefix, parsePath, pathFromIds, pathIds, pathLevel, pathsEqual, validatePath, type LwM2MPath, type PathLevel } from './path.js';
export {
  instanceNode, multipleResourceNode, objectNode, resourceInstanceNode, resourceNode, sortedKeys,
  type InstanceNode, type LwM2MNode, type MultipleResourceNode, type ObjectNode, type ResourceInstanceNode, type ResourceNode, type SingleResourceNode,
} from './node.js';
export type { LwM2MRecord } from './record.js';
export { checkNodeFitsPath, nodeToRecords, recordsToNode } from './node-records.js';
export { checkValue, isValueOfType, normalizeInteger } from './check-value.js';
export { findResource, objectResolver, requireResource, type ObjectResolver } from './object-resolver.js';
