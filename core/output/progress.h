// Progress on a terminal ("[3/14] thp 256 MiB ... 0:42 left"); silent when stderr is not
// a terminal, so piped output stays clean.
#pragma once

#include <cstdint>
#include <string>

namespace pfn {

class Progress {
public:
	Progress(int total, bool enabled);
	~Progress();
	// Announces step number `done + 1` of total, with an estimate of the time left.
	void step(const std::string &what);
	void finish();

private:
	int total_, done_ = 0;
	bool enabled_;
	uint64_t start_ns_;
};

// True when stderr is a terminal.
bool stderr_is_tty();

} // namespace pfn
