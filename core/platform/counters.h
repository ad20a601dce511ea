// Event counters read around a timed part only (PAPI, with the kernel's own software and
// generic events as a fallback), never failing a run for an event the machine lacks.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace pfn {

// Raw counter values read around the timed part, keyed by event name, plus why any
// requested event could not be counted.
struct CounterValues {
	std::map<std::string, long long> values;
	std::map<std::string, std::string> unavailable; // event -> reason
};

// One chase's own counts in a parallel (lmbench -P) point: each thread counts itself.
struct ThreadCounters {
	int cpu = -1;           // the CPU the chase was pinned to
	uint64_t loads = 0;     // timed loads the counts were taken over (all samples)
	CounterValues counters;
};

// The events asked for when the user names none: a data-TLB miss / page-walk event
// (PAPI_TLB_DM, else the CPU's native AMD or Intel event, else the kernel's generic
// dTLB-load-misses) and core cycles: of each list, the first a CounterPlan can count here
// (decided once per process). When none can, the PAPI preset name is kept so that the
// reason it fails gets reported.
std::vector<std::string> default_counter_events();
// The candidate lists behind default_counter_events(), best first; the first name of each
// list is the PAPI preset kept when nothing in the list counts.
const std::vector<std::vector<std::string>> &default_event_candidates();

// "a, b,c" -> {"a","b","c"} as written ("default" stays a name), "none" or "" -> nothing.
// Throws Error for an empty name inside the list: the syntax, checked alone while the
// command line is parsed (before anything is mapped), without probing any counter.
std::vector<std::string> split_counter_list(std::string_view text);
// split_counter_list() with "default" expanded to default_counter_events(), each event
// kept once.
std::vector<std::string> parse_counter_list(std::string_view text);

// Which source counts each asked-for event on this machine, decided once per event: PAPI
// when PAPI names it and an event set holding it really starts and stops, else the
// kernel's perf_event_open for its generic events, else not at all, with the reasons.
// Build it once, before any measuring thread starts, and give every thread the same plan:
// the name lookups and probes then run on one thread (PAPI's lookup is neither safe from
// several threads at once nor usable on a thread PAPI has not registered), and every
// thread counts by the same decision.
class CounterPlan {
public:
	CounterPlan() = default; // counts nothing
	explicit CounterPlan(const std::vector<std::string> &events);

	bool empty() const { return events_.empty() && unavailable_.empty(); }
	// The events that count here, in the order asked for.
	std::vector<std::string> countable() const;
	// Every asked event that cannot be counted here -> why.
	const std::map<std::string, std::string> &unavailable() const { return unavailable_; }

	// How one countable event is counted (what CounterSet builds from).
	struct Event {
		std::string name;
		bool papi = false;       // else the kernel's generic event below
		int papi_code = 0;
		int papi_component = -1;
		uint32_t kernel_type = 0;
		uint64_t kernel_config = 0;
	};
	const std::vector<Event> &events() const { return events_; }

private:
	std::vector<Event> events_;
	std::map<std::string, std::string> unavailable_;
};

// A plan's events counted together on the calling thread, which it registers with PAPI
// (until the thread exits) when the plan has PAPI events. Construction never throws for an
// event that cannot be counted: it goes to unavailable() with the reason, and the other
// events go on. Not shared between threads: build one per measuring thread, and start,
// stop and destroy it on that thread.
class CounterSet {
public:
	explicit CounterSet(const CounterPlan &plan);
	~CounterSet();
	CounterSet(const CounterSet &) = delete;
	CounterSet &operator=(const CounterSet &) = delete;

	// Events that will be counted, in the order asked for.
	const std::vector<std::string> &counting() const { return names_; }
	const std::map<std::string, std::string> &unavailable() const { return unavailable_; }
	bool empty() const { return names_.empty(); }

	// Counts from zero between start() and stop(); stop() returns the raw counts plus
	// every unavailable event with its reason. An event that fails at start/stop time
	// moves to unavailable rather than throwing.
	void start();
	CounterValues stop();

private:
	struct Group; // one PAPI event set (one component)
	struct Perf;  // one perf_event_open descriptor
	std::vector<std::string> names_;
	std::map<std::string, std::string> unavailable_;
	std::vector<Group> groups_;
	std::vector<Perf> perf_;
	bool running_ = false;
	void drop(const std::string &name, const std::string &reason);
};

// Which events this machine can count, for `--list-counters` / `pfnbench info`.
struct EventInfo {
	std::string name;
	std::string source;      // "papi-preset", "papi-native:<component>", "perf_event_open"
	std::string description;
};
struct CounterInventory {
	std::vector<EventInfo> countable;
	// Components or sources that offer nothing here, with their reasons.
	std::vector<std::string> disabled;
};
// Probes every PAPI preset, every native event of active PAPI components and the kernel
// events of the fallback table, keeping those a CounterPlan would count here (the same
// decision). For --list-counters and pfnbench info: call it with no measuring threads.
CounterInventory list_countable_events();

// Totals over samples: adds values, keeps the union of reasons.
void accumulate(CounterValues &total, const CounterValues &add);

// "" when the kernel exposes a hardware PMU (a cpu PMU in /sys/bus/event_source/devices),
// else a note saying it does not: why CPU events "do not exist" (TCG, VMs without a
// virtual PMU).
std::string no_pmu_note();

} // namespace pfn
