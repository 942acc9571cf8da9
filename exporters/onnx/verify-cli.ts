/**
 * Runs verifyOnnxExports on a registry model over the Fashion-MNIST test set and prints the figures recorded in
 * docs/notes/onnx.md:  node <dist>/exporters/onnx/verify-cli.js <model[:version]> [--registry DIR] [--images N]
 * Exits 1 on any mismatch.
 */
import { loadMnistLike } from '../../libs/core/src/idx';
import { ModelRegistry, parseModelRef } from '../../libs/core/src/registry';
import { InvalidArgumentError } from '../../libs/core/src/errors';
import { bnnMlpWeightBytes, loadBnnMlp } from '../../libs/models/bnn-mlp/model';
import { verifyOnnxExports } from './verify';

/** Parses argv, runs the verification, prints one line per target. */
export async function verifyCli(argv: string[]): Promise<boolean> {
  const [ref, ...rest] = argv;
  if (!ref) throw new InvalidArgumentError('usage: verify-cli <model[:version]> [--registry DIR] [--images N]');
  const opt = (flag: string) => {
    const i = rest.indexOf(flag);
    return i >= 0 ? rest[i + 1] : undefined;
  };
  const { name, version } = parseModelRef(ref);
  const artifact = new ModelRegistry(opt('--registry')).get(name, version);
  const test = loadMnistLike().test;
  const n = Math.min(Number(opt('--images') ?? test.count), test.count);
  const images = test.images.subarray(0, n * test.rows * test.cols);
  const report = await verifyOnnxExports(artifact, images, n);
  const accuracy = artifact.manifest.training?.metrics?.testAccuracy;
  console.log(`${report.model} (${report.family}), ${report.images} Fashion-MNIST test images${accuracy !== undefined ? `, recorded test accuracy ${accuracy}` : ''}`);
  if (artifact.manifest.family === 'bnn-mlp') console.log(`packed weights in the artifact: ${bnnMlpWeightBytes(loadBnnMlp(artifact))} bytes`);
  for (const t of report.targets) {
    const c = t.comparison;
    console.log(
      `${t.target.padEnd(10)} ${String(t.fileBytes).padStart(9)} bytes (${(t.fileBytes / report.float32OnnxBytes).toFixed(4)} of float32 ONNX) ` +
        `runner ${t.runner}: acc mismatches ${c.accMismatches ?? 'n/a'}, logit mismatches ${c.logitMismatches}, ` +
        `not bit-exact rows ${c.logitRowsNotBitExact}, prediction mismatches ${c.predictionMismatches}, max |diff| ${c.maxAbsLogitDiff}, ${t.seconds.toFixed(1)} s`,
    );
  }
  console.log(`float32 ONNX of the same network: ${report.float32OnnxBytes} bytes; ${report.passed ? 'PASS' : 'FAIL'}`);
  return report.passed;
}

if (require.main === module) {
  verifyCli(process.argv.slice(2)).then(
    (ok) => (process.exitCode = ok ? 0 : 1),
    (e: Error) => {
      console.error(e.message);
      process.exitCode = 1;
    },
  );
}
