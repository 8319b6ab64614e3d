// Parser for server-sent events (text/event-stream), as GET /v1/events sends them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace elector::ctl {

struct SseEvent {
  std::string type;  // the "event:" field; empty when absent
  std::string data;  // the "data:" lines, joined with '\n'
};

/// Incremental: bytes may arrive split anywhere, even inside a line or a CR LF pair. Comments
/// (": keepalive") and fields other than event/data are ignored; an event without data is not
/// reported. Not thread-safe: one stream, one parser.
class SseParser {
 public:
  /// Consumes `bytes` and returns the events they complete, in order.
  std::vector<SseEvent> feed(std::string_view bytes);

 private:
  void line_done(std::vector<SseEvent>& out);

  std::string line_;
  SseEvent pending_;
  bool has_data_ = false;
  bool after_cr_ = false;  // the previous byte ended a line with CR; a following LF belongs to it
};

}  // namespace elector::ctl
