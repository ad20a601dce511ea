#include "base/stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include <nlohmann/json.hpp>

namespace pfn {

double quantile_sorted(const std::vector<double> &sorted, double q)
{
	if (sorted.empty())
		return 0;
	double pos = q * double(sorted.size() - 1);
	size_t lo = size_t(pos);
	size_t hi = std::min(lo + 1, sorted.size() - 1);
	double frac = pos - double(lo);
	return sorted[lo] + (sorted[hi] - sorted[lo]) * frac;
}

double Summary::spread_pct() const
{
	return median > 0 ? (p90 - p10) / median * 100.0 : 0.0;
}

Summary summarize(std::vector<double> samples)
{
	Summary s;
	s.n = samples.size();
	if (samples.empty())
		return s;
	std::sort(samples.begin(), samples.end());
	s.min = samples.front();
	s.max = samples.back();
	s.p10 = quantile_sorted(samples, 0.10);
	s.median = quantile_sorted(samples, 0.50);
	s.p90 = quantile_sorted(samples, 0.90);
	s.mean = std::accumulate(samples.begin(), samples.end(), 0.0) / double(s.n);
	double var = 0;
	for (double v : samples)
		var += (v - s.mean) * (v - s.mean);
	s.stddev = s.n > 1 ? std::sqrt(var / double(s.n - 1)) : 0.0;
	return s;
}

void to_json(nlohmann::json &j, const Summary &s)
{
	j = nlohmann::json{{"n", s.n},	     {"min", s.min},   {"p10", s.p10},
			   {"median", s.median}, {"p90", s.p90},   {"max", s.max},
			   {"mean", s.mean},     {"stddev", s.stddev}, {"spread_pct", s.spread_pct()}};
}

} // namespace pfn
