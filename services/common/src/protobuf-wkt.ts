/**
 * google.protobuf.Struct / Value / Timestamp as proto-loader hands them over with GRPC_LOADER_OPTIONS
 * (keepCase, oneofs), converted to and from plain JSON values and Dates.
 */

/** A Struct message as decoded: {fields: {name: Value}}. */
export interface StructMessage {
  fields?: Record<string, ValueMessage>;
}

/**
 * A Value message as decoded. proto-loader takes google/protobuf/struct.proto from protobufjs's bundled descriptors,
 * whose field names are camelCase (numberValue, ...) whatever keepCase says; snake_case is accepted on input too.
 */
export interface ValueMessage {
  kind?: string;
  nullValue?: unknown;
  numberValue?: number;
  stringValue?: string;
  boolValue?: boolean;
  structValue?: StructMessage;
  listValue?: { values?: ValueMessage[] };
  null_value?: unknown;
  number_value?: number;
  string_value?: string;
  bool_value?: boolean;
  struct_value?: StructMessage;
  list_value?: { values?: ValueMessage[] };
}

/** A Timestamp message: seconds as a decimal string (longs: String), nanos. */
export interface TimestampMessage {
  seconds: string;
  nanos: number;
}

/** JSON-compatible value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [k: string]: JsonValue };

const VALUE_KINDS = ['numberValue', 'stringValue', 'boolValue', 'structValue', 'listValue', 'nullValue'] as const;
type ValueKind = (typeof VALUE_KINDS)[number];

function snake(k: ValueKind): keyof ValueMessage {
  return k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`) as keyof ValueMessage;
}

/** Value message -> JSON value. */
export function valueToJson(v: ValueMessage | undefined): JsonValue {
  if (!v) return null;
  const present = (k: ValueKind): boolean => (v[k] ?? v[snake(k)]) !== undefined && (v[k] ?? v[snake(k)]) !== null;
  const named = v.kind === undefined ? undefined : (VALUE_KINDS.find((k) => k === v.kind || snake(k) === v.kind) ?? undefined);
  const kind = named ?? VALUE_KINDS.find(present);
  const get = <T>(k: ValueKind): T => (v[k] ?? v[snake(k)]) as T;
  switch (kind) {
    case 'numberValue':
      return Number(get<number>(kind));
    case 'stringValue':
      return String(get<string>(kind));
    case 'boolValue':
      return Boolean(get<boolean>(kind));
    case 'structValue':
      return structToJson(get<StructMessage>(kind));
    case 'listValue':
      return (get<{ values?: ValueMessage[] }>(kind)?.values ?? []).map(valueToJson);
    default:
      return null;
  }
}

/** Struct message -> plain object. */
export function structToJson(s: StructMessage | undefined | null): Record<string, JsonValue> {
  const out: Record<string, JsonValue> = {};
  for (const [k, v] of Object.entries(s?.fields ?? {})) out[k] = valueToJson(v);
  return out;
}

/** JSON value -> Value message, camelCase as the loaded descriptor names them (undefined and functions become null). */
export function jsonToValue(x: unknown): ValueMessage {
  if (x === null || x === undefined) return { nullValue: 'NULL_VALUE' };
  if (typeof x === 'number') return { numberValue: x };
  if (typeof x === 'string') return { stringValue: x };
  if (typeof x === 'boolean') return { boolValue: x };
  if (Array.isArray(x)) return { listValue: { values: x.map(jsonToValue) } };
  if (typeof x === 'object') return { structValue: jsonToStruct(x as Record<string, unknown>) };
  return { nullValue: 'NULL_VALUE' };
}

/** Plain object -> Struct message. */
export function jsonToStruct(obj: Record<string, unknown> | undefined | null): StructMessage {
  const fields: Record<string, ValueMessage> = {};
  for (const [k, v] of Object.entries(obj ?? {})) fields[k] = jsonToValue(v);
  return { fields };
}

/** Milliseconds since the epoch (or Date) -> Timestamp message; undefined stays undefined (field left empty). */
export function toTimestamp(ms: number | Date | undefined | null): TimestampMessage | undefined {
  if (ms === undefined || ms === null) return undefined;
  const t = ms instanceof Date ? ms.getTime() : ms;
  if (!Number.isFinite(t)) return undefined;
  const seconds = Math.floor(t / 1000);
  return { seconds: String(seconds), nanos: Math.round((t - seconds * 1000) * 1e6) };
}

/** Timestamp message -> milliseconds since the epoch (undefined when absent). */
export function fromTimestamp(ts: TimestampMessage | undefined | null): number | undefined {
  if (!ts) return undefined;
  return Number(ts.seconds) * 1000 + Math.round((ts.nanos ?? 0) / 1e6);
}
