// A page of the Prometheus text format (version 0.0.4): families (HELP and TYPE lines) and
// their samples, label values escaped, numbers as Prometheus parses them.
//
// Thread safety: a value type.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>

#include "daemon/metrics_record.hpp"

namespace elector::daemon {

using MetricLabels = std::initializer_list<std::pair<std::string_view, std::string_view>>;

class MetricsPage {
 public:
  /// Starts a family: `type` is counter, gauge, histogram or untyped.
  void family(std::string_view name, std::string_view type, std::string_view help);
  void sample(std::string_view name, MetricLabels labels, std::uint64_t value);
  void sample(std::string_view name, MetricLabels labels, double value);
  /// A whole histogram family: NAME_bucket{le=...} (cumulative, +Inf last), NAME_sum, NAME_count.
  void histogram(std::string_view name, std::string_view help, const Histogram& h);
  std::string take() { return std::move(out_); }

 private:
  void start(std::string_view name, MetricLabels labels);
  std::string out_;
};

/// A number as the text format writes it: the shortest form that reads back the same.
std::string format_number(double v);

}  // namespace elector::daemon
