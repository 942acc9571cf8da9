// C-simulation testbench: runs bnn_top on the exported test images and compares every int32 accumulator and
// every float32 logit (bit for bit) with the golden vectors our TypeScript forward pass wrote.
// Usage (from the export folder): ./build/csim [--images N]. Exit status 0 only when nothing mismatches.
// Data files are little-endian, as written on the exporting machine.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bnn_model.h"

static std::vector<unsigned char> read_file(const char* path) {
  std::vector<unsigned char> data;
  FILE* f = std::fopen(path, "rb");
  if (!f) {
    std::fprintf(stderr, "ERROR cannot open %s (run from the export folder)\n", path);
    std::exit(2);
  }
  unsigned char buf[65536];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) data.insert(data.end(), buf, buf + n);
  std::fclose(f);
  return data;
}

int main(int argc, char** argv) {
  long images = bnn::DEFAULT_CSIM_IMAGES;
  for (int i = 1; i < argc; i++) {
    if (std::strcmp(argv[i], "--images") == 0 && i + 1 < argc) {
      images = std::strtol(argv[++i], nullptr, 10);
    } else {
      std::fprintf(stderr, "usage: %s [--images N]\n", argv[0]);
      return 2;
    }
  }
  const std::vector<unsigned char> x = read_file("data/images.u8");
  const std::vector<unsigned char> ga = read_file("data/golden_acc.i32");
  const std::vector<unsigned char> gl = read_file("data/golden_logits.f32");
  const size_t available = x.size() / bnn::INPUT_SIZE;
  const size_t out_bytes = sizeof(int32_t) * bnn::CLASSES;
  if (x.size() % bnn::INPUT_SIZE != 0 || ga.size() != available * out_bytes || gl.size() != available * out_bytes) {
    std::fprintf(stderr, "ERROR data files disagree: %zu image bytes, %zu accumulator bytes, %zu logit bytes\n", x.size(), ga.size(), gl.size());
    return 2;
  }
  if (images < 1 || static_cast<size_t>(images) > available) {
    std::fprintf(stderr, "ERROR --images %ld: this export holds golden vectors for 1..%zu images\n", images, available);
    return 2;
  }
  long passed = 0, failed = 0, mismatches = 0;
  for (long i = 0; i < images; i++) {
    int32_t acc[bnn::CLASSES];
    float logits[bnn::CLASSES];
    bnn::bnn_top(&x[i * bnn::INPUT_SIZE], acc, logits);
    bool bad = false;
    for (int c = 0; c < bnn::CLASSES; c++) {
      int32_t want_acc;
      uint32_t want_logit, got_logit;
      std::memcpy(&want_acc, &ga[(i * bnn::CLASSES + c) * 4], 4);
      std::memcpy(&want_logit, &gl[(i * bnn::CLASSES + c) * 4], 4);
      std::memcpy(&got_logit, &logits[c], 4);
      if (acc[c] != want_acc || got_logit != want_logit) {
        if (mismatches < 10) {
          float want_f;
          std::memcpy(&want_f, &want_logit, 4);
          std::printf("MISMATCH image %ld class %d: acc %d (expected %d), logit %.9g (expected %.9g)\n", i, c, acc[c], want_acc, logits[c], want_f);
        }
        mismatches++;
        bad = true;
      }
    }
    if (bad) failed++; else passed++;
  }
  std::printf("RESULT images=%ld passed=%ld failed=%ld mismatches=%ld\n", images, passed, failed, mismatches);
  return failed == 0 ? 0 : 1;
}
