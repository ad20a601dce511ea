#include "run_program.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
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
	for (char c : s)
		q += c == '\'' ? std::string("'\\''") : std::string(1, c);
	return q + "'";
}

} // namespace

ProgramRun run_program(const std::string &program, const std::vector<std::string> &args)
{
	char dir[] = "/tmp/pfn-run-XXXXXX";
	if (!mkdtemp(dir))
		return {};
	std::string out = std::string(dir) + "/out", err = std::string(dir) + "/err";
	std::string cmd = quote(program);
	for (const auto &a : args)
		cmd += " " + quote(a);
	cmd += " >" + out + " 2>" + err + " </dev/null";
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
