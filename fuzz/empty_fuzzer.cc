// ptediff fuzz: an empty fuzz target, the baseline for the engine's own
// overhead when measuring contpte_diff_fuzzer's executions per second.
#include <cstddef>
#include <cstdint>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) { return 0; }
