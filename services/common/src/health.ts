/** grpc.health.v1.Health for a service: the overall status ('') plus one entry per service name (e.g. per model). */
import { HealthImplementation, ServingStatus } from 'grpc-health-check';

export type { ServingStatus } from 'grpc-health-check';

/** Serving status per service name, registered on the gRPC server by grpcServerOptions(). */
export class ServiceHealth {
  readonly implementation: HealthImplementation;
  private readonly names = new Set<string>();

  /** Starts with '' and every given name at `initial` (SERVING by default). */
  constructor(serviceNames: string[] = [], initial: ServingStatus = 'SERVING') {
    this.implementation = new HealthImplementation({});
    for (const n of ['', ...serviceNames]) this.set(n, initial);
  }

  /** Sets one name's status (watchers are notified). */
  set(serviceName: string, status: ServingStatus): void {
    this.names.add(serviceName);
    this.implementation.setStatus(serviceName, status);
  }

  /** Sets every known name (the overall '' included), e.g. NOT_SERVING when draining. */
  setAll(status: ServingStatus): void {
    for (const n of this.names) this.implementation.setStatus(n, status);
  }

  /** Names registered so far. */
  serviceNames(): string[] {
    return [...this.names];
  }
}
