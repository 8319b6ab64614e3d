#include "ctl/sse.hpp"

namespace elector::ctl {

std::vector<SseEvent> SseParser::feed(std::string_view bytes) {
  std::vector<SseEvent> out;
  for (const char c : bytes) {
    if (c == '\n' && after_cr_) {
      after_cr_ = false;
      continue;
    }
    after_cr_ = (c == '\r');
    if (c == '\r' || c == '\n') {
      line_done(out);
    } else {
      line_.push_back(c);
    }
  }
  return out;
}

void SseParser::line_done(std::vector<SseEvent>& out) {
  std::string line;
  line.swap(line_);
  if (line.empty()) {  // a blank line ends the event
    if (has_data_) out.push_back(std::move(pending_));
    pending_ = SseEvent{};
    has_data_ = false;
    return;
  }
  if (line.front() == ':') return;  // comment
  const auto colon = line.find(':');
  std::string_view name = line;
  std::string_view value;
  if (colon != std::string::npos) {
    name = std::string_view(line).substr(0, colon);
    value = std::string_view(line).substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  }
  if (name == "data") {
    if (has_data_) pending_.data.push_back('\n');
    pending_.data.append(value);
    has_data_ = true;
  } else if (name == "event") {
    pending_.type = std::string(value);
  }
}

}  // namespace elector::ctl
