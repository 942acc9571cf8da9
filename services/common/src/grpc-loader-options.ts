/** How every bitplane service (and its tests and clients) loads .proto files, so both sides decode alike. */
import type { Options } from '@grpc/proto-loader';
import { fromRoot } from '../../../libs/core/src/paths';

/**
 * proto-loader options shared by servers and clients: field names exactly as written in the .proto (snake_case),
 * 64-bit integers as strings (large values survive), enums as their names, defaults filled in, oneofs named.
 */
export const GRPC_LOADER_OPTIONS: Readonly<Options> = Object.freeze({
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [fromRoot('proto')],
});

/** Absolute path of a .proto file under the package's proto/ folder, e.g. protoFile('bitplane/v1/training.proto'). */
export function protoFile(relative: string): string {
  return fromRoot('proto', relative);
}
