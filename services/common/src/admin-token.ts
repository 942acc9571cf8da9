/** The admin bearer-token check: control RPCs need `authorization: Bearer <token>` when BITPLANE_ADMIN_TOKEN is set. */
import { timingSafeEqual } from 'node:crypto';
import { Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import { rpcError } from './grpc-errors';

/** The configured admin token ($BITPLANE_ADMIN_TOKEN), or undefined when control RPCs are open. */
export function adminTokenFromEnv(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const t = env.BITPLANE_ADMIN_TOKEN;
  return t === undefined || t === '' ? undefined : t;
}

/** Extracts the bearer token from call metadata (`authorization: Bearer <t>`), or undefined. */
export function bearerToken(metadata: Metadata | undefined): string | undefined {
  const v = metadata?.get('authorization')[0];
  if (typeof v !== 'string') return undefined;
  const m = /^Bearer\s+(.+)$/i.exec(v.trim());
  return m ? m[1] : undefined;
}

/** Throws RpcException UNAUTHENTICATED unless `expected` is undefined (open) or the call carries it as bearer token. */
export function checkAdminToken(metadata: Metadata | undefined, expected: string | undefined, what = 'this RPC'): void {
  if (expected === undefined) return;
  const got = bearerToken(metadata);
  if (got === undefined) throw rpcError(GrpcStatus.UNAUTHENTICATED, `${what} requires an admin token: send metadata 'authorization: Bearer <token>'`);
  const a = Buffer.from(got);
  const b = Buffer.from(expected);
  // Constant-time compare; lengths differing is itself a mismatch.
  if (a.length !== b.length || !timingSafeEqual(a, b)) throw rpcError(GrpcStatus.UNAUTHENTICATED, `${what}: the admin token is not valid`);
}
