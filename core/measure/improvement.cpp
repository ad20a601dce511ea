#include "measure/improvement.h"

#include <algorithm>
#include <limits>

#include <nlohmann/json.hpp>

#include "base/error.h"
#include "base/rng.h"
#include "base/stats.h"

namespace pfn {

double improvement_pct(double without, double with)
{
	return without > 0 ? (without - with) / without * 100.0 : 0.0;
}

bool ImprovementInterval::significant() const
{
	return low_pct > 0 || high_pct < 0;
}

namespace {

double resampled_min(const std::vector<double> &samples, Rng &rng)
{
	double best = std::numeric_limits<double>::infinity();
	for (size_t i = 0; i < samples.size(); i++)
		best = std::min(best, samples[rng.below(samples.size())]);
	return best;
}

} // namespace

ImprovementInterval bootstrap_improvement(const std::vector<double> &without,
					  const std::vector<double> &with,
					  const BootstrapSpec &spec)
{
	if (spec.resamples < 1 || !(spec.level > 0 && spec.level < 1))
		throw Error("bootstrap: needs at least one resample and a level in (0, 1)");
	ImprovementInterval ci;
	ci.level = spec.level;
	ci.resamples = spec.resamples;
	ci.seed = spec.seed;
	// No samples in a column: nothing to resample, and nothing is shown to differ.
	if (without.empty() || with.empty())
		return ci;
	Rng rng(spec.seed);
	std::vector<double> stats(size_t(spec.resamples));
	for (double &s : stats) {
		double wo = resampled_min(without, rng);
		s = improvement_pct(wo, resampled_min(with, rng));
	}
	std::sort(stats.begin(), stats.end());
	const double tail = (1.0 - spec.level) / 2.0;
	ci.low_pct = quantile_sorted(stats, tail);
	ci.high_pct = quantile_sorted(stats, 1.0 - tail);
	return ci;
}

void to_json(nlohmann::json &j, const ImprovementInterval &ci)
{
	j = nlohmann::json{{"level", ci.level},		{"low_pct", ci.low_pct},
			   {"high_pct", ci.high_pct},	{"resamples", ci.resamples},
			   {"seed", ci.seed},		{"significant", ci.significant()}};
}

void from_json(const nlohmann::json &j, ImprovementInterval &ci)
{
	j.at("level").get_to(ci.level);
	j.at("low_pct").get_to(ci.low_pct);
	j.at("high_pct").get_to(ci.high_pct);
	j.at("resamples").get_to(ci.resamples);
	j.at("seed").get_to(ci.seed);
}

} // namespace pfn
