// The one Catch2 main of every test executable. Tests that elaborate a SystemC
// design must be run one per process (ctest does this through
// catch_discover_tests); sc_main is provided so SystemC links.
#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>
#include <cstdlib>

int main(int argc, char* argv[]) {
    ::setenv("SYSTEMC_DISABLE_COPYRIGHT_MESSAGE", "1", 1);
    return Catch::Session().run(argc, argv);
}

// libsystemc.so refers to sc_main; tests drive sc_start() themselves.
extern "C" int sc_main(int, char**) { return 0; }
