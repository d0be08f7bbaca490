// Streaming reader for large JSON documents, plain or gzip-compressed (profiler traces of
// 50-90 MB). The file is inflated in fixed-size chunks and parsed with nlohmann's SAX
// interface: elements of the top-level arrays named by the caller are built one at a time and
// handed to a callback, so peak memory is one element plus what the caller keeps, never the
// whole document (a DOM of a 50 MB trace takes several times its size).
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "models/json_reader.hpp"

namespace aisim {

// Called once per element of a streamed top-level array: the array's key, the element's index
// and the element itself (the callee may move from it).
using JsonElementHandler = std::function<void(std::string_view key, size_t index, Json& element)>;

// Parses `path` (gzip detected from its magic bytes, otherwise plain JSON). The document must be
// an object. Members named in `streamed_keys` whose value is an array are streamed through
// `on_element`; every other top-level member is returned in the result object. A missing file,
// a corrupt or truncated gzip stream and malformed or truncated JSON go to `sink`, located by the
// JSON pointer of the element being read ("/traceEvents/1234"); the result is then incomplete.
Json stream_json_file(const std::string& path, const std::vector<std::string>& streamed_keys,
                      const JsonElementHandler& on_element, DiagnosticSink& sink);

// The first `max_bytes` bytes of the file's content (inflated if gzip), for format detection.
// Empty on any problem (the full read reports it).
std::string peek_file_content(const std::string& path, size_t max_bytes);

}  // namespace aisim
