#include "base/size.h"

#include <cctype>
#include <charconv>
#include <limits>
#include <utility>

#include <fmt/format.h>

#include "base/error.h"

namespace pfn {

size_t parse_size(std::string_view text, size_t default_unit)
{
	std::string_view s = text;
	while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back())))
		s.remove_suffix(1);
	while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front())))
		s.remove_prefix(1);

	unsigned long long value = 0;
	auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), value);
	if (ec == std::errc::result_out_of_range)
		throw Error(fmt::format("size '{}' is too large", text));
	if (ec != std::errc() || end == s.data())
		throw Error(fmt::format("invalid size '{}': expected a number with an optional "
					"K, M or G suffix, e.g. 64M", text));

	std::string_view suffix(end, size_t(s.data() + s.size() - end));
	size_t unit = default_unit;
	if (!suffix.empty()) {
		char c = char(std::toupper(static_cast<unsigned char>(suffix[0])));
		std::string_view rest = suffix.substr(1);
		if (c == 'B' && rest.empty())
			unit = 1;
		else if (c == 'K' || c == 'M' || c == 'G') {
			unit = c == 'K' ? KiB : c == 'M' ? MiB : GiB;
			if (!(rest.empty() || rest == "B" || rest == "b" || rest == "iB" ||
			      rest == "ib"))
				unit = 0;
		} else
			unit = 0;
		if (unit == 0)
			throw Error(fmt::format("invalid size '{}': unknown unit '{}' (use K, M or G)",
						text, suffix));
	}
	if (value == 0)
		throw Error(fmt::format("size '{}' must be greater than zero", text));
	if (value > std::numeric_limits<size_t>::max() / unit)
		throw Error(fmt::format("size '{}' is too large", text));
	return size_t(value) * unit;
}

std::string format_size(size_t bytes)
{
	const std::pair<size_t, const char *> units[] = {{GiB, "GiB"}, {MiB, "MiB"}, {KiB, "KiB"}};
	for (const auto &[unit, name] : units) {
		if (bytes < unit)
			continue;
		if (bytes % unit == 0)
			return fmt::format("{} {}", bytes / unit, name);
		return fmt::format("{:.1f} {}", double(bytes) / double(unit), name);
	}
	return fmt::format("{} bytes", bytes);
}

} // namespace pfn
