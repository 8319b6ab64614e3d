#include "daemon/options_cli.hpp"

#include <map>
#include <utility>

#include <CLI/CLI.hpp>

#include "daemon/options_keys.hpp"

#ifndef ELECTORD_VERSION
#define ELECTORD_VERSION "unknown"
#endif

namespace elector::daemon {

CommandLine parse_command_line(const std::vector<std::string>& args) {
  CommandLine result;
  CLI::App app{"electord: one member of an elector leader-election cluster, as a daemon.",
               kProgram};
  app.option_defaults()->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.set_version_flag("--version", std::string(kProgram) + " " + ELECTORD_VERSION);
  app.footer(
      "Every option can also be set in the TOML file (--config) under its snake_case name and in "
      "the environment as ELECTOR_<NAME> (e.g. ELECTOR_QUORUM_SIZE); the command line beats the "
      "environment, which beats the file. The secret itself can be given in ELECTOR_COOKIE.");

  // Where CLI11 stores each row's value; std::map keeps the addresses stable.
  std::map<std::string, std::string> scalars;
  std::map<std::string, std::vector<std::string>> lists;
  std::map<std::string, bool> flags;
  std::vector<std::pair<const OptionKey*, CLI::Option*>> options;
  for (const auto& key : option_keys()) {
    const std::string help = std::string(key.help) + " [env " + env_name(key.name) + "]";
    CLI::Option* opt = nullptr;
    switch (key.shape) {
      case Shape::flag:
        opt = app.add_flag(flag_name(key.name), flags[key.name], help);
        break;
      case Shape::list:
        // Each occurrence takes one value; all occurrences are kept, in order.
        opt = app.add_option(flag_name(key.name), lists[key.name], help)->type_name(key.value_name);
        opt->allow_extra_args(false)->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
        break;
      case Shape::value:
        opt =
            app.add_option(flag_name(key.name), scalars[key.name], help)->type_name(key.value_name);
        break;
    }
    options.emplace_back(&key, opt);
  }

  std::vector<std::string> argv_storage;
  argv_storage.reserve(args.size() + 1);
  argv_storage.emplace_back(kProgram);
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<const char*> argv;
  argv.reserve(argv_storage.size());
  for (const auto& a : argv_storage) argv.push_back(a.c_str());
  try {
    app.parse(static_cast<int>(argv.size()), argv.data());
  } catch (const CLI::CallForHelp&) {
    result.output = app.help();
    if (result.output.back() != '\n') result.output += '\n';
    return result;
  } catch (const CLI::CallForVersion& e) {
    result.output = std::string(e.what()) + "\n";
    return result;
  } catch (const CLI::ParseError& e) {
    result.error = std::string(kProgram) + ": " + e.what() + " (see --help)";
    return result;
  }

  for (const auto& [key, opt] : options) {
    if (opt->count() == 0) continue;
    RawValue r;
    r.layer = Layer::cli;
    r.textual = true;
    r.origin = flag_name(key->name);
    switch (key->shape) {
      case Shape::flag:
        r.v = flags.at(key->name);
        break;
      case Shape::list:
        r.v = lists.at(key->name);
        break;
      case Shape::value:
        r.v = scalars.at(key->name);
        break;
    }
    result.values.emplace(key->name, std::move(r));
  }
  return result;
}

}  // namespace elector::daemon
