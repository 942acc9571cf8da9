/** Entry of the inference service: `node services/inference/src/main.js` (or `bitplane serve`). */
import { createLogger } from '../../common/src/logger';
import { installGracefulShutdown } from '../../common/src/graceful-shutdown';
import { InferenceConfig, resolveInferenceConfig } from './inference.config';
import { InferenceServer, startInferenceServer } from './inference.server';

/** Starts the server and installs SIGTERM / SIGINT draining (stop accepting, finish in-flight calls, exit 0). */
export async function runInferenceService(cfg: InferenceConfig): Promise<InferenceServer> {
  const log = createLogger('inference');
  const server = await startInferenceServer(cfg, log);
  installGracefulShutdown({ logger: log, health: server.health, close: () => server.close(), force: () => server.forceClose() });
  return server;
}

if (require.main === module) {
  runInferenceService(resolveInferenceConfig()).catch((e: Error) => {
    console.error(`inference: ${e.message}`);
    process.exit(1);
  });
}
