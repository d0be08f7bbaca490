#include "workloads/json_stream.hpp"

#include <zlib.h>

#include <array>
#include <cstdio>
#include <istream>
#include <memory>
#include <streambuf>

namespace aisim {
namespace {

constexpr size_t kChunkBytes = 1 << 16;

// A problem in the byte stream itself (I/O, corrupt or truncated gzip), thrown out of the
// parser's read calls and turned into a diagnostic by stream_json_file.
struct StreamError {
  std::string message;
};

// Inflates a gzip file (or passes a plain file through) chunk by chunk: only two 64 KiB buffers
// are ever held. Multi-member gzip files (concatenated streams, as `cat a.gz b.gz`) are read whole.
class FileStreambuf : public std::streambuf {
 public:
  explicit FileStreambuf(std::FILE* file) : file_(file) {
    const size_t n = std::fread(in_.data(), 1, in_.size(), file_);
    gzip_ = n >= 2 && static_cast<unsigned char>(in_[0]) == 0x1f &&
            static_cast<unsigned char>(in_[1]) == 0x8b;
    in_len_ = n;
    if (gzip_) {
      // 15 + 32: a 32 KiB window, and zlib detects the gzip header itself.
      if (inflateInit2(&zs_, 15 + 32) != Z_OK) throw StreamError{"zlib could not be initialised"};
      zs_open_ = true;
      zs_.next_in = reinterpret_cast<Bytef*>(in_.data());
      zs_.avail_in = static_cast<uInt>(n);
    }
  }
  ~FileStreambuf() override {
    if (zs_open_) inflateEnd(&zs_);
  }
  FileStreambuf(const FileStreambuf&) = delete;
  FileStreambuf& operator=(const FileStreambuf&) = delete;

  size_t content_bytes() const { return content_bytes_; }

 protected:
  int_type underflow() override {
    if (gptr() < egptr()) return traits_type::to_int_type(*gptr());
    const size_t n = gzip_ ? inflate_some() : read_plain();
    if (n == 0) return traits_type::eof();
    content_bytes_ += n;
    setg(out_.data(), out_.data(), out_.data() + n);
    return traits_type::to_int_type(*gptr());
  }

 private:
  size_t read_plain() {
    if (in_len_ > 0) {  // the bytes read to sniff the magic
      std::copy(in_.begin(), in_.begin() + static_cast<std::ptrdiff_t>(in_len_), out_.begin());
      const size_t n = in_len_;
      in_len_ = 0;
      return n;
    }
    const size_t n = std::fread(out_.data(), 1, out_.size(), file_);
    if (n == 0 && std::ferror(file_)) throw StreamError{"read error"};
    return n;
  }

  size_t inflate_some() {
    for (;;) {
      if (stream_ended_) {
        // Another gzip member may follow (concatenated files); trailing zero padding ends it.
        if (zs_.avail_in == 0 && !refill()) return 0;
        if (zs_.avail_in == 0) return 0;
        if (inflateReset(&zs_) != Z_OK) throw StreamError{"zlib reset failed"};
        stream_ended_ = false;
      }
      if (zs_.avail_in == 0 && !refill()) {
        throw StreamError{"truncated gzip stream: the file ends before the compressed data does (" +
                          std::to_string(content_bytes_) + " bytes inflated)"};
      }
      zs_.next_out = reinterpret_cast<Bytef*>(out_.data());
      zs_.avail_out = static_cast<uInt>(out_.size());
      const int rc = inflate(&zs_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END)
        stream_ended_ = true;
      else if (rc != Z_OK && rc != Z_BUF_ERROR)
        throw StreamError{std::string("corrupt gzip data: ") + (zs_.msg ? zs_.msg : "zlib error") +
                          " (after " + std::to_string(content_bytes_) + " bytes inflated)"};
      const size_t produced = out_.size() - zs_.avail_out;
      if (produced > 0) return produced;
    }
  }

  bool refill() {
    const size_t n = std::fread(in_.data(), 1, in_.size(), file_);
    if (n == 0 && std::ferror(file_)) throw StreamError{"read error"};
    zs_.next_in = reinterpret_cast<Bytef*>(in_.data());
    zs_.avail_in = static_cast<uInt>(n);
    return n > 0;
  }

  std::FILE* file_;
  std::array<char, kChunkBytes> in_{};
  std::array<char, kChunkBytes> out_{};
  size_t in_len_ = 0;
  bool gzip_ = false;
  bool zs_open_ = false;
  bool stream_ended_ = false;
  z_stream zs_{};
  size_t content_bytes_ = 0;
};

// Builds one JSON value from SAX events. A container is inserted into its parent when it opens
// and filled in place; a parent is never modified while a child is open, so the pointers on the
// stack stay valid.
struct DomBuilder {
  Json root;
  std::vector<Json*> stack;
  std::string pending_key;

  void reset() {
    root = Json();
    stack.clear();
  }
  Json* insert(Json&& v) {
    if (stack.empty()) {
      root = std::move(v);
      return &root;
    }
    Json& parent = *stack.back();
    if (parent.is_array()) {
      parent.push_back(std::move(v));
      return &parent.back();
    }
    return &(parent[pending_key] = std::move(v));
  }
  void open(Json&& container) { stack.push_back(insert(std::move(container))); }
  void close() { stack.pop_back(); }
};

class StreamingSax {
 public:
  StreamingSax(const std::vector<std::string>& streamed, const JsonElementHandler& on_element)
      : streamed_(streamed), on_element_(on_element) {}

  bool null() { return scalar(Json(nullptr)); }
  bool boolean(bool v) { return scalar(Json(v)); }
  bool number_integer(Json::number_integer_t v) { return scalar(Json(v)); }
  bool number_unsigned(Json::number_unsigned_t v) { return scalar(Json(v)); }
  bool number_float(Json::number_float_t v, const Json::string_t&) { return scalar(Json(v)); }
  bool string(Json::string_t& v) { return scalar(Json(std::move(v))); }
  bool binary(Json::binary_t& v) { return scalar(Json(std::move(v))); }
  bool start_object(std::size_t) { return open(Json::object()); }
  bool start_array(std::size_t) { return open(Json::array()); }
  bool end_object() { return close(); }
  bool end_array() { return close(); }
  bool key(Json::string_t& k) {
    if (depth_ == 1)
      key_ = k;
    else
      builder_.pending_key = k;
    return true;
  }
  bool parse_error(std::size_t position, const std::string&, const nlohmann::detail::exception& e) {
    std::string what = e.what();
    // "[json.exception.parse_error.101] parse error at line 1, column 5: syntax error ..."
    if (const auto colon = what.find(": "); colon != std::string::npos)
      what = what.substr(colon + 2);
    error_ = "malformed JSON at byte " + std::to_string(position) + " of the content: " + what;
    return false;
  }

  // Where the parser was: "/traceEvents/1234", "/deviceProperties" or "".
  std::string pointer() const {
    if (depth_ < 1 || key_.empty()) return "";
    const std::string member = json_pointer_child("", key_);
    return streaming_ ? json_pointer_child(member, index_) : member;
  }
  const std::string& error() const { return error_; }
  Json& header() { return header_; }

 private:
  bool is_streamed(const std::string& k) const {
    return std::find(streamed_.begin(), streamed_.end(), k) != streamed_.end();
  }
  bool open(Json&& container) {
    if (depth_ == 0) {
      if (!container.is_object()) {
        error_ = "expected a JSON object at the top level";
        return false;
      }
      depth_ = 1;
      return true;
    }
    if (depth_ == 1 && container.is_array() && is_streamed(key_)) {
      streaming_ = true;
      index_ = 0;
      depth_ = 2;
      return true;
    }
    if (depth_ == 1 || (streaming_ && depth_ == 2)) builder_.reset();
    builder_.open(std::move(container));
    ++depth_;
    return true;
  }
  bool close() {
    --depth_;
    if (depth_ == 0) return true;
    if (depth_ == 1) {
      if (streaming_) {
        streaming_ = false;
      } else {
        builder_.close();
        header_[key_] = std::move(builder_.root);
      }
      return true;
    }
    builder_.close();
    if (streaming_ && depth_ == 2) emit(builder_.root);
    return true;
  }
  bool scalar(Json&& v) {
    if (depth_ == 0) {
      error_ = "expected a JSON object at the top level";
      return false;
    }
    if (depth_ == 1) {
      header_[key_] = std::move(v);
    } else if (streaming_ && depth_ == 2) {
      emit(v);
    } else {
      builder_.insert(std::move(v));
    }
    return true;
  }
  void emit(Json& element) {
    on_element_(key_, index_, element);
    ++index_;
  }

  const std::vector<std::string>& streamed_;
  const JsonElementHandler& on_element_;
  Json header_ = Json::object();
  DomBuilder builder_;
  int depth_ = 0;
  std::string key_;
  bool streaming_ = false;
  size_t index_ = 0;
  std::string error_;
};

struct FileCloser {
  void operator()(std::FILE* f) const { std::fclose(f); }
};

}  // namespace

Json stream_json_file(const std::string& path, const std::vector<std::string>& streamed_keys,
                      const JsonElementHandler& on_element, DiagnosticSink& sink) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) {
    sink.add("", "cannot open the file");
    return Json::object();
  }
  StreamingSax sax(streamed_keys, on_element);
  try {
    FileStreambuf buf(file.get());
    std::istream in(&buf);
    const bool ok = Json::sax_parse(in, &sax);
    if (!ok) sink.add(sax.pointer(), sax.error());
    if (ok && buf.content_bytes() == 0) sink.add("", "the file is empty");
  } catch (const StreamError& e) {
    sink.add(sax.pointer(), e.message);
  }
  return std::move(sax.header());
}

std::string peek_file_content(const std::string& path, size_t max_bytes) {
  std::unique_ptr<std::FILE, FileCloser> file(std::fopen(path.c_str(), "rb"));
  if (!file) return "";
  std::string out;
  try {
    FileStreambuf buf(file.get());
    for (int c = buf.sbumpc(); c != std::char_traits<char>::eof() && out.size() < max_bytes;
         c = buf.sbumpc())
      out.push_back(static_cast<char>(c));
  } catch (const StreamError&) {
    // A truncated or corrupt file: what came out before is enough to tell the format, and the
    // full read reports the problem with its location.
  }
  return out;
}

}  // namespace aisim
