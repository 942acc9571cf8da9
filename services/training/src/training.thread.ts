/**
 * Runs one training job inside a worker thread of `bitplane worker`. Training blocks its event loop for long
 * stretches (tfjs kernels, the final test-set evaluation); in a thread it cannot starve the BullMQ lock renewals of
 * the worker's main loop, so a busy worker is never mistaken for a dead one. Messages: parent -> thread
 * {type: 'abort'}; thread -> parent {type: 'progress' | 'done' | 'error'}. A killed process takes the thread with it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { ModelRegistry } from '../../../libs/core/src/registry';
import { runTrainingJob, TrainingJobResult, TrainingJobSpec, TrainingProgress } from '../../../libs/models/training/job';

/** What the parent passes as workerData. */
export interface TrainingThreadInput {
  spec: TrainingJobSpec;
  registryDir: string;
  checkpointDir: string;
  datasetsDir?: string;
}

/** Messages the thread posts. */
export type TrainingThreadMessage =
  | { type: 'progress'; progress: TrainingProgress }
  | { type: 'done'; result: TrainingJobResult }
  | { type: 'error'; message: string; aborted: boolean };

/** Messages the parent posts. */
export type TrainingThreadCommand = { type: 'abort' };

async function main(): Promise<void> {
  if (!parentPort) throw new Error('training.thread must run as a worker thread');
  const port = parentPort;
  const input = workerData as TrainingThreadInput;
  const ac = new AbortController();
  port.on('message', (m: TrainingThreadCommand) => {
    if (m?.type === 'abort') ac.abort();
  });
  try {
    const result = await runTrainingJob(input.spec, {
      registry: new ModelRegistry(input.registryDir),
      checkpointDir: input.checkpointDir,
      datasetsDir: input.datasetsDir,
      signal: ac.signal,
      onProgress: (progress) => port.postMessage({ type: 'progress', progress } satisfies TrainingThreadMessage),
    });
    port.postMessage({ type: 'done', result } satisfies TrainingThreadMessage);
  } catch (e) {
    port.postMessage({ type: 'error', message: e instanceof Error ? e.message : String(e), aborted: ac.signal.aborted } satisfies TrainingThreadMessage);
  } finally {
    port.close();
  }
}

void main();
