#include "detail/process.hpp"

#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>

extern char** environ;

namespace retort::detail {

ProcessResult run_program(const std::vector<std::string>& argv) {
    ProcessResult r;
    if (argv.empty()) {
        r.start_error = EINVAL;
        return r;
    }
    std::vector<char*> ptrs;
    ptrs.reserve(argv.size() + 1);
    for (const auto& a : argv) ptrs.push_back(const_cast<char*>(a.c_str()));
    ptrs.push_back(nullptr);
    pid_t pid = 0;
    if (int rc = posix_spawnp(&pid, ptrs[0], nullptr, nullptr, ptrs.data(), environ); rc != 0) {
        r.start_error = rc;
        return r;
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            r.start_error = errno;
            return r;
        }
    }
    if (WIFEXITED(status)) r.exit_status = WEXITSTATUS(status);
    else if (WIFSIGNALED(status)) r.signal = WTERMSIG(status);
    return r;
}

}  // namespace retort::detail
