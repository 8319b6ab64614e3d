#include "daemon/logging.hpp"

#include <time.h>

#include <chrono>
#include <cstdio>

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <nlohmann/json.hpp>

namespace elector::daemon {

namespace {

using elector::LogLevel;

spdlog::level::level_enum to_spdlog(LogLevel l) {
  switch (l) {
    case LogLevel::trace:
      return spdlog::level::trace;
    case LogLevel::debug:
      return spdlog::level::debug;
    case LogLevel::info:
      return spdlog::level::info;
    case LogLevel::warn:
      return spdlog::level::warn;
    case LogLevel::error:
      return spdlog::level::err;
    case LogLevel::critical:
      return spdlog::level::critical;
    case LogLevel::off:
      return spdlog::level::off;
  }
  return spdlog::level::info;
}

/// The name of a record's level, as --log-level spells it ("error", not spdlog's "err").
const char* level_name(spdlog::level::level_enum l) {
  for (const auto level : elector::kLogLevels) {
    if (to_spdlog(level) == l) return elector::to_string(level);
  }
  return "off";
}

/// UTC, microseconds: "2024-05-01T12:00:00.123456Z".
std::string iso_utc(spdlog::log_clock::time_point tp) {
  const auto us = std::chrono::duration_cast<std::chrono::microseconds>(tp.time_since_epoch());
  const auto secs = static_cast<time_t>(us.count() / 1'000'000);
  const auto frac = us.count() % 1'000'000;
  tm utc{};
  gmtime_r(&secs, &utc);
  char buf[96];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%06lldZ", utc.tm_year + 1900,
                utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<long long>(frac));
  return buf;
}

std::int64_t mono_ns() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<std::int64_t>(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

class JsonFormatter final : public spdlog::formatter {
 public:
  explicit JsonFormatter(std::string node) : node_(std::move(node)) {}

  void format(const spdlog::details::log_msg& msg, spdlog::memory_buf_t& dest) override {
    nlohmann::ordered_json j;
    j["ts"] = iso_utc(msg.time);
    // The clock of the event log, so that both can be lined up.
    j["t_mono_ns"] = mono_ns();
    j["level"] = level_name(msg.level);
    j["node"] = node_;
    j["msg"] = std::string(msg.payload.data(), msg.payload.size());
    const auto line = j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
    dest.append(line.data(), line.data() + line.size());
    dest.push_back('\n');
  }

  [[nodiscard]] std::unique_ptr<spdlog::formatter> clone() const override {
    return std::make_unique<JsonFormatter>(node_);
  }

 private:
  std::string node_;
};

}  // namespace

std::unique_ptr<spdlog::formatter> make_json_formatter(std::string node) {
  return std::make_unique<JsonFormatter>(std::move(node));
}

void setup_logging(LogFormat format, LogLevel level, const std::string& node) {
  auto sink = std::make_shared<spdlog::sinks::stderr_color_sink_mt>();
  if (format == LogFormat::json) {
    sink->set_formatter(make_json_formatter(node));
  } else {
    sink->set_pattern("%Y-%m-%dT%H:%M:%S.%e %^%-5l%$ %v");
  }
  auto logger = std::make_shared<spdlog::logger>("electord", std::move(sink));
  logger->set_level(to_spdlog(level));
  // Warnings and errors reach the terminal or the journal at once; the rest is flushed by the
  // sink's own buffering rules (stderr is unbuffered anyway).
  logger->flush_on(spdlog::level::warn);
  spdlog::set_default_logger(std::move(logger));
}

void log_node(LogLevel level, const std::string& text) {
  // `off` is a threshold, not a line's level: spdlog would write such a line at any threshold.
  if (level == LogLevel::off) return;
  spdlog::log(to_spdlog(level), "{}", text);
}

}  // namespace elector::daemon
