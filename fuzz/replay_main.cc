// ptediff fuzz: a plain replay driver for a fuzz target (no fuzzing engine).
//
// Like libFuzzer's StandaloneFuzzTargetMain.c: calls LLVMFuzzerInitialize
// (when the target has one), then LLVMFuzzerTestOneInput once per file
// argument; a directory argument stands for the regular files in it, in name
// order. Arguments starting with '-' (libFuzzer flags) are ignored. A
// failing input crashes the process as under the engine; otherwise the exit
// status is 0, or 2 when an argument cannot be read.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv) __attribute__((weak));

namespace {

namespace fs = std::filesystem;

// The inputs an argument stands for; false when it cannot be listed.
bool expand(const std::string& arg, std::vector<std::string>* out) {
  std::error_code ec;
  if (!fs::is_directory(arg, ec)) {
    out->push_back(arg);
    return true;
  }
  std::vector<std::string> files;
  for (const fs::directory_entry& e : fs::directory_iterator(arg, ec)) {
    if (e.is_regular_file(ec)) files.push_back(e.path().string());
  }
  if (ec) return false;
  std::sort(files.begin(), files.end());
  out->insert(out->end(), files.begin(), files.end());
  return true;
}

bool read_bytes(const std::string& path, std::vector<uint8_t>* out) {
  std::ifstream f(path, std::ios::binary);
  if (!f) return false;
  out->assign(std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>());
  return !f.bad();
}

}  // namespace

int main(int argc, char** argv) {
  if (LLVMFuzzerInitialize != nullptr) LLVMFuzzerInitialize(&argc, &argv);
  std::vector<std::string> inputs;
  for (int i = 1; i < argc; ++i) {
    if (argv[i][0] == '-') continue;
    if (!expand(argv[i], &inputs)) {
      std::fprintf(stderr, "%s: cannot list %s\n", argv[0], argv[i]);
      return 2;
    }
  }
  std::vector<uint8_t> bytes;
  for (const std::string& path : inputs) {
    if (!read_bytes(path, &bytes)) {
      std::fprintf(stderr, "%s: cannot read %s\n", argv[0], path.c_str());
      return 2;
    }
    std::fprintf(stderr, "Running: %s\n", path.c_str());
    const auto start = std::chrono::steady_clock::now();
    LLVMFuzzerTestOneInput(bytes.data(), bytes.size());
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
        std::chrono::steady_clock::now() - start);
    std::fprintf(stderr, "Executed %s in %lld ms\n", path.c_str(),
                 static_cast<long long>(ms.count()));
  }
  std::fprintf(stderr, "*** NOTE: fuzzing was not performed, you have only\n");
  std::fprintf(stderr, "***       executed the target code on a fixed set of inputs (%zu).\n",
               inputs.size());
  return 0;
}
