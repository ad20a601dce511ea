// The JSON results document every program writes with --json (schema in README).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "platform/placement.h"

namespace pfn {

inline constexpr std::string_view results_schema = "pfnbench-results/1";

// A document with schema, tool, command line, system facts (read now: make it before
// mapping or measuring anything) and placement, and empty "latency" and "copy" arrays for
// the program to fill.
nlohmann::json results_document(std::string_view tool, int argc, char **argv,
				const Placement &placement);

// Writes to a temporary file beside path and renames it, so a reader never sees half a
// file. Throws Error when the file cannot be written.
void write_text_file(const std::string &path, const std::string &text);
void write_json_file(const std::string &path, const nlohmann::json &doc);

} // namespace pfn
