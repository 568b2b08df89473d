#include "app.hpp"

int main(int argc, char** argv) {
    return bootsmith::cli::run(argc, argv);
}
