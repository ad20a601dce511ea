#include "measure/sampler.h"

#include <algorithm>
#include <cmath>

namespace pfn {

Sampler::Sampler(const CounterPlan &counters, uint64_t units, SampleClock clock)
	: units_(std::max<uint64_t>(units, 1)), clock_(clock)
{
	if (!counters.empty())
		set_ = std::make_unique<CounterSet>(counters);
}

Sampler::~Sampler() = default;
Sampler::Sampler(Sampler &&) noexcept = default;
Sampler &Sampler::operator=(Sampler &&) noexcept = default;

void Sampler::warm_up(const SampleBody &body, uint64_t units, double us)
{
	if (units)
		body(units);
	if (us <= 0)
		return;
	const uint64_t until = clock_() + uint64_t(us * 1000);
	while (clock_() < until)
		body(units_);
}

void Sampler::calibrate(const SampleBody &body, double min_ms)
{
	const double min_ns = min_ms * 1e6;
	if (min_ns <= 0)
		return;
	// Aim 20 % past the target, never more than 16x at a time (a first run slowed by
	// something else would overshoot) and at least 1.25x (a run just short of it).
	for (int i = 0; i < 40; i++) {
		uint64_t t0 = clock_();
		body(units_);
		double took = double(clock_() - t0);
		if (took >= min_ns)
			break;
		double scale = took > 0 ? std::min(16.0, 1.2 * min_ns / took) : 16.0;
		units_ = uint64_t(std::ceil(double(units_) * std::max(scale, 1.25)));
	}
}

double Sampler::sample(const SampleBody &body)
{
	if (set_)
		set_->start();
	uint64_t t0 = clock_();
	body(units_);
	uint64_t t1 = clock_();
	if (set_)
		accumulate(counted_, set_->stop());
	samples_.push_back(double(t1 - t0));
	return samples_.back();
}

CounterValues Sampler::counters() const
{
	if (!set_)
		return {};
	CounterValues out = counted_;
	// Before any sample (or when none counted) the reasons still say why.
	for (const auto &[name, why] : set_->unavailable())
		out.unavailable.emplace(name, why);
	return out;
}

} // namespace pfn
