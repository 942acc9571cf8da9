"""cuBLAS fp32 GEMM baseline for the cuda benchmark (libs/kernels/src/cuda/cuda.bench.ts), run through PyTorch.

Usage: python3 cublas_baseline.py --repeats R MxNxK [MxNxK ...]
Prints one JSON object: the device, torch's version, and per shape the median seconds of the GEMM alone
(device tensors, CUDA events) and end to end (host tensors copied in, product, result copied out).
TF32 is off, so this is the true float32 product, the same arithmetic as the cuda backend's sgemm.
"""
import argparse
import json
import statistics
import time

import torch


def median_kernel_seconds(a, b, repeats):
    start, stop = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    out = []
    for _ in range(repeats):
        start.record()
        torch.matmul(a, b)
        stop.record()
        stop.synchronize()
        out.append(start.elapsed_time(stop) / 1000.0)
    return statistics.median(out)


def median_end_to_end_seconds(a_host, b_host, repeats):
    out = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        c = torch.matmul(a_host.cuda(), b_host.cuda()).cpu()
        out.append(time.perf_counter() - t0)
        del c
    return statistics.median(out)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=10)
    parser.add_argument("shapes", nargs="+")
    args = parser.parse_args()
    torch.backends.cuda.matmul.allow_tf32 = False
    torch.backends.cudnn.allow_tf32 = False
    results = []
    for shape in args.shapes:
        m, n, k = (int(v) for v in shape.split("x"))
        a_host, b_host = torch.randn(m, k), torch.randn(k, n)
        a, b = a_host.cuda(), b_host.cuda()
        for _ in range(3):
            torch.matmul(a, b)
        torch.cuda.synchronize()
        results.append({
            "shape": shape,
            "kernelSeconds": median_kernel_seconds(a, b, args.repeats),
            "endToEndSeconds": median_end_to_end_seconds(a_host, b_host, max(3, args.repeats // 2)),
        })
    print(json.dumps({"device": torch.cuda.get_device_name(0), "torch": torch.__version__, "results": results}))


if __name__ == "__main__":
    main()
