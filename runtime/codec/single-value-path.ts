/** Single-value formats (text, opaque, CBOR) address one resource or resource instance. */
import { formatPath, type LwM2MPath } from '../model/path.js';
import { CodecError } from './codec-error.js';
import { resolveResource, type CodecOptions, type Resolved } from './codec-options.js';

export function resolveSingleValue(path: LwM2MPath, opts: CodecOptions, format: string): Resolved & { text: string } {
  const text = formatPath(path);
  if (path.resourceId === undefined) throw new CodecError('E_UNSUPPORTED_FORMAT', `${format} carries one value, not the ${path.instanceId === undefined ? 'object' : 'instance'} ${text}`, undefined, text);
  const r = resolveResource(opts, path.objectId, path.resourceId, text);
  if (r.res.multiple && path.resourceInstanceId === undefined) {
    throw new CodecError('E_UNSUPPORTED_FORMAT', `${format} carries one value, not the multiple resource ${text}`, undefined, text);
  }
  if (!r.res.multiple && path.resourceInstanceId !== undefined) {
    throw new CodecError('E_NODE_SHAPE', `resource ${text} is single: it has no resource instances`, undefined, text);
  }
  return { obj: r.obj, res: r.res, text };
}
