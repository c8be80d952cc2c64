// Running another program and waiting for it (the editor of `retort migrate edit`, a runner and its build, Graphviz's
// dot): posix_spawnp with this process's environment, no shell unless argv names one.
#pragma once

#include <string>
#include <vector>

#include "retort/export.hpp"

namespace retort::detail {

struct ProcessResult {
    int start_error = 0;  // errno when the program could not be started (ENOENT: not found); then nothing ran
    int exit_status = 0;  // its exit status, when it exited
    int signal = 0;       // the signal that ended it, when one did
    [[nodiscard]] bool ok() const noexcept { return start_error == 0 && signal == 0 && exit_status == 0; }
};

// Runs argv[0] (looked up in PATH) with the arguments argv[1...] and waits for it.
RETORT_API ProcessResult run_program(const std::vector<std::string>& argv);

}  // namespace retort::detail
