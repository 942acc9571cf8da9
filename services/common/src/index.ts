/** services/common: the gRPC / metrics / auth / shutdown plumbing both bitplane services share. */
export * from './grpc-loader-options';
export * from './grpc-server-options';
export * from './grpc-errors';
export * from './health';
export * from './concurrency-limit';
export * from './call-signal';
export * from './admin-token';
export * from './metrics-server';
export * from './logger';
export * from './graceful-shutdown';
export * from './protobuf-wkt';
