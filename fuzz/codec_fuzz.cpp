// Fuzzes the message decoder with arbitrary payloads.
//
// Besides "never crashes", it checks the codec's promise that every Envelope has exactly one
// encoding: whatever decodes must encode back to the very same bytes.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <variant>

#include "wire/codec.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> in(data, size);
  const auto decoded = elector::wire::decode(in);
  if (const auto* env = std::get_if<elector::core::Envelope>(&decoded)) {
    const auto again = elector::wire::encode(*env);
    if (!std::equal(again.begin(), again.end(), in.begin(), in.end())) std::abort();
  }
  return 0;
}
