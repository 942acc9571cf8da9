/**
 * The gRPC transport options every bitplane service starts with, built in one place so that main.ts and the tests
 * start the server exactly as production does: message-size caps, an in-flight cap, optional TLS, and on the bound
 * grpc-js server grpc.health.v1.Health plus server reflection (v1 and v1alpha) over the service's own protos.
 */
import * as fs from 'node:fs';
import { ServerCredentials, ServerInterceptor } from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { protoPath as healthProtoPath } from 'grpc-health-check';
import { GrpcOptions, Transport } from '@nestjs/microservices';
import { concurrencyLimit, ConcurrencyLimit } from './concurrency-limit';
import { GRPC_LOADER_OPTIONS } from './grpc-loader-options';
import { ServiceHealth } from './health';

/** 4 MiB, grpc's usual default; services raise it where tensors are large. */
export const DEFAULT_MAX_MESSAGE_BYTES = 4 * 1024 * 1024;
/** Default cap on calls in flight (health and reflection not counted). */
export const DEFAULT_MAX_IN_FLIGHT = 256;

/** TLS material: PEM files. Both given: TLS; neither: plaintext; one alone is an error. */
export interface TlsFiles {
  certFile?: string;
  keyFile?: string;
}

/** What a service declares about its gRPC server. */
export interface GrpcServerConfig {
  /** Listen address host (default 0.0.0.0). */
  host?: string;
  port: number;
  /** Absolute .proto paths (use protoFile()). */
  protoFiles: string[];
  /** Proto packages whose services NestJS binds to controllers, e.g. ['bitplane.v1']. */
  packages: string[];
  /** Health registry; its names are answered by grpc.health.v1.Health. */
  health: ServiceHealth;
  /** Largest request / response in bytes (over it: RESOURCE_EXHAUSTED). */
  maxMessageBytes?: number;
  /** Calls in flight beyond which new calls fail at once with RESOURCE_EXHAUSTED. */
  maxInFlight?: number;
  tls?: TlsFiles;
  /** Extra grpc-js server interceptors, run after the concurrency cap. */
  interceptors?: ServerInterceptor[];
  /** Called with the grpc-js server once health and reflection are on it (e.g. to add a hand-written service). */
  onServer?: (server: import('@grpc/grpc-js').Server) => void;
}

/** The NestJS options plus live handles a service keeps. */
export interface GrpcServerSetup {
  /** Pass to NestFactory.createMicroservice(Module, setup.options). */
  options: GrpcOptions;
  url: string;
  limit: ConcurrencyLimit;
}

/** Server credentials: TLS when cert and key are both given, insecure when neither; exactly one is an error. */
export function serverCredentials(tls: TlsFiles | undefined): ServerCredentials {
  const cert = tls?.certFile;
  const key = tls?.keyFile;
  if (!cert && !key) return ServerCredentials.createInsecure();
  if (!cert || !key) throw new Error(`TLS needs both a certificate and a key (got ${cert ? 'only a certificate' : 'only a key'})`);
  for (const f of [cert, key]) if (!fs.existsSync(f)) throw new Error(`TLS file not found: ${f}`);
  return ServerCredentials.createSsl(null, [{ cert_chain: fs.readFileSync(cert), private_key: fs.readFileSync(key) }], false);
}

/** Builds the NestJS gRPC transport options for a service (see module doc). */
export function grpcServerOptions(cfg: GrpcServerConfig): GrpcServerSetup {
  const maxBytes = cfg.maxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES;
  const limit = concurrencyLimit(cfg.maxInFlight ?? DEFAULT_MAX_IN_FLIGHT);
  const url = `${cfg.host ?? '0.0.0.0'}:${cfg.port}`;
  const options: GrpcOptions = {
    transport: Transport.GRPC,
    options: {
      url,
      package: cfg.packages,
      protoPath: cfg.protoFiles,
      loader: { ...GRPC_LOADER_OPTIONS, includeDirs: [...(GRPC_LOADER_OPTIONS.includeDirs ?? [])] },
      maxReceiveMessageLength: maxBytes,
      maxSendMessageLength: maxBytes,
      credentials: serverCredentials(cfg.tls),
      // NestJS passes channelOptions to `new grpc.Server(options)`, which is where grpc-js takes server interceptors.
      channelOptions: { interceptors: [limit.interceptor, ...(cfg.interceptors ?? [])] } as Record<string, unknown>,
      gracefulShutdown: true,
      onLoadPackageDefinition: (pkg: protoLoader.PackageDefinition, server: import('@grpc/grpc-js').Server) => {
        cfg.health.implementation.addToServer(server);
        // Reflection describes the service's own protos and the health service.
        const health = protoLoader.loadSync(healthProtoPath, GRPC_LOADER_OPTIONS);
        new ReflectionService({ ...health, ...pkg }).addToServer(server);
        cfg.onServer?.(server);
      },
    },
  };
  return { options, url, limit };
}
