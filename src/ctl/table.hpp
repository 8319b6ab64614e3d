// Plain-text tables for terminals and scripts.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace elector::ctl {

using TableRow = std::vector<std::string>;

/// Left-aligned columns separated by two spaces, one line per row, the header first; no trailing
/// spaces. Rows shorter than the header are padded with empty cells.
std::string render_table(const TableRow& header, const std::vector<TableRow>& rows);

/// Orders names so that embedded numbers compare by value: box2 < box10.
bool natural_less(std::string_view a, std::string_view b);

}  // namespace elector::ctl
