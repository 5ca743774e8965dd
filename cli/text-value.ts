/** A resource value typed on the command line: `--write /3/0/13=now`, `/3/0/14=+01:00`. */
import type { ResourceType } from '../registry/descriptor.js';
import type { ResourceValue } from '../runtime/model/values.js';

export function parseTextValue(type: ResourceType, text: string): ResourceValue {
  switch (type) {
    case 'string':
      return text;
    case 'integer':
    case 'unsignedInteger': {
      if (!/^-?\d+$/.test(text)) throw new Error(`"${text}" is not an integer`);
      const n = BigInt(text);
      return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
    }
    case 'float': {
      const n = Number(text);
      if (text.trim() === '' || Number.isNaN(n)) throw new Error(`"${text}" is not a number`);
      return n;
    }
    case 'boolean':
      if (text === 'true' || text === '1') return true;
      if (text === 'false' || text === '0') return false;
      throw new Error(`"${text}" is not a boolean (true, false, 1, 0)`);
    case 'time': {
      if (text === 'now') return new Date(Math.floor(Date.now() / 1000) * 1000);
      const d = /^\d+$/.test(text) ? new Date(Number(text) * 1000) : new Date(text);
      if (Number.isNaN(d.getTime())) throw new Error(`"${text}" is not a time (now, seconds since 1970, or ISO 8601)`);
      return d;
    }
    case 'opaque':
      if (!/^([0-9a-fA-F]{2})*$/.test(text)) throw new Error(`"${text}" is not hexadecimal bytes`);
      return Uint8Array.from(text.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
    case 'objlnk': {
      const m = /^(\d{1,5}):(\d{1,5})$/.exec(text);
      if (!m) throw new Error(`"${text}" is not an object link (object:instance)`);
      return { objectId: Number(m[1]), instanceId: Number(m[2]) };
    }
    default:
      throw new Error(`a ${type} resource cannot be written from the command line`);
  }
}
