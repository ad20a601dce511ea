// Which pair of mappings a comparison uses when the user names none: the one closest to
// the cover letter's setup that this machine really gives.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json_fwd.hpp>

#include "memory/mapping.h"

namespace pfn {

struct BackendProbe {
	std::string name;   // "device-remap", "device-fault", "thp", "hugetlb"
	bool chosen = false;
	std::string result; // what the probe read back, or why it was skipped
};

// One pair choose_backend() may pick, with the words plots/ and summaries name it by.
struct BackendPair {
	std::string name; // what --backend takes
	MappingKind without = MappingKind::page_4k;
	MappingKind with = MappingKind::thp;
	std::string label; // "thp vs 4k (process memory)"
	std::string what;  // why this pair, when it is chosen (Backend::reason)
};

// Every candidate, best first: the order choose_backend() probes them in.
const std::vector<BackendPair> &backend_pairs();

struct Backend {
	std::string name;
	MappingKind without = MappingKind::page_4k;
	MappingKind with = MappingKind::thp;
	std::optional<MappingKind> with_1g; // a third column, named on the command line
	std::string reason;                // one line: why this pair
	std::vector<BackendProbe> probes;  // every candidate, in order, with its outcome
	// How results name this comparison: the candidate's label, or "with vs without" for
	// mappings named on the command line. The JSON record carries it; plots/ prints it.
	std::string label() const;
};

// Preference, best first:
//   device-remap vs device-pte  kdriver loaded and remap_pfn_range() gives PMD leaves
//                               (the kernel carries the series);
//   device-fault vs device-pte  kdriver on a stock kernel whose fault path gives PMD leaves;
//   thp vs 4k                   process memory, transparent huge pages;
//   hugetlb vs 4k               process memory, hugetlbfs pool (THP off).
// Each candidate is probed by mapping a small region on `node` and reading its page tables
// back; nothing is assumed from versions. `only` restricts the choice to one candidate.
// Throws Unavailable, listing every candidate's outcome, when none gives huge pages.
Backend choose_backend(int node, const std::optional<std::string> &only = std::nullopt);

// What a --compare run uses: --without/--with when either is given (the other keeps its
// default, 4k or thp), else choose_backend(node, only).
Backend resolve_backend(std::optional<MappingKind> without, std::optional<MappingKind> with,
			const std::optional<std::string> &only, int node);

std::vector<std::string> backend_names();
void to_json(nlohmann::json &j, const BackendPair &p);
void to_json(nlohmann::json &j, const Backend &b);

} // namespace pfn
