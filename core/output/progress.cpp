#include "output/progress.h"

#include <unistd.h>

#include <cstdio>

#include <fmt/format.h>

#include "base/timer.h"

namespace pfn {

bool stderr_is_tty()
{
	return isatty(STDERR_FILENO) == 1;
}

Progress::Progress(int total, bool enabled)
	: total_(total), enabled_(enabled), start_ns_(now_ns())
{
}

Progress::~Progress()
{
	finish();
}

void Progress::step(const std::string &what)
{
	if (!enabled_) {
		done_++;
		return;
	}
	std::string eta;
	if (done_ > 0) {
		double per = double(now_ns() - start_ns_) / 1e9 / done_;
		int left = int(per * (total_ - done_));
		eta = fmt::format(", ~{}:{:02} left", left / 60, left % 60);
	}
	done_++;
	fmt::print(stderr, "\r\033[K[{}/{}] {}{}", done_, total_, what, eta);
	std::fflush(stderr);
}

void Progress::finish()
{
	if (enabled_ && done_ > 0) {
		fmt::print(stderr, "\r\033[K");
		std::fflush(stderr);
	}
	enabled_ = false;
}

} // namespace pfn
