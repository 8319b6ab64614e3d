// Fuzzes electord's settings loader: the TOML config file's contents and the command line, as
// load_options() sees them (the file reader is replaced, so nothing touches the disk).
//
// Input: the TOML text, then optionally a line "%%" followed by command-line arguments, one a
// line. The arguments always start with --config so that the file is parsed. The environment is
// empty; the cookie file, when one is named, reads as the TOML text.
//
// Besides "never crashes", it checks load_options()'s contract: exactly one of settings, errors
// or output, every error line starting with "electord: ".
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "daemon/options.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  constexpr std::string_view kSeparator = "\n%%\n";
  const auto sep = input.find(kSeparator);
  const std::string toml(input.substr(0, sep));

  elector::daemon::OptionsInput in;
  in.args = {"--config", "fuzz.toml"};
  if (sep != std::string_view::npos) {
    std::string_view rest = input.substr(sep + kSeparator.size());
    while (!rest.empty()) {
      const auto nl = rest.find('\n');
      in.args.emplace_back(rest.substr(0, nl));
      if (nl == std::string_view::npos) break;
      rest.remove_prefix(nl + 1);
    }
  }
  in.read_file = [&toml](const std::string&, std::string&) -> std::optional<std::string> {
    return toml;
  };

  const auto r = elector::daemon::load_options(in);
  const int outcomes =
      int{r.settings.has_value()} + int{!r.errors.empty()} + int{!r.output.empty()};
  if (outcomes != 1) std::abort();
  for (const auto& e : r.errors) {
    if (e.rfind("electord: ", 0) != 0) std::abort();
  }
  return 0;
}
