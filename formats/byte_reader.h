// ptediff: the little-endian byte cursor the subjects' total binary decoders
// share (subjects/linearmap/codec.cc, subjects/hugetlb/codec.cc), and its writing side.
#ifndef PTEDIFF_FORMATS_BYTE_READER_H_
#define PTEDIFF_FORMATS_BYTE_READER_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace ptediff {

// Reads a byte string front to back; bytes past the end read as zero, so
// every decoder built on it is total.
class ByteReader {
 public:
  explicit ByteReader(std::span<const uint8_t> d) : d_(d) {}
  bool done() const { return pos_ >= d_.size(); }
  uint8_t u8() { return pos_ < d_.size() ? d_[pos_++] : 0; }
  uint32_t u16() { return static_cast<uint32_t>(le(2)); }
  uint32_t u32() { return static_cast<uint32_t>(le(4)); }
  // `bytes` bytes as a little-endian number.
  uint64_t le(int bytes) {
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v |= static_cast<uint64_t>(u8()) << (8 * i);
    return v;
  }

 private:
  std::span<const uint8_t> d_;
  size_t pos_ = 0;
};

// Appends `v` as `bytes` little-endian bytes.
inline void put_le(std::vector<uint8_t>* out, uint64_t v, int bytes) {
  for (int i = 0; i < bytes; ++i) out->push_back(static_cast<uint8_t>(v >> (8 * i)));
}

}  // namespace ptediff

#endif  // PTEDIFF_FORMATS_BYTE_READER_H_
