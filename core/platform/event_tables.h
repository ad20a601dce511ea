// What this CPU's event tables say a counter event is: PAPI's presets are defined per CPU
// model over libpfm4's native events, and libpfm4 picks its tables from the CPUID vendor,
// family and model. So the same preset (PAPI_TLB_DM) stands for different native events
// on an Intel and an AMD core, and for none where libpfm4 does not know the CPU.
#pragma once

#include <string>
#include <vector>

namespace pfn {

struct EventTableEntry {
	std::string name;                // as asked
	std::vector<std::string> native; // the native events it stands for ("pmu::EVENT:UMASK")
	std::string note;                // when native is empty: why (not in the tables, a
					 // kernel generic event, PAPI not initialised)
};

// Looks name up in the tables PAPI has loaded. PAPI must be initialised already (the
// counters do that: call after default_counter_events() or a CounterSet).
EventTableEntry look_up_event(const std::string &name);

// "PAPI_TLB_DM = A + B" or "PAPI_TLB_DM (not in this CPU's event tables: ...)".
std::string describe(const EventTableEntry &e);

} // namespace pfn
