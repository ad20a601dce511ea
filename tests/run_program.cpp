#include "run_program.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace {

std::string slurp(const std::string &path)
{
	std::ifstream in(path);
	std::stringstream ss;
	ss << in.rdbuf();
	return ss.str();
}

std::string quote(const std::string &s)
{
	std::string q = "'";
	for (char c : s) {
		if (c == '\'')
			q.append("'\\''");
		else
			q.push_back(c);
	}
	q.push_back('\'');
	return q;
}

} // namespace

ProgramRun run_program(const std::string &program, const std::vector<std::string> &args,
		       const std::vector<std::string> &env)
{
	char dir[] = "/tmp/pfn-run-XXXXXX";
	if (!mkdtemp(dir))
		return {};
	std::string out = dir, err = dir;
	out.append("/out");
	err.append("/err");
	std::string cmd;
	if (!env.empty()) {
		// env(1): a quoted NAME=value would be a command name to the shell.
		cmd = "env";
		for (const auto &e : env)
			cmd.append(" ").append(quote(e));
		cmd.append(" ");
	}
	cmd.append(quote(program));
	for (const auto &a : args)
		cmd.append(" ").append(quote(a));
	cmd.append(" >").append(out).append(" 2>").append(err).append(" </dev/null");
	int status = std::system(cmd.c_str());
	ProgramRun run;
	run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	run.out = slurp(out);
	run.err = slurp(err);
	unlink(out.c_str());
	unlink(err.c_str());
	rmdir(dir);
	return run;
}

std::vector<std::string> lines_of(const std::string &text)
{
	std::vector<std::string> lines;
	std::istringstream in(text);
	std::string line;
	while (std::getline(in, line))
		lines.push_back(line);
	return lines;
}

testing::AssertionResult stopped_unavailable(const ProgramRun &run, const std::string &program,
					     const std::string &needle, const std::string &json)
{
	auto lines = lines_of(run.err);
	if (run.exit_code != 3)
		return testing::AssertionFailure() << "exit " << run.exit_code << ", not 3\n" << run.err;
	if (lines.size() != 1)
		return testing::AssertionFailure() << lines.size() << " lines on stderr:\n" << run.err;
	if (lines[0].rfind(program + ": unavailable: ", 0) != 0 ||
	    lines[0].find(needle) == std::string::npos)
		return testing::AssertionFailure() << "not an unavailable line naming " << needle
						   << ": " << lines[0];
	if (run.out.find("Memory Size") != std::string::npos)
		return testing::AssertionFailure() << "a table was printed:\n" << run.out;
	if (std::filesystem::exists(json))
		return testing::AssertionFailure() << json << " was written";
	return testing::AssertionSuccess();
}
