/** Test clients for what every service registers: grpc.health.v1.Health and server reflection (v1). */
import * as path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { GRPC_LOADER_OPTIONS } from '../grpc-loader-options';

type Ctor = new (addr: string, creds: grpc.ChannelCredentials) => grpc.Client;

function serviceCtor(file: string, name: string): Ctor {
  const pkg = grpc.loadPackageDefinition(protoLoader.loadSync(file, GRPC_LOADER_OPTIONS)) as Record<string, unknown>;
  let cur: unknown = pkg;
  for (const part of name.split('.')) cur = (cur as Record<string, unknown>)[part];
  if (typeof cur !== 'function') throw new Error(`service ${name} not found in ${file}`);
  return cur as Ctor;
}

/** Health.Check(service) -> 'SERVING' | 'NOT_SERVING' | 'UNKNOWN' (rejects with the grpc error, e.g. NOT_FOUND). */
export async function healthCheck(addr: string, service: string, creds = grpc.credentials.createInsecure()): Promise<string> {
  const client = new (serviceCtor(healthProtoPath, 'grpc.health.v1.Health'))(addr, creds) as grpc.Client & {
    Check(req: { service: string }, opts: grpc.CallOptions, cb: (e: grpc.ServiceError | null, r?: { status: string }) => void): void;
  };
  try {
    return await new Promise((resolve, reject) => client.Check({ service }, { deadline: Date.now() + 5000 }, (e, r) => (e ? reject(e) : resolve(r!.status))));
  } finally {
    client.close();
  }
}

/** Asks reflection v1 one question; returns the response message. */
async function reflect(addr: string, request: Record<string, unknown>, creds: grpc.ChannelCredentials): Promise<Record<string, unknown>> {
  const file = path.join(path.dirname(require.resolve('@grpc/reflection/package.json')), 'build', 'proto', 'grpc', 'reflection', 'v1', 'reflection.proto');
  const client = new (serviceCtor(file, 'grpc.reflection.v1.ServerReflection'))(addr, creds) as grpc.Client & {
    ServerReflectionInfo(opts: grpc.CallOptions): grpc.ClientDuplexStream<unknown, Record<string, unknown>>;
  };
  try {
    return await new Promise((resolve, reject) => {
      const call = client.ServerReflectionInfo({ deadline: Date.now() + 5000 });
      call.on('data', (r) => {
        resolve(r);
        call.end();
      });
      call.on('error', reject);
      call.write({ host: '', ...request });
    });
  } finally {
    client.close();
  }
}

/** Service names reflection lists. */
export async function reflectionServices(addr: string, creds = grpc.credentials.createInsecure()): Promise<string[]> {
  const r = await reflect(addr, { list_services: '' }, creds);
  return ((r.list_services_response as { service: Array<{ name: string }> }).service ?? []).map((s) => s.name);
}

/** Number of serialized FileDescriptorProtos reflection returns for a symbol (0 when it answers with an error). */
export async function reflectionFilesForSymbol(addr: string, symbol: string, creds = grpc.credentials.createInsecure()): Promise<number> {
  const r = await reflect(addr, { file_containing_symbol: symbol }, creds);
  const fd = r.file_descriptor_response as { file_descriptor_proto?: Buffer[] } | undefined;
  return fd?.file_descriptor_proto?.length ?? 0;
}
