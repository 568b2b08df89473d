#include "app.hpp"

#include <iostream>

#include <unistd.h>

int main(int argc, char** argv) {
    // Into a pipe or a file, std::cout gets a buffer of its own instead of a write through
    // stdio per piece: a 500-kernel listing costs a third less. On a terminal output stays
    // in step with stderr and prompts.
    if (::isatty(STDOUT_FILENO) != 1) std::ios::sync_with_stdio(false);
    return bootsmith::cli::run(argc, argv);
}
