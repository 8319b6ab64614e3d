#include "daemon/options_toml.hpp"

#include <algorithm>
#include <map>
#include <sstream>
#include <utility>
#include <variant>

#include "daemon/options_keys.hpp"
#include "daemon/toml.hpp"
#include "daemon/toml_parse.hpp"

namespace elector::daemon {

namespace {

/// TOML spellings accepted besides the canonical key.
const std::map<std::string, std::string, std::less<>> kTomlAliases = {
    {"pre_election_hooks", "pre_election_hook"},
    {"post_election_hooks", "post_election_hook"},
    {"candidate_node", "candidate"},
};

RawValue from_toml(const toml::node& n, std::string origin) {
  RawValue r;
  r.layer = Layer::toml;
  r.origin = std::move(origin);
  if (const auto* s = n.as_string()) {
    r.v = s->get();
  } else if (const auto* i = n.as_integer()) {
    r.v = i->get();
  } else if (const auto* b = n.as_boolean()) {
    r.v = b->get();
  } else {
    std::vector<std::string> list;
    bool all_strings = false;
    if (const auto* a = n.as_array()) {
      all_strings = true;
      for (const auto& e : *a) {
        if (const auto* es = e.as_string()) {
          list.push_back(es->get());
        } else {
          all_strings = false;
        }
      }
    }
    if (all_strings) {
      r.v = std::move(list);
    } else {
      std::ostringstream os;
      os << toml::node_view<const toml::node>(n);
      r.v = Unsupported{os.str()};
    }
  }
  return r;
}

/// The message for a key of the file that no row accepts, with a hint where one helps.
std::string unknown_key(const std::string& key, const std::string& path) {
  std::string msg =
      std::string(kProgram) + ": unknown key \"" + key + "\" in config file \"" + path + "\"";
  if (key == "config") {
    msg += " (a config file cannot name another one)";
  } else if (key == "cookie" || key == "secret") {
    msg += " (keep the secret in its own file and set cookie_file, or use ELECTOR_COOKIE)";
  } else {
    std::string snake = key;
    std::replace(snake.begin(), snake.end(), '-', '_');
    if (snake != key && find_key(snake) != nullptr) msg += " (did you mean " + snake + "?)";
  }
  return msg;
}

}  // namespace

bool load_toml(const std::string& path, const std::string& origin, const FileReader& read_file,
               Values& out, std::vector<std::string>& errors) {
  std::string err;
  const auto text = read_file(path, err);
  if (!text) {
    errors.push_back(std::string(kProgram) + ": cannot read " + origin + " \"" + path +
                     "\": " + err);
    return false;
  }
  auto parsed = parse_toml(*text, path);
  if (const auto* problem = std::get_if<TomlProblem>(&parsed)) {
    errors.push_back(std::string(kProgram) + ": cannot parse config file \"" + path + "\": line " +
                     std::to_string(problem->line) + ", column " + std::to_string(problem->column) +
                     ": " + problem->message);
    return false;
  }
  const toml::table& table = std::get<toml::table>(parsed);
  const auto before = errors.size();
  std::map<std::string, std::string> spelled;  // canonical key -> the spelling the file used
  for (const auto& [k, node] : table) {
    const std::string key(k.str());
    std::string canonical = key;
    if (const auto alias = kTomlAliases.find(key); alias != kTomlAliases.end()) {
      canonical = alias->second;
    }
    const OptionKey* def = find_key(canonical);
    if (def == nullptr || !def->in_toml) {
      errors.push_back(unknown_key(key, path));
      continue;
    }
    if (const auto seen = spelled.find(canonical); seen != spelled.end()) {
      errors.push_back(std::string(kProgram) + ": config file \"" + path + "\" sets both " +
                       seen->second + " and " + key + "; keep one");
      continue;
    }
    spelled.emplace(canonical, key);
    out.emplace(canonical, from_toml(node, key + " in " + path));
  }
  return errors.size() == before;
}

}  // namespace elector::daemon
