// Summaries of repeated samples.
#pragma once

#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace pfn {

struct Summary {
	size_t n = 0;
	double min = 0, p10 = 0, median = 0, p90 = 0, max = 0, mean = 0, stddev = 0;
	// (p90 - p10) / median in percent: how noisy the samples were.
	double spread_pct() const;
};

Summary summarize(std::vector<double> samples);
// Quantile q in [0, 1] of sorted samples, linear between closest ranks; 0 when empty.
double quantile_sorted(const std::vector<double> &sorted, double q);
void to_json(nlohmann::json &j, const Summary &s);

} // namespace pfn
