// ddisim::tlm::waves — VCD waveforms of registered model signals.
//
// A model registers plain member variables once, at construction:
//     tlm::waves::add(name(), "busy", busy_);
// Nothing is traced unless the run asks for it: waves::open(path) (called by
// the platform before sc_start when --waves is given) creates the VCD file and
// sc_traces every registered variable under "<module>.<signal>". Variables
// must outlive the simulation (they are members of the modules).
#pragma once
#include <cstdint>
#include <string>

namespace ddisim::tlm::waves {

void add(const std::string& module, const char* signal, const bool& v);
void add(const std::string& module, const char* signal, const std::uint32_t& v);
void add(const std::string& module, const char* signal, const std::uint64_t& v);
void add(const std::string& module, const char* signal, const double& v);

// Opens path (".vcd" appended by SystemC is avoided: give the full name) and
// traces all registered signals. Call after elaboration, before sc_start.
void open(const std::string& path);
// Flushes and closes the file (at the end of the run).
void close();
// Number of registered signals.
std::size_t count();

} // namespace ddisim::tlm::waves
