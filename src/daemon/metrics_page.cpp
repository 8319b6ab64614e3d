#include "daemon/metrics_page.hpp"

#include <charconv>
#include <cmath>

namespace elector::daemon {

namespace {

/// Label values may hold any text: backslash, double quote and newline must be escaped.
void append_escaped(std::string& out, std::string_view v) {
  for (const char c : v) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

}  // namespace

std::string format_number(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

void MetricsPage::family(std::string_view name, std::string_view type, std::string_view help) {
  out_.append("# HELP ").append(name).append(" ").append(help).append("\n");
  out_.append("# TYPE ").append(name).append(" ").append(type).append("\n");
}

void MetricsPage::start(std::string_view name, MetricLabels labels) {
  out_.append(name);
  if (labels.size() == 0) {
    out_.append(" ");
    return;
  }
  char sep = '{';
  for (const auto& [label, value] : labels) {
    out_.push_back(sep);
    out_.append(label).append("=\"");
    append_escaped(out_, value);
    out_.push_back('"');
    sep = ',';
  }
  out_.append("} ");
}

void MetricsPage::sample(std::string_view name, MetricLabels labels, std::uint64_t value) {
  start(name, labels);
  out_.append(std::to_string(value)).append("\n");
}

void MetricsPage::sample(std::string_view name, MetricLabels labels, double value) {
  start(name, labels);
  out_.append(format_number(value)).append("\n");
}

void MetricsPage::histogram(std::string_view name, std::string_view help, const Histogram& h) {
  family(name, "histogram", help);
  const std::string bucket = std::string(name) + "_bucket";
  for (std::size_t i = 0; i < h.bounds.size(); ++i) {
    sample(bucket, {{"le", format_number(h.bounds[i])}}, h.buckets[i]);
  }
  sample(bucket, {{"le", "+Inf"}}, h.count);
  sample(std::string(name) + "_sum", {}, h.sum_s);
  sample(std::string(name) + "_count", {}, h.count);
}

}  // namespace elector::daemon
