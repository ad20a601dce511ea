// PAPI first, because it knows every vendor's event names. The kernel's generic events are
// a fallback with perf_event_open: Debian's libpfm4 does not know every CPU (Zen 5 gives
// "no default PMU found"), and then PAPI disables its perf_event component and cannot even
// count page faults, although the kernel can.
#include "platform/counters.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <linux/perf_event.h>
#include <papi.h>
#include <pthread.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "base/error.h"

namespace pfn {

namespace {

struct PapiState {
	bool ok = false;
	std::string reason;                  // why PAPI is unusable, when !ok
	std::vector<std::string> disabled;   // "perf_event: <reason>" per disabled component
};

unsigned long papi_thread_id() { return static_cast<unsigned long>(pthread_self()); }

// PAPI is initialised once per process; the function-local static makes that thread-safe.
const PapiState &papi()
{
	static const PapiState state = [] {
		PapiState s;
		int ret = PAPI_library_init(PAPI_VER_CURRENT);
		if (ret != PAPI_VER_CURRENT) {
			s.reason = ret > 0 ? "PAPI library version mismatch"
					   : fmt::format("PAPI_library_init: {}", PAPI_strerror(ret));
			return s;
		}
		ret = PAPI_thread_init(papi_thread_id);
		if (ret != PAPI_OK) {
			s.reason = fmt::format("PAPI_thread_init: {}", PAPI_strerror(ret));
			return s;
		}
		for (int cid = 0; cid < PAPI_num_components(); cid++) {
			const PAPI_component_info_t *info = PAPI_get_component_info(cid);
			// Only the CPU component matters for this suite's events.
			if (info && info->disabled && std::string_view(info->name) == "perf_event")
				s.disabled.push_back(fmt::format("PAPI perf_event component disabled: {}",
								 info->disabled_reason));
		}
		s.ok = true;
		return s;
	}();
	return state;
}

// Name lookups and event sets are created and destroyed under one lock: PAPI's tables of
// native events and of event sets are global even with thread support on, and its name
// lookup frees and rewrites shared entries. start/stop stay lock-free.
std::mutex &papi_lock()
{
	static std::mutex m;
	return m;
}

// PAPI keeps per-thread state that its name lookup and PAPI_add_event write to; a thread
// it has not seen has none, and PAPI 7.0 then dereferences a null pointer (the segfault of
// lat_mem_rd -P on machines where the perf_event component is on). PAPI_register_thread
// gives the calling thread that state; PAPI_unregister_thread frees it when the thread
// exits, before pthread_self() values are reused by later threads. Returns PAPI_OK or why
// the thread cannot use PAPI.
int register_papi_thread()
{
	// Under our lock too: PAPI guards its list of threads with inline-assembly spin locks
	// that race detectors cannot see, and one lock around every change to PAPI's shared
	// state is simpler to reason about.
	struct Registration {
		int status;
		Registration()
		{
			std::lock_guard lock(papi_lock());
			status = PAPI_register_thread();
		}
		~Registration()
		{
			std::lock_guard lock(papi_lock());
			if (status == PAPI_OK)
				PAPI_unregister_thread();
		}
	};
	thread_local Registration r;
	return r.status;
}

std::string papi_reason(int ret)
{
	std::string r = PAPI_strerror(ret);
	for (const auto &d : papi().disabled)
		r += " (" + d + ")";
	return r;
}

// The kernel's generic events, named the way libpfm4's "perf" PMU names them.
struct KernelEvent {
	const char *name;
	uint32_t type;
	uint64_t config;
	const char *description;
};
constexpr uint64_t cache_event(uint64_t cache, uint64_t op, uint64_t result)
{
	return cache | (op << 8) | (result << 16);
}
constexpr KernelEvent kernel_events[] = {
	{"perf::PAGE-FAULTS", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS, "page faults"},
	{"perf::MINOR-FAULTS", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MIN, "minor page faults"},
	{"perf::MAJOR-FAULTS", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_PAGE_FAULTS_MAJ, "major page faults"},
	{"perf::TASK-CLOCK", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_TASK_CLOCK, "task clock, ns"},
	{"perf::CPU-CLOCK", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_CLOCK, "cpu clock, ns"},
	{"perf::CONTEXT-SWITCHES", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CONTEXT_SWITCHES, "context switches"},
	{"perf::CPU-MIGRATIONS", PERF_TYPE_SOFTWARE, PERF_COUNT_SW_CPU_MIGRATIONS, "cpu migrations"},
	{"perf::CYCLES", PERF_TYPE_HARDWARE, PERF_COUNT_HW_CPU_CYCLES, "core cycles"},
	{"perf::INSTRUCTIONS", PERF_TYPE_HARDWARE, PERF_COUNT_HW_INSTRUCTIONS, "instructions"},
	{"perf::DTLB-LOAD-MISSES", PERF_TYPE_HW_CACHE,
	 cache_event(PERF_COUNT_HW_CACHE_DTLB, PERF_COUNT_HW_CACHE_OP_READ, PERF_COUNT_HW_CACHE_RESULT_MISS),
	 "data TLB load misses (kernel's generic event)"},
	{"perf::DTLB-LOADS", PERF_TYPE_HW_CACHE,
	 cache_event(PERF_COUNT_HW_CACHE_DTLB, PERF_COUNT_HW_CACHE_OP_READ, PERF_COUNT_HW_CACHE_RESULT_ACCESS),
	 "data TLB loads (kernel's generic event)"},
};

bool iequal(std::string_view a, std::string_view b)
{
	return std::ranges::equal(a, b, [](char x, char y) { return std::toupper(x) == std::toupper(y); });
}

// "perf::PAGE-FAULTS", "PAGE-FAULTS" and "page-faults" all name the same kernel event.
const KernelEvent *find_kernel_event(std::string_view name)
{
	std::string_view bare = name.starts_with("perf::") ? name.substr(6) : name;
	for (const auto &e : kernel_events)
		if (iequal(std::string_view(e.name).substr(6), bare))
			return &e;
	return nullptr;
}

// Opens a counter for the calling thread (pid 0, any CPU), disabled; returns the fd or
// -errno. Each measuring thread opens its own: the count follows that thread only.
int open_kernel_event(uint32_t type, uint64_t config)
{
	perf_event_attr attr{};
	attr.size = sizeof(attr);
	attr.type = type;
	attr.config = config;
	attr.disabled = 1;
	attr.exclude_hv = 1;
	long fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	if (fd < 0 && (errno == EACCES || errno == EPERM)) {
		// perf_event_paranoid >= 2 forbids kernel-side counting to normal users.
		attr.exclude_kernel = 1;
		fd = syscall(SYS_perf_event_open, &attr, 0, -1, -1, PERF_FLAG_FD_CLOEXEC);
	}
	return fd < 0 ? -errno : int(fd);
}

std::string kernel_reason(uint32_t type, int err)
{
	std::string r = errno_text("perf_event_open", err);
	if (std::string pmu = no_pmu_note(); type != PERF_TYPE_SOFTWARE && !pmu.empty())
		r += " (" + pmu + ")";
	return r;
}

// Creates an event set holding code on the calling thread, starts and stops it: what a
// CounterSet will do. "" when it counted, else why not.
std::string papi_probe(int code)
{
	int set = PAPI_NULL;
	int ret = PAPI_create_eventset(&set);
	if (ret != PAPI_OK)
		return "PAPI_create_eventset: " + papi_reason(ret);
	std::string failure;
	ret = PAPI_add_event(set, code);
	if (ret != PAPI_OK) {
		failure = papi_reason(ret);
	} else if (ret = PAPI_start(set); ret != PAPI_OK) {
		failure = "PAPI_start: " + papi_reason(ret);
	} else {
		long long value = 0;
		ret = PAPI_stop(set, &value);
		if (ret != PAPI_OK)
			failure = "PAPI_stop: " + papi_reason(ret);
	}
	PAPI_cleanup_eventset(set);
	PAPI_destroy_eventset(&set);
	return failure;
}

// The one decision of whether and how `name` counts here (see CounterPlan). On failure
// returns nullopt and sets reason.
std::optional<CounterPlan::Event> resolve_event(const std::string &name, std::string &reason)
{
	std::string papi_failure;
	const PapiState &p = papi();
	if (!p.ok) {
		papi_failure = p.reason;
	} else if (int ret = register_papi_thread(); ret != PAPI_OK) {
		papi_failure = "PAPI_register_thread: " + papi_reason(ret);
	} else {
		std::lock_guard lock(papi_lock());
		int code = 0;
		int named = PAPI_event_name_to_code(name.c_str(), &code);
		papi_failure = named == PAPI_OK ? papi_probe(code) : papi_reason(named);
		if (papi_failure.empty())
			return CounterPlan::Event{name, true, code, PAPI_get_event_component(code), 0, 0};
	}
	if (const KernelEvent *k = find_kernel_event(name)) {
		int fd = open_kernel_event(k->type, k->config);
		if (fd >= 0) {
			close(fd);
			return CounterPlan::Event{name, false, 0, -1, k->type, k->config};
		}
		reason = fmt::format("PAPI: {}; {}", papi_failure, kernel_reason(k->type, -fd));
		return std::nullopt;
	}
	reason = "PAPI: " + papi_failure;
	return std::nullopt;
}

bool counts_here(const std::string &name)
{
	std::string reason;
	return resolve_event(name, reason).has_value();
}

} // namespace

struct CounterSet::Group {
	int eventset = PAPI_NULL;
	int component = -1;
	std::vector<std::string> names;
};

struct CounterSet::Perf {
	int fd = -1;
	std::string name;
};

const std::vector<std::vector<std::string>> &default_event_candidates()
{
	static const std::vector<std::vector<std::string>> lists = {
		// Data-TLB misses that needed a page walk: the cost huge mappings remove.
		{
			"PAPI_TLB_DM",
			// AMD Zen 2-4 (libpfm4 names): L1 DTLB misses that also missed the L2 DTLB.
			"L1_DTLB_MISS:TLB_RELOAD_4K_L2_MISS:TLB_RELOAD_2M_L2_MISS:TLB_RELOAD_1G_L2_MISS:"
			"TLB_RELOAD_COALESCED_PAGE_MISS",
			"LS_L1_D_TLB_MISS:ALL_L2_MISS",
			// Intel Skylake and later, then older cores.
			"DTLB_LOAD_MISSES:WALK_COMPLETED",
			"DTLB_LOAD_MISSES:MISS_CAUSES_A_WALK",
			// The kernel's generic event, where PAPI's perf_event component is off.
			"perf::DTLB-LOAD-MISSES",
		},
		{"PAPI_TOT_CYC", "perf::CYCLES"},
	};
	return lists;
}

std::vector<std::string> default_counter_events()
{
	// The probes start counters; once per process is enough.
	static const std::vector<std::string> events = [] {
		std::vector<std::string> out;
		for (const auto &list : default_event_candidates()) {
			// The plan's own decision (resolve_event), so a default never names an
			// event that the run then cannot count while another candidate could.
			auto counts = std::ranges::find_if(list, counts_here);
			out.push_back(counts != list.end() ? *counts : list.front());
		}
		return out;
	}();
	return events;
}

std::vector<std::string> split_counter_list(std::string_view text)
{
	std::vector<std::string> out;
	if (text.empty() || text == "none")
		return out;
	size_t pos = 0;
	while (true) {
		size_t comma = text.find(',', pos);
		std::string_view item = text.substr(pos, comma == std::string_view::npos ? text.npos : comma - pos);
		while (!item.empty() && std::isspace(static_cast<unsigned char>(item.front())))
			item.remove_prefix(1);
		while (!item.empty() && std::isspace(static_cast<unsigned char>(item.back())))
			item.remove_suffix(1);
		if (item.empty())
			throw Error(fmt::format("empty event name in counter list \"{}\"; give names "
						"separated by commas (see --list-counters)", text));
		out.emplace_back(item);
		if (comma == std::string_view::npos)
			break;
		pos = comma + 1;
	}
	return out;
}

std::vector<std::string> parse_counter_list(std::string_view text)
{
	std::vector<std::string> out;
	for (auto &item : split_counter_list(text)) {
		if (item == "default") {
			for (auto &e : default_counter_events())
				out.push_back(e);
		} else {
			out.push_back(std::move(item));
		}
	}
	// Asking for one event twice would count it twice in one set: keep the first.
	std::vector<std::string> unique;
	for (auto &e : out)
		if (std::ranges::find(unique, e) == unique.end())
			unique.push_back(e);
	return unique;
}

CounterPlan::CounterPlan(const std::vector<std::string> &events)
{
	for (const auto &name : events) {
		if (std::ranges::find(events_, name, &Event::name) != events_.end() ||
		    unavailable_.count(name))
			continue;
		std::string reason;
		if (auto e = resolve_event(name, reason))
			events_.push_back(std::move(*e));
		else
			unavailable_[name] = reason;
	}
}

std::vector<std::string> CounterPlan::countable() const
{
	std::vector<std::string> out;
	for (const auto &e : events_)
		out.push_back(e.name);
	return out;
}

CounterSet::CounterSet(const CounterPlan &plan) : unavailable_(plan.unavailable())
{
	// PAPI is touched only when the plan counts something through it.
	bool papi_events = std::ranges::any_of(plan.events(), &CounterPlan::Event::papi);
	std::string papi_failure;
	if (papi_events) {
		if (int ret = register_papi_thread(); ret != PAPI_OK)
			papi_failure = "PAPI_register_thread: " + papi_reason(ret);
	}
	for (const auto &e : plan.events()) {
		if (!e.papi) {
			int fd = open_kernel_event(e.kernel_type, e.kernel_config);
			if (fd >= 0) {
				perf_.push_back({fd, e.name});
				names_.push_back(e.name);
			} else {
				unavailable_[e.name] = kernel_reason(e.kernel_type, -fd);
			}
			continue;
		}
		if (!papi_failure.empty()) {
			unavailable_[e.name] = papi_failure;
			continue;
		}
		// The plan's probe counted this event alone; here it may still not fit beside
		// the others (too few hardware counters).
		std::lock_guard lock(papi_lock());
		int ret = PAPI_OK;
		auto g = std::ranges::find(groups_, e.papi_component, &Group::component);
		if (g == groups_.end()) {
			Group fresh;
			fresh.component = e.papi_component;
			ret = PAPI_create_eventset(&fresh.eventset);
			if (ret == PAPI_OK) {
				groups_.push_back(fresh);
				g = groups_.end() - 1;
			}
		}
		if (ret == PAPI_OK)
			ret = PAPI_add_event(g->eventset, e.papi_code);
		if (ret == PAPI_OK) {
			g->names.push_back(e.name);
			names_.push_back(e.name);
		} else {
			unavailable_[e.name] = "PAPI: " + papi_reason(ret);
		}
	}
	// Event sets left empty (every add failed) are of no use.
	std::lock_guard lock(papi_lock());
	for (auto it = groups_.begin(); it != groups_.end();) {
		if (it->names.empty()) {
			PAPI_destroy_eventset(&it->eventset);
			it = groups_.erase(it);
		} else {
			++it;
		}
	}
}

CounterSet::~CounterSet()
{
	if (running_) {
		std::vector<long long> scratch(64);
		for (auto &g : groups_)
			PAPI_stop(g.eventset, scratch.data());
	}
	std::lock_guard lock(papi_lock());
	for (auto &g : groups_) {
		PAPI_cleanup_eventset(g.eventset);
		PAPI_destroy_eventset(&g.eventset);
	}
	for (auto &f : perf_)
		close(f.fd);
}

void CounterSet::drop(const std::string &name, const std::string &reason)
{
	std::erase(names_, name);
	unavailable_[name] = reason;
}

void CounterSet::start()
{
	if (running_)
		throw Error("internal: CounterSet::start() called twice without stop()");
	for (auto it = groups_.begin(); it != groups_.end();) {
		int ret = PAPI_start(it->eventset);
		if (ret != PAPI_OK) {
			for (auto &n : it->names)
				drop(n, "PAPI_start: " + papi_reason(ret));
			std::lock_guard lock(papi_lock());
			PAPI_cleanup_eventset(it->eventset);
			PAPI_destroy_eventset(&it->eventset);
			it = groups_.erase(it);
		} else {
			++it;
		}
	}
	// Kernel counters last and stopped first, so they bracket the timed part most tightly.
	for (auto &f : perf_) {
		ioctl(f.fd, PERF_EVENT_IOC_RESET, 0);
		ioctl(f.fd, PERF_EVENT_IOC_ENABLE, 0);
	}
	running_ = true;
}

CounterValues CounterSet::stop()
{
	if (!running_)
		throw Error("internal: CounterSet::stop() called without start()");
	running_ = false;
	CounterValues out;
	for (auto &f : perf_)
		ioctl(f.fd, PERF_EVENT_IOC_DISABLE, 0);
	for (auto it = perf_.begin(); it != perf_.end();) {
		uint64_t count = 0;
		if (read(it->fd, &count, sizeof(count)) == ssize_t(sizeof(count))) {
			out.values[it->name] = static_cast<long long>(count);
			++it;
		} else {
			drop(it->name, errno_text("reading perf_event counter", errno));
			close(it->fd);
			it = perf_.erase(it);
		}
	}
	for (auto &g : groups_) {
		std::vector<long long> counts(g.names.size());
		int ret = PAPI_stop(g.eventset, counts.data());
		if (ret != PAPI_OK) {
			for (auto &n : g.names)
				unavailable_[n] = "PAPI_stop: " + papi_reason(ret);
			continue;
		}
		for (size_t i = 0; i < g.names.size(); i++)
			out.values[g.names[i]] = counts[i];
	}
	std::erase_if(names_, [&](const std::string &n) { return !out.values.count(n); });
	out.unavailable = unavailable_;
	return out;
}

CounterInventory list_countable_events()
{
	CounterInventory inv;
	// Whatever CounterPlan would count: the inventory and the runs never disagree.
	auto probe = [](const std::string &name) { return counts_here(name); };
	const PapiState &p = papi();
	std::set<std::string> seen;
	if (!p.ok) {
		inv.disabled.push_back("PAPI: " + p.reason);
	} else if (int ret = register_papi_thread(); ret != PAPI_OK) {
		inv.disabled.push_back("PAPI_register_thread: " + papi_reason(ret));
	} else {
		for (const auto &d : p.disabled)
			inv.disabled.push_back(d);
		int code = PAPI_PRESET_MASK;
		if (PAPI_enum_event(&code, PAPI_ENUM_FIRST) == PAPI_OK) {
			do {
				PAPI_event_info_t info{};
				if (PAPI_get_event_info(code, &info) != PAPI_OK || !probe(info.symbol))
					continue;
				inv.countable.push_back({info.symbol, "papi-preset", info.short_descr});
				seen.insert(info.symbol);
			} while (PAPI_enum_event(&code, PAPI_PRESET_ENUM_AVAIL) == PAPI_OK);
		}
		for (int cid = 0; cid < PAPI_num_components(); cid++) {
			const PAPI_component_info_t *ci = PAPI_get_component_info(cid);
			if (!ci || ci->disabled)
				continue;
			code = PAPI_NATIVE_MASK;
			if (PAPI_enum_cmp_event(&code, PAPI_ENUM_FIRST, cid) != PAPI_OK)
				continue;
			do {
				PAPI_event_info_t info{};
				if (PAPI_get_event_info(code, &info) != PAPI_OK || !probe(info.symbol))
					continue;
				inv.countable.push_back({info.symbol, std::string("papi-native:") + ci->name,
							 info.long_descr});
				seen.insert(info.symbol);
			} while (PAPI_enum_cmp_event(&code, PAPI_ENUM_EVENTS, cid) == PAPI_OK);
		}
	}
	std::vector<std::string> kernel_missing;
	for (const auto &k : kernel_events) {
		if (seen.count(k.name))
			continue;
		int fd = open_kernel_event(k.type, k.config);
		if (fd >= 0) {
			close(fd);
			inv.countable.push_back({k.name, "perf_event_open", k.description});
		} else {
			kernel_missing.push_back(fmt::format("{}: {}", k.name, kernel_reason(k.type, -fd)));
		}
	}
	for (auto &m : kernel_missing)
		inv.disabled.push_back(m);
	return inv;
}

void accumulate(CounterValues &total, const CounterValues &add)
{
	for (const auto &[name, v] : add.values)
		total.values[name] += v;
	for (const auto &[name, why] : add.unavailable)
		total.unavailable.emplace(name, why);
}

std::string no_pmu_note()
{
	std::error_code ec;
	for (const char *pmu : {"cpu", "cpu_core", "cpu_atom", "armv8_pmuv3"})
		if (std::filesystem::exists(std::string("/sys/bus/event_source/devices/") + pmu, ec))
			return "";
	return "this machine exposes no hardware PMU";
}

} // namespace pfn
