// ptediff: checked file I/O for the command-line tool (see file_io.h).
#include "tools/file_io.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include "absl/strings/str_cat.h"

namespace ptediff {
namespace {

namespace fs = std::filesystem;

bool fail_io(const char* what, const std::string& path, const std::string& why, std::string* err) {
  *err = absl::StrCat("cannot ", what, " ", path, ": ", why);
  return false;
}

// read(2) without EINTR: bytes read, 0 at the end, -1 with errno.
ssize_t read_some(int fd, char* buf, size_t n) {
  ssize_t got;
  do got = ::read(fd, buf, n);
  while (got < 0 && errno == EINTR);
  return got;
}

// Writes all of `data`; 0, or the errno of the failing write.
int write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return n < 0 ? errno : EIO;
    data.remove_prefix(static_cast<size_t>(n));
  }
  return 0;
}

// Closes `fd`; `e`, or the errno of a failing close when `e` is 0.
int close_checked(int fd, int e) {
  if (::close(fd) != 0 && e == 0) e = errno;
  return e;
}

// The folder of `p` ("." for a bare name).
fs::path folder_of(const fs::path& p) {
  const fs::path dir = p.parent_path();
  return dir.empty() ? fs::path(".") : dir;
}

}  // namespace

bool read_file(const std::string& path, size_t limit, std::string* out, std::string* err,
               bool* more, uint64_t* size) {
  out->clear();
  struct stat st;
  if (::stat(path.c_str(), &st) != 0) return fail_io("read", path, std::strerror(errno), err);
  if (S_ISDIR(st.st_mode)) return fail_io("read", path, std::strerror(EISDIR), err);
  if (!S_ISREG(st.st_mode)) return fail_io("read", path, "not a regular file", err);
  if (size != nullptr) *size = static_cast<uint64_t>(st.st_size);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return fail_io("read", path, std::strerror(errno), err);
  // Sized from what the file reports, grown when it reports too little.
  constexpr size_t kChunk = 64 << 10;
  out->resize(std::min<uint64_t>(limit, st.st_size > 0 ? st.st_size : kChunk));
  size_t got = 0;
  bool eof = false;
  while (got < limit) {
    // A full buffer grows only once the file turns out longer than it said.
    char probe[4096];
    const bool full = got == out->size();
    const ssize_t n = full ? read_some(fd, probe, std::min(sizeof(probe), limit - got))
                           : read_some(fd, out->data() + got, out->size() - got);
    if (n < 0) return fail_io("read", path, std::strerror(close_checked(fd, errno)), err);
    if (n == 0) {
      eof = true;
      break;
    }
    if (full) {
      out->resize(std::min(limit, std::max(2 * got, got + kChunk)));
      std::memcpy(out->data() + got, probe, static_cast<size_t>(n));
    }
    got += static_cast<size_t>(n);
  }
  out->resize(got);
  if (more != nullptr) {
    char c;
    const ssize_t n = eof ? 0 : read_some(fd, &c, 1);
    if (n < 0) return fail_io("read", path, std::strerror(close_checked(fd, errno)), err);
    *more = n > 0;
  }
  ::close(fd);  // nothing was written: its status carries nothing
  return true;
}

bool write_file(const std::string& path, std::string_view data, std::string* err) {
  auto fail = [&](int e) { return fail_io("write", path, std::strerror(e), err); };
  if (path.empty()) return fail(ENOENT);
  struct stat st;
  const bool exists = ::stat(path.c_str(), &st) == 0;
  if (exists && S_ISDIR(st.st_mode)) return fail(EISDIR);
  if (exists && !S_ISREG(st.st_mode)) {  // a device or pipe: in place
    const int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
    if (fd < 0) return fail(errno);
    const int e = close_checked(fd, write_all(fd, data));
    return e == 0 || fail(e);
  }
  if (exists && ::access(path.c_str(), W_OK) != 0) return fail(errno);
  // A symbolic link is followed: the file it names is replaced, not the link.
  std::error_code ec;
  const fs::path target = exists ? fs::canonical(path, ec) : fs::path(path);
  if (ec) return fail(ec.value());
  // The temporary name stays within NAME_MAX however long the target's is.
  std::string tmp =
      (folder_of(target) /
       absl::StrCat(".", target.filename().string().substr(0, 200), ".ptediff-XXXXXX"))
          .string();
  const int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) return fail(errno);
  mode_t mode = st.st_mode & 07777;
  if (!exists) {  // what open(O_CREAT, 0666) would have given
    const mode_t mask = ::umask(0);
    ::umask(mask);
    mode = 0666 & ~mask;
  }
  int e = ::fchmod(fd, mode) != 0 ? errno : 0;
  if (e == 0) e = write_all(fd, data);
  e = close_checked(fd, e);
  if (e == 0 && ::rename(tmp.c_str(), target.c_str()) != 0) e = errno;
  if (e != 0) {
    ::unlink(tmp.c_str());
    return fail(e);
  }
  return true;
}

bool same_file(const std::string& a, const std::string& b) {
  struct stat sa, sb;
  const bool ea = ::stat(a.c_str(), &sa) == 0, eb = ::stat(b.c_str(), &sb) == 0;
  if (ea || eb) return ea && eb && sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
  std::error_code e1, e2;
  const fs::path pa = fs::weakly_canonical(fs::absolute(a, e1), e1);
  const fs::path pb = fs::weakly_canonical(fs::absolute(b, e2), e2);
  return !e1 && !e2 && pa == pb;
}

bool check_output_path(const std::string& flag, const std::string& path,
                       const std::vector<std::string>& inputs, std::string* err) {
  if (path.empty()) {
    *err = absl::StrCat(flag, " needs a file name");
    return false;
  }
  for (const std::string& in : inputs) {
    if (same_file(path, in)) {
      *err = absl::StrCat(flag, " ", path, " is the input file ", in, "; refusing to overwrite it");
      return false;
    }
  }
  auto fail = [&](int e) { return fail_io("write", path, std::strerror(e), err); };
  struct stat st;
  fs::path dir;
  if (::stat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) return fail(EISDIR);
    if (!S_ISREG(st.st_mode)) return true;  // a device or pipe, written in place
    if (::access(path.c_str(), W_OK) != 0) return fail(errno);
    std::error_code ec;
    dir = folder_of(fs::canonical(path, ec));
    if (ec) return fail(ec.value());
  } else if (errno != ENOENT) {
    return fail(errno);
  } else {
    dir = folder_of(path);
  }
  // write_file creates a temporary file in the folder.
  struct stat ds;
  if (::stat(dir.c_str(), &ds) != 0) return fail(errno);
  if (!S_ISDIR(ds.st_mode)) return fail(ENOTDIR);
  if (::access(dir.c_str(), W_OK | X_OK) != 0) return fail(errno);
  return true;
}

}  // namespace ptediff
