// ptediff: checked file I/O for the command-line tool. Every file the tool
// reads or writes goes through here, so every failure (a directory given as
// input, EIO, a full disk, a failing close) becomes one error line
// "cannot read PATH: reason" / "cannot write PATH: reason", and output paths
// can be checked before any long work starts.
#ifndef PTEDIFF_TOOLS_FILE_IO_H_
#define PTEDIFF_TOOLS_FILE_IO_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace ptediff {

// Reads at most `limit` bytes from the start of the regular file `path` into
// *out. *more (when non-null) says whether bytes follow them, and *size (when
// non-null) gets the size the file reports (0 for files like /proc's that do
// not know it). On failure (missing, not a regular file, a read error)
// returns false with *err = "cannot read PATH: reason".
bool read_file(const std::string& path, size_t limit, std::string* out, std::string* err,
               bool* more = nullptr, uint64_t* size = nullptr);

// Writes `data` as the whole content of `path`, checking every write and
// the close. A regular file (new or existing) is written to a temporary file
// beside it that is then renamed over it, so after a failure any earlier
// file is as it was and no partial file is left; a device or pipe
// (/dev/stdout) is written in place. On failure returns false with
// *err = "cannot write PATH: reason".
bool write_file(const std::string& path, std::string_view data, std::string* err);

// Whether `a` and `b` name the same file: the same inode when both exist,
// else the same absolute path once symbolic links and `.`/`..` are resolved.
bool same_file(const std::string& a, const std::string& b);

// Checks, before any work, that write_file(path) can succeed as far as can
// be known without writing: `path` is not a directory, its folder exists
// and is writable, and it is none of `inputs`. `flag` names the option in
// messages ("-o"). On failure returns false with *err set to one line.
bool check_output_path(const std::string& flag, const std::string& path,
                       const std::vector<std::string>& inputs, std::string* err);

}  // namespace ptediff

#endif  // PTEDIFF_TOOLS_FILE_IO_H_
