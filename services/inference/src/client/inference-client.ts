/** A plain @grpc/grpc-js client of GRPCInferenceService, loaded with the same proto-loader options as the server. */
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { GRPC_LOADER_OPTIONS, protoFile } from '../../../common/src/grpc-loader-options';
import { INFERENCE_PROTO } from '../transport/wire';

/** The generated client constructor. */
export function inferenceClientConstructor(): grpc.ServiceClientConstructor {
  const def = protoLoader.loadSync(protoFile(INFERENCE_PROTO), GRPC_LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(def) as unknown as { inference: { GRPCInferenceService: grpc.ServiceClientConstructor } };
  return pkg.inference.GRPCInferenceService;
}

/** A client of GRPCInferenceService at `address` (plaintext unless credentials are given). */
export function inferenceClient(address: string, credentials = grpc.credentials.createInsecure(), maxMessageBytes = 256 * 1024 * 1024): grpc.Client {
  const Ctor = inferenceClientConstructor();
  return new Ctor(address, credentials, { 'grpc.max_receive_message_length': maxMessageBytes, 'grpc.max_send_message_length': maxMessageBytes });
}

/** Calls a unary method and resolves with the response (rejects with the grpc ServiceError). */
export function unary<Res = Record<string, unknown>>(client: grpc.Client, method: string, request: object, metadata = new grpc.Metadata(), options: grpc.CallOptions = {}): Promise<Res> {
  const fn = (client as unknown as Record<string, (...a: unknown[]) => grpc.ClientUnaryCall>)[method].bind(client);
  return new Promise((resolve, reject) => {
    fn(request, metadata, options, (err: grpc.ServiceError | null, res: Res) => (err ? reject(err) : resolve(res)));
  });
}
