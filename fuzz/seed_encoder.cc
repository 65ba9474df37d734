// ptediff fuzz: text repros -> binary seeds, for builds without the ptediff
// tool (.clusterfuzzlite/build.sh). Usage: seed_encoder OUT_DIR FILE.repro...
// writes OUT_DIR/<stem>.bin for each input (the bytes of `ptediff encode`).
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "subjects/contpte/codec.h"
#include "subjects/contpte/text.h"

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s OUT_DIR FILE.repro...\n", argv[0]);
    return 2;
  }
  const std::filesystem::path out_dir = argv[1];
  for (int i = 2; i < argc; ++i) {
    std::ifstream in(argv[i], std::ios::binary);
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    ptediff::Program p;
    ptediff::ParseError err;
    if (!in || !ptediff::parse_repro(text, argv[i], &p, &err)) {
      std::fprintf(stderr, "%s\n", in ? err.str().c_str() : "cannot read input");
      return 2;
    }
    const std::vector<uint8_t> bytes = ptediff::encode_program(p);
    const std::filesystem::path out =
        out_dir / std::filesystem::path(argv[i]).stem().concat(".bin");
    std::ofstream f(out, std::ios::binary | std::ios::trunc);
    if (!f.write(reinterpret_cast<const char*>(bytes.data()),
                 static_cast<std::streamsize>(bytes.size()))) {
      std::fprintf(stderr, "%s: cannot write\n", out.c_str());
      return 2;
    }
  }
  return 0;
}
