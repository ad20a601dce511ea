// A compare row's improvement, (without - with) / without, and how sure it is: a 95 %
// confidence interval from a seeded bootstrap over the two columns' samples. The formula
// lives here only; the tables, the JSON and plots/ all take it from here.
#pragma once

#include <cstdint>
#include <vector>

#include <nlohmann/json_fwd.hpp>

namespace pfn {

// (without - with) / without in percent; 0 when without is not positive.
double improvement_pct(double without, double with);

struct BootstrapSpec {
	double level = 0.95;
	int resamples = 2000;
	uint64_t seed = 1;
};

// The interval a row's improvement lies in with probability `level`, by the percentile
// bootstrap: each resample draws every column's samples again with replacement (same
// count), takes each column's minimum as the table does, and applies the formula.
struct ImprovementInterval {
	double level = 0.95;
	double low_pct = 0, high_pct = 0;
	int resamples = 0;
	uint64_t seed = 0;
	// False when the interval contains 0: the samples cannot tell the columns apart.
	bool significant() const;
};

ImprovementInterval bootstrap_improvement(const std::vector<double> &without,
					  const std::vector<double> &with,
					  const BootstrapSpec &spec = {});

void to_json(nlohmann::json &j, const ImprovementInterval &ci);
void from_json(const nlohmann::json &j, ImprovementInterval &ci);

} // namespace pfn
