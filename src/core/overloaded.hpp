// Overloaded{lambdas...}: one visitor for std::visit made of a lambda per alternative.
#pragma once

namespace elector::core {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

}  // namespace elector::core
